"""The layers contract (pyproject.toml [tool.importlinter]): imports point down only — bench > ui > maps >
cases | data > queries — and no package's modules import each other in a cycle. Checked by import-linter,
the well-kept tool for it; a new upward import or cycle fails here."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_layers_contract_holds():
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "Contracts: 2 kept, 0 broken." in done.stdout


def test_the_contract_fails_on_an_upward_import(tmp_path):
    """A copy of the contract against a module that imports upward (queries → ui) is broken: the check can fail."""
    import shutil

    for package in ("queries", "ui", "maps", "data", "cases", "bench"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "queries" / "upward.py").write_text("from ui import labels  # noqa\n", encoding="utf-8")
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(lint), "--no-cache"], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                          env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert done.returncode != 0 and "queries.upward -> ui.labels" in done.stdout, done.stdout[-2000:]
