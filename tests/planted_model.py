"""A test-only lm-eval model that answers every request from a table
(task -> doc_id -> answer), so a run's scores are known in advance. Not
shipped: tests import this module (which registers it as "planted") before
starting lm-eval's CLI or ours in a subprocess."""

from __future__ import annotations

import json
from pathlib import Path

from lm_eval.api.model import LM
from lm_eval.api.registry import register_model


@register_model("planted")
class PlantedLM(LM):
    def __init__(self, answers: str, **_config):
        super().__init__()
        self.table = json.loads(Path(answers).read_text(encoding="utf-8"))

    def generate_until(self, requests, disable_tqdm: bool = False) -> list[str]:
        # A request the table does not name gets an empty answer (scores 0).
        return [self.table.get(request.task_name, {}).get(str(request.doc_id), "") for request in requests]

    def loglikelihood(self, requests, disable_tqdm: bool = False):
        raise NotImplementedError("every xtransfer task is a generation task")

    def loglikelihood_rolling(self, requests, disable_tqdm: bool = False):
        raise NotImplementedError("every xtransfer task is a generation task")


RUNNER = """
import sys
sys.path.insert(0, {tests!r})
import planted_model  # registers "planted"
{entry}
"""


def lm_eval_command(python: str, tests: Path, args: list[str]) -> list[str]:
    """lm-eval's own CLI entry point, with the planted model registered."""
    entry = f"sys.argv = ['lm_eval', *{args!r}]\nfrom lm_eval.__main__ import cli_evaluate\ncli_evaluate()"
    return [python, "-c", RUNNER.format(tests=str(tests), entry=entry)]


def xtransfer_command(python: str, tests: Path, args: list[str]) -> list[str]:
    """`xtransfer-bench ...` (our CLI's main), with the planted model registered."""
    entry = f"from xtransfer_bench.cli import main\nsys.exit(main({args!r}))"
    return [python, "-c", RUNNER.format(tests=str(tests), entry=entry)]
