"""`xtransfer-bench report`: per-language gains beside alignment changes and
their Spearman correlation, on planted runs and align-eval folders.

Expected values are set by the planting and worked out by hand in the
comments (ranks, rho = 1 - 6 sum d^2 / (n (n^2 - 1)) without ties), or taken
from independent references: scipy.stats.spearmanr, and compare's own
paired bootstrap for the gains' intervals.
"""

import csv
import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from report_inputs import ITEMS, massive_run, slot_f1, write_align_eval

from xtransfer_bench.report.build import build
from xtransfer_bench.report.statistics import correlate, ranks, spearman

BIN = Path(sys.executable).parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
LANGS = ["de", "es", "fr", "ja", "sw", "cy", "tr", "zh"]  # MASSIVE languages, en aside
BASE_RIGHT = 10  # items right per language in the base run (of ITEMS = 40)


def planted(tmp_path: Path, extra: dict[str, int], change: dict[str, float], base_align: dict[str, float] | None = None):
    """Base right on 10 items everywhere (and en); the tuned run on 10 + extra[lang].
    The adapter's middle-layer alignment = the base's + change[lang]."""
    base_right = {"en": 20, **{lang: BASE_RIGHT for lang in extra}}
    tuned_right = {"en": 20, **{lang: BASE_RIGHT + k for lang, k in extra.items()}}
    massive_run(tmp_path / "runs" / "base", "base", base_right)
    massive_run(tmp_path / "runs" / "tuned", "tuned", tuned_right)
    base_align = base_align or {lang: 30.0 + 3 * i for i, lang in enumerate(change)}
    tuned_align = {lang: base_align[lang] + change[lang] for lang in change}
    write_align_eval(tmp_path / "align", "/adapters/tuned", {"base": base_align, "tuned": tuned_align})
    return tmp_path / "runs", tmp_path / "align"


def test_ranks_share_ties():
    # 10 < 20 = 20 < 30: the tied pair shares ranks 2 and 3, i.e. 2.5 each.
    assert ranks([20, 10, 30, 20]).tolist() == [2.5, 1.0, 4.0, 2.5]
    assert spearman([1, 1, 1, 1], [1, 2, 3, 4]) is None  # no ranking on one side


def test_gains_rising_exactly_with_alignment_change_give_one(tmp_path):
    extra = {lang: 2 * (i + 1) for i, lang in enumerate(LANGS)}  # 2, 4, ..., 16 more items right
    change = {lang: 1.0 + 3 * i for i, lang in enumerate(LANGS)}  # 1, 4, ..., 22 points closer to English
    runs, align = planted(tmp_path, extra, change)
    built = build([str(runs)], tmp_path / "out", "tiny/base", [str(align)], resamples=500, seed=3)
    (panel,) = built["report"].panels
    rows = {row.column: row for row in panel.rows}
    for lang in LANGS:
        # F1 with one gold slot per item: 2 r / (r + 40); base r = 10 -> 40.0.
        assert rows[lang].gain == pytest.approx(slot_f1(BASE_RIGHT + extra[lang]) - slot_f1(BASE_RIGHT))
        assert rows[lang].change == pytest.approx(change[lang])
    correlation = panel.correlation
    assert correlation.rho == pytest.approx(1.0)
    # Every resample that has a ranking orders both variables the same way: rho = 1 in each.
    assert correlation.low == pytest.approx(1.0) and correlation.high == pytest.approx(1.0)
    assert correlation.low <= 1.0 <= correlation.high + 1e-12
    # Of the 8! pairings exactly two (identity, reversal) reach |rho| = 1.
    assert correlation.exact and correlation.permutation_p == pytest.approx(2 / math.factorial(8))
    assert sorted(correlation.languages) == sorted(LANGS) and "en" not in correlation.languages


