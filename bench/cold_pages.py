"""Each page's script once cold through AppTest against WAREHOUSE_URL; prints JSON with the peak RSS.

    WAREHOUSE_URL=var/bench/province.duckdb .venv/bin/python -m bench.cold_pages [--town CODE]

Run in its own process by bench.run, so the peak resident memory it reports is that of a process
that imported the app and served every page (the dashboard process), not the benchmark's.
Cold: st.cache_data and st.cache_resource are cleared before each page, so its time includes opening
the warehouse and every query the page issues (as scripts/time_pages.py measures). Each page is timed on
a run of an AppTest that has run once already: the first run of an AppTest scans the installed packages for
Streamlit components (0.3-0.9 s on this machine), which a server does once at its start, not per page.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
logging.disable(logging.WARNING)  # AppTest outside a server warns on every cache clear

import streamlit as st  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from bench.pages import EXTRA_COLD_PAGES, PAGES  # noqa: E402
from bench.peak import vm_hwm_mb  # noqa: E402

CPU: dict[str, float] = {}  # the process's CPU seconds of the last cold_run (its server time on an idle core)


def cold_run(page: str, params: dict[str, str]) -> float:
    """Seconds for one cold run of a page (app.py routing to it), with URL parameters; its CPU seconds (all
    the process's threads: the script's and DuckDB's) in CPU["last"]. On a loaded machine the wall time
    includes waiting for a core; the CPU time much less so."""
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    for key, value in params.items():
        at.query_params[key] = value
    # A first run, untimed: AppTest's first run of an app scans every installed package for components
    # (0.3-0.9 s, its own start; a server does it once when it starts), so 总览 is timed on a second run too.
    at.run()
    st.cache_data.clear()
    st.cache_resource.clear()
    start, cpu = time.perf_counter(), time.process_time()
    if page == "overview":
        at.run()
    else:
        at.switch_page(f"pages/{page}.py").run()
    seconds = time.perf_counter() - start
    CPU["last"] = time.process_time() - cpu
    if at.exception:
        raise SystemExit(f"{page}: {at.exception[0].value}")
    return seconds


def peak_rss_mb() -> float:
    """This process's peak resident set size in MB (VmHWM: its own address space, not carried over from
    the parent through fork and exec as ru_maxrss is)."""
    return vm_hwm_mb()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--town", default="", help="also run every page drilled into this township")
    args = parser.parse_args()
    rss_start = peak_rss_mb()
    cold_run("overview", {})  # imports the app's modules once (a server does this once at start)
    rss_imported = peak_rss_mb()
    out: dict = {"default": {}, "township": {}, "cpu": {"default": {}, "township": {}}}
    pages = PAGES + [p for p in EXTRA_COLD_PAGES if (ROOT / "pages" / f"{p}.py").exists()]
    for part, params in (("default", {}), ("township", {"town": args.town})):
        if part == "township" and not args.town:
            continue
        for page in pages:
            out[part][page] = cold_run(page, params)
            out["cpu"][part][page] = CPU["last"]
    out["rss_start_mb"] = rss_start
    out["rss_imported_mb"] = rss_imported
    out["peak_rss_mb"] = peak_rss_mb()
    print("RESULT " + json.dumps(out))


if __name__ == "__main__":
    main()
