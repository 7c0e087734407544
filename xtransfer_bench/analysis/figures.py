"""PNG figures of the retrieval diagnostic (matplotlib, no display needed)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def accuracy_by_layer(curves: dict[str, list[float]], path: Path, title: str) -> Path:
    """One line per model (base, adapter): mean retrieval accuracy over pairs, layers 1..L."""
    figure, axis = plt.subplots(figsize=(7, 4))
    for name, values in curves.items():
        axis.plot(range(1, len(values) + 1), values, marker="o", markersize=3, label=name)
    axis.set_xlabel("layer")
    axis.set_ylabel("retrieval accuracy (%), mean over language pairs")
    axis.set_ylim(0, 100)
    axis.set_title(title)
    axis.grid(alpha=0.3)
    axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return path


def language_heatmap(grids: dict[str, tuple[list[str], list[list[float]]]], path: Path, title: str) -> Path:
    """Per model, a language x layer grid: each language's mean accuracy over
    the pairs it takes part in (as source or target)."""
    figure, axes = plt.subplots(1, len(grids), figsize=(6 * len(grids), 0.35 * len(next(iter(grids.values()))[0]) + 2),
                                squeeze=False)
    for axis, (name, (langs, grid)) in zip(axes[0], grids.items()):
        image = axis.imshow(grid, aspect="auto", vmin=0, vmax=100, cmap="viridis")
        axis.set_yticks(range(len(langs)), langs)
        layers = len(grid[0])
        step = max(1, layers // 10)
        axis.set_xticks(range(0, layers, step), [str(i + 1) for i in range(0, layers, step)])
        axis.set_xlabel("layer")
        axis.set_title(f"{title}: {name}")
        figure.colorbar(image, ax=axis, label="accuracy (%)")
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return path
