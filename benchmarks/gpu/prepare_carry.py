"""Everything the GPU benchmark needs that the GPU machine lacks, in one ignored
folder that a device `run` carries: benchmarks/gpu/carry/.

    python benchmarks/gpu/prepare_carry.py          # needs PyPI; ~15 MB; a minute

- wheels/: lm-eval and what it needs beyond the machine's image (no datasets,
  seqeval, evaluate, ... there), pinned to the versions this project runs with
  here, for the machine's Python 3.12 on x86-64; four of them exist on PyPI as
  source only and are built here into pure-Python wheels; plus this
  checkout's own wheel (the machine has the tree, but its setuptools may not
  build our pyproject).
- tokenizer/: the SmolLM2-135M-Instruct tokenizer and ChatML template from
  `xtransfer-bench default-model` (the machine has no hub; the model weights
  are built there at random, the tokenizer is the only real part).
- manifest.json: what is in the folder (the benchmark itself checks, on the
  machine, that the installed project matches the tree it was sent).

A device call carries at most 64 MiB: the tracked and untracked-not-ignored
files of the checkout plus the carried paths. The script adds both up and
fails loudly above that.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
CARRY = HERE / "carry"
LIMIT_BYTES = 64 * 1024 * 1024

# The GPU machine's image as listed in the device docs (KINDS.md, read
# 2026-11-17: python3 3.12.3, torch 2.11, transformers 5.17, peft, accelerate,
# pyarrow, pandas, scikit-learn, sacrebleu, xxhash, fsspec). Wheels below are the
# closure of lm-eval's, datasets' and seqeval's requirements (no extras) minus
# that image, at the versions of this project's own environment.
WHEELS = {
    "lm-eval": "0.4.13",
    "datasets": "5.2.0",
    "evaluate": "0.4.6",  # lm-eval
    "dill": "0.4.1",  # datasets pins <0.4.2
    "multiprocess": "0.70.19",  # datasets pins <0.70.20
    "pytablewriter": "1.2.1",  # lm-eval, and the five below for it
    "dataproperty": "1.1.1",
    "mbstrdecoder": "1.1.5",
    "pathvalidate": "3.3.1",
    "tabledata": "1.3.5",
    "tcolorpy": "0.1.7",
    "typepy": "1.3.5",
    "chardet": "6.0.0.post1",  # mbstrdecoder
    "nltk": "3.10.4",  # rouge-score
    "defusedxml": "0.7.1",  # nltk
    "more-itertools": "11.2.1",  # lm-eval
}
# Source-only on PyPI, pure Python: built here with `pip wheel`.
BUILT = {
    "seqeval": "1.2.2",  # MASSIVE slot F1
    "rouge-score": "0.1.2",  # lm-eval
    "sqlitedict": "2.1.0",  # lm-eval
    "word2number": "1.1",  # lm-eval
}
PLATFORM = ["--python-version", "3.12", "--implementation", "cp", "--only-binary=:all:",
            "--platform", "manylinux_2_28_x86_64", "--platform", "manylinux_2_17_x86_64",
            "--platform", "manylinux2014_x86_64"]
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "chat_template.jinja", "special_tokens_map.json")
# Tree folder -> where pyproject's package-dir puts it in the wheel.
PLACES = {"xtransfer_bench": "xtransfer_bench", "trainers": "xtransfer_bench/trainers",
          "leaderboard": "xtransfer_bench/leaderboard", "tasks": "xtransfer_bench/tasks"}


def tree_sources(root: Path = REPO) -> list[tuple[Path, str]]:
    """(file in the tree, its name in the project wheel) for every Python
    and task file: what the wheel must hold, byte for byte."""
    pairs = []
    for top, inside in PLACES.items():
        for file in sorted((root / top).rglob("*")):
            if (file.suffix in (".py", ".yaml") or file.name.endswith("_yaml")) and "__pycache__" not in file.parts:
                pairs.append((file, f"{inside}/{file.relative_to(root / top).as_posix()}"))
    return pairs


def stale_files(site: Path, root: Path = REPO) -> list[str]:
    """Tree files that the installed project (under `site`) lacks or holds
    in another version: the carried wheel was built from other sources."""
    return [name for file, name in tree_sources(root)
            if not (site / name).is_file() or (site / name).read_bytes() != file.read_bytes()]


def fail(message: str) -> None:
    """Stop, leaving no half-made folder that a device call could carry."""
    shutil.rmtree(CARRY, ignore_errors=True)
    sys.exit(f"prepare_carry: {message}")


def pip(*args: str) -> None:
    command = [sys.executable, "-m", "pip", *args]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        fail(f"{' '.join(command)} failed:\n{done.stdout[-1500:]}\n{done.stderr[-3000:]}")


def travelling_files() -> list[str]:
    """What a device call sends besides the carried paths: the tracked and
    untracked-not-ignored files of the checkout."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=REPO, capture_output=True, check=True).stdout.decode().split("\0")
    return [name for name in listed if name and (REPO / name).is_file()]


