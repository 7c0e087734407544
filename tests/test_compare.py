"""Paired significance and cross-lingual consistency (xtransfer-bench compare).

Runs are written here in lm-eval's own output schema (results_<date>.json and
samples_<task>_<date>.jsonl with doc, doc_hash and per-sample metric values);
expected values come from the metrics' own implementations (seqeval,
sacrebleu, corpus_f1) applied to explicitly resampled item lists, from
sacrebleu's paired bootstrap, or by hand.
"""

import json
import os
import random
import subprocess
import sys

import numpy as np
import pytest
from lm_eval_logs import choice_task, planted, write_run

from xtransfer_bench.compare.bootstrap import Part, paired_bootstrap, resample_indices
from xtransfer_bench.compare.consistency import consistency
from xtransfer_bench.compare.report import compare, format_comparison
from xtransfer_bench.compare.runs import RunError, load_run
from xtransfer_bench.compare.statistics import EntityF1, SacrebleuCorpus, SlotF1, Statistic
from xtransfer_bench.metrics.slot_f1 import slot_f1
from xtransfer_bench.metrics.translation import corpus_bleu, corpus_chrf
from xtransfer_bench.metrics.uner_f1 import corpus_f1

# --- the bootstrap -----------------------------------------------------------

def test_planted_difference_is_covered_and_significant(tmp_path):
    a, b = planted()
    run_a = load_run(write_run(tmp_path / "a", "base", {"xtransfer_xcopa_tr": choice_task("tr", a)}))
    run_b = load_run(write_run(tmp_path / "b", "tuned", {"xtransfer_xcopa_tr": choice_task("tr", b)}))
    result = compare(run_a, run_b, resamples=1000, seed=1)
    (line,) = [line for line in result.lines if line.language == "tr"]
    planted_points = 100 * 80 / 400
    assert line.result.difference == pytest.approx(planted_points)
    assert line.result.low < planted_points < line.result.high
    assert line.result.low > 0 and line.result.p_value < 0.01 and line.result.significant


def test_identical_runs_give_zero_difference_and_p_one(tmp_path):
    a, _ = planted()
    hyps, refs = translation_pair(seed=3)[:2]
    tasks = {"xtransfer_xcopa_tr": choice_task("tr", a),
             "xtransfer_massive_de": slot_task("de", seed=5)[0],
             "xtransfer_wmt_de_en": wmt_task(hyps, refs)}
    run_a = load_run(write_run(tmp_path / "a", "base", tasks))
    run_b = load_run(write_run(tmp_path / "b", "copy", tasks))
    result = compare(run_a, run_b, resamples=300)
    assert {(line.benchmark, line.metric) for line in result.lines} >= {("xcopa", "acc"), ("massive", "f1"),
                                                                        ("wmt", "bleu"), ("wmt", "chrf")}
    for line in result.lines:
        assert line.result.difference == 0 and line.result.low == 0 and line.result.high == 0
        assert line.result.p_value == 1.0 and not line.result.significant
    assert not [note for note in result.notes if "differs" in note or "says" in note]


def test_too_few_items_get_no_p_value_and_no_mark(tmp_path):
    # Three items, B right on two that A got wrong: +66.7 points, but three
    # items cannot carry a test (MIN_ITEMS = 30 per language).
    run_a = load_run(write_run(tmp_path / "a", "base", {"xtransfer_xcopa_tr": choice_task("tr", [True, False, False])}))
    run_b = load_run(write_run(tmp_path / "b", "tuned", {"xtransfer_xcopa_tr": choice_task("tr", [True, True, True])}))
    result = compare(run_a, run_b, resamples=1000, seed=1)
    (line,) = [line for line in result.lines if line.language == "tr"]
    assert line.result.difference == pytest.approx(200 / 3)
    assert line.result.p_value is None and not line.result.significant
    assert "3 items < 30" in line.result.note
    printed = next(row for row in format_comparison(result).splitlines() if row.strip().startswith("tr "))
    assert "*" not in printed and "too few for a test" in printed and printed.split()[6] == "-"  # p column


def test_an_interval_touching_zero_is_not_significant():
    # 40 items; B differs from A on exactly one, which it gets right. A
    # resample leaves that item out with probability (39/40)^40 = 0.363, so
    # about 363 of 1000 resampled differences are exactly 0 and the rest are
    # positive: the interval's low end (25th smallest) is 0, and
    # p = 2 * #{d <= 0} / R is about 0.73.
    a = np.zeros((40, 1))
    b = a.copy()
    b[17] = 100.0
    result = paired_bootstrap([Part(Statistic(), a, b)], resamples=1000, seed=3)
    assert result.difference == pytest.approx(2.5)
    assert result.low == 0 and result.high > 0
    assert 0.6 < result.p_value < 0.85 and not result.significant


