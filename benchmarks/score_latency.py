"""Wall time of `xtransfer-bench score` against the sacrebleu CLI on the same
files: whole processes (interpreter start, imports, task index, data, scoring),
median of --repeats runs each, interleaved so that a busy machine slows both.

    python benchmarks/score_latency.py                          # en-ja, GPT4-5shot, WMT23 BLEU (char)
    python benchmarks/score_latency.py --src he --tgt en --data ../shared/data

The sacrebleu call uses our settings for the direction: the first reference
file (as the task does by default), the BLEU tokenizer of --bleu-scheme, chrF
with its defaults. Both must print the same BLEU and chrF, which the script
checks before it reports the ratio. Target (issue 20): at most 3x.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from xtransfer_bench.data import wmt
from xtransfer_bench.metrics.translation import SCHEMES, bleu_tokenizer

TARGET_RATIO = 3.0
REPO = Path(__file__).resolve().parents[1]


def test_files(data: Path, src: str, tgt: str, system: str) -> tuple[Path, Path]:
    """(first reference, hypothesis) in the WMT release layout the task reads."""
    ts = wmt.test_set(src, tgt)
    stem = f"{ts.file_prefix}.{src}-{tgt}"
    folder = data / "wmt" / ts.name
    references = sorted(folder.glob(f"{stem}.ref.*.{tgt}"))  # the task's first reference: name order
    hypothesis = folder / f"{stem}.hyp.{system}.{tgt}"
    if not references or not hypothesis.is_file():
        sys.exit(f"score_latency: need {folder}/{stem}.ref.*.{tgt} and {hypothesis.name} (see ../shared/data/README.md)")
    return references[0], hypothesis


def command(name: str) -> list[str]:
    """The console script installed beside this interpreter, as a user runs it."""
    script = Path(sys.executable).parent / name
    if not script.is_file():
        sys.exit(f"score_latency: {script} not found; install the project (pip install -e .) into this environment")
    return [str(script)]


def timed(argv: list[str], env: dict) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, cwd=REPO)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"score_latency: {' '.join(argv)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return elapsed, done.stdout


def ours_scores(stdout: str) -> dict[str, float]:
    # `xtransfer-bench score` prints "name  value" per metric.
    return {line.split()[0]: float(line.split()[1]) for line in stdout.splitlines() if line.strip()}


def sacrebleu_scores(stdout: str) -> dict[str, float]:
    # `sacrebleu -b -w 2` with two metrics prints a JSON list: [bleu, chrf].
    bleu, chrf = json.loads(stdout)
    return {"bleu": float(bleu), "chrf": float(chrf)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=os.environ.get("XTRANSFER_DATA_DIR", str(REPO.parent / "shared" / "data")),
                        help="offline data root holding wmt/ (default: $XTRANSFER_DATA_DIR, else ../shared/data)")
    parser.add_argument("--src", default="en")
    parser.add_argument("--tgt", default="ja")
    parser.add_argument("--system", default="GPT4-5shot", help="hypothesis file: <stem>.hyp.<SYSTEM>.<tgt>")
    parser.add_argument("--bleu-scheme", choices=sorted(SCHEMES), default="wmt")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    data = Path(args.data).resolve()
    reference, hypothesis = test_files(data, args.src, args.tgt, args.system)
    env = {**os.environ, "XTRANSFER_DATA_DIR": str(data), "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    ours = command("xtransfer-bench") + [
        "score", "--task", f"xtransfer_wmt_{args.src}_{args.tgt}", "--predictions", str(hypothesis),
        "--bleu-scheme", args.bleu_scheme, "--metrics", "bleu,chrf",
    ]
    tokenizer = bleu_tokenizer(args.tgt, args.bleu_scheme)
    peer = command("sacrebleu") + [
        str(reference), "-i", str(hypothesis), "-m", "bleu", "chrf", "--tokenize", tokenizer, "-b", "-w", "2",
    ]
    print("ours:     ", " ".join(ours))
    print("sacrebleu:", " ".join(peer))

    # One untimed run each: the first start after an install compiles .pyc files.
    _, ours_out = timed(ours, env)
    _, peer_out = timed(peer, env)
    got, expected = ours_scores(ours_out), sacrebleu_scores(peer_out)
    for name in ("bleu", "chrf"):
        if abs(got[name] - expected[name]) > 0.01:
            sys.exit(f"score_latency: {name} differs: xtransfer-bench {got[name]:.2f}, sacrebleu {expected[name]:.2f}")

    ours_times, peer_times = [], []
    for _ in range(args.repeats):
        ours_times.append(timed(ours, env)[0])
        peer_times.append(timed(peer, env)[0])
    ours_median, peer_median = statistics.median(ours_times), statistics.median(peer_times)
    ratio = ours_median / peer_median
    print(f"{args.src}-{args.tgt} {args.system}, BLEU tokenize {tokenizer}: BLEU {got['bleu']:.2f}, chrF {got['chrf']:.2f} (both)")
    print(f"xtransfer-bench score: median {ours_median:.2f} s of {args.repeats} ({', '.join(f'{t:.2f}' for t in ours_times)})")
    print(f"sacrebleu CLI:         median {peer_median:.2f} s of {args.repeats} ({', '.join(f'{t:.2f}' for t in peer_times)})")
    print(f"ratio {ratio:.2f}x (target at most {TARGET_RATIO:.0f}x: {'met' if ratio <= TARGET_RATIO else 'NOT met'})")


if __name__ == "__main__":
    main()
