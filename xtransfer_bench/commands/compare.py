"""`xtransfer-bench compare`: paired significance of run B against run A, and consistency."""

import argparse
import textwrap

from xtransfer_bench.errors import UsageError

NAME = "compare"


def add_arguments(commands) -> None:
    comparison = commands.add_parser(
        NAME,
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


def run(args) -> int:
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
    return 0
