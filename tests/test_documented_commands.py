"""Every command line shown in the READMEs and in every --help text is parsed
by the real parser (ours, lm-eval's, make's targets, python -m modules), and
the ones that can run here on the tiny model and the fixtures are run."""

from __future__ import annotations

import importlib.util
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO
from xtransfer_bench import cli
from xtransfer_bench.fixtures import FIXTURES_DIR

BIN = Path(sys.executable).parent
DOCUMENTS = ["README.md", "trainers/README.md", "leaderboard/README.md", "benchmarks/gpu/README.md"]
PROGRAMS = ("xtransfer-bench", "lm_eval", "python", "accelerate", "make")
# Shapes of a synopsis rather than a command: alternatives, placeholders for many arguments.
SYNOPSIS = re.compile(r"\||DIR\.\.\.|\[--|MODEL/ADAPTER\]")


def _joined(lines: list[str]) -> list[str]:
    """Lines with their backslash continuations joined."""
    commands, current = [], ""
    for line in lines:
        if line.rstrip().endswith("\\"):
            current += line.rstrip()[:-1] + " "
            continue
        commands.append((current + line).strip())
        current = ""
    return [c for c in commands if c]


def _is_command(line: str) -> bool:
    tokens = line.split()
    while tokens and re.match(r"^[A-Z_]+=", tokens[0]):
        tokens = tokens[1:]
    return bool(tokens) and tokens[0] in PROGRAMS


def readme_commands() -> list[tuple[str, str]]:
    found = []
    for name in DOCUMENTS:
        text = (REPO / name).read_text(encoding="utf-8")
        for block in re.findall(r"```(?:bash|sh)\n(.*?)```", text, flags=re.DOTALL):
            found += [(name, c) for c in _joined(block.splitlines()) if _is_command(c)]
        for span in re.findall(r"`([^`\n]+)`", re.sub(r"```.*?```", "", text, flags=re.DOTALL)):
            # A command named in prose ("`xtransfer-bench score` runs ...") is not a command line.
            if _is_command(span) and not SYNOPSIS.search(span) and len(span.split()) > 2:
                found.append((name, span))
    return found


def help_commands() -> list[tuple[str, str]]:
    from xtransfer_bench.commands.eval import OUR_HELP

    parser = cli.build_parser()
    texts = {"xtransfer-bench --help": parser.epilog or "", "eval --help": OUR_HELP}
    for name, sub in _subparsers(parser).items():
        if name != "eval":  # its help is OUR_HELP, then lm-eval's own
            texts[f"{name} --help"] = sub.epilog or ""
    found = []
    for where, text in texts.items():
        _, marker, examples = text.partition("example")
        lines = [line.strip() for line in examples.splitlines()[1:]] if marker else []
        found += [(where, c) for c in _joined(lines) if _is_command(c)]
    return found


def _subparsers(parser):
    return next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction").choices


def parse(command: str) -> None:
    """Parse a command line with the program's own parser; fail with the line on an error."""
    tokens = shlex.split(command, comments=True)
    while re.match(r"^[A-Z_]+=", tokens[0]):
        tokens = tokens[1:]
    program, args = tokens[0], [t for t in tokens[1:] if t != "..."]
    if program == "accelerate":
        assert args[:2] == ["launch", "-m"] and args[2] == "xtransfer_bench.cli", command
        program, args = "xtransfer-bench", args[3:]
    if program == "make":
        targets = set(re.findall(r"^([a-z-]+):", (REPO / "Makefile").read_text(), flags=re.MULTILINE))
        assert set(args) <= targets, command
        return
    if program == "python":
        if args[0] == "-m":
            assert importlib.util.find_spec(args[1]) is not None, command
            return
        script = REPO / args[0]  # a script of ours: its own parser, through --help
        done = subprocess.run([sys.executable, str(script), *args[1:], "--help"], capture_output=True, text=True,
                              timeout=120, cwd=REPO)
        assert done.returncode == 0, (command, done.stderr[-2000:])
        return
    if program == "xtransfer-bench" and args[0] == "eval":
        program, args = "lm_eval", ["run", *_without_adapters(args[1:])]
    try:
        if program == "xtransfer-bench":
            cli.parse_args(cli.build_parser(), args)
        else:
            from lm_eval._cli import HarnessCLI

            saved = sys.argv
            sys.argv = ["lm_eval", *args]
            try:
                HarnessCLI().parse_args()
            finally:
                sys.argv = saved
    except SystemExit as error:
        pytest.fail(f"{command!r} does not parse (exit {error.code})")


