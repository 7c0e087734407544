"""The papers' table layout: one row per model and adapter, a column per
language (translation: per direction), then the group means (supervised,
transfer, aligned; translation: supervised both ways, transfer X->En and
En->X), and deltas of the group means against a baseline row.

Scores that must not be averaged together never are: two results for the
same model, adapter, task and metric with different task versions or metric
signatures put each run on a row of its own (with a warning), and a group
whose languages come from different task versions gets no mean (with a
warning). Exact duplicates keep the newest run.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from xtransfer_bench import languages
from xtransfer_bench.leaderboard.results import Score

GROUP_PREFIX = "group:"


def layout(benchmark: str) -> tuple[list[str], dict[str, list[str]]]:
    """(columns in the papers' order, group name -> member columns)."""
    sets = languages.benchmark(benchmark)
    if benchmark == "wmt":
        supervised = [f"{lang}-en" for lang in sets.supervised] + [f"en-{lang}" for lang in sets.supervised]
        x_en, en_x = [f"{lang}-en" for lang in sets.transfer], [f"en-{lang}" for lang in sets.transfer]
        return supervised + x_en + en_x, {"supervised": supervised, "transfer_x_en": x_en, "transfer_en_x": en_x}
    return list(sets.all), {name: list(langs) for name, langs in sets.groups().items()}


@dataclass
class Row:
    source: str
    model: str
    adapter: str
    setting: str = ""  # task options and limit (Score.setting)
    variant: str = ""  # the run, when runs of this model and adapter cannot be merged; published: the table
    cells: dict[str, Score] = field(default_factory=dict)
    groups: dict[str, float | None] = field(default_factory=dict)
    deltas: dict[str, float | None] = field(default_factory=dict)
    baseline: str | None = None  # the label of the row the deltas are taken against
    # column or "group:<name>" -> paired bootstrap of the delta (leaderboard.significance)
    significance: dict = field(default_factory=dict)

    @property
    def label(self) -> str:
        name = f"{self.model} / {self.adapter}"
        if self.setting:
            name += f" {{{self.setting}}}"
        return f"{name} [{self.variant}]" if self.variant else name


@dataclass
class Table:
    benchmark: str
    metric: str
    columns: list[str]
    group_members: dict[str, list[str]]
    rows: list[Row]
    baseline: str | None = None


def _comparable(score: Score) -> tuple[str, str]:
    return score.task_version, score.signature


def resolve_conflicts(scores: list[Score], warnings: list[str]) -> list[tuple[Score, str]]:
    """(score, variant) pairs: variant is "" unless the scores of its model and
    adapter disagree in task version or signature somewhere in this benchmark."""
    cells = defaultdict(list)
    for score in scores:
        # Published tables are rows of their own (variant = the table), never merged.
        run = score.run_id if score.source == "published" else ""
        cells[(score.source, score.model, score.adapter, score.setting, run, score.benchmark, score.language,
               score.metric)].append(score)
    split_runs = set()
    kept = []
    for key, found in cells.items():
        kinds = {_comparable(score) for score in found}
        what = f"{key[1]} / {key[2]}: {key[5]} {key[6]} {key[7]}"
        if len(kinds) > 1:
            split_runs.add(key[:6])
            described = "; ".join(sorted({f"{s.run_id}: version {s.task_version or '?'}"
                                          + (f", {s.signature}" if s.signature else "") for s in found}))
            warnings.append(f"{what} differs in task version or metric signature across runs ({described}); "
                            "each run is shown on its own row, not averaged.")
            kept += found
        elif len(found) > 1:
            newest = max(found, key=lambda score: score.date)
            warnings.append(f"{what} appears in {len(found)} runs with the same version and settings; "
                            f"the newest ({newest.run_id}) is used.")
            kept.append(newest)
        else:
            kept += found
    def variant(score: Score) -> str:
        if score.source == "published":
            return score.run_id
        key = (score.source, score.model, score.adapter, score.setting, "", score.benchmark)
        return score.run_id if key in split_runs else ""

    return [(score, variant(score)) for score in kept]


def build(scores: list[Score], benchmark: str, metric: str, baseline: str | None = None,
          warnings: list[str] | None = None) -> Table:
    warnings = warnings if warnings is not None else []
    columns, members = layout(benchmark)
    chosen = [s for s in scores if s.benchmark == benchmark and s.metric == metric]
    rows: dict[tuple, Row] = {}
    for score, variant in resolve_conflicts(chosen, warnings):
        key = (score.source, score.model, score.adapter, score.setting, variant)
        row = rows.setdefault(key, Row(*key))
        row.cells[score.language] = score
    for row in rows.values():
        for group, langs in members.items():
            row.groups[group] = _group_mean(row, group, langs, benchmark, metric, warnings)
    table = Table(benchmark, metric, columns, members, sorted(rows.values(), key=_order), baseline)
    if baseline:
        candidates = [row for row in table.rows if baseline in (row.label, f"{row.model}/{row.adapter}")]
        for row in (row for row in table.rows if row.source == "run"):  # published rows: no deltas against our runs
            # The baseline run with the same task settings (zero-shot vs in-context, limit).
            same = [c for c in candidates if c.setting == row.setting] or (candidates if len(candidates) == 1 else [])
            base = same[0] if same else None
            row.baseline = base.label if base else None
            for group in members:
                mine, theirs = row.groups.get(group), base.groups.get(group) if base else None
                row.deltas[group] = None if mine is None or theirs is None else mine - theirs
    return table


def _group_mean(row: Row, group: str, langs: list[str], benchmark: str, metric: str, warnings: list[str]) -> float | None:
    published = row.cells.get(GROUP_PREFIX + group)
    if published is not None:
        return published.value
    present = [row.cells[lang] for lang in langs if lang in row.cells]
    if len(present) < len(langs):
        return None
    versions = {score.task_version for score in present}
    if len(versions) > 1:
        warnings.append(f"{row.label}: {benchmark} {group} {metric} mixes task versions {sorted(versions)}; no mean.")
        return None
    return sum(score.value for score in present) / len(present)


def _order(row: Row):
    return (row.source == "published", row.model, row.variant if row.source == "published" else "",
            row.adapter != "base", row.adapter, row.setting, row.variant)


def tables(scores: list[Score], baseline: str | None = None, warnings: list[str] | None = None) -> list[Table]:
    """One table per benchmark and metric found among the scores of runs
    (published numbers join the tables of benchmarks a run has)."""
    found = sorted({(s.benchmark, s.metric) for s in scores if s.source == "run"} or
                   {(s.benchmark, s.metric) for s in scores})
    built = [build(scores, benchmark, metric, baseline, warnings) for benchmark, metric in found
             if benchmark in languages.BENCHMARKS]
    if baseline and not any(row.label == baseline or f"{row.model}/{row.adapter}" == baseline
                            for table in built for row in table.rows):
        known = sorted({f"{row.model}/{row.adapter}" for table in built for row in table.rows if row.source == "run"})
        warnings.append(f"Baseline {baseline!r} matches no row; no deltas. Rows of runs: {', '.join(known)}.")
    return built