def test_a_clear_difference_on_30_items_is_significant():
    # 30 items (the minimum): A right on 10, B right on those and 10 more:
    # +33.3. Every resample draws some of the 10 (all missed: (2/3)^30 = 5e-6),
    # so every resampled difference is > 0: p = 0 and the interval excludes 0.
    a = np.array([[100.0]] * 10 + [[0.0]] * 20)
    b = np.array([[100.0]] * 20 + [[0.0]] * 10)
    result = paired_bootstrap([Part(Statistic(), a, b)], resamples=1000, seed=4)
    assert result.difference == pytest.approx(100 / 3)
    assert result.p_value < 0.05 and result.significant and result.low > 0 and not result.note


@pytest.mark.parametrize("resamples", [37, 250, 999, 1000])
def test_p_value_and_interval_never_disagree(resamples):
    # Many small comparisons near the edge of significance: the mark is given
    # exactly when the interval leaves 0 out, and never with 0 inside it.
    # (The earlier centred-null p-value against np.percentile's interval
    # disagreed on 1 to 23 of these 150 comparisons per resample count.)
    rng = np.random.default_rng(resamples)
    disagreements, marked, unmarked = [], 0, 0
    for trial in range(150):
        n = int(rng.integers(30, 60))
        a = (rng.random((n, 1)) < 0.5) * 100.0
        b = a.copy()
        flips = rng.choice(n, int(rng.integers(1, 16)), replace=False)
        b[flips] = np.where(rng.random((len(flips), 1)) < 0.85, 100.0, 0.0)
        result = paired_bootstrap([Part(Statistic(), a, b)], resamples=resamples, seed=trial)
        excludes_zero = result.low > 0 or result.high < 0
        if result.significant != excludes_zero or (result.low <= 0 <= result.high and result.p_value < 0.05):
            disagreements.append((trial, result.low, result.high, result.p_value))
        marked += result.significant
        unmarked += not result.significant
    assert not disagreements
    assert marked > 20 and unmarked > 20  # both outcomes were exercised


def test_a_difference_within_noise_is_not_significant():
    rng = np.random.default_rng(0)
    a = (rng.random((300, 1)) < 0.5) * 100.0
    b = a.copy()
    b[:3] = 100.0 - b[:3]  # three items change, in both directions
    result = paired_bootstrap([Part(Statistic(), a, b)], resamples=1000, seed=0)
    assert result.low < 0 < result.high and result.p_value > 0.05


def test_group_mean_resamples_within_each_language():
    rng = np.random.default_rng(7)
    langs = [(rng.random((n, 1)) * 100, rng.random((n, 1)) * 100) for n in (50, 80)]
    result = paired_bootstrap([Part(Statistic(), a, b) for a, b in langs], resamples=200, seed=9)
    # By hand: one seeded stream, each language draws its own indices in order.
    draw = np.random.default_rng(9)
    per_language_a, per_language_b = [], []
    for a, b in langs:
        idx = draw.choice(len(a), size=(200, len(a)), replace=True)
        per_language_a.append(a[idx, 0].mean(axis=1))
        per_language_b.append(b[idx, 0].mean(axis=1))
    np.testing.assert_allclose(result.samples_a, np.mean(per_language_a, axis=0))
    np.testing.assert_allclose(result.samples_b, np.mean(per_language_b, axis=0))
    assert result.a == pytest.approx(np.mean([a.mean() for a, _ in langs]))
    assert result.b - result.a == pytest.approx(np.mean([b.mean() - a.mean() for a, b in langs]))
    assert result.n == 130


# --- corpus metrics from summed statistics -----------------------------------

def slot_task(lang: str, seed: int, n: int = 60) -> tuple:
    rng = random.Random(seed)
    pairs = []
    for _ in range(n):
        length = rng.randint(2, 7)
        gold = [rng.choice(["O", "B-date", "I-date", "B-place_name", "I-place_name"]) for _ in range(length)]
        pred = [rng.choice(["O", "B-date", "I-date", "B-place_name"]) if rng.random() < 0.5 else g for g in gold]
        pred += rng.choice([[], ["B-time"]])
        gold += ["O"] * (len(pred) - len(gold))
        pairs.append((gold, pred))
    docs = [{"id": str(i), "lang": lang, "utt": f"u{i}"} for i in range(n)]
    return (docs, {"f1": pairs}, {"f1": slot_f1(pairs)}), pairs


