"""Imports point down the layers (README, "Development"): no module imports a
module that imports it back, and the library core never reaches up into the
trainers or the leaderboard (only the commands orchestrate those)."""

import ast
from pathlib import Path

from conftest import REPO

# Source folders and the package names they are installed under (pyproject).
PACKAGE_DIRS = {
    "xtransfer_bench": REPO / "xtransfer_bench",
    "xtransfer_bench.trainers": REPO / "trainers",
    "xtransfer_bench.leaderboard": REPO / "leaderboard",
    "xtransfer_bench.tasks": REPO / "tasks",
}


def module_files() -> dict[str, Path]:
    found = {}
    for package, folder in PACKAGE_DIRS.items():
        for path in folder.rglob("*.py"):
            parts = path.relative_to(folder).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            name = ".".join((package, *parts))
            # The top-level folder xtransfer_bench/ also holds the others' names only by install.
            if package == "xtransfer_bench" and parts and parts[0] in ("trainers", "leaderboard", "tasks"):
                continue
            found[name] = path
    return found


def imports_of(path: Path, name: str, known: set[str]) -> set[str]:
    """Our modules that a file imports, anywhere in it (function-level imports count too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            targets.add(base)
            targets |= {f"{base}.{alias.name}" for alias in node.names}
    return {target for target in targets if target in known and target != name}


def graph() -> dict[str, set[str]]:
    files = module_files()
    known = set(files)
    return {name: imports_of(path, name, known) for name, path in files.items()}


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def _without_packages(edges: dict[str, set[str]]) -> dict[str, set[str]]:
    # `from a.b import c` names the package a.b as well as a.b.c; a package's
    # own __init__ importing its submodules is not a cycle of modules.
    return {node: {t for t in targets if not node.startswith(t + ".")} for node, targets in edges.items()}


def test_no_import_cycles():
    cycle = find_cycle(_without_packages(graph()))
    assert cycle is None, " -> ".join(cycle)


def test_the_core_does_not_import_trainers_or_leaderboard():
    upward = ("xtransfer_bench.trainers", "xtransfer_bench.leaderboard")
    offenders = []
    for name, targets in graph().items():
        if name.startswith(upward) or name.startswith("xtransfer_bench.commands") or name == "xtransfer_bench.cli":
            continue
        offenders += [f"{name} -> {t}" for t in sorted(targets) if t.startswith(upward)]
    assert not offenders, offenders


def test_the_cycle_finder_finds_a_planted_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def package_of(name: str) -> str:
    """xtransfer_bench.compare.report -> xtransfer_bench.compare; top-level modules stay themselves."""
    parts = name.split(".")
    return ".".join(parts[:2])


def test_no_cycles_between_subpackages():
    edges: dict[str, set[str]] = {}
    for name, targets in graph().items():
        edges.setdefault(package_of(name), set()).update(package_of(t) for t in targets if package_of(t) != package_of(name))
    cycle = find_cycle(edges)
    assert cycle is None, " -> ".join(cycle)
