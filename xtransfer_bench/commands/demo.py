"""`xtransfer-bench demo`: the whole pipeline on the bundled default model."""

NAME = "demo"


def add_arguments(commands) -> None:
    demo = commands.add_parser(
        NAME, help="the whole pipeline on the default model: train, merge, evaluate, retrieval, leaderboard, report",
        description="Train SFT and middle-layer-aligned adapters on SmolLM2-135M (synthetic offline data), merge "
        "them, evaluate base/sft/aligned/merged in one engine (xtransfer-hf on CPU, xtransfer-vllm on a GPU), "
        "measure retrieval by layer, write the leaderboard and end with the report (gains against alignment "
        "change); the time of every stage is printed at the end. --base-only: just the default model on MASSIVE.")
    demo.add_argument("--limit", type=int, default=None,
                      help="examples per language (default: all with --base-only, 3 in the pipeline)")
    demo.add_argument("--steps", type=int, default=20, help="SFT training steps (default 20); the aligned adapter "
                      "alternates task and alignment steps and gets twice as many")
    demo.add_argument("--output_path", default="demo-results", help="working folder: data, adapters, results, leaderboard")
    demo.add_argument("--base-only", action="store_true", help="only evaluate the default model on MASSIVE")


def run(args) -> int:
    if args.base_only:
        from xtransfer_bench.commands.demo_base import run_demo

        run_demo(limit=args.limit, output_path=args.output_path)
    else:
        from xtransfer_bench.commands.demo_pipeline import run_pipeline

        run_pipeline(args.output_path, args.steps, 3 if args.limit is None else args.limit)
    return 0