def test_gain_intervals_are_compare_s_paired_bootstrap(tmp_path):
    from xtransfer_bench.compare.report import compare
    from xtransfer_bench.compare.runs import load_run

    extra = {lang: 2 * (i + 1) for i, lang in enumerate(LANGS)}
    runs, align = planted(tmp_path, extra, {lang: float(i) for i, lang in enumerate(LANGS)})
    built = build([str(runs)], tmp_path / "out", "tiny/base", [str(align)], resamples=300, seed=7)
    (panel,) = built["report"].panels
    expected = {line.language: line.result for line in compare(load_run(runs / "base"), load_run(runs / "tuned"),
                                                               resamples=300, seed=7).lines
                if line.metric == "f1_paper"}
    for row in panel.rows:
        assert (row.low, row.high, row.n) == (pytest.approx(expected[row.column].low),
                                              pytest.approx(expected[row.column].high), ITEMS)
    assert not panel.intervals


def test_a_shuffled_planting_gives_the_hand_computed_rho(tmp_path):
    scipy_stats = pytest.importorskip("scipy.stats")
    # Alignment changes rise with the language's position (ranks 1..8); the
    # extra items right, hence the gains, have ranks 3, 1, 8, 2, 5, 7, 4, 6.
    # d = 2, -1, 5, -2, 0, 1, -3, -2; sum d^2 = 48; rho = 1 - 6 * 48 / (8 * 63) = 3/7.
    gain_ranks = [3, 1, 8, 2, 5, 7, 4, 6]
    extra = {lang: 2 * rank for lang, rank in zip(LANGS, gain_ranks)}
    change = {lang: 1.0 + 3 * i for i, lang in enumerate(LANGS)}
    runs, align = planted(tmp_path, extra, change)
    built = build([str(runs)], tmp_path / "out", "tiny/base", [str(align)], resamples=400, seed=11)
    correlation = built["report"].panels[0].correlation
    assert correlation.rho == pytest.approx(3 / 7)
    gains = [slot_f1(BASE_RIGHT + extra[lang]) - slot_f1(BASE_RIGHT) for lang in LANGS]
    assert correlation.rho == pytest.approx(scipy_stats.spearmanr([change[lang] for lang in LANGS], gains).statistic)
    # The interval, recomputed independently: the same draws of languages
    # (default_rng(seed).choice(n, (R, n))), scipy's rho on each, resamples
    # without a ranking left out, the 2.5% / 97.5% order statistics (k = ceil(0.025 R)).
    order = [correlation.languages.index(lang) for lang in LANGS]
    x = np.asarray([change[lang] for lang in LANGS])[np.argsort(order)]
    y = np.asarray(gains)[np.argsort(order)]
    draws = np.random.default_rng(11).choice(8, size=(400, 8), replace=True)
    rhos = []
    for row in draws:
        if len(set(x[row])) > 1 and len(set(y[row])) > 1:
            rhos.append(scipy_stats.spearmanr(x[row], y[row]).statistic)
    rhos = np.sort(rhos)
    k = math.ceil(0.025 * len(rhos))
    assert correlation.resamples - correlation.undefined_resamples == len(rhos)
    assert (correlation.low, correlation.high) == (pytest.approx(rhos[k - 1]), pytest.approx(rhos[len(rhos) - k]))
    assert correlation.low < 3 / 7 < correlation.high
    # The other layers hold the reversed accuracies: reading layer 1 gives -3/7.
    other = build([str(runs)], tmp_path / "layer1", "tiny/base", [str(align)], layer=1, resamples=50)
    assert other["report"].panels[0].correlation.rho == pytest.approx(-3 / 7)


