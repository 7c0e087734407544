"""`xtransfer-bench default-model`: the bundled SmolLM2-135M-Instruct as an HF folder."""

NAME = "default-model"


def add_arguments(commands) -> None:
    model = commands.add_parser(NAME, help="print the path of the bundled default model (built on first use)")
    model.add_argument("--rebuild", action="store_true", help="rebuild the folder from the GGUF file")


def run(args) -> int:
    from xtransfer_bench.default_model import default_model_path

    print(default_model_path(rebuild=args.rebuild))
    return 0
