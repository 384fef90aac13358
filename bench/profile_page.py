"""Where one cold page run spends its time: cProfile over an AppTest run of a page, with counts of warehouse
queries, disclosure passes and integer programs (the things a page run pays for), and the top functions.

    WAREHOUSE_URL=var/bench/warehouse-45000.duckdb .venv/bin/python -m bench.profile_page overview --town CODE

Does not need a quiet machine: the counts and each part's share of the run are what to read (CPU time
moves with the machine's load, the shares much less). Cold as in bench.cold_pages: caches cleared first.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import logging
import pstats
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
logging.disable(logging.WARNING)

import streamlit as st  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

COUNTS: Counter = Counter()


def _count(module, name: str, label: str) -> None:
    """Wrap MODULE.NAME so that each call is counted under `label`."""
    fn = getattr(module, name)

    def counted(*args, **kwargs):
        COUNTS[label] += 1
        return fn(*args, **kwargs)

    counted.__wrapped__ = fn
    setattr(module, name, counted)


def instrument() -> None:
    """Count queries (each a statement on the warehouse), disclosure passes and integer programs."""
    from queries import db, disclosure

    _count(db.Warehouse, "frame", "queries")
    _count(disclosure, "apply", "disclosure passes")
    _count(disclosure, "_milp", "integer programs")
    _count(disclosure, "determined", "determined() calls")


PROFILE: list[cProfile.Profile] = []  # the profiler of the next script run, if any
SCRIPT_S: list[float] = []  # seconds of each script run (in the script's own thread)


def profile_scripts() -> None:
    """Time (and, when asked, profile) each script run in the thread that runs it: cProfile sees only the
    thread it was enabled in, and AppTest runs the script in another one."""
    from streamlit.runtime.scriptrunner import script_runner

    inner = script_runner.exec_func_with_error_handling

    def timed(func, ctx):
        prof = PROFILE[0] if PROFILE else None
        start = time.perf_counter()
        if prof:
            prof.enable()
        try:
            return inner(func, ctx)
        finally:
            if prof:
                prof.disable()
            SCRIPT_S.append(time.perf_counter() - start)

    script_runner.exec_func_with_error_handling = timed


def run(page: str, params: dict[str, str], profile: bool) -> tuple[float, pstats.Stats | None]:
    """One cold run of the page: (the script's seconds, its profile). AppTest's own start (it scans the
    installed packages for components, 0.3-0.9 s, which a server does once) is left out."""
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    st.cache_data.clear()
    st.cache_resource.clear()
    PROFILE.clear()
    if profile:
        PROFILE.append(cProfile.Profile())
    COUNTS.clear()
    SCRIPT_S.clear()
    (at.run() if page == "overview" else at.switch_page(f"pages/{page}.py").run())
    if at.exception:
        raise SystemExit(f"{page}: {at.exception[0].value}")
    if len(SCRIPT_S) > 1:
        print(f"  ({len(SCRIPT_S)} script runs: " + ", ".join(f"{s:.3f}" for s in SCRIPT_S) + ")")
    return sum(SCRIPT_S), (pstats.Stats(PROFILE[0]) if profile else None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("page", help="pages/PAGE.py (overview for app.py's first page)")
    parser.add_argument("--town", default="", help="drilled into this township")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--runs", type=int, default=3, help="timed runs without the profiler (median)")
    args = parser.parse_args()
    instrument()
    profile_scripts()
    params = {"town": args.town} if args.town else {}
    run("overview", {}, False)  # imports every module once, as a server has at start
    times = []
    for _ in range(args.runs):
        times.append(run(args.page, params, False)[0])
    plain = dict(COUNTS)
    seconds, stats = run(args.page, params, True)
    out = io.StringIO()
    stats.stream = out
    stats.sort_stats(args.sort).print_stats(args.top)
    print(out.getvalue())
    times.sort()
    print(f"{args.page} {params}: cold {times[len(times) // 2]:.3f} s median of {len(times)} "
          f"(min {times[0]:.3f}), profiled {seconds:.3f} s; per run: "
          + ", ".join(f"{k} {v}" for k, v in sorted(plain.items())))


if __name__ == "__main__":
    main()