def test_fewer_than_four_languages_is_a_refusal_not_a_number(tmp_path):
    extra = {lang: 2 * (i + 1) for i, lang in enumerate(LANGS)}
    measured = {"de": 5.0, "es": 9.0, "fr": 12.0}  # align-eval ran on en, de, es, fr only
    runs, align = planted(tmp_path, extra, measured)
    built = build([str(runs)], tmp_path / "out", "tiny/base", [str(align)])
    correlation = built["report"].panels[0].correlation
    assert correlation.rho is None and correlation.low is None and correlation.permutation_p is None
    assert correlation.refused.startswith("not computed: 3 language(s)") and "(es, de, fr)" in correlation.refused  # layout order
    assert "at least 4" in correlation.refused
    rows = list(csv.DictReader((tmp_path / "out" / "correlations.csv").open()))
    gain_row = next(r for r in rows if r["analysis"] == "gain_vs_alignment_change")
    assert gain_row["rho"] == "" and gain_row["low"] == "" and gain_row["refused"].startswith("not computed")
    assert "at least 4" in (tmp_path / "out" / "report.html").read_text()
    assert "at least 4" in (tmp_path / "out" / "report.md").read_text()
    # Direct: 4 values give a number, 3 do not.
    assert correlate([1, 2, 3], [1, 2, 3], ["a", "b", "c"], ("x", "y")).refused
    four = correlate([1, 2, 3, 4], [1, 2, 3, 4], ["a", "b", "c", "d"], ("x", "y"), resamples=100)
    assert four.rho == pytest.approx(1.0) and four.permutation_p == pytest.approx(2 / 24)  # 2 of 4! pairings


def test_runs_without_sample_logs_give_gains_without_intervals(tmp_path):
    extra = {lang: 2 * (i + 1) for i, lang in enumerate(LANGS)}
    runs, align = planted(tmp_path, extra, {lang: 1.0 + i for i, lang in enumerate(LANGS)})
    for log in (runs / "tuned").glob("samples_*.jsonl"):
        log.unlink()
    built = build([str(runs)], tmp_path / "out", "tiny/base", [str(align)], resamples=100)
    (panel,) = built["report"].panels
    assert all(row.low is None and row.n is None for row in panel.rows)
    gains = {row.column: row.gain for row in panel.rows}
    assert gains["de"] == pytest.approx(slot_f1(BASE_RIGHT + 2) - slot_f1(BASE_RIGHT)) and gains["en"] == 0
    assert "no per-sample logs" in panel.intervals and "--log_samples" in panel.intervals
    assert panel.correlation.rho == pytest.approx(1.0)
    assert "no per-sample logs" in (tmp_path / "out" / "report.html").read_text()


def test_the_baseline_gap_against_its_alignment(tmp_path):
    # Base right items per language -> F1 2r/(r+40); English r = 30 -> 85.71.
    # Gaps rise with r, so their ranks are those of r: de..zh = 4, 8, 12, 16, 20, 24, 28, 6
    # -> ranks 1, 3, 4, 5, 6, 7, 8, 2. The base alignment rises with position (ranks 1..8):
    # d = 0, 1, 1, 1, 1, 1, 1, -6; sum d^2 = 42; rho = 1 - 6 * 42 / 504 = 1/2.
    right = dict(zip(LANGS, [4, 8, 12, 16, 20, 24, 28, 6]))
    massive_run(tmp_path / "runs" / "base", "base", {"en": 30, **right})
    massive_run(tmp_path / "runs" / "tuned", "tuned", {"en": 30, **right})
    base_align = {lang: 20.0 + 5 * i for i, lang in enumerate(LANGS)}
    cosine = {"pair": ["en", "de"], "base": {"mean_over_layers": 0.125}}  # one pair measured: no correlation
    write_align_eval(tmp_path / "align", "/adapters/tuned", {"base": base_align, "tuned": base_align}, cosine=cosine)
    built = build([str(tmp_path / "runs")], tmp_path / "out", None, [str(tmp_path / "align")], resamples=200)
    (gap,) = built["report"].gaps
    rows = {row.column: row for row in gap.rows}
    assert rows["sw"].gap == pytest.approx(slot_f1(20) - slot_f1(30))  # 66.67 - 85.71
    assert rows["sw"].alignment == pytest.approx(base_align["sw"])
    assert gap.correlation.rho == pytest.approx(0.5)
    assert rows["de"].cosine_deviation == pytest.approx(0.125) and rows["es"].cosine_deviation is None
    assert gap.cosine_correlation.refused.startswith("not computed: 1 language(s)")
    # The adapter changed nothing: every gain and change is 0, so there is no ranking.
    assert "same in all 8 languages" in built["report"].panels[0].correlation.refused


