"""`xtransfer-bench align-eval`: layer-wise translation retrieval and cosine deviation."""

import argparse
import textwrap

from xtransfer_bench.errors import UsageError

NAME = "align-eval"


def add_arguments(commands) -> None:
    align = commands.add_parser(
        NAME,
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
    align.add_argument("--adapter", action="append", default=None, metavar="[NAME=]PATH",
                       help="a LoRA or soft-prompt adapter, measured beside the base (repeat for several LoRAs: "
                       "one model in memory, the base measured once)")
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


def run(args) -> int:
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
    return 0
