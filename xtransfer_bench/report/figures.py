"""The report's figures as PNG bytes (matplotlib, no display): gain against
alignment change per benchmark and adapter, the baseline's transfer gap
against its alignment, per-language gains with their intervals, and
alignment by layer. Language groups keep one colour everywhere."""

from __future__ import annotations

import io
import textwrap

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from xtransfer_bench.report.analysis import GapPanel, Panel, Report  # noqa: E402
from xtransfer_bench.report.statistics import Correlation  # noqa: E402

# The leaderboard page's first three colours (leaderboard/page.py).
GROUP_COLOURS = {"supervised": "#4C72B0", "transfer": "#DD8452", "aligned": "#55A868"}
# Models' curves: colours apart from the groups' (the leaderboard's later ones), base first in black.
MODEL_COLOURS = ["#222222", "#8172B3", "#C44E52", "#937860", "#DA8BC3", "#8C8C8C"]
MODEL_STYLES = ["-", "--", "-.", ":"]


def _png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png", dpi=100)
    plt.close(figure)
    return buffer.getvalue()


def describe(correlation: Correlation) -> str:
    """One line: rho, its interval and n; or why there is none."""
    if correlation.refused:
        return f"Spearman: {correlation.refused}"
    interval = "" if correlation.low is None else f" [{correlation.low:+.2f}, {correlation.high:+.2f}]"
    return f"Spearman ρ = {correlation.rho:+.2f}{interval}, n = {correlation.n} languages"


def _legend(axis, groups, where: str = "best") -> None:
    """The language groups present, as a legend that a later legend does not replace."""
    handles = [plt.Line2D([], [], marker="o", linestyle="", color=GROUP_COLOURS[g], label=g)
               for g in GROUP_COLOURS if g in groups]
    if handles:
        axis.add_artist(axis.legend(handles=handles, fontsize=8, loc=where))


def _scatter(points, correlation: Correlation, xlabel: str, ylabel: str, title: str, whiskers=None) -> bytes:
    """points: (label, group, x, y); whiskers: label -> (low, high) of y."""
    figure, axis = plt.subplots(figsize=(6, 4.4))
    axis.axhline(0, color="#333", linewidth=0.6, linestyle=":")
    axis.axvline(0, color="#333", linewidth=0.6, linestyle=":")
    for label, group, x, y in points:
        ends = (whiskers or {}).get(label)
        if ends is not None and ends[0] is not None:
            axis.plot([x, x], ends, color=GROUP_COLOURS[group], alpha=0.35, linewidth=1.5, zorder=1)
        axis.scatter([x], [y], color=GROUP_COLOURS[group], s=36, zorder=3, edgecolor="white", linewidth=0.5)
        axis.annotate(label, (x, y), textcoords="offset points", xytext=(4, 4), fontsize=8)
    axis.set_xlabel(xlabel)
    axis.set_ylabel(ylabel)
    # Wrapped: a refusal ("not computed: ...") is longer than the figure is wide.
    axis.set_title(f"{title}\n" + "\n".join(textwrap.wrap(describe(correlation), 70)), fontsize=9)
    axis.grid(alpha=0.3)
    _legend(axis, {p[1] for p in points}, "upper left")
    if correlation.fit is not None and points:
        slope, intercept = correlation.fit
        xs = [min(p[2] for p in points), max(p[2] for p in points)]
        line, = axis.plot(xs, [slope * x + intercept for x in xs], color="#333", linewidth=1, linestyle="--")
        axis.legend([line], [f"least squares: {slope:+.2f} per point"], fontsize=8, loc="lower right")
    return _png(figure)


def gain_scatter(panel: Panel, report: Report) -> bytes:
    rows = [r for r in panel.rows if r.change is not None and r.column in panel.correlation.languages] or \
           [r for r in panel.rows if r.change is not None]
    points = [(r.column, r.group, r.change, r.gain) for r in rows]
    whiskers = {r.column: (r.low, r.high) for r in rows}
    return _scatter(points, panel.correlation, f"alignment change at layer {report.layer} (retrieval accuracy, points)",
                    f"gain in {panel.metric} over {report.name(panel.baseline)}",
                    f"{panel.title}: {report.name(panel.adapter)}", whiskers)


def gap_scatter(gap: GapPanel, report: Report) -> bytes:
    points = [(r.column, r.group, r.alignment, r.gap) for r in gap.rows if r.alignment is not None]
    name = report.name(gap.baseline)
    return _scatter(points, gap.correlation, f"{name}: alignment with English at layer {report.layer} (%)",
                    f"transfer gap: {gap.metric} minus English {gap.metric}", f"{gap.benchmark}: {name}")


def gain_bars(panels: list[Panel], report: Report) -> bytes:
    """One row of bars per adapter: each language's gain, coloured by group, with its 95% interval."""
    figure, axes = plt.subplots(len(panels), 1, figsize=(max(6.0, 0.45 * len(panels[0].rows) + 2), 2.6 * len(panels)),
                                squeeze=False)
    for axis, panel in zip(axes[:, 0], panels):
        columns = [r.column for r in panel.rows]
        gains = [r.gain for r in panel.rows]
        axis.bar(range(len(columns)), gains, color=[GROUP_COLOURS[r.group] for r in panel.rows])
        for i, row in enumerate(panel.rows):
            if row.low is not None:
                axis.plot([i, i], [row.low, row.high], color="#222", linewidth=1)
        axis.axhline(0, color="#333", linewidth=0.8)
        axis.set_xticks(range(len(columns)), columns, fontsize=8)
        axis.set_ylabel(f"Δ {panel.metric}")
        axis.set_title(f"{panel.title}: {report.name(panel.adapter)} minus {report.name(panel.baseline)} "
                       "(whiskers: 95% interval)", fontsize=9)
        axis.grid(alpha=0.3, axis="y")
        _legend(axis, {r.group for r in panel.rows})
    return _png(figure)


def layer_curves(report: Report) -> bytes:
    layer = report.layer
    figure, axis = plt.subplots(figsize=(7, 4))
    for index, (label, values) in enumerate(report.curves.items()):
        axis.plot(range(1, len(values) + 1), values, linestyle=MODEL_STYLES[index % len(MODEL_STYLES)], marker="o",
                  markersize=2.5, label=report.name(label), color=MODEL_COLOURS[index % len(MODEL_COLOURS)])
    if layer is not None:
        axis.axvline(layer, color="#999", linewidth=1, linestyle=":")
        axis.annotate(f"layer {layer}", (layer, 2), fontsize=8, color="#555", xytext=(3, 0), textcoords="offset points")
    axis.xaxis.set_major_locator(MaxNLocator(integer=True))
    axis.set_xlabel("layer")
    axis.set_ylabel("retrieval accuracy to and from English (%)")
    axis.set_ylim(0, 100)
    axis.grid(alpha=0.3)
    axis.legend(fontsize=8)
    return _png(figure)
