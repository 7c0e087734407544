"""Without ../shared the real-data tests skip with one visible summary line;
under CI=true they fail instead (CI is promised ../shared)."""

import os
import shutil
import subprocess
import sys

from conftest import REPO


def _run(tmp_path, ci: str):
    shutil.copy(REPO / "tests" / "conftest.py", tmp_path / "conftest.py")
    (tmp_path / "test_needs_shared.py").write_text(
        "from conftest import shared_path\n\n"
        "def test_real_data():\n    shared_path('no-such-folder-anywhere')\n\n"
        "def test_other_real_data():\n    shared_path('data', 'no-such-file')\n\n"
        "def test_plain():\n    assert True\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["CI"] = ci
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
                          cwd=tmp_path, capture_output=True, text=True, env=env, timeout=300)


def test_missing_shared_skips_with_one_summary_line(tmp_path):
    done = _run(tmp_path, ci="")
    assert done.returncode == 0, done.stdout[-2000:]
    lines = [line for line in done.stdout.splitlines() if line.startswith("SKIPPED 2 tests")]
    assert lines == ["SKIPPED 2 tests: 2 x ../shared is absent (real data lives there, outside the repository)"]


def test_missing_shared_fails_under_ci(tmp_path):
    done = _run(tmp_path, ci="true")
    assert done.returncode == 1 and "2 failed, 1 passed" in done.stdout, done.stdout[-2000:]
    assert "CI=true but ../shared is absent" in done.stdout