def travelling_tree_bytes() -> int:
    return sum((REPO / name).stat().st_size for name in travelling_files())


def missing_from_project_wheel(wheel: Path) -> list[str]:
    """Python and task files of the tree that the wheel does not hold: the
    wheel installs what pyproject lists, which lags behind new packages."""
    with zipfile.ZipFile(wheel) as archive:
        held = set(archive.namelist())
    return [name for _, name in tree_sources() if name not in held]


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def requirements_of(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        lines = archive.read(name).decode().splitlines()
    return [line.split(":", 1)[1].strip() for line in lines if line.startswith("Requires-Dist:") and "extra ==" not in line]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tokenizer", default=None, help="tokenizer folder (default: xtransfer-bench default-model)")
    args = parser.parse_args()

    wheels, tokenizer = CARRY / "wheels", CARRY / "tokenizer"
    shutil.rmtree(CARRY, ignore_errors=True)  # one version of each wheel: two stop pip
    wheels.mkdir(parents=True)
    tokenizer.mkdir()

    pip("download", "-q", "--no-deps", *PLATFORM, "-d", str(wheels), *(f"{n}=={v}" for n, v in WHEELS.items()))
    pip("wheel", "-q", "--no-deps", "-w", str(wheels), *(f"{n}=={v}" for n, v in BUILT.items()))
    with tempfile.TemporaryDirectory() as copy:
        # From a copy of the files that travel: an in-tree build would leave
        # build/ behind, whose stale modules later wheels would pick up.
        for name in travelling_files():
            (Path(copy) / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, Path(copy) / name)
        pip("wheel", "-q", "--no-deps", "-w", str(wheels), copy)
    for wheel in wheels.glob("*.whl"):
        if not wheel.name.endswith("-any.whl"):  # built wheels must not be tied to this machine's Python
            fail(f"{wheel.name} is platform-specific; the GPU machine runs Python 3.12 on x86-64")
    missing = missing_from_project_wheel(next(wheels.glob("xtransfer_bench-*.whl")))
    if missing:
        fail("the project wheel lacks " + ", ".join(missing[:10]) +
             " (a package missing from pyproject.toml [tool.setuptools] packages?)")

    # The install the GPU machine will do, for its Python and platform: pip
    # refuses two versions of one package or a wheel that does not fit.
    with tempfile.TemporaryDirectory() as target:
        pip("install", "-q", "--no-index", "--no-deps", "--target", target, *PLATFORM, *map(str, sorted(wheels.glob("*.whl"))))

    if args.tokenizer:
        source = Path(args.tokenizer)
    else:
        from xtransfer_bench.default_model import default_model_path

        source = default_model_path()
    copied = [name for name in TOKENIZER_FILES if (source / name).is_file()]
    if "tokenizer.json" not in copied:
        fail(f"no tokenizer.json in {source}")
    for name in copied:
        shutil.copy2(source / name, tokenizer / name)

    manifest = {
        "wheels": sorted(p.name for p in wheels.glob("*.whl")),
        "requires": {p.name: requirements_of(p) for p in sorted(wheels.glob("*.whl"))},
        "tokenizer_from": str(source),
    }
    (CARRY / "manifest.json").write_text(json.dumps(manifest, indent=2))

    wheel_bytes, carry_bytes, tree_bytes = folder_bytes(wheels), folder_bytes(CARRY), travelling_tree_bytes()
    mib = 1024 * 1024
    print(f"{len(manifest['wheels'])} wheels in {wheels.relative_to(REPO)}: {wheel_bytes / mib:.1f} MiB")
    for name in manifest["wheels"]:
        print(f"  {(wheels / name).stat().st_size / mib:6.2f} MiB  {name}")
    print(f"tokenizer ({', '.join(copied)}): {folder_bytes(tokenizer) / mib:.1f} MiB")
    print(f"carried folder {CARRY.relative_to(REPO)}: {carry_bytes / mib:.1f} MiB; working tree that travels: "
          f"{tree_bytes / mib:.1f} MiB; together {(carry_bytes + tree_bytes) / mib:.1f} MiB of {LIMIT_BYTES // mib} MiB")
    if carry_bytes + tree_bytes > LIMIT_BYTES:
        fail("OVER the 64 MiB a device call carries; drop wheels or untracked files")


if __name__ == "__main__":
    main()
