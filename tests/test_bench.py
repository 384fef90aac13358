"""The benchmark runs end to end at a tiny scale (nothing is asserted about time: benchmarks are not tests)."""

from __future__ import annotations

import pytest

from bench import run

pytestmark = pytest.mark.slow  # imports, servers and PostgreSQL, at a tiny scale


def test_benchmark_runs_and_writes_its_tables(tmp_path):
    out = tmp_path / "RESULTS.md"
    code = run.main(["--persons", "1500", "--county-persons", "1000", "--work", str(tmp_path / "work"),
                     "--out", str(out), "--reps", "2", "--sessions", "2", "--load-seconds", "3", "--processes", "1,2"])
    assert code == 0
    text = out.read_text(encoding="utf-8")
    for heading in ("## Targets", "## Data and import", "## Province import under a memory limit",
                    "each page's queries together", "each query",
                    "once cold", "naive baseline", "PostgreSQL against DuckDB", "concurrent sessions",
                    "指标分析, each metric × breakdown"):
        assert heading in text, heading
    for title in ("总览", "防返贫监测", "两项补贴", "康复服务", "就业帮扶", "无障碍与托养", "数据说明"):
        assert title in text
    lines = text.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("| sessions | processes |"))
    columns = [c.strip() for c in lines[header].split("|")]
    rows = [[c.strip() for c in line.split("|")] for line in lines[header + 2:] if line.startswith("|")]
    # One load test per process count asked for; in each, the two sessions finished reruns without an error.
    assert [row[columns.index("processes")] for row in rows] == ["1", "2"]
    for row in rows:
        assert int(row[columns.index("reruns")]) > 0 and row[columns.index("errors")] == "0", row
    assert "Dashboard process peak RSS" in text
    # The import under each memory limit asked for (default 4GB and 8GB), with its peak memory and disk.
    limit_rows = [line for line in lines if line.startswith(("| 4GB |", "| 8GB |"))]
    assert len(limit_rows) == 2
    for row in limit_rows:
        peak_mb, disk_mb = (float(c.strip(" *").replace(",", "")) for c in row.split("|")[5:7])
        assert 100 < peak_mb < 4096 and disk_mb > 0, row
    assert any(line.startswith("| Province: import peak memory ≤ 4 GB") for line in lines)
