"""`xtransfer-bench report`: does alignment predict transfer? Gains, alignment and their correlation."""

import argparse
import sys
import textwrap

from xtransfer_bench.errors import UsageError

NAME = "report"


def add_arguments(commands) -> None:
    report = commands.add_parser(
        NAME,
        help="per-language gains beside alignment changes, and their rank correlation",
        description="For every benchmark and adapter in the runs: each language's score gain over --baseline with "
        "its paired-bootstrap 95% interval (runs with --log_samples), each language's translation retrieval "
        "accuracy to and from English at --layer (align-eval output, or --compute-alignment) and its change "
        "against the baseline, and Spearman's rank correlation between the two across languages with a "
        "bootstrap interval over languages and a permutation p (refused below 4 languages). Also the baseline's "
        "transfer gap (score minus English score) against its own alignment (CL-ICP paper, figure 2c). Writes "
        "report.html (one file, figures inline), report.md with figures/, report.csv, correlations.csv and "
        "report.json to --out.",
        epilog=textwrap.dedent(
            """\
            examples:
              xtransfer-bench report --results runs/ --baseline "Meta-Llama-3-8B-Instruct/base" \\
                  --align-eval retrieval-sft retrieval-mid --out report
              xtransfer-bench report --results runs/ --compute-alignment --data ../shared/data/flores_sib200 \\
                  --split dev --limit 200 --out report          # runs align-eval for the base and each adapter
              xtransfer-bench report --results runs/ --align-eval mid-align=retrieval-mid --layer 12 --group transfer

            --align-eval DIR is matched to a run by what its summary.json records (the model's name and the
            adapter folder's name); NAME=DIR matches it to the run adapter NAME (or MODEL/ADAPTER) instead.
            """
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    report.add_argument("--results", nargs="+", required=True, help="folders (searched recursively) or results files")
    report.add_argument("--baseline", default=None, help='"model/adapter" the gains are taken against '
                        "(default: the one run without adapter)")
    report.add_argument("--out", default="report", help="output folder (default report)")
    report.add_argument("--align-eval", nargs="+", default=[], metavar="[NAME=]DIR", help="align-eval output folders")
    report.add_argument("--compute-alignment", action="store_true",
                        help="run align-eval for the base model and each adapter of the runs (options below)")
    report.add_argument("--layer", default="middle", help="layer whose alignment counts: middle (default), bottom, "
                        "top or a number 1..L")
    report.add_argument("--metric", default=None, metavar="BENCH=METRIC,...", help="metric per benchmark (default: "
                        "the published protocol's: massive/uner f1_paper, wmt bleu, xquad f1, xcopa/xnli acc)")
    report.add_argument("--group", choices=["all", "supervised", "transfer", "aligned"], default="all",
                        help="languages in the correlations: every non-English one (default) or one group")
    report.add_argument("--resamples", type=int, default=1000, help="bootstrap resamples (default 1000)")
    report.add_argument("--seed", type=int, default=12345, help="resampling seed (default 12345)")
    align = report.add_argument_group("--compute-alignment (as in align-eval)")
    align.add_argument("--langs", default=None, help="comma-separated languages (default: those of the runs, and en)")
    align.add_argument("--data", default="hub", help="hub, or a folder of FLORES files")
    align.add_argument("--split", default="dev", help="split(s), comma-separated (default dev)")
    align.add_argument("--limit", type=int, default=None, help="first N sentences only")
    align.add_argument("--method", choices=["margin", "cosine"], default="margin", help="ratio margin (xSIM, default) or cosine")
    align.add_argument("--k", type=int, default=4, help="neighbours for the margin (default 4)")
    align.add_argument("--batch-size", type=int, default=16)
    align.add_argument("--max-length", type=int, default=256, help="tokens per sentence")
    align.add_argument("--device", default=None, help="cuda, cpu (default: cuda when present)")
    align.add_argument("--dtype", choices=["auto", "float32", "bfloat16", "float16"], default="auto")
    align.add_argument("--skip-first-token", action="store_true",
                       help="leave the first token out of the mean (BOS, or a first token with outsized states)")


def _metrics(given: str | None) -> dict[str, str]:
    found = {}
    for part in (given or "").split(","):
        if not part.strip():
            continue
        benchmark, sep, metric = part.partition("=")
        if not sep or not benchmark.strip() or not metric.strip():
            raise UsageError(f"--metric {given!r}: write BENCH=METRIC, e.g. massive=f1,xquad=exact_match.")
        found[benchmark.strip()] = metric.strip()
    return found


def run(args) -> int:
    from xtransfer_bench.report.build import build
    from xtransfer_bench.report.compute import AlignmentOptions
    from xtransfer_bench.report.layout import summary_lines

    if args.resamples < 1:
        raise UsageError(f"--resamples {args.resamples}: give at least 1 (1000 is usual).")
    compute = None
    if args.compute_alignment:
        langs = [lang.strip() for lang in args.langs.split(",") if lang.strip()] if args.langs else None
        compute = AlignmentOptions(langs, args.data, args.split, args.limit, args.method, args.k, args.batch_size,
                                   args.max_length, args.device, args.dtype, args.skip_first_token)
    layer = int(args.layer) if args.layer.isdigit() else args.layer
    built = build(args.results, args.out, args.baseline, args.align_eval, compute, layer, _metrics(args.metric),
                  args.group, args.resamples, args.seed)
    for note in built["notes"]:
        print(f"note: {note}", file=sys.stderr)
    print("\n".join(summary_lines(built["report"])))
    print(f"written to {args.out}: report.html, report.md, report.csv, correlations.csv, report.json")
    return 0
