"""The cost of the disclosure on a county's pages (issue 26): for each page and view, how many cells the
disclosure withholds ('<5', '×', '—') and how long one pass takes, its memory of earlier answers cleared.

    WAREHOUSE_URL=var/demo.duckdb .venv/bin/python -m bench.disclosure --year 2025

Runs each page once in streamlit's AppTest (no server, no browser), wrapping `disclosure.apply` to time
every pass the page makes (the screen's publication, and the suppressed one of its exports when made).
County scale only: the province is for bench/run.py.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["overview", "monitoring", "subsidies", "rehabilitation", "employment", "accessibility"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--year", default="2025", help="the year the pages show (default 2025)")
    parser.add_argument("--json", help="also write the rows to this file")
    parser.add_argument("--repeat", type=int, default=3, help="timed passes per view, the best kept (default 3)")
    parser.add_argument("--public-set", type=int, default=0, metavar="YEARS",
                        help="also time the public set's solve over this many years up to --year (0: not)")
    args = parser.parse_args(argv)
    if not os.environ.get("WAREHOUSE_URL"):
        parser.error("set WAREHOUSE_URL to a warehouse (a county's DuckDB file)")
    os.environ.pop("DEMO_MODE", None)
    os.environ.setdefault("AUDIT_LOG", str(Path(tempfile.gettempdir()) / "canlian-bench-audit.log"))
    os.environ.setdefault("SIGNIN_DB", str(Path(tempfile.mkdtemp(prefix="canlian-bench-")) / "signin.sqlite"))
    sys.path.insert(0, str(ROOT))

    from streamlit.testing.v1 import AppTest

    from queries import disclosure
    from queries.common import Filters
    from queries.dashboard import regions
    from queries.db import connect
    from ui import auth

    passes: list[dict] = []
    original = disclosure.apply

    def timed(pub, suppress, preset=None):
        if not suppress:
            return original(pub, suppress)
        disclosure._MEMO.clear()
        before = copy.deepcopy(pub)
        start = time.perf_counter()
        out = original(pub, suppress, preset)
        seconds = time.perf_counter() - start
        marks = [c.mark for c in out.cells.values() if c.value is not None]
        # the county's own numbers (the total row, the headline cards' cells): what a press release quotes
        totals = [c.mark for k, c in out.cells.items() if c.value is not None and k.endswith("@total")
                  and c.kind in ("count", "amount")]
        passes.append({"cells": len(marks), "seconds": seconds, "<5": marks.count("<5"), "×": marks.count("×"),
                       "totals": len(totals), "totals_withheld": sum(m is not None for m in totals),
                       "—": marks.count("—"), "joint": out.joint, "unproven": getattr(out, "unproven", ""),
                       "input": before, "preset": preset})
        return out

    disclosure.apply = timed
    found = regions(connect(os.environ["WAREHOUSE_URL"]), "")
    town = found[found["level"] == "township"]["region_code"].iloc[2]
    assert Filters(scope="", township=town).params()
    views = [("press", {}), ("analyst", {"town": town, "mode": "public"}), ("leader", {"mode": "public"})]
    users = {"press": auth.User("宣传员", "press"), "analyst": auth.User("分析员", "analyst"),
             "leader": auth.User("领导", "leader")}
    rows = []
    for page in PAGES:
        for role, params in views:
            passes.clear()
            at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
            at.session_state[auth.SESSION_KEY] = users[role]
            for k, v in {"year": args.year, **params}.items():
                at.query_params[k] = v
            at.run()
            if page != "overview":
                at.switch_page(f"pages/{page}.py").run()
            if at.exception:
                print(page, role, at.exception, file=sys.stderr)
                continue
            if at.session_state.get("outside_public_set") and not passes:  # issue 25 §1: a public view outside the set
                print(f"{page:15s} {role:8s} outside the public set: no number shown", flush=True)
                continue
            if not passes:  # an internal view (issue 24: exact, no pass to time)
                print(f"{page:15s} {role:8s} exact (internal audience)", flush=True)
                continue
            last = passes[-1]
            # the pass again, warm (imports done), on the same input: its time alone, the best of `repeat`
            times = []
            for _ in range(args.repeat):
                disclosure._MEMO.clear()
                again = copy.deepcopy(last["input"])
                start = time.perf_counter()
                original(again, True, last["preset"])
                times.append(time.perf_counter() - start)
            warm = min(times)
            row = {k: v for k, v in last.items() if k not in ("input", "preset")} | {"page": page, "view": role, "warm_s": warm}
            rows.append(row)
            share = (row["<5"] + row["×"] + row["—"]) / max(row["cells"], 1)
            print(f"{page:15s} {role:8s} cells {row['cells']:5d}  <5 {row['<5']:4d}  × {row['×']:4d}  — {row['—']:4d}"
                  f"  withheld {share:6.1%}  totals withheld {row['totals_withheld']}/{row['totals']}"
                  f"  pass {warm * 1000:8.1f} ms{'  joint' if row['joint'] else ''}"
                  f"{'  UNPROVEN: ' + row['unproven'] if row['unproven'] else ''}", flush=True)
    withheld = sum(r["<5"] + r["×"] + r["—"] for r in rows)
    print(f"total: {sum(r['cells'] for r in rows)} cells, {withheld} withheld "
          f"({sum(r['×'] for r in rows)} ×), passes {sum(r['warm_s'] for r in rows):.2f} s in all, "
          f"slowest {max(r['warm_s'] for r in rows) * 1000:.0f} ms")
    if args.public_set:  # the once-per-import solve of the public set (queries.public_set), timed alone
        from queries import public_set

        years = tuple(range(int(args.year) - args.public_set + 1, int(args.year) + 1))
        start = time.perf_counter()
        marks = public_set.public_marks(connect(os.environ["WAREHOUSE_URL"]), years)
        seconds = time.perf_counter() - start
        values = [m for k, m in marks.items() if not k.startswith("_")]
        print(f"public set {years[0]}–{years[-1]}: {len(values)} cells, "
              f"{sum(m is not None for m in values)} withheld ({sum(m == '×' for m in values)} ×), "
              f"solve {seconds:.1f} s{'  UNPROVEN: ' + str(marks['_unproven']) if marks.get('_unproven') else ''}")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
