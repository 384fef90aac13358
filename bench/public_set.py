"""The once-per-import solve of the public set (issue 25 §2), timed alone: every year's county-by-township unit
table read from a warehouse with the dashboard's queries, then solved together as the importer does
(`queries.public_set.solve`, every year and the identities between years in one disclosure pass).

    .venv/bin/python -m bench.public_set --warehouse var/demo.duckdb [--years 2023,2024]

Prints one line: years, townships, cells, how many withheld, integer programs solved, and the seconds spent
reading the tables and solving (wall and CPU), with the machine's load average (2 cores shared: times
under load are only an order of magnitude). Reads the warehouse read-only; writes nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--warehouse", default=os.environ.get("WAREHOUSE_URL", ""),
                        help="the warehouse to read (default: WAREHOUSE_URL)")
    parser.add_argument("--years", default="", help="comma-separated years (default: every year of the data)")
    args = parser.parse_args(argv)
    if not args.warehouse:
        parser.error("give --warehouse (or set WAREHOUSE_URL)")
    sys.path.insert(0, str(ROOT))

    from queries import disclosure, public_set
    from queries.coverage import coverage
    from queries.db import connect

    programs = [0]
    milp = disclosure._milp

    def counted(*a):
        programs[0] += 1
        return milp(*a)

    disclosure._milp = counted
    start = time.perf_counter()
    wh = connect(args.warehouse)
    years = [int(y) for y in args.years.split(",")] if args.years else coverage(wh).years
    tables = public_set.county_tables(wh, years)
    wh.close()
    read = time.perf_counter() - start
    start, cpu = time.perf_counter(), time.process_time()
    marks = public_set.solve(tables)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    cells = [m for k, (m, _) in marks.items() if k != public_set.UNPROVEN]
    why = marks[public_set.UNPROVEN][0]
    print(f"public set {years[0]}–{years[-1]} ({len(years)} years, {len(next(iter(tables.values())))} townships): "
          f"{len(cells):,} cells, {sum(m is not None for m in cells):,} withheld ({sum(m == '×' for m in cells):,} ×), "
          f"{programs[0]:,} integer programs; tables read {read:.1f} s, solve {seconds:.1f} s wall, {cpu:.1f} s CPU; "
          f"load average {os.getloadavg()[0]:.1f}" + (f"  UNPROVEN: {why}" if why else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
