"""`xtransfer-bench install-comet`: the COMET-22 extra, installed the only way it
co-installs with this stack (pinned, --no-deps; the file says why)."""

import subprocess
import sys

NAME = "install-comet"


def add_arguments(commands) -> None:
    commands.add_parser(NAME, help="install unbabel-comet for COMET-22 (pinned versions, pip --no-deps)")


def run(args) -> int:
    from xtransfer_bench.metrics.comet import REQUIREMENTS

    command = [sys.executable, "-m", "pip", "install", "--no-deps", "-r", str(REQUIREMENTS)]
    print(" ".join(command), flush=True)
    return subprocess.call(command)