def translation_pair(seed: int, n: int = 40):
    rng = random.Random(seed)
    words = "the a cat dog sat on mat house red blue big small runs fast slowly".split()
    refs = [" ".join(rng.choice(words) for _ in range(rng.randint(4, 10))) for _ in range(n)]

    def noisy(text, p):
        return " ".join(w if rng.random() > p else rng.choice(words) for w in text.split())

    return [noisy(r, 0.5) for r in refs], refs, [noisy(r, 0.2) for r in refs]


def wmt_task(hyps: list[str], refs: list[str]) -> tuple:
    items = [{"hypothesis": h, "references": [r], "source": f"s{i}", "tgt_lang": "en", "bleu_scheme": "paper",
              "comet_model": "none", "comet_batch_size": 16} for i, (h, r) in enumerate(zip(hyps, refs))]
    docs = [{"source": f"s{i}", "src_lang": "de", "tgt_lang": "en"} for i in range(len(hyps))]
    values = {"bleu": items, "chrf": items, "comet": items}
    bleu, chrf = corpus_bleu(hyps, [[r] for r in refs], "en"), corpus_chrf(hyps, [[r] for r in refs])
    return docs, values, {"bleu": bleu.score, "chrf": chrf.score}, {"bleu": bleu.signature, "chrf": chrf.signature}


def _resampled_lists(n: int, resamples: int, seed: int):
    return resample_indices(n, resamples, np.random.default_rng(seed))


def test_slot_f1_of_every_resample_equals_seqeval_on_that_resample():
    _, pairs = slot_task("de", seed=1)
    stat = SlotF1()
    stats = stat.stats(pairs)
    result = paired_bootstrap([Part(stat, stats, stats)], resamples=5, seed=2)
    for k, idx in enumerate(_resampled_lists(len(pairs), 5, 2)):
        assert result.samples_a[k] == pytest.approx(slot_f1([pairs[i] for i in idx]))
    assert result.a == pytest.approx(slot_f1(pairs))


def test_entity_f1_of_every_resample_equals_corpus_f1_on_that_resample():
    rng = random.Random(4)
    kinds = ["PER", "LOC", "ORG"]
    items = []
    for _ in range(50):
        gold = [[rng.choice(kinds), rng.choice("abcde")] for _ in range(rng.randint(0, 3))]
        pred = [e for e in gold if rng.random() < 0.6] + [[rng.choice(kinds), rng.choice("abcde")]
                                                          for _ in range(rng.randint(0, 2))]
        items.append((gold, pred))
    stat = EntityF1()
    stats = stat.stats(items)
    result = paired_bootstrap([Part(stat, stats, stats)], resamples=5, seed=3)
    as_tuples = [([tuple(e) for e in g], [tuple(e) for e in p]) for g, p in items]
    for k, idx in enumerate(_resampled_lists(len(items), 5, 3)):
        assert result.samples_a[k] == pytest.approx(corpus_f1([as_tuples[i] for i in idx]))


@pytest.mark.parametrize("metric", ["bleu", "chrf"])
def test_bleu_and_chrf_of_every_resample_equal_sacrebleu_on_that_resample(metric):
    hyps, refs, _ = translation_pair(seed=5)
    items = wmt_task(hyps, refs)[1][metric]
    stat = SacrebleuCorpus(metric)
    stats = stat.stats(items)
    result = paired_bootstrap([Part(stat, stats, stats)], resamples=4, seed=6)
    for k, idx in enumerate(_resampled_lists(len(hyps), 4, 6)):
        picked_h, picked_r = [hyps[i] for i in idx], [[refs[i]] for i in idx]
        want = corpus_bleu(picked_h, picked_r, "en").score if metric == "bleu" else corpus_chrf(picked_h, picked_r).score
        assert result.samples_a[k] == pytest.approx(want, abs=1e-6)


def test_bleu_bootstrap_agrees_with_sacrebleus_paired_bootstrap(monkeypatch):
    from sacrebleu.metrics import BLEU
    from sacrebleu.significance import PairedTest

    hyps_a, refs, hyps_b = translation_pair(seed=8, n=120)
    monkeypatch.setenv("SACREBLEU_SEED", "12345")
    _, scores = PairedTest([("A", hyps_a), ("B", hyps_b)], {"BLEU": BLEU()}, [refs], test_type="bs", n_samples=300)()
    theirs_a, theirs_b = scores["BLEU"]
    stat = SacrebleuCorpus("bleu")
    items_a, items_b = wmt_task(hyps_a, refs)[1]["bleu"], wmt_task(hyps_b, refs)[1]["bleu"]
    mine = paired_bootstrap([Part(stat, stat.stats(items_a), stat.stats(items_b))], resamples=300, seed=12345)
    # Same resamples: each system's bootstrap mean lies within sacrebleu's own
    # reported 95% half-interval of it (and in fact equals it).
    assert abs(mine.samples_a.mean() - theirs_a.mean) <= theirs_a.ci
    assert abs(mine.samples_b.mean() - theirs_b.mean) <= theirs_b.ci
    assert mine.samples_b.mean() == pytest.approx(theirs_b.mean, abs=1e-4)
    assert mine.a == pytest.approx(theirs_a.score) and mine.b == pytest.approx(theirs_b.score)
    # A clear difference: both tests call it significant.
    assert mine.difference > 5 and mine.significant and theirs_b.p_value < 0.05


