"""指标分析 in the benchmark: every metric × every breakdown it has (and crossed with a period), timed
with the Streamlit cache off, p50/p95 per combination against the targets (p50 ≤ 50 ms, p95 ≤ 150 ms).

    .venv/bin/python -m bench.explore --warehouse var/bench/warehouse-2000000.duckdb [--reps 20]

`bench.run` calls `time_explore` on the province warehouse and writes its table into RESULTS.md.
"""

from __future__ import annotations

import argparse
import sys
import time

from bench import pages as bp
from bench.common import ms, pct
from queries.catalog import METRICS
from queries.common import Filters
from queries.db import Warehouse, connect
from queries.explore import explore

P50_S = 0.050
P95_S = 0.150


def explore_calls(ctx: bp.Ctx, town: str) -> list[bp.Call]:
    """Every metric × breakdown as the page asks it: a year for units and categories, the last 24 months
    (and the 12 before, for 同比/环比) over time; villages inside the biggest township; and each metric by
    township × year (a heat table)."""
    year = ctx.years[-1]
    last = ctx.months[-1]
    first = ctx.months[max(0, len(ctx.months) - 36)]
    calls: list[bp.Call] = []
    for key, m in METRICS.items():
        for by in m.breakdowns:
            timed = by in ("year", "month")
            filters = Filters(scope="", township=town if by == "village" else "")
            span = (first, last) if timed else (f"{year}-01", min(f"{year}-12", last))
            calls.append((f"{key}×{by}", explore, (filters, key, by, "", *span)))
        if "year" in m.breakdowns:
            calls.append((f"{key}×township×year", explore, (Filters(scope=""), key, "township", "year", first, last)))
    return calls


def time_explore(wh: Warehouse, reps: int, warm: int = 1) -> dict[str, list[float]]:
    """Seconds per call label over `reps` runs after `warm` untimed ones."""
    ctx = bp.context(wh)
    calls = explore_calls(ctx, bp.biggest_township(wh))
    times: dict[str, list[float]] = {}
    for rep in range(warm + reps):
        for label, fn, args in calls:
            start = time.perf_counter()
            fn(wh, *args)
            if rep >= warm:
                times.setdefault(label, []).append(time.perf_counter() - start)
    return times


def table(times: dict[str, list[float]]) -> tuple[str, bool, tuple[str, float, float]]:
    """Markdown p50/p95 per combination; whether every one meets both targets; the worst (label, p50, p95)."""
    lines = ["| metric × breakdown | p50 ms | p95 ms |", "|---|---|---|"]
    ok, worst = True, ("", 0.0, 0.0)
    for label, values in times.items():
        p50, p95 = pct(values, 50), pct(values, 95)
        ok &= p50 <= P50_S and p95 <= P95_S
        if p95 > worst[2]:
            worst = (label, p50, p95)
        lines.append(f"| {label} | {ms(p50)} | {ms(p95)} |")
    return "\n".join(lines), ok, worst


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.explore", description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", required=True)
    parser.add_argument("--reps", type=int, default=20)
    args = parser.parse_args(argv)
    wh = connect(args.warehouse)
    md, ok, worst = table(time_explore(wh, args.reps))
    print(md)
    print(f"\nworst p95: {worst[0]} p50 {worst[1] * 1000:.1f} ms, p95 {worst[2] * 1000:.1f} ms — "
          f"targets p50 ≤ {P50_S * 1000:.0f} ms, p95 ≤ {P95_S * 1000:.0f} ms: {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
