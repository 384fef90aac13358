"""The benchmark runs end to end at a tiny scale (nothing is asserted about time: benchmarks are not tests)."""

from __future__ import annotations

from bench import run


def test_benchmark_runs_and_writes_its_tables(tmp_path):
    out = tmp_path / "RESULTS.md"
    code = run.main(["--persons", "1500", "--county-persons", "1000", "--work", str(tmp_path / "work"),
                     "--out", str(out), "--reps", "2", "--sessions", "2", "--load-seconds", "3"])
    assert code == 0
    text = out.read_text(encoding="utf-8")
    for heading in ("## Targets", "## Data and import", "each page's queries together", "each query",
                    "once cold", "naive baseline", "PostgreSQL against DuckDB", "concurrent sessions"):
        assert heading in text, heading
    for title in ("总览", "防返贫监测", "两项补贴", "康复服务", "就业帮扶", "无障碍与托养", "数据说明"):
        assert title in text
    load_row = next(line for line in text.splitlines() if line.startswith("| 2 |"))
    assert int(load_row.split("|")[3]) > 0  # the two sessions finished reruns
    assert "Dashboard process peak RSS" in text
