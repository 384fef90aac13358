"""Targets are configuration (issue 26): config/targets.yaml (or TARGETS_FILE) is the one place a rate's
target is written; a bad file stops the app and the command lines with a message naming the file and the
key; changing the file changes every page, sentence, colour, gap, draft and table."""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
import tokenize
from pathlib import Path

import pytest
from expected import expected_annual

from queries.catalog import METRICS, RATES, TARGETS
from queries.targets import DEFAULT_FILE, TargetsError, load_targets

ROOT = Path(__file__).resolve().parent.parent
LABELS = {k: m.label for k, m in METRICS.items() if m.numerator}  # every rate, a month's too

# --- no literal target in the code --------------------------------------------------------------------------
LITERALS = {85.0, 90.0, 0.85, 0.9}
IN_TEXT = re.compile(r"(?<![0-9.#A-Za-z_])(85|90|0?\.85|0?\.9)(?![0-9A-Za-z_])")
COLOUR = re.compile(r"\[\s*\d+\s*,\s*\d+\s*,\s*\d+\s*\]|#[0-9A-Fa-f]{6}")  # [240, 170, 90], "#D55E00"
TEXT_TOKENS = {tokenize.STRING, tokenize.COMMENT, getattr(tokenize, "FSTRING_MIDDLE", tokenize.STRING)}


def literal_targets(root: Path) -> list[str]:
    """Every 85, 90, 0.85 or 0.9 in the code of pages/, ui/, queries/, maps/: as a number, or in a string,
    docstring or comment (a sentence "未达85%目标" is a target typed in as much as `< 85` is); RGB
    triples and hex colours aside."""
    found = []
    for folder in ("pages", "ui", "queries", "maps"):
        for path in sorted((root / folder).rglob("*.py")):
            with path.open("rb") as f:
                for token in tokenize.tokenize(f.readline):
                    if token.type == tokenize.NUMBER:
                        try:
                            value = float(token.string.replace("_", ""))
                        except ValueError:  # 0o600, 1j
                            continue
                        if value in LITERALS and not COLOUR.search(token.line):
                            found.append(f"{path.relative_to(root)}:{token.start[0]}: {token.line.strip()}")
                    elif token.type in TEXT_TOKENS and IN_TEXT.search(COLOUR.sub("", token.string)):
                        found.append(f"{path.relative_to(root)}:{token.start[0]}: {token.string.strip()[:80]}")
    return found


def test_no_target_is_typed_into_the_code():
    assert literal_targets(ROOT) == []


def test_the_scan_finds_a_typed_target(tmp_path):
    """The scan itself: each way a target was typed in before (issue 26) is found."""
    for folder, code in (("pages", 'below = units[units["rehab_rate"] < 85]\n'),
                         ("queries", 'TEXT = f"{n}个乡镇未达85%目标"\n'),
                         ("ui", "fig = bars(frame, target=90.0)\n"),
                         ("maps", "# shortfall(served, need, 85)\nx = 0.85 * need\n")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "m.py").write_text(code, encoding="utf-8")
    (tmp_path / "maps" / "colours.py").write_text("C = [[240, 170, 90]]\nH = '#D59000'\n", encoding="utf-8")
    assert len(literal_targets(tmp_path)) == 5


# --- the file -------------------------------------------------------------------------------------------------
def test_the_shipped_file_sets_every_rate():
    assert load_targets(DEFAULT_FILE, LABELS) == TARGETS
    assert set(TARGETS) == set(LABELS) >= set(RATES)  # every rate (a month's too) has its target
    assert {k: METRICS[k].target for k in LABELS} == TARGETS
    assert METRICS["rehab_rate"].target_text == f"{TARGETS['rehab_rate']:g}%"


@pytest.mark.parametrize(("text", "named"), [
    ("rehab_rate: 80\nmodification_rate: 90\nliving_coverage: 100\nnursing_coverage: 100\nemployment_rate: 50\n",
     "employment_rate"),
    ("rehab_rate: 八十五\nmodification_rate: 90\nliving_coverage: 100\nnursing_coverage: 100\n", "rehab_rate"),
    ("rehab_rate: true\nmodification_rate: 90\nliving_coverage: 100\nnursing_coverage: 100\n", "rehab_rate"),
    ("rehab_rate: .nan\nmodification_rate: 90\nliving_coverage: 100\nnursing_coverage: 100\n", "rehab_rate"),
    ("rehab_rate: 80\nmodification_rate: 190\nliving_coverage: 100\nnursing_coverage: 100\n", "modification_rate"),
    ("rehab_rate: 80\nmodification_rate: -1\nliving_coverage: 100\nnursing_coverage: 100\n", "modification_rate"),
    ("rehab_rate: 80\nmodification_rate: 90\nliving_coverage: 100\n", "nursing_coverage"),
    ("rehab_rate: [80\n", "YAML"),
    ("- rehab_rate\n", "映射"),
    ("", "映射"),
])
def test_a_bad_file_is_refused_naming_the_key(tmp_path, text, named):
    path = tmp_path / "targets.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TargetsError) as error:
        load_targets(path, LABELS)
    assert named in str(error.value) and str(path) in str(error.value)


def test_an_unreadable_file_is_refused(tmp_path):
    with pytest.raises(TargetsError, match="无法读取"):
        load_targets(tmp_path / "missing.yaml", LABELS)
    (tmp_path / "gbk.yaml").write_bytes("rehab_rate: 80 # 康复".encode("gbk"))
    with pytest.raises(TargetsError, match="UTF-8"):
        load_targets(tmp_path / "gbk.yaml", LABELS)


