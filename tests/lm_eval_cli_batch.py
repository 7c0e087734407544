"""lm-eval's own CLI, run several times in one process.

Each run is exactly `lm_eval <argv>` (its parser, its metadata handling, its
hf model); only the start-up is shared. Python imports once, and lm-eval's
task index holds the --include_path folders alone: indexing its ~14.8k
built-in tasks costs ~9 s per run on 2 cores and no test uses one of them.

Usage: python lm_eval_cli_batch.py RUNS.json   (a JSON list of argv lists)
"""

import json
import sys
from pathlib import Path

import lm_eval.tasks
from lm_eval.__main__ import cli_evaluate


class IncludedTasksOnly(lm_eval.tasks.TaskManager):
    def __init__(self, *args, **kwargs):
        kwargs["include_defaults"] = False
        super().__init__(*args, **kwargs)


def main() -> None:
    # The CLI imports TaskManager from lm_eval.tasks when it builds one.
    lm_eval.tasks.TaskManager = IncludedTasksOnly
    for argv in json.loads(Path(sys.argv[1]).read_text()):
        sys.argv = ["lm_eval", *argv]
        cli_evaluate()


if __name__ == "__main__":
    main()
