"""`xtransfer-bench merge`: a weighted combination of a task and an alignment LoRA adapter."""

import argparse

NAME = "merge"


def add_arguments(commands) -> None:
    merge = commands.add_parser(
        NAME,
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


def run(args) -> int:
    from xtransfer_bench.trainers.merge import merge_adapters

    out = merge_adapters(args.task, args.align, args.out, args.task_weight, args.align_weight, args.mode, args.base_model)
    print(f"merged adapter written to {out}")
    return 0
