"""`xtransfer-bench tasks-path`: the task folder, for lm_eval --include_path."""

from xtransfer_bench import task_files

NAME = "tasks-path"


def add_arguments(commands) -> None:
    commands.add_parser(NAME, help="print the tasks folder, for lm_eval --include_path")


def run(args) -> int:
    print(task_files.TASKS_DIR)
    return 0
