"""`xtransfer-bench`: the benchmark's command line. Each subcommand lives in
its own module under xtransfer_bench/commands; this file only assembles them."""

from __future__ import annotations

import argparse
import importlib
import sys
import textwrap

from xtransfer_bench.commands import MODULES
from xtransfer_bench.errors import XtransferError

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


def _modules() -> dict:
    found = {}
    for module_name in MODULES:
        module = importlib.import_module(f"xtransfer_bench.commands.{module_name}")
        found[module.NAME] = module
    return found


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="xtransfer-bench",
        description="Cross-lingual transfer benchmark for LLM adapters (lm-eval tasks, backends, trainers).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in _modules().values():
        module.add_arguments(commands)
    return parser


def parse_args(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace:
    """The namespace, letting a command take arguments argparse could not place."""
    args, unknown = parser.parse_known_args(argv)
    take_unknown = getattr(_modules()[args.command], "take_unknown", None)
    if take_unknown is not None:
        unknown = take_unknown(args, unknown)
    if unknown:
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    return args


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        modules = _modules()
        raw = getattr(modules.get(argv[0]) if argv else None, "run_raw", None)
        if raw is not None:
            return raw(argv[1:])
        parser = build_parser()
        args = parse_args(parser, argv)
        return modules[args.command].run(args)
    except XtransferError as error:
        # Our own errors say what to fix; a traceback would only hide that line.
        print(f"xtransfer-bench: error: {error}", file=sys.stderr)
        return 2
    except (PermissionError, FileExistsError) as error:  # writing outputs: the path says it all
        print(f"xtransfer-bench: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
