"""The report's numbers: per benchmark and adapter, each language's score gain
over the baseline (compare's paired bootstrap over the items when both runs
logged their samples; the plain difference otherwise) beside its alignment
change, and their rank correlation; per benchmark, the baseline's transfer
gap (target score minus English score) beside its own alignment.

Alignment of a language X at layer L = mean of the retrieval accuracies
X -> English and English -> X at L (align-eval's retrieval.csv). For
translation (wmt) a direction counts as its non-English language, and the
X -> en and en -> X directions are correlated separately ("families"), so no
language enters one correlation twice.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from xtransfer_bench import languages
from xtransfer_bench.compare.bootstrap import DEFAULT_RESAMPLES, DEFAULT_SEED, paired_bootstrap
from xtransfer_bench.compare.report import StatsCache, paired_parts
from xtransfer_bench.compare.runs import RunError, TaskLog
from xtransfer_bench.report.inputs import ENGLISH, Alignment, Model, ReportError
from xtransfer_bench.report.statistics import Correlation, correlate
from xtransfer_bench.results_files import layout

# The metric behind the papers' published numbers (metrics/protocols.py), the
# F1 of XQuAD as in the CL-ICP paper's figure 2c.
DEFAULT_METRICS = {"massive": "f1_paper", "uner": "f1_paper", "wmt": "bleu", "xquad": "f1", "xcopa": "acc",
                   "xnli": "acc"}
GROUPS = ("all", "supervised", "transfer", "aligned")
GAIN_VS_CHANGE = ("alignment change", "score gain")
GAP_VS_ALIGNMENT = ("alignment with English", "transfer gap")
GAP_VS_DEVIATION = ("cosine deviation", "transfer gap")


@dataclass
class LanguageRow:
    column: str  # the task's language, or a translation direction ("de-en")
    language: str  # the language whose alignment with English counts
    group: str  # supervised, transfer or aligned (colours)
    baseline_score: float
    score: float
    low: float | None = None  # 95% interval of the gain
    high: float | None = None
    p_value: float | None = None
    n: int | None = None
    note: str = ""
    alignment_baseline: float | None = None
    alignment: float | None = None

    @property
    def gain(self) -> float:
        return self.score - self.baseline_score

    @property
    def change(self) -> float | None:
        return None if self.alignment is None or self.alignment_baseline is None else self.alignment - self.alignment_baseline

    def as_dict(self) -> dict:
        return {**asdict(self), "gain": self.gain, "alignment_change": self.change}


@dataclass
class Panel:
    """One benchmark (and translation family), metric and adapter against the baseline."""

    benchmark: str
    metric: str
    family: str  # "" or, for translation, "x-en" / "en-x"
    adapter: str  # "model/adapter"
    baseline: str
    rows: list[LanguageRow]
    correlation: Correlation
    intervals: str = ""  # why some gains have no interval ("" when all have one)
    alignment_source: str = ""  # the align-eval folder(s) of the two alignments

    @property
    def title(self) -> str:
        return f"{self.benchmark} {self.family}".strip()


@dataclass
class GapRow:
    column: str
    language: str
    group: str
    english: float
    score: float
    alignment: float | None
    cosine_deviation: float | None = None

    @property
    def gap(self) -> float:
        return self.score - self.english

    def as_dict(self) -> dict:
        return {**asdict(self), "gap": self.gap}


@dataclass
class GapPanel:
    """The baseline's transfer gap against its own alignment (CL-ICP figure 2c, across languages)."""

    benchmark: str
    metric: str
    baseline: str
    rows: list[GapRow]
    correlation: Correlation
    cosine_correlation: Correlation | None = None


