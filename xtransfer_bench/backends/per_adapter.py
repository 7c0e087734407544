"""One lm-eval run per adapter over one loaded multi-adapter engine
(xtransfer-hf, xtransfer-vllm): lm-eval writes one ordinary results file per
adapter, and its task index is built once for all of them."""

from __future__ import annotations

import contextlib
import copy
import importlib
from pathlib import Path


def run_per_adapter(harness, args) -> None:
    """One lm-eval run per adapter (and the base), sharing one loaded model:
    each gets lm-eval's ordinary results file, under <output_path>/<name>/,
    with `active=<name>` and the adapter's fingerprint in its model_args."""
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
