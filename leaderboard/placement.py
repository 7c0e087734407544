"""Which table a row of runs goes to: beside the published rows only when its
numbers were computed the way theirs were.

A run's cell (one language of one metric) may share a table, a delta or a
significance test with the published rows only when
- its signature is comparable to theirs (`protocols.comparable`: equal but
  for software versions); for a language without a published cell, to the
  protocol's constant signature (metrics/protocols.py);
- it was scored on their test set: the same data identity (the part of
  `data_source` before "|": "massive-1.1:de-DE:test"), never the bundled
  fixtures;
- it is the full test set: no --limit, every item scored (lm-eval's
  effective n equal to its original n), and as many items as the published
  n where that is known.
A row goes beside the published rows when all its cells qualify. Every other
row goes to a table of its own (same benchmark and metric) whose note gives
the reasons, e.g. "limit 4", "fixtures data", "references=all: nrefs:2 vs
published nrefs:1 (en-he, he-en)". Rows with the same reasons share such a
table, unless their own signatures or data disagree on a language, which
splits them again: no table sets numbers of two protocols side by side.

Published group values ("group:transfer") list the test sets of their
members in `data`, " + " between them, in the order of the benchmark's
layout; a language with no published cell of its own (UNER) is checked
against its entry there.
"""

from __future__ import annotations

from dataclasses import dataclass

from xtransfer_bench import languages
from xtransfer_bench.data.paths import is_fixture_source, source_identity
from xtransfer_bench.metrics import protocols
from xtransfer_bench.results_files import GROUP_PREFIX, Score, layout

MIXED = "mixed:"  # protocols.aggregate_signature's mark for items that disagree
DATA_SEPARATOR = " + "


@dataclass(frozen=True)
class Expected:
    """What a cell must match to sit beside the published rows of its language."""

    signature: str | None
    data: str | None
    n: int | None
    origin: str  # "published" (a reference row) or "protocol" (the constant signature)


def protocol_signature(benchmark: str, metric: str) -> str | None:
    try:
        return protocols.signature(benchmark, metric)
    except KeyError:  # translation metrics (built when scoring) and metrics without a protocol
        return None


def expectations(published: list[Score], benchmark: str, metric: str) -> dict[str, Expected]:
    """Language -> what the published rows of this benchmark and metric say."""
    found: dict[str, Expected] = {}
    mine = [s for s in published if s.benchmark == benchmark and s.metric == metric]
    for score in mine:
        if not score.language.startswith(GROUP_PREFIX):
            found.setdefault(score.language, Expected(score.signature or None, score.data_source or None, score.n,
                                                      "published"))
    members = layout(benchmark)[1] if benchmark in languages.BENCHMARKS else {}
    for score in mine:
        group = score.language.removeprefix(GROUP_PREFIX)
        if not score.language.startswith(GROUP_PREFIX) or group not in members:
            continue
        data = score.data_source.split(DATA_SEPARATOR) if score.data_source else []
        signature = None if score.signature.startswith(MIXED) else score.signature or None
        for position, language in enumerate(members[group]):
            identity = data[position] if len(data) == len(members[group]) else None
            found.setdefault(language, Expected(signature, identity, None, "published"))
    return found


def signature_difference(mine: str, theirs: str, whose: str) -> str:
    """The fields that differ, e.g. "nrefs:2 vs published nrefs:1"."""
    a, b = protocols.comparison_key(mine).split("|"), protocols.comparison_key(theirs).split("|")
    only_mine, only_theirs = [f for f in a if f not in b], [f for f in b if f not in a]
    return f"{'|'.join(only_mine) or mine} vs {whose} {'|'.join(only_theirs) or theirs}"


def _options(setting: str) -> str:
    """The --metadata options of a setting, without the limit (said apart)."""
    return ",".join(part for part in setting.split(",") if part and not part.startswith("limit="))


def cell_reasons(score: Score, expected: Expected | None, fallback_signature: str | None) -> list[str]:
    """Why this cell may not sit beside the published rows ([] when it may)."""
    reasons = []
    partial = False
    if score.limit:
        reasons.append(f"limit {score.limit:g}")
        partial = True
    elif score.n is not None and score.n_original is not None and score.n < score.n_original:
        reasons.append(f"{score.n} of {score.n_original} items")
        partial = True
    if not score.data_source:
        reasons.append("data source not recorded")
    elif is_fixture_source(score.data_source):
        reasons.append("fixtures data")
    elif score.data_source.startswith(MIXED):
        reasons.append("items from several data sources")
    elif expected is not None and expected.data and source_identity(score.data_source) != expected.data:
        reasons.append(f"data {source_identity(score.data_source)} vs published {expected.data}")
    if not partial and expected is not None and expected.n is not None and score.n is not None \
            and score.n != expected.n:
        reasons.append(f"n {score.n} vs published {expected.n}")
    if expected is not None and expected.signature:
        wanted, whose = expected.signature, "published"
    else:
        wanted, whose = fallback_signature, "protocol"
    if wanted is not None:
        if not score.signature:
            reasons.append("no signature recorded")
        elif not protocols.comparable(score.signature, wanted):
            difference = signature_difference(score.signature, wanted, whose)
            options = _options(score.setting)
            reasons.append(f"{options}: {difference}" if options else difference)
    return reasons


