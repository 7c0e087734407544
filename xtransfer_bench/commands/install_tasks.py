"""`xtransfer-bench install-tasks`: let a bare `lm_eval --tasks 'xtransfer_*'` find our tasks."""

from xtransfer_bench import install_tasks, task_files

NAME = "install-tasks"


def add_arguments(commands) -> None:
    commands.add_parser(NAME, help="link our tasks into lm-eval, so a bare `lm_eval --tasks xtransfer_*` finds them")


def run(args) -> int:
    print(f"linked {install_tasks.install()} -> {task_files.TASKS_DIR}")
    return 0