# --- consistency ---------------------------------------------------------------

def test_consistency_equals_hand_counts(tmp_path):
    # English right on items 0,1,4 and 5; Turkish right on 0,2,4 and 6.
    # Item 6 has no English counterpart in the English log.
    en = choice_task("en", [True, True, False, False, True, True])
    tr_docs, tr_values, tr_scores = choice_task("tr", [True, False, True, False, True, False, True])
    order = [4, 0, 6, 2, 1, 3, 5]  # the target log in another order: matched by parallel id, not position
    tr = ([tr_docs[i] for i in order], {"acc": [tr_values["acc"][i] for i in order]}, tr_scores)
    run = load_run(write_run(tmp_path / "r", "base", {"xtransfer_xcopa_en": en, "xtransfer_xcopa_tr": tr}))
    found = consistency(run.tasks["xtransfer_xcopa_en"], run.tasks["xtransfer_xcopa_tr"])
    # shared items 0-5: both {0,4}, only English {1,5}, only Turkish {2}, neither {3}
    assert (found.n, found.both, found.only_source, found.only_target, found.neither, found.unmatched) == (6, 2, 2, 1, 1, 1)
    assert found.score == pytest.approx(100 * 2 / 5)


def test_massive_consistency_needs_every_slot_right(tmp_path):
    def task(lang, answers):
        gold = ["B-date", "O"]
        docs = [{"id": str(100 + i), "lang": lang, "utt": "x"} for i in range(len(answers))]
        pairs = [(gold + ["O"] * (len(p) - 2), p) for p in answers]
        return docs, {"f1": pairs}, {"f1": slot_f1(pairs)}

    right, partial, extra = ["B-date", "O"], ["O", "O"], ["B-date", "O", "B-time"]
    en = task("en", [right, right, partial])
    de = task("de", [right, extra, right])
    run = load_run(write_run(tmp_path / "m", "base", {"xtransfer_massive_en": en, "xtransfer_massive_de": de}))
    found = consistency(run.tasks["xtransfer_massive_en"], run.tasks["xtransfer_massive_de"])
    # item 100 both right; 101 English only (German adds a slot); 102 German only.
    assert (found.both, found.only_source, found.only_target, found.neither) == (1, 1, 1, 0)
    assert found.score == pytest.approx(100 / 3)
    result = compare(run, run, resamples=10)
    assert [row.language for row in result.consistency[run.label]["massive"]] == ["de"]


def test_group_consistency_is_the_mean_of_its_languages(tmp_path):
    from xtransfer_bench.compare.report import consistency_groups, consistency_of

    english = [True, True, True, False]
    targets = {"zh": [True, True, True, False],   # both 3, only en 0, only target 0 -> 100
               "tr": [True, False, False, True],  # both 1, only en 2, only target 1 -> 25
               "sw": [False, False, False, False],  # both 0, only en 3 -> 0
               "qu": [True, True, False, True]}   # both 2, only en 1, only target 1 -> 50
    tasks = {"xtransfer_xcopa_en": choice_task("en", english)}
    tasks.update({f"xtransfer_xcopa_{lang}": choice_task(lang, right) for lang, right in targets.items()})
    run = load_run(write_run(tmp_path / "g", "base", tasks))
    rows = consistency_of(run)["xcopa"]
    assert [round(row.score, 6) for row in rows] == [100.0, 25.0, 0.0, 50.0]  # zh, tr, sw, qu: the papers' order
    assert consistency_groups("xcopa", rows) == {"transfer": pytest.approx((100 + 25 + 0 + 50) / 4)}


# --- refusals ------------------------------------------------------------------

