"""`xtransfer-bench leaderboard`: lm-eval results -> CSV, Markdown and a page, beside the published numbers."""

import argparse
import sys
import textwrap

NAME = "leaderboard"


def add_arguments(commands) -> None:
    board = commands.add_parser(
        NAME,
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


def run(args) -> int:
    from xtransfer_bench.leaderboard.build import build

    reference = None if args.reference == "all" else [] if args.reference == "none" else \
        [name.strip() for name in args.reference.split(",") if name.strip()]
    built = build(args.results, args.out, args.baseline, reference, html=not args.no_html)
    for warning in built["warnings"]:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"{len(built['tables'])} tables written to {args.out}: " + ", ".join(p.name for p in built["files"]))
    return 0
