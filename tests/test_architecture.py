"""The code's shape, checked: imports point one way, and mypy finds no error in cds_service/.

Both read their configuration from pyproject.toml ([tool.importlinter], [tool.mypy]).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


def test_imports_point_one_way():
    """api -> pipeline -> cards -> rules -> facts -> fhir -> hooks -> knowledge: never upwards."""
    done = _run("-c", "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports())")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout


def test_mypy_is_clean_on_the_service():
    done = _run("-m", "mypy", "--no-error-summary", "--cache-dir", str(ROOT / ".mypy_cache"))
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
