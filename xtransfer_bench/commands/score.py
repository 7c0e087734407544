"""`xtransfer-bench score`: score outputs produced elsewhere with a task's own metrics."""

import argparse
import textwrap

NAME = "score"


def add_arguments(commands) -> None:
    score = commands.add_parser(
        NAME,
        help="score existing outputs against a task's references with the task's metrics",
        description="Score outputs produced elsewhere with a task's own lm-eval metrics.",
        epilog=textwrap.dedent(
            """\
            examples:
              xtransfer-bench score --task xtransfer_wmt_en_ja --predictions hyp.ja --bleu-scheme wmt
              xtransfer-bench score --task xtransfer_massive_de --predictions samples_xtransfer_massive_de.jsonl
              xtransfer-bench score --task xtransfer_wmt_de_en --predictions hyp.en --metrics bleu,chrf --output scores.json
            """
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    score.add_argument("--task", required=True, help="one task, e.g. xtransfer_wmt_en_de")
    score.add_argument("--predictions", required=True, help="one output per line in test order, or lm-eval samples JSONL")
    score.add_argument("--metrics", default=None, help="comma-separated subset of the task's metrics (default: all)")
    score.add_argument("--bleu-scheme", choices=["paper", "wmt"], default=None, help="BLEU tokenisation (translation tasks)")
    score.add_argument("--references", choices=["first", "all"], default=None,
                       help="translation: score the first reference (default, as the published scores) or all of them")
    score.add_argument("--comet-model", default=None, help="COMET hub id or local checkpoint; 'none' skips COMET")
    score.add_argument("--comet-batch-size", type=int, default=None)
    score.add_argument("--output", default=None, help="also write the scores as JSON here")


def run(args) -> int:
    from xtransfer_bench.score import format_scores, score, write_json_atomically

    metrics = [m.strip() for m in args.metrics.split(",")] if args.metrics else None
    options = {
        "bleu_scheme": args.bleu_scheme,
        "references": args.references,
        "comet_model": args.comet_model,
        "comet_batch_size": args.comet_batch_size,
    }
    metadata = {key: value for key, value in options.items() if value is not None}
    if metrics and "comet" not in metrics and "comet_signature" not in metrics:
        metadata["comet_model"] = "none"  # not asked for: do not load it
    scores = score(args.task, args.predictions, metadata, metrics)
    print(format_scores(scores))
    if args.output:
        write_json_atomically(args.output, {"task": args.task, "predictions": args.predictions, "options": metadata,
                                            "scores": scores})
    return 0