@dataclass
class Report:
    baseline: str
    layer: int | None  # hidden_states index (1..L); None without alignment
    layers: int | None
    group: str
    resamples: int
    seed: int
    panels: list[Panel] = field(default_factory=list)
    gaps: list[GapPanel] = field(default_factory=list)
    curves: dict[str, list[float]] = field(default_factory=dict)  # label -> mean to/from English accuracy, layers 1..L
    curve_languages: dict[str, list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # label -> shown name

    def name(self, label: str) -> str:
        """The adapter alone when every model and adapter is of one model (as the leaderboard's legend)."""
        return self.names.get(label, label)


def language_of(column: str) -> str:
    """de -> de; de-en and en-de -> de."""
    if "-" not in column:
        return column
    source, target = column.split("-", 1)
    return target if source == ENGLISH else source


def family_of(column: str) -> str:
    if "-" not in column:
        return ""
    return "en-x" if column.startswith(f"{ENGLISH}-") else "x-en"


def group_of(benchmark: str, language: str) -> str:
    sets = languages.benchmark(benchmark)
    if language in sets.aligned:
        return "aligned"
    return "supervised" if language in sets.supervised else "transfer"


def with_english(alignment: Alignment, language: str, layer: int) -> float | None:
    """Mean retrieval accuracy X -> en and en -> X at `layer` (None when not measured)."""
    pairs = [alignment.accuracy.get((language, ENGLISH)), alignment.accuracy.get((ENGLISH, language))]
    if language == ENGLISH or any(p is None or len(p) <= layer for p in pairs):
        return None
    return (pairs[0][layer] + pairs[1][layer]) / 2


def curve(alignment: Alignment) -> tuple[list[float], list[str]]:
    """Per layer 1..L: the mean over languages of their alignment with English."""
    measured = [lang for lang in alignment.languages if with_english(alignment, lang, 1) is not None]
    values = [sum(with_english(alignment, lang, layer) for lang in measured) / len(measured)
              for layer in range(1, alignment.layers + 1)] if measured else []
    return values, measured


def resolve_layer(layer: str | int, layers: int) -> int:
    from xtransfer_bench.model_layers import LayerError, resolve_layer as resolve

    try:
        return resolve(layer, layers, "--layer")
    except LayerError as error:
        raise ReportError(str(error)) from None


def _pair(adapter: list[Alignment], baseline: list[Alignment]) -> tuple[Alignment | None, Alignment | None, str]:
    """An alignment of the adapter and one of the baseline that may be
    subtracted, preferring the same align-eval folder; else the reason."""
    reasons = []
    for mine in adapter:
        ordered = sorted(baseline, key=lambda theirs: theirs.folder != mine.folder)
        for theirs in ordered:
            reason = mine.comparable(theirs)
            if reason is None:
                return mine, theirs, ""
            reasons.append(reason)
    return None, None, "; ".join(reasons)


def _logged(log: TaskLog | None) -> bool:
    return log is not None and log.samples_file is not None


def _gain_rows(base: Model, model: Model, benchmark: str, metric: str, resamples: int, seed: int,
               cache: StatsCache, notes: list[str]) -> tuple[list[LanguageRow], str]:
    """Per language: scores of both, and the paired-bootstrap interval where both logged their samples."""
    logs_a = {log.language: log for log in base.run.tasks.values() if log.benchmark == benchmark}
    logs_b = {log.language: log for log in model.run.tasks.values() if log.benchmark == benchmark}
    columns = [c for c in layout(benchmark)[0] if c in logs_a and c in logs_b
               and metric in logs_a[c].scores and metric in logs_b[c].scores]
    logged = [c for c in columns if _logged(logs_a[c]) and _logged(logs_b[c])]
    parts = paired_parts(base.run, model.run, benchmark, metric, logged, cache, notes) if logged else {}
    rows, unlogged = [], []
    for column in columns:
        a, b = logs_a[column], logs_b[column]
        language = language_of(column)
        row = LanguageRow(column, language, group_of(benchmark, language), a.scores[metric], b.scores[metric])
        if column in parts:
            difference = paired_bootstrap([parts[column]], resamples, seed)
            row.low, row.high, row.p_value, row.n, row.note = (difference.low, difference.high, difference.p_value,
                                                               difference.n, difference.note)
        elif column in logged:
            continue  # paired_parts left it out and noted why (metric signatures or data differ)
        else:
            if (a.version, a.setting) != (b.version, b.setting):
                notes.append(f"{a.task} {metric}: {base.label} and {model.label} differ in task version or settings "
                             f"({a.version} {a.setting or 'defaults'} vs {b.version} {b.setting or 'defaults'}); "
                             "left out.")
                continue
            unlogged.append(column)
        rows.append(row)
    why = ""
    if unlogged:
        why = (f"no per-sample logs for {', '.join(unlogged)} (run lm_eval with --log_samples): "
               "those gains have no interval")
    return rows, why


def _selected(rows, group: str):
    return [row for row in rows if row.language != ENGLISH and (group == "all" or row.group == group)]


def _gain_panels(base: Model, model: Model, benchmark: str, metric: str, pair: tuple, report: Report,
                 cache: StatsCache) -> list[Panel]:
    mine, theirs, reason = pair
    try:
        rows, intervals = _gain_rows(base, model, benchmark, metric, report.resamples, report.seed, cache,
                                     report.notes)
    except RunError as error:
        report.notes.append(f"{benchmark}: {model.label} against {base.label} not compared: {error}")
        return []
    if mine is not None:
        for row in rows:
            row.alignment_baseline = with_english(theirs, row.language, report.layer)
            row.alignment = with_english(mine, row.language, report.layer)
    panels = []
    for family in dict.fromkeys(family_of(row.column) for row in rows):
        members = [row for row in rows if family_of(row.column) == family]
        usable = [row for row in _selected(members, report.group) if row.change is not None]
        correlation = correlate([row.change for row in usable], [row.gain for row in usable],
                                [row.column for row in usable], GAIN_VS_CHANGE, report.resamples, report.seed)
        if mine is None:
            correlation.refused = f"not computed: {reason}."
        source = "" if mine is None else ", ".join(dict.fromkeys(str(a.folder) for a in (theirs, mine)))
        panels.append(Panel(benchmark, metric, family, model.label, base.label, members, correlation, intervals, source))
    return panels


def _gap_panel(base: Model, benchmark: str, metric: str, alignment: Alignment | None, report: Report,
               deviations: dict) -> GapPanel | None:
    logs = {log.language: log for log in base.run.tasks.values() if log.benchmark == benchmark and metric in log.scores}
    if ENGLISH not in logs:
        return None  # no English score (translation: every direction involves English)
    english = logs[ENGLISH].scores[metric]
    rows = []
    for column in layout(benchmark)[0]:
        if column == ENGLISH or column not in logs:
            continue
        value = None if alignment is None else with_english(alignment, column, report.layer)
        deviation = deviations.get((ENGLISH, column), deviations.get((column, ENGLISH)))
        rows.append(GapRow(column, column, group_of(benchmark, column), english, logs[column].scores[metric], value,
                           deviation))
    usable = [row for row in _selected(rows, report.group) if row.alignment is not None]
    correlation = correlate([row.alignment for row in usable], [row.gap for row in usable],
                            [row.column for row in usable], GAP_VS_ALIGNMENT, report.resamples, report.seed)
    if alignment is None:
        correlation.refused = f"not computed: no align-eval output for {base.label}."
    with_deviation = [row for row in _selected(rows, report.group) if row.cosine_deviation is not None]
    cosine = correlate([row.cosine_deviation for row in with_deviation], [row.gap for row in with_deviation],
                       [row.column for row in with_deviation], GAP_VS_DEVIATION, report.resamples, report.seed) \
        if with_deviation else None
    return GapPanel(benchmark, metric, base.label, rows, correlation, cosine)


def _metric(benchmark: str, chosen: dict[str, str], base: Model, notes: list[str]) -> str | None:
    metric = chosen.get(benchmark) or DEFAULT_METRICS.get(benchmark)
    found = {m for log in base.run.tasks.values() if log.benchmark == benchmark for m in log.scores}
    if metric not in found:
        notes.append(f"{benchmark}: the baseline has no {metric!r} scores (it has {', '.join(sorted(found))}); "
                     f"choose one with --metric {benchmark}=METRIC.")
        return None
    return metric


def analyse(models: dict[str, Model], baseline: Model, alignments: dict[str, list[Alignment]],
            layer: str | int = "middle", metrics: dict[str, str] | None = None, group: str = "all",
            resamples: int = DEFAULT_RESAMPLES, seed: int = DEFAULT_SEED, notes: list[str] | None = None) -> Report:
    if group not in GROUPS:
        raise ReportError(f"--group {group!r}: use one of {', '.join(GROUPS)}.")
    measured = [a for found in alignments.values() for a in found]
    layers = measured[0].layers if measured else None
    report = Report(baseline.label, resolve_layer(layer, layers) if layers else None, layers, group, resamples, seed,
                    notes=list(notes or []))
    if not measured:
        report.notes.append("No alignment was given (--align-eval DIR or --compute-alignment): gains only.")
    for label in sorted(alignments, key=lambda label: (label != baseline.label, label)):  # the baseline first
        report.curves[label], report.curve_languages[label] = curve(alignments[label][0])
    base_alignments = alignments.get(baseline.label, [])
    benchmarks = [b for b in languages.BENCHMARKS if any(log.benchmark == b for log in baseline.run.tasks.values())]
    cache = StatsCache()
    for benchmark in benchmarks:
        metric = _metric(benchmark, metrics or {}, baseline, report.notes)
        if metric is None:
            continue
        for label, model in models.items():
            if model is baseline or not any(log.benchmark == benchmark for log in model.run.tasks.values()):
                continue
            mine = alignments.get(label, [])
            pair = _pair(mine, base_alignments) if mine and base_alignments else \
                (None, None, f"no align-eval output for {label if not mine else baseline.label}")
            report.panels += _gain_panels(baseline, model, benchmark, metric, pair, report, cache)
        deviations = {pair: value for a in base_alignments for pair, value in a.cosine_deviation.items()}
        gap = _gap_panel(baseline, benchmark, metric, base_alignments[0] if base_alignments else None, report,
                         deviations)
        if gap is not None:
            report.gaps.append(gap)
    labels = [baseline.label, *models, *report.curves]
    one_model = len({label.split("/", 1)[0] for label in labels}) == 1
    report.names = {label: label.split("/", 1)[1] if one_model else label for label in labels}
    return report
