"""The CLI is assembled from one module per command, and its help is what it was."""

from conftest import REPO
from xtransfer_bench import cli
from xtransfer_bench.commands import MODULES

HELP_COPIES = REPO / "tests" / "cli_help"


def _subparsers(parser):
    return next(action for action in parser._actions if action.__class__.__name__ == "_SubParsersAction").choices


def test_cli_is_small_and_each_command_module_too():
    assert len((REPO / "xtransfer_bench" / "cli.py").read_text().splitlines()) < 120
    for name in MODULES:
        lines = (REPO / "xtransfer_bench" / "commands" / f"{name}.py").read_text().splitlines()
        assert len(lines) < 200, name


def test_help_of_every_command_equals_the_copy(monkeypatch):
    """tests/cli_help holds each command's --help as taken before the CLI was
    split into modules (and as changed on purpose since: regenerate a file by
    writing parser.format_help() with COLUMNS=100 when a help text changes)."""
    monkeypatch.setenv("COLUMNS", "100")
    parser = cli.build_parser()
    assert parser.format_help() == (HELP_COPIES / "xtransfer-bench.txt").read_text()
    commands = _subparsers(parser)
    copies = {path.stem for path in HELP_COPIES.glob("*.txt")} - {"xtransfer-bench"}
    assert copies == set(commands) - {"eval"}  # eval's help is lm-eval's own
    for name in sorted(copies):
        assert commands[name].format_help() == (HELP_COPIES / f"{name}.txt").read_text(), name
