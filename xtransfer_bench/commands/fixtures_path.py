"""`xtransfer-bench fixtures-path`: the bundled offline data root (a few rows of our own in every layout)."""

NAME = "fixtures-path"


def add_arguments(commands) -> None:
    commands.add_parser(NAME, help="print the bundled offline data root (a few rows of our own per benchmark), "
                        "for XTRANSFER_DATA_DIR")


def run(args) -> int:
    from xtransfer_bench.fixtures import FIXTURES_DIR

    print(FIXTURES_DIR)
    return 0