def test_runs_with_different_items_are_refused(tmp_path):
    a, b = planted(n=100, flips=10)
    base = load_run(write_run(tmp_path / "a", "base", {"xtransfer_xcopa_tr": choice_task("tr", a)}))
    fewer = load_run(write_run(tmp_path / "b", "x", {"xtransfer_xcopa_tr": choice_task("tr", b[:50])}, limit=50))
    with pytest.raises(RunError, match="limit"):
        compare(base, fewer)
    newer = load_run(write_run(tmp_path / "c", "x", {"xtransfer_xcopa_tr": choice_task("tr", b)}, version="2.0"))
    with pytest.raises(RunError, match="version"):
        compare(base, newer)
    docs, values, scores = choice_task("tr", b)
    docs[7] = {**docs[7], "premise": "another premise"}
    other = load_run(write_run(tmp_path / "d", "x", {"xtransfer_xcopa_tr": (docs, values, scores)}))
    with pytest.raises(RunError, match="item 7"):
        compare(base, other)


def test_runs_of_different_protocols_or_data_are_not_tested(tmp_path):
    a, b = planted(n=100, flips=10)
    base = load_run(write_run(tmp_path / "a", "base", {"xtransfer_xcopa_tr": choice_task("tr", a)}))
    # Same items, but scored by another parser version: no test, a note instead.
    other_parser = (*choice_task("tr", b), {"acc": "choice_acc|parser:lenient|v0"})
    lenient = load_run(write_run(tmp_path / "b", "x", {"xtransfer_xcopa_tr": other_parser}))
    result = compare(base, lenient, resamples=100)
    assert not result.lines
    assert any("not compared, metric signatures differ (choice_acc|parser:strict|v1 vs choice_acc|parser:lenient|v0)"
               in note for note in result.notes)
    # Same items and protocol, one run on the bundled fixtures: no test either.
    fixtures = (*choice_task("tr", b), {"acc": "choice_acc|parser:strict|v1"},
                "fixtures:xcopa:tr:test|local:/pkg/fixtures/xcopa")
    on_fixtures = load_run(write_run(tmp_path / "c", "x", {"xtransfer_xcopa_tr": fixtures}))
    result = compare(base, on_fixtures, resamples=100)
    assert not result.lines and any("data differ (xcopa:tr:test vs fixtures:xcopa:tr:test)" in n for n in result.notes)


def test_a_run_without_sample_logs_is_refused(tmp_path):
    a, _ = planted(n=20, flips=2)
    path = write_run(tmp_path / "a", "base", {"xtransfer_xcopa_tr": choice_task("tr", a)})
    for file in tmp_path.rglob("samples_*.jsonl"):
        file.unlink()
    with pytest.raises(RunError, match="--log_samples"):
        compare(load_run(path), load_run(path))


def test_a_folder_with_several_runs_must_name_one(tmp_path):
    a, _ = planted(n=20, flips=2)
    write_run(tmp_path / "runs", "base", {"xtransfer_xcopa_tr": choice_task("tr", a)})
    write_run(tmp_path / "runs", "base", {"xtransfer_xcopa_tr": choice_task("tr", a)}, date="2026-11-30T10-00-00.1")
    with pytest.raises(RunError, match="holds 2 runs"):
        load_run(tmp_path / "runs")


# --- the command ---------------------------------------------------------------

def test_compare_command_prints_marks_and_writes_json(tmp_path):
    a, b = planted()
    en_a, en_b = planted(seed=1)
    path_a = write_run(tmp_path / "a", "base", {"xtransfer_xcopa_tr": choice_task("tr", a),
                                                "xtransfer_xcopa_en": choice_task("en", en_a)})
    write_run(tmp_path / "b", "tuned", {"xtransfer_xcopa_tr": choice_task("tr", b),
                                                 "xtransfer_xcopa_en": choice_task("en", en_b)})
    out = tmp_path / "cmp.json"
    done = subprocess.run([sys.executable, "-m", "xtransfer_bench.cli", "compare", str(path_a), str(tmp_path / "b"),
                           "--resamples", "200", "--json", str(out)],
                          capture_output=True, text=True, env=dict(os.environ), timeout=300)
    assert done.returncode == 0, done.stderr
    line = next(line for line in done.stdout.splitlines() if line.strip().startswith("tr "))
    assert "+20.00" in line and line.rstrip().split()[-2] == "*"
    saved = json.loads(out.read_text())
    tr = next(d for d in saved["differences"] if d["language"] == "tr")
    assert tr["difference"] == pytest.approx(20.0) and tr["significant"]
    assert "consistency with English" in done.stdout
    assert saved["consistency"]["tiny/tuned"]["xcopa"]["languages"][0]["language"] == "tr"

    bad = subprocess.run([sys.executable, "-m", "xtransfer_bench.cli", "compare", str(path_a), str(tmp_path / "nope")],
                         capture_output=True, text=True, timeout=300)
    assert bad.returncode != 0 and "no such file or folder" in bad.stderr