def _env(**extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), **extra}


def test_a_bad_file_stops_the_command_lines_and_the_app(tmp_path):
    bad = tmp_path / "targets.yaml"
    bad.write_text("rehab_rate: 800\nmodification_rate: 90\nliving_coverage: 100\nnursing_coverage: 100\n",
                   encoding="utf-8")
    for module in ("queries.report", "scripts.draft"):
        run = subprocess.run([sys.executable, "-m", module, "--help"], cwd=ROOT, capture_output=True, text=True,
                             env=_env(TARGETS_FILE=str(bad)), timeout=120)
        assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr[-2000:]
        assert "rehab_rate" in run.stderr and str(bad) in run.stderr and "usage:" not in run.stdout
    code = ("from streamlit.testing.v1 import AppTest\n"
            "at = AppTest.from_file('app.py', default_timeout=60).run()\n"
            "print('ERRORS:', [e.value for e in at.error], 'EXC:', [e.value for e in at.exception])\n")
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         env=_env(TARGETS_FILE=str(bad)), timeout=120)
    errors = run.stdout.split("ERRORS:", 1)[-1]
    assert "目标配置有误" in errors and "rehab_rate" in errors and "EXC: []" in errors, run.stdout + run.stderr[-2000:]


# --- one line changed, everything follows ----------------------------------------------------------------------
def _pct(n: int, d: int) -> float:
    return ((2000 * n + d) // (2 * d)) / 10


@pytest.fixture(scope="module")
def at_80(duck_url, tmp_path_factory) -> dict:
    """What the app and the draft say with the rehab target set to 80 (a fresh interpreter: the catalogue
    reads its targets once)."""
    path = tmp_path_factory.mktemp("targets") / "targets.yaml"
    path.write_text(DEFAULT_FILE.read_text(encoding="utf-8").replace("rehab_rate: 85", "rehab_rate: 80"),
                    encoding="utf-8")
    assert load_targets(path, LABELS)["rehab_rate"] == 80
    run = subprocess.run([sys.executable, str(ROOT / "tests" / "targets_probe.py"), "2024"], cwd=ROOT,
                         capture_output=True, text=True, timeout=600,
                         env=_env(TARGETS_FILE=str(path), WAREHOUSE_URL=duck_url, DEMO_MODE="1"))
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.split("PROBE-JSON", 1)[1])


@pytest.fixture(scope="module")
def rehab_80(extracts) -> dict:
    """Independently, from the extracts: each township's need and served, under 80% or not, and its gap."""
    table = expected_annual(extracts, 2024).fillna(0)
    out = {}
    for code, row in table.iterrows():
        need, served = int(row["康复需求人数"]), int(row["康复已服务人数"])
        rate = _pct(served, need) if need else None
        out[code] = {"name": row["名称"], "rate": rate, "below80": rate is not None and rate < 80,
                     "below85": rate is not None and rate < 85,
                     "short80": max(0, math.ceil(80 * need / 100) - served) if need else 0}
    return out


def test_the_overview_counts_the_townships_under_the_configured_target(at_80, rehab_80):
    below80 = sum(u["below80"] for u in rehab_80.values())
    assert below80 != sum(u["below85"] for u in rehab_80.values())  # the test can tell 80 from 85
    summary = at_80["overview_summary"]
    assert (f"{below80}个乡镇未达80%目标" if below80 else "各乡镇均达到80%目标") in summary, summary
    short = sum(u["short80"] for u in rehab_80.values() if u["below80"])
    if below80:
        assert f"合计差{short:,}人" in summary, summary
    assert "80%目标" in at_80["overview_rehab_card"]
    assert "85%" not in at_80["overview_text"] and "85%" not in summary


def test_the_rehab_page_gaps_and_colours_follow_the_target(at_80, rehab_80):
    from ui.labels import BELOW_TARGET_COLOUR, ON_TARGET_COLOUR

    text = at_80["rehab_text"]
    assert "服务率不低于80%" in text and "85%" not in text
    assert "对照80%目标" in at_80["rehab_subheaders"]
    cells = at_80["rehab_cells"]
    for code, unit in rehab_80.items():
        assert cells[f"rehab_short@{code}"][0] == unit["short80"], unit
    assert cells["below_units"][0] == sum(u["below80"] for u in rehab_80.values())
    bars = at_80["rehab_bars"]
    assert [s["x0"] for s in bars["shapes"]] == [80.0]  # the target line
    by_name = {u["name"]: u for u in rehab_80.values()}
    for name, value, colour in zip(bars["y"], bars["x"], bars["colours"], strict=True):
        if value is not None:
            assert colour == (BELOW_TARGET_COLOUR if by_name[name]["below80"] else ON_TARGET_COLOUR), name
    assert any(by_name[name]["below85"] and not by_name[name]["below80"] for name in bars["y"])  # 80 ≠ 85 here


def test_the_draft_and_the_unit_table_follow_the_target(at_80, rehab_80):
    draft = at_80["draft"]
    assert "85%" not in draft and "80%目标" in draft
    below80 = sum(u["below80"] for u in rehab_80.values())
    assert (f"{below80}个乡镇未达80%目标" if below80 else "各乡镇均达到80%目标") in draft
    assert "距80%目标差人数" in draft  # the appendix's definition
    table = {row["unit_code"]: row for row in at_80["unit_table"]}
    assert {code: int(table[code]["rehab_short"]) for code in rehab_80} == \
        {code: u["short80"] for code, u in rehab_80.items()}