def test_align_eval_folders_are_matched_by_what_summary_json_records(tmp_path):
    extra = {lang: 2 * (i + 1) for i, lang in enumerate(LANGS)}
    change = {lang: 1.0 + 3 * i for i, lang in enumerate(LANGS)}
    runs, _ = planted(tmp_path, extra, change)
    base_align = {lang: 30.0 + 3 * i for i, lang in enumerate(LANGS)}
    tuned = {lang: base_align[lang] + change[lang] for lang in LANGS}
    # The adapter folder was saved as "ckpt-500": its results are stored under that name.
    other = write_align_eval(tmp_path / "other", "/adapters/ckpt-500", {"base": base_align, "ckpt-500": tuned})
    unmatched = build([str(runs)], tmp_path / "out1", "tiny/base", [str(other)], resamples=50)
    assert any("tiny/ckpt-500 matches no run" in note for note in unmatched["notes"])
    assert "no align-eval output for tiny/tuned" in unmatched["report"].panels[0].correlation.refused
    matched = build([str(runs)], tmp_path / "out2", "tiny/base", [f"tuned={other}"], resamples=50)
    assert matched["report"].panels[0].correlation.rho == pytest.approx(1.0)
    # Alignments measured on other sentences are not subtracted.
    different = write_align_eval(tmp_path / "base-only", None, {"base": base_align})
    summary = json.loads((different / "summary.json").read_text())
    (different / "summary.json").write_text(json.dumps({**summary, "split": "devtest"}))
    adapter_only = write_align_eval(tmp_path / "adapter-only", "/adapters/tuned", {"tuned": tuned})
    refused = build([str(runs)], tmp_path / "out3", "tiny/base", [str(different), str(adapter_only)], resamples=50)
    assert "split 'dev' vs 'devtest'" in refused["report"].panels[0].correlation.refused


