"""`xtransfer-bench leaderboard`: results folders in, leaderboard files out."""

from __future__ import annotations

from pathlib import Path

from xtransfer_bench.compare.bootstrap import DEFAULT_RESAMPLES, DEFAULT_SEED
from xtransfer_bench.leaderboard import results, significance, tables, write


def build(results_dirs: list[str], out: str | Path, baseline: str | None = None,
          reference: list[str] | None = None, html: bool = True, resamples: int = DEFAULT_RESAMPLES,
          seed: int = DEFAULT_SEED) -> dict:
    """Write tidy.csv, <benchmark>_<metric>.csv (and <benchmark>_<metric>_apart<k>.csv
    for runs that may not sit beside the published rows), leaderboard.md (and
    index.html) to `out`, and significance.csv when runs with per-sample logs
    have a baseline; returns the paths, the warnings and the tables."""
    scores = results.read_results(results_dirs)
    if not scores:
        raise results.ResultsError(f"No xtransfer task scores in {', '.join(map(str, results_dirs))}.")
    published = results.read_reference(reference) if reference != [] else []
    ours = {s.benchmark for s in scores}
    everything = scores + [s for s in published if s.benchmark in ours]
    warnings: list[str] = []
    built = tables.tables(everything, baseline, warnings)
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    files = [write.write_tidy(everything, folder / "tidy.csv")]
    if baseline:
        intervals = significance.attach(built, scores, warnings, resamples, seed)
        if intervals:
            files.append(significance.write_csv(intervals, folder / "significance.csv"))
    files += [write.write_wide(table, folder / f"{table.name}.csv") for table in built]
    sections = [write.markdown(table) for table in built]
    if warnings:
        sections.append("### Warnings\n\n" + "\n".join(f"- {w}" for w in dict.fromkeys(warnings)) + "\n")
    (folder / "leaderboard.md").write_text("# Leaderboard\n\n" + "\n".join(sections), encoding="utf-8")
    files.append(folder / "leaderboard.md")
    if html:
        from xtransfer_bench.leaderboard import page

        files.append(page.write_page(built, list(dict.fromkeys(warnings)), folder / "index.html"))
    return {"files": files, "warnings": list(dict.fromkeys(warnings)), "tables": built}
