"""Do the tests catch realistic metric bugs? Plants each bug of MUTATIONS into
a fresh copy of the repository, runs the tests that should notice it there,
and reports whether they failed (caught) or passed (missed). The unmutated
copy must pass the same tests first, or the check says nothing.

    python benchmarks/mutation_check.py              # every mutation
    python benchmarks/mutation_check.py --only zh-bleu-tokenizer,uner-sets

Exit status 1 when any mutation is missed. Not part of `make test`: each
mutation runs its own pytest process (several minutes in all).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Mutation:
    name: str
    file: str
    old: str
    new: str
    tests: tuple[str, ...]  # pytest arguments


MUTATIONS = (
    Mutation("uner-inner-whitespace", "xtransfer_bench/data/uner_json.py",
             'return entity_type.strip().upper(), " ".join(text.split())',
             "return entity_type.strip().upper(), text.strip()",
             ("tests/test_uner.py", "-m", "not slow")),
    Mutation("uner-sets-not-multisets", "xtransfer_bench/metrics/uner_f1.py",
             "gold_counts = Counter(normalize(*e) for e in gold)",
             "gold_counts = Counter(set(normalize(*e) for e in gold))",
             ("tests/test_uner.py", "-m", "not slow")),
    Mutation("zh-bleu-tokenizer", "xtransfer_bench/metrics/translation.py",
             '"paper": {"ja": "ja-mecab", "zh": "zh"}', '"paper": {"ja": "ja-mecab"}',
             ("tests/test_translation_scoring.py", "-k", "every_wmt23_release and zh")),
    Mutation("ja-bleu-tokenizer", "xtransfer_bench/metrics/translation.py",
             '"paper": {"ja": "ja-mecab", "zh": "zh"}', '"paper": {"ja": "char", "zh": "zh"}',
             ("tests/test_translation_scoring.py", "-k", "every_wmt23_release and ja")),
    Mutation("xnli-label-order", "xtransfer_bench/metrics/choice.py",
             'NLI_STEMS = ("entail", "neutral", "contradict")', 'NLI_STEMS = ("contradict", "neutral", "entail")',
             ("tests/test_choice_parser.py",)),
    Mutation("slot-unplaceable-dropped", "xtransfer_bench/metrics/slot_f1.py",
             "unplaced += span + [OUTSIDE]", "pass  # mutation: unplaceable values dropped",
             ("tests/test_slot_f1.py", "tests/test_slot_f1_paper.py")),
    Mutation("slot-paper-no-merge", "xtransfer_bench/metrics/slot_f1_paper.py",
             "elif label != previous:", "elif True:",
             ("tests/test_slot_f1_paper.py",)),
    Mutation("mlqa-ascii-punctuation", "xtransfer_bench/metrics/qa.py",
             'return char in _ASCII_PUNCTUATION or unicodedata.category(char).startswith("P")',
             "return char in _ASCII_PUNCTUATION",
             ("tests/test_squad_protocol.py",)),
    Mutation("squad-unicode-punctuation", "xtransfer_bench/metrics/qa.py",
             'text = "".join(ch for ch in (text or "").lower() if ch not in _ASCII_PUNCTUATION)',
             'text = "".join(ch for ch in (text or "").lower() if not _is_punctuation(ch))',
             ("tests/test_squad_protocol.py",)),
    Mutation("xquad-first-gold-only", "xtransfer_bench/metrics/qa.py",
             "return 100.0 * max((score(gold) for gold in golds), default=0.0)",
             "return 100.0 * max((score(gold) for gold in list(golds)[:1]), default=0.0)",
             ("tests/test_squad_protocol.py",)),
    Mutation("choice-hedge-guessed", "xtransfer_bench/metrics/choice.py",
             "if len(named) != 1 or any(", "if not named or any(",
             ("tests/test_choice_parser.py",)),
)


def copy_repository(target: Path) -> None:
    """The tracked and untracked-but-not-ignored files, as a checkout would hold them."""
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                            capture_output=True, text=True, check=True).stdout.splitlines()
    for name in listed:
        source = REPO / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def run_tests(copy: Path, tests: tuple[str, ...]) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "XTRANSFER_DATA_DIR")}
    # The copy's package before the editable install's; its tests read ../shared from here.
    env.update(PYTHONPATH=str(copy), XTRANSFER_SHARED_DIR=str(REPO.parent / "shared"), HF_HUB_OFFLINE="1")
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *tests],
                          cwd=copy, capture_output=True, text=True, env=env, timeout=1800)


def check(mutation: Mutation, scratch: Path) -> tuple[str, float, str]:
    started = time.time()
    clean = scratch / f"{mutation.name}-clean"
    copy_repository(clean)
    baseline = run_tests(clean, mutation.tests)
    if baseline.returncode != 0:
        return "baseline fails", time.time() - started, baseline.stdout[-1500:]
    mutated = scratch / mutation.name
    copy_repository(mutated)
    path = mutated / mutation.file
    text = path.read_text(encoding="utf-8")
    if text.count(mutation.old) != 1:
        return "mutation not applicable (code changed?)", time.time() - started, mutation.old
    path.write_text(text.replace(mutation.old, mutation.new), encoding="utf-8")
    done = run_tests(mutated, mutation.tests)
    verdict = "caught" if done.returncode != 0 else "MISSED"
    failed = [line for line in done.stdout.splitlines() if line.startswith("FAILED")]
    return verdict, time.time() - started, failed[0] if failed else ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default=None, help="comma-separated mutation names")
    args = parser.parse_args(argv)
    chosen = [m for m in MUTATIONS if not args.only or m.name in args.only.split(",")]
    missed = 0
    with tempfile.TemporaryDirectory(prefix="xtransfer-mutations-") as scratch:
        print(f"{'mutation':<28} {'verdict':<10} {'seconds':>7}  first failing test")
        for mutation in chosen:
            verdict, seconds, detail = check(mutation, Path(scratch))
            missed += verdict != "caught"
            print(f"{mutation.name:<28} {verdict:<10} {seconds:7.0f}  {detail.splitlines()[0] if detail else ''}",
                  flush=True)
    print(f"{len(chosen) - missed} of {len(chosen)} planted bugs caught.")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
