"""The papers' table layout: one row per model and adapter, a column per
language (translation: per direction), then the group means (supervised,
transfer, aligned; translation: supervised both ways, transfer X->En and
En->X), and deltas of the group means against a baseline row.

Scores that must not be set side by side never are:
- a run's row shares a table with the published rows only when its numbers
  follow their protocol, data and item count (placement.py); every other row
  goes to a table of its own, whose note says why;
- two results for the same model, adapter, task and metric with different
  task versions, signatures, data or item counts put each run on a row of
  its own (with a warning); exact duplicates keep the newest run;
- a group whose languages come from different task versions gets no mean,
  and a delta is taken only over cells of the same protocol, data and item
  count (with a warning otherwise).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from xtransfer_bench import languages
from xtransfer_bench.data.paths import source_identity
from xtransfer_bench.leaderboard import placement
from xtransfer_bench.metrics import protocols
from xtransfer_bench.results_files import GROUP_PREFIX, Score, layout  # noqa: F401  (layout: part of this API)


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
    protocol: str = ""  # the signatures of its cells (placement.describe)
    note: str = ""  # why its rows are not beside the published ones (or whose protocol it is not)
    part: int = 0  # 0: the table of the published rows; 1, 2...: tables apart

    @property
    def name(self) -> str:
        """File stem: massive_f1_paper, massive_f1_paper_apart1, ..."""
        return f"{self.benchmark}_{self.metric}" + (f"_apart{self.part}" if self.part else "")

    @property
    def has_published(self) -> bool:
        return any(row.source == "published" for row in self.rows)


def _kind(score: Score) -> tuple:
    """What two runs of one cell must share to be one number."""
    return (score.task_version, protocols.comparison_key(score.signature), source_identity(score.data_source),
            score.n, score.n_original)


def _row_key(score: Score, variant: str) -> tuple:
    return score.source, score.model, score.adapter, score.setting, variant


def resolve_conflicts(scores: list[Score], warnings: list[str]) -> list[tuple[Score, str]]:
    """(score, variant) pairs: variant is "" unless the scores of its model and
    adapter disagree in task version, signature, data or item count somewhere
    in this benchmark."""
    cells = defaultdict(list)
    for score in scores:
        # Published tables are rows of their own (variant = the table), never merged.
        run = score.run_id if score.source == "published" else ""
        cells[(score.source, score.model, score.adapter, score.setting, run, score.benchmark, score.language,
               score.metric)].append(score)
    split_runs = set()
    kept = []
    for key, found in cells.items():
        kinds = {_kind(score) for score in found}
        what = f"{key[1]} / {key[2]}: {key[5]} {key[6]} {key[7]}"
        if len(kinds) > 1:
            split_runs.add(key[:6])
            described = "; ".join(sorted({f"{s.run_id}: version {s.task_version or '?'}"
                                          + (f", {s.signature}" if s.signature else "")
                                          + (f", {source_identity(s.data_source)}" if s.data_source else "")
                                          + (f", n {s.n}" if s.n is not None else "") for s in found}))
            warnings.append(f"{what} differs in task version, metric signature, data or item count across runs "
                            f"({described}); each run is shown on its own row, not averaged.")
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


def comparable_cells(row: Row, base: Row, column: str) -> bool:
    """Whether a cell may be differenced against (or tested with) the baseline's."""
    return column in row.cells and column in base.cells and \
        placement.difference(row.cells[column], base.cells[column]) is None


def _assemble(pairs: list[tuple[Score, str]], benchmark: str, metric: str, baseline: str | None,
              warnings: list[str]) -> Table:
    columns, members = layout(benchmark)
    rows: dict[tuple, Row] = {}
    for score, variant in pairs:
        key = _row_key(score, variant)
        row = rows.setdefault(key, Row(*key))
        row.cells[score.language] = score
    for row in rows.values():
        for group, langs in members.items():
            row.groups[group] = _group_mean(row, group, langs, benchmark, metric, warnings)
    ordered = sorted(rows.values(), key=lambda row: _order((row.source, row.model, row.adapter, row.setting,
                                                            row.variant)))
    # Deltas only where the baseline row is in this table (a row apart has none against it).
    present = baseline if baseline and any(_is_baseline(row, baseline) for row in ordered) else None
    table = Table(benchmark, metric, columns, members, ordered, present)
    if present:
        _deltas(table, present, warnings)
    return table


def _is_baseline(row: Row, baseline: str) -> bool:
    return row.source == "run" and baseline in (row.label, f"{row.model}/{row.adapter}")


