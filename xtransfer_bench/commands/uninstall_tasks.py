"""`xtransfer-bench uninstall-tasks`: undo install-tasks."""

from xtransfer_bench import install_tasks

NAME = "uninstall-tasks"


def add_arguments(commands) -> None:
    commands.add_parser(NAME, help="remove that link")


def run(args) -> int:
    print("removed" if install_tasks.uninstall() else "nothing to remove", install_tasks.link_path())
    return 0