def _without_adapters(args: list[str]) -> list[str]:
    kept, skip = [], False
    for arg in args:
        if skip:
            skip = False
        elif arg == "--adapter":
            skip = True
        else:
            kept.append(arg)
    return kept


ALL = readme_commands() + help_commands()


def test_commands_were_found_everywhere():
    places = {where for where, _ in ALL}
    assert {"README.md", "trainers/README.md", "xtransfer-bench --help", "train --help", "eval --help"} <= places
    assert len(ALL) > 40


@pytest.mark.parametrize("where,command", ALL, ids=[f"{w}: {c[:60]}" for w, c in ALL])
def test_documented_command_parses(where, command):
    parse(command)


def test_the_parser_check_can_fail():
    with pytest.raises(pytest.fail.Exception):
        parse("xtransfer-bench score --task xtransfer_wmt_de_en --predictions x --no-such-option")
    with pytest.raises(pytest.fail.Exception):
        parse("lm_eval --model hf --tasks x --no-such-option")


# --- the ones that run here --------------------------------------------------------


def _run(command: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    tokens = shlex.split(command, comments=True)
    tokens[0] = str(BIN / tokens[0])
    return subprocess.run(tokens, cwd=cwd, capture_output=True, text=True, timeout=900,
                          env=dict(os.environ, HF_HUB_OFFLINE="1", **(env or {})))


def test_readme_score_examples_run(tmp_path):
    import json

    from xtransfer_bench.data import massive

    examples = [c for _, c in readme_commands() if c.startswith("xtransfer-bench score")]
    assert len(examples) == 2
    # The files the examples name, made from the fixtures: the Japanese references as
    # hypotheses (BLEU 100) and an lm-eval samples log answering the German rows with gold.
    refs = (FIXTURES_DIR / "wmt" / "wmt23" / "generaltest2023.en-ja.ref.refA.ja").read_text(encoding="utf-8")
    (tmp_path / "hyp.ja").write_text(refs, encoding="utf-8")
    os.environ["XTRANSFER_DATA_DIR"] = str(FIXTURES_DIR)
    try:
        targets = massive.load("de")["target"]
    finally:
        os.environ.pop("XTRANSFER_DATA_DIR")
    (tmp_path / "samples_xtransfer_massive_de.jsonl").write_text(
        "\n".join(json.dumps({"doc_id": i, "filtered_resps": [t]}) for i, t in enumerate(targets)), encoding="utf-8")
    for command in examples:
        done = _run(command, tmp_path, {"XTRANSFER_DATA_DIR": str(FIXTURES_DIR)})
        assert done.returncode == 0, (command, done.stderr[-2000:])
        scores = dict(line.split(None, 1) for line in done.stdout.strip().splitlines())
        first = "bleu" if "wmt" in command else "f1_paper"
        assert float(scores[first]) == pytest.approx(100.0), command
    assert json.loads((tmp_path / "scores.json").read_text())["scores"]["f1"] == pytest.approx(100.0)


def test_readme_train_examples_run_on_the_tiny_model(tiny_model, tmp_path):
    """README.md's train example(s) as written, plus a tiny model and a few steps."""
    from xtransfer_bench.fixtures import link_clicp_data, synthetic_massive
    from conftest import shared_path

    root = link_clicp_data(tmp_path / "data", shared_path("data"))
    synthetic_massive.write(root)
    examples = [c for where, c in readme_commands() if where == "README.md" and c.startswith("xtransfer-bench train")]
    assert examples
    small = f" model={tiny_model} max_steps=1 max_length=256 limit_dev_examples=2 effective_batch=2 micro_batch=2"
    for command in examples:
        done = _run(command + small, tmp_path, {"XTRANSFER_DATA_DIR": str(root)})
        assert done.returncode == 0, (command, done.stderr[-3000:])
        output = tmp_path / re.search(r"output_dir=(\S+)", command).group(1)
        assert (output / "adapter_config.json").is_file() and (output / "run_record.json").is_file()