def row_reasons(cells: dict[str, Score], expected: dict[str, Expected],
                fallback_signature: str | None) -> tuple[str, ...]:
    """A row's reasons, each naming its languages unless it holds for all of them."""
    where: dict[str, list[str]] = {}
    for language, score in cells.items():
        for reason in cell_reasons(score, expected.get(language), fallback_signature):
            where.setdefault(reason, []).append(language)
    return tuple(reason if len(found) == len(cells) else f"{reason} ({', '.join(found)})"
                 for reason, found in where.items())


def difference(a: Score, b: Score) -> str | None:
    """Why two cells of runs may not be differenced or tested (None: they may):
    their signatures, data or item counts differ."""
    if not protocols.comparable(a.signature, b.signature):
        return f"signatures differ ({a.signature or 'none'} vs {b.signature or 'none'})"
    if source_identity(a.data_source) != source_identity(b.data_source):
        return f"data differ ({source_identity(a.data_source) or 'not recorded'} vs " \
               f"{source_identity(b.data_source) or 'not recorded'})"
    if (a.n, a.n_original) != (b.n, b.n_original):
        return f"item counts differ ({a.n} vs {b.n})"
    return None


def conflict(cells: dict[str, Score], others: list[dict[str, Score]]) -> str | None:
    """How a row disagrees with rows already in a table (None: it does not)."""
    for other in others:
        for language in cells.keys() & other.keys():
            mine, theirs = cells[language], other[language]
            if not protocols.comparable(mine.signature, theirs.signature):
                return f"{language}: " + signature_difference(mine.signature or "none", theirs.signature or "none",
                                                              "the rows above")
            if source_identity(mine.data_source) != source_identity(theirs.data_source):
                return f"{language}: data {source_identity(mine.data_source)} vs the rows above " \
                       f"{source_identity(theirs.data_source)}"
    return None


@dataclass
class Part:
    """Rows that share one table: beside the published rows (reasons empty) or apart."""

    reasons: tuple[str, ...]
    keys: list
    split_note: str = ""  # why these rows are split from others with the same reasons

    @property
    def beside_published(self) -> bool:
        return not self.reasons and not self.split_note


def partition(rows: list[tuple[object, dict[str, Score]]], expected: dict[str, Expected],
              fallback_signature: str | None) -> list[Part]:
    """Rows of runs (key, cells by language), in display order, into tables.
    The first part is always the one beside the published rows (it may hold
    no run), then one per set of reasons, each split where its rows disagree."""
    classes: dict[tuple[str, ...], list[tuple[object, dict[str, Score]]]] = {(): []}
    for key, cells in rows:
        classes.setdefault(row_reasons(cells, expected, fallback_signature), []).append((key, cells))
    parts = []
    for reasons, members in classes.items():
        groups: list[tuple[list, list[dict[str, Score]], str]] = []
        for key, cells in members:
            for keys, held, _ in groups:
                if conflict(cells, held) is None:
                    keys.append(key)
                    held.append(cells)
                    break
            else:
                note = conflict(cells, [c for _, held, _ in groups for c in held]) if groups else ""
                groups.append(([key], [cells], note or ""))
        parts += [Part(reasons, keys, note) for keys, _, note in groups]
    if not parts or not parts[0].beside_published:
        parts.insert(0, Part((), []))
    return parts


def describe(scores: list[Score]) -> str:
    """The protocol of a table: its cells' signatures (software versions
    dropped), the most common one first, the others with their languages."""
    by_signature: dict[str, list[str]] = {}
    for score in scores:
        if score.language.startswith(GROUP_PREFIX) or not score.signature or score.signature.startswith(MIXED):
            continue
        found = by_signature.setdefault(protocols.comparison_key(score.signature), [])
        if score.language not in found:
            found.append(score.language)
    if not by_signature:
        return "no signature recorded"
    ordered = sorted(by_signature.items(), key=lambda item: -len(item[1]))
    head, rest = ordered[0][0], ordered[1:]
    return "; ".join([head] + [f"{', '.join(langs)}: {sig}" for sig, langs in rest])