def _deltas(table: Table, baseline: str, warnings: list[str]) -> None:
    """Group-mean deltas of every run row against the baseline row of this
    table with the same settings, over cells of the same protocol only."""
    candidates = [row for row in table.rows if _is_baseline(row, baseline)]
    for row in (row for row in table.rows if row.source == "run"):  # published rows: no deltas against our runs
        # The baseline run with the same task settings (zero-shot vs in-context, limit).
        same = [c for c in candidates if c.setting == row.setting] or (candidates if len(candidates) == 1 else [])
        base = same[0] if same else None
        row.baseline = base.label if base else None
        for group, langs in table.group_members.items():
            mine, theirs = row.groups.get(group), base.groups.get(group) if base else None
            if mine is None or theirs is None:
                row.deltas[group] = None
                continue
            differing = [(lang, placement.difference(row.cells[lang], base.cells[lang])) for lang in langs]
            differing = [(lang, why) for lang, why in differing if why]
            if differing and row is not base:
                warnings.append(f"{row.label}: no Δ {group} against {base.label} in {table.benchmark} "
                                f"{table.metric}: {differing[0][0]} {differing[0][1]}.")
                row.deltas[group] = None
            else:
                row.deltas[group] = mine - theirs


def build(scores: list[Score], benchmark: str, metric: str, baseline: str | None = None,
          warnings: list[str] | None = None) -> Table:
    """One table of all the given scores of a benchmark and metric (no
    placement: see `tables` for the leaderboard's tables)."""
    warnings = warnings if warnings is not None else []
    chosen = [s for s in scores if s.benchmark == benchmark and s.metric == metric]
    return _assemble(resolve_conflicts(chosen, warnings), benchmark, metric, baseline, warnings)


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


def _order(key: tuple):
    source, model, adapter, setting, variant = key
    return (source == "published", model, variant if source == "published" else "",
            adapter != "base", adapter, setting, variant)


def _note(part: placement.Part, benchmark: str, metric: str, published_here: bool) -> str:
    if part.beside_published:
        if published_here:
            return ""
        try:
            entry = protocols.protocol(benchmark, metric)
        except KeyError:
            return "No published numbers for this metric."
        if entry.published:
            return "No published numbers for this metric."
        where = ", ".join(protocols.published_metrics(benchmark))
        return (f"Not the protocol of the published numbers ({entry.rules}); those sit in the {benchmark} "
                f"{where} table.")
    apart = "Not beside the published numbers" if published_here else "Apart from the table above"
    return f"{apart}: " + "; ".join([*part.reasons, *([part.split_note] if part.split_note else [])]) + "."


def tables(scores: list[Score], baseline: str | None = None, warnings: list[str] | None = None) -> list[Table]:
    """Per benchmark and metric found among the scores of runs: the table of
    the published rows (and the runs that follow their protocol on their full
    test set), then a table per group of runs that do not, each with its note."""
    warnings = warnings if warnings is not None else []
    found = sorted({(s.benchmark, s.metric) for s in scores if s.source == "run"} or
                   {(s.benchmark, s.metric) for s in scores},
                   key=lambda key: (key[0], key[1] not in protocols.published_metrics(key[0]), key[1]))
    built = []
    for benchmark, metric in found:
        if benchmark not in languages.BENCHMARKS:
            continue
        pairs = resolve_conflicts([s for s in scores if s.benchmark == benchmark and s.metric == metric], warnings)
        published = [(score, variant) for score, variant in pairs if score.source == "published"]
        runs: dict[tuple, dict[str, Score]] = {}
        for score, variant in pairs:
            if score.source == "run":
                runs.setdefault(_row_key(score, variant), {})[score.language] = score
        parts = placement.partition(sorted(runs.items(), key=lambda item: _order(item[0])),
                                    placement.expectations([s for s, _ in published], benchmark, metric),
                                    placement.protocol_signature(benchmark, metric))
        for index, part in enumerate(parts):
            keys = set(part.keys)
            chosen = [(s, v) for s, v in pairs if s.source == "run" and _row_key(s, v) in keys]
            if index == 0:
                chosen += published
            if not chosen:
                continue
            table = _assemble(chosen, benchmark, metric, baseline, warnings)
            table.part, table.protocol = index, placement.describe([s for s, _ in chosen])
            table.note = _note(part, benchmark, metric, bool(published))
            built.append(table)
    if baseline and not any(_is_baseline(row, baseline) for table in built for row in table.rows):
        known = sorted({f"{row.model}/{row.adapter}" for table in built for row in table.rows if row.source == "run"})
        warnings.append(f"Baseline {baseline!r} matches no row; no deltas. Rows of runs: {', '.join(known)}.")
    return built
