"""`xtransfer-bench demo`: the whole pipeline on the bundled default model."""

NAME = "demo"


def add_arguments(commands) -> None:
    demo = commands.add_parser(
        NAME, help="the whole pipeline on the default model: train, merge, evaluate, retrieval, leaderboard",
        description="Train SFT and middle-layer-aligned adapters on SmolLM2-135M (synthetic offline data), merge "
        "them, evaluate base/sft/aligned/merged in one engine (xtransfer-vllm where installed), measure retrieval "
        "by layer and write the leaderboard. --base-only: just the default model on MASSIVE.")
    demo.add_argument("--limit", type=int, default=None, help="examples per language (default: all)")
    demo.add_argument("--steps", type=int, default=24, help="SFT training steps (default 24); the aligned adapter alternates task and alignment steps and gets twice as many")
    demo.add_argument("--output_path", default="demo-results", help="working folder: data, adapters, results, leaderboard")
    demo.add_argument("--base-only", action="store_true", help="only evaluate the default model on MASSIVE")


def run(args) -> int:
    if args.base_only:
        from xtransfer_bench.demo import run_demo

        run_demo(limit=args.limit, output_path=args.output_path)
    else:
        from xtransfer_bench.demo import run_pipeline

        run_pipeline(args.output_path, args.steps, args.limit)
    return 0