def test_the_command_writes_every_file(tmp_path):
    extra = {lang: 2 * (i + 1) for i, lang in enumerate(LANGS)}
    runs, align = planted(tmp_path, extra, {lang: 1.0 + 3 * i for i, lang in enumerate(LANGS)})
    from xtransfer_bench.commands import report as command

    import argparse

    parser = argparse.ArgumentParser()
    command.add_arguments(parser.add_subparsers())
    args = parser.parse_args(["report", "--results", str(runs), "--align-eval", str(align), "--out",
                              str(tmp_path / "out"), "--resamples", "100", "--metric", "massive=f1_paper"])
    assert command.run(args) == 0
    out = tmp_path / "out"
    for name in ("report.html", "report.md", "report.csv", "correlations.csv", "report.json"):
        assert (out / name).is_file(), name
    data = json.loads((out / "report.json").read_text())
    assert data["layer"] == 2 and data["panels"][0]["correlation"]["rho"] == pytest.approx(1.0)
    rows = [r for r in csv.DictReader((out / "report.csv").open()) if r["analysis"] == "gain"]
    assert {r["column"] for r in rows} == {"en", *LANGS}
    assert (out / "figures" / "scatter_massive_tiny-tuned.png").is_file()
    assert "![massive scatter](figures/scatter_massive_tiny-tuned.png)" in (out / "report.md").read_text()
    with pytest.raises(Exception, match="BENCH=METRIC"):
        command.run(parser.parse_args(["report", "--results", str(runs), "--metric", "massive"]))


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed (apt-get install chromium)")
def test_the_report_renders_in_headless_chromium(tmp_path):
    gain_ranks = [3, 1, 8, 2, 5, 7, 4, 6]
    extra = {lang: 2 * rank for lang, rank in zip(LANGS, gain_ranks)}
    runs, align = planted(tmp_path, extra, {lang: 1.0 + 3 * i for i, lang in enumerate(LANGS)})
    build([str(runs)], tmp_path / "out", "tiny/base", [str(align)], resamples=200)
    page = tmp_path / "out" / "report.html"
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([CHROMIUM, *flags, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert dom.stdout.count('src="data:image/png;base64,') >= 3 and dom.stdout.count("<table") >= 3
    assert "+0.43" in dom.stdout  # rho = 3/7 in the correlations table
    shot = tmp_path / "report.png"
    done = subprocess.run([CHROMIUM, *flags, f"--screenshot={shot}", "--window-size=1400,1400", page.as_uri()],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and shot.is_file(), done.stderr[-2000:]
    from matplotlib.image import imread

    pixels = imread(shot)[..., :3]

    def share(hex_colour: str, tolerance: float = 0.02) -> int:
        rgb = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        return int(np.all(np.abs(pixels - rgb) < tolerance, axis=-1).sum())

    # The scatter's points and the gain bars in the three group colours:
    # supervised es, zh blue; transfer de, fr, tr orange; aligned ja, sw, cy green.
    assert share("#4C72B0") > 100 and share("#DD8452") > 100 and share("#55A868") > 100
    assert share("#F0F0F0", 0.01) > 1000  # the tables' header rows


def test_compute_alignment_measures_the_base_and_each_adapter_of_the_runs(tiny_model, tiny_lora, tmp_path):
    from xtransfer_bench.commands.demo_pipeline import write_massive_multiway
    from xtransfer_bench.report.compute import AlignmentOptions

    extra = {lang: 2 * (i + 1) for i, lang in enumerate(LANGS)}
    runs, _ = planted(tmp_path, extra, {lang: 0.0 for lang in LANGS})
    # The runs name the tiny model and the adapter as xtransfer-hf records them.
    for name, args in (("base", f"pretrained={tiny_model},active=base"),
                       ("tuned", f"pretrained={tiny_model},adapters=tuned:{tiny_lora},active=tuned")):
        (path,) = (runs / name).glob("results_*.json")
        data = json.loads(path.read_text())
        data["config"]["model_args"] = args
        path.write_text(json.dumps(data))
    data = write_massive_multiway(tmp_path / "flores")
    built = build([str(runs)], tmp_path / "out", None, compute=AlignmentOptions(data=str(data), split="dev"),
                  resamples=100)
    report = built["report"]
    label = f"{Path(tiny_model).name}/tuned"
    # The bundled MASSIVE rows: six parallel commands per language; English and the 8 run languages measured.
    # One align-eval run for the base and every LoRA, each named as its run names it.
    summary = json.loads((tmp_path / "out" / "alignment" / "summary.json").read_text())
    assert summary["languages"] == ["en", "es", "zh", "cy", "ja", "sw", "de", "fr", "tr"] and summary["sentences"] == 6
    assert summary["adapters"] == {"tuned": str(tiny_lora)} and set(summary["results"]) == {"base", "tuned"}
    assert report.layers == 2 and report.layer == 1  # middle of 2 layers
    assert set(report.curves) == {f"{Path(tiny_model).name}/base", label}
    (panel,) = report.panels
    assert panel.adapter == label and all(row.change is not None for row in panel.rows if row.language != "en")
    # Accuracy over 6 sentences moves in steps of 1/6: every mean of two such values is a
    # multiple of 100/12 (retrieval.csv keeps 4 decimals, hence the tolerance).
    for row in panel.rows:
        if row.language != "en":
            assert row.alignment * 12 / 100 == pytest.approx(round(row.alignment * 12 / 100), abs=1e-3)


def test_group_restricts_the_languages_of_the_correlation(tmp_path):
    extra = {lang: 2 * (i + 1) for i, lang in enumerate(LANGS)}
    runs, align = planted(tmp_path, extra, {lang: 1.0 + 3 * i for i, lang in enumerate(LANGS)})
    # MASSIVE's groups among LANGS: transfer de, fr, tr; aligned ja, sw, cy; supervised es, zh.
    built = build([str(runs)], tmp_path / "out", "tiny/base", [str(align)], group="aligned", resamples=50)
    assert built["report"].panels[0].correlation.refused.startswith("not computed: 3 language(s)")
    assert "(cy, ja, sw)" in built["report"].panels[0].correlation.refused
    assert len(built["report"].panels[0].rows) == 9  # the table still shows every language


def test_translation_directions_are_correlated_per_family(tmp_path):
    from lm_eval_logs import write_run

    targets = ["cs", "de", "is", "ru", "zh", "he", "ja", "uk"]  # WMT's X <-> en languages
    change = {lang: 1.0 + 2 * i for i, lang in enumerate(targets)}

    def run(adapter: str, bleu: dict) -> None:
        tasks = {f"xtransfer_wmt_{column.replace('-', '_')}": ([{"source": "s"}], {"bleu": [0.0]}, {"bleu": value})
                 for column, value in bleu.items()}
        write_run(tmp_path / "runs" / adapter, adapter, tasks)
        for log in (tmp_path / "runs" / adapter).glob("samples_*.jsonl"):
            log.unlink()  # scores only: no intervals needed here

    base = {**{f"{lang}-en": 20.0 for lang in targets}, **{f"en-{lang}": 20.0 for lang in targets}}
    # X -> en gains rise with the alignment change (rho 1), en -> X gains fall with it (rho -1).
    tuned = {**{f"{lang}-en": 20.0 + i for i, lang in enumerate(targets)},
             **{f"en-{lang}": 20.0 + (8 - i) for i, lang in enumerate(targets)}}
    run("base", base)
    run("tuned", tuned)
    align = write_align_eval(tmp_path / "align", "/adapters/tuned",
                             {"base": {lang: 30.0 for lang in targets},
                              "tuned": {lang: 30.0 + change[lang] for lang in targets}})
    built = build([str(tmp_path / "runs")], tmp_path / "out", "tiny/base", [str(align)], resamples=50)
    panels = {panel.family: panel for panel in built["report"].panels}
    assert set(panels) == {"x-en", "en-x"}
    assert panels["x-en"].correlation.rho == pytest.approx(1.0) and panels["en-x"].correlation.rho == pytest.approx(-1.0)
    assert sorted(panels["en-x"].correlation.languages) == sorted(f"en-{lang}" for lang in targets)
    de = next(row for row in panels["en-x"].rows if row.column == "en-de")
    assert de.language == "de" and de.change == pytest.approx(change["de"]) and de.gain == pytest.approx(7.0)
    assert not built["report"].gaps  # no English score of its own: no transfer gap


def test_bad_inputs_are_clear_errors(tmp_path):
    from xtransfer_bench.errors import XtransferError

    extra = {lang: 2 for lang in LANGS}
    runs, align = planted(tmp_path, extra, {lang: 1.0 for lang in LANGS})
    with pytest.raises(XtransferError, match="holds no align-eval output"):
        build([str(runs)], tmp_path / "out", "tiny/base", [str(tmp_path / "nowhere")])
    with pytest.raises(XtransferError, match="matches no run; runs are: tiny/base, tiny/tuned"):
        build([str(runs)], tmp_path / "out", "tiny/sft", [str(align)])
    with pytest.raises(XtransferError, match="--layer 9 is out of range: this model has layers 1..4"):
        build([str(runs)], tmp_path / "out", "tiny/base", [str(align)], layer=9)
    (align / "summary.json").write_text("{not json")
    with pytest.raises(XtransferError, match="is not an align-eval summary"):
        build([str(runs)], tmp_path / "out", "tiny/base", [str(align)])
