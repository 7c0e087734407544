"""Cost of one alignment micro-batch with the forward pass stopped after the
alignment layer, against the same micro-batch run through the full depth,
and against a task micro-batch of as many sequences (forward + backward, LoRA
on SmolLM2-135M, float32, CPU). Reports seconds and ratios; not a test.

    python benchmarks/train_step.py --pairs 8 --repeats 5
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import torch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=8, help="parallel pairs per alignment micro-batch (2x sequences)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--layer", default="middle")
    parser.add_argument("--out", default=None)
    args = parser.parse_args()

    from xtransfer_bench.default_model import default_model_path
    from xtransfer_bench.fixtures import synthetic_massive
    from xtransfer_bench.trainers import alignment, steps
    from xtransfer_bench.trainers.config import load_config
    from xtransfer_bench.trainers.task_data import encode_example, massive_messages
    from xtransfer_bench.trainers.trainer import build_model, build_tokenizer

    config = load_config(None, [], model=str(default_model_path()), lora_dropout=0.0)
    tokenizer = build_tokenizer(config)
    torch.manual_seed(0)
    model = build_model(config)
    model.train()
    layer = alignment.resolve_layer(args.layer, len(alignment.decoder_layers(model)))

    rows = synthetic_massive.rows("en-US")
    sequences = 2 * args.pairs
    docs = [{"utt": r["utt"], "target": r["annot_utt"]} for r in (rows * 4)[:sequences]]
    task_batch = steps.pad_task([encode_example(tokenizer, massive_messages(d), 256) for d in docs], tokenizer.pad_token_id)
    de = [r["utt"] for r in synthetic_massive.rows("de-DE")]
    pairs = list(zip(de, [r["utt"] for r in rows]))[: args.pairs]
    align_batch = steps.encode_pairs(tokenizer, pairs, 256)

    def task_step():
        model(**task_batch, use_cache=False).loss.backward()

    def align_step(stop_early: bool):
        def run():
            s = alignment.pooled_states(model, align_batch["src_ids"], align_batch["src_mask"], layer, stop_early)
            t = alignment.pooled_states(model, align_batch["tgt_ids"], align_batch["tgt_mask"], layer, stop_early)
            alignment.info_nce(s, t, 0.1).backward()
        return run

    def timed(step) -> float:
        step()  # warm-up
        times = []
        for _ in range(args.repeats):
            model.zero_grad(set_to_none=True)
            start = time.perf_counter()
            step()
            times.append(time.perf_counter() - start)
        return statistics.median(times)

    figures = {
        "model": "SmolLM2-135M-Instruct", "layers": len(alignment.decoder_layers(model)), "align_layer": layer,
        "sequences_per_micro_batch": sequences,
        "task_tokens": int(task_batch["attention_mask"].sum()), "align_tokens": int(align_batch["src_mask"].sum() + align_batch["tgt_mask"].sum()),
        "task_s": timed(task_step), "align_early_exit_s": timed(align_step(True)), "align_full_depth_s": timed(align_step(False)),
    }
    figures["early_over_full"] = round(figures["align_early_exit_s"] / figures["align_full_depth_s"], 3)
    figures["early_align_over_task"] = round(figures["align_early_exit_s"] / figures["task_s"], 3)
    for key in ("task_s", "align_early_exit_s", "align_full_depth_s"):
        figures[key] = round(figures[key], 4)
    print(json.dumps(figures, indent=2))
    if args.out:
        with open(args.out, "w") as handle:
            json.dump(figures, handle, indent=2)


if __name__ == "__main__":
    main()
