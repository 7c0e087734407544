"""`xtransfer-bench train`: train an adapter with one of the papers' recipes or baselines."""

import argparse
import textwrap

from xtransfer_bench.trainers.config import MODES

NAME = "train"


def add_arguments(commands) -> None:
    trainer = commands.add_parser(
        NAME,
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


def take_unknown(args, unknown: list[str]) -> list[str]:
    """key=value pairs are overrides wherever they stand after the mode
    (argparse gives a `nargs="*"` positional only the values before the first
    option, so `train sft --config X a=b` would otherwise fail on a=b); the
    arguments left are returned as unrecognised."""
    stray = [arg for arg in unknown if "=" not in arg or arg.startswith("-")]
    args.overrides = list(args.overrides) + [arg for arg in unknown if arg not in stray]
    return stray


def run(args) -> int:
    from xtransfer_bench.trainers.config import load_config
    from xtransfer_bench.trainers.trainer import train

    config = load_config(args.config, args.overrides, mode=args.mode)
    print(f"adapter and run record written to {train(config, resume=args.resume)}")
    return 0
