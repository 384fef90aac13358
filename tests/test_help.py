"""Every command line answers --help (argparse formats each help text with %: a stray % breaks it)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = ["data.importer", "data.generate", "queries.report", "queries.warnings", "cases.store",
            "ui.users", "bench.run", "bench.disclosure",
            "bench.first_paint", "bench.memory", "bench.explore", "bench.import_memory", "bench.cold_pages", "bench.profile_page",
            "scripts.time_pages",
            "scripts.draft",
            "queries.compare", "data.identity", "bench.clickhouse", "bench.public_set"]


def test_every_command_line_module_is_listed():
    with_argparse = {".".join(p.relative_to(ROOT).with_suffix("").parts)
                     for folder in ("data", "queries", "ui", "bench", "scripts", "cases") for p in (ROOT / folder).glob("*.py")
                     if "argparse" in p.read_text(encoding="utf-8")}
    assert with_argparse == set(COMMANDS)


@pytest.mark.parametrize("module", COMMANDS)
def test_help(module):
    run = subprocess.run([sys.executable, "-m", module, "--help"], cwd=ROOT, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "usage:" in run.stdout and "Traceback" not in run.stderr
