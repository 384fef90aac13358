"""Print each page's server time with a cold cache (AppTest, demo warehouse or WAREHOUSE_URL).

    .venv/bin/python scripts/time_pages.py [--runs 3]

Cold: st.cache_data and st.cache_resource are cleared before every run, so each time includes opening
the warehouse and every query the page issues (the libraries are imported once first, as in a server).
Target (issue 3): under 1 s per page on the demo county.
"""

import argparse
import logging
import os
import statistics
import sys
import time
from pathlib import Path

import streamlit as st
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
logging.disable(logging.WARNING)  # AppTest outside a server warns on every cache clear
os.environ.setdefault("DEMO_MODE", "1")  # time the pages, not the sign-in form
PAGES = ["overview", "monitoring", "subsidies", "rehabilitation", "employment", "accessibility", "about"]


def cold_run(page: str) -> float:
    """Seconds for one cold run of a page (app.py routing to it)."""
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    if page == "overview":
        start = time.perf_counter()
        at.run()
    else:
        at.run()
        st.cache_data.clear()
        st.cache_resource.clear()
        start = time.perf_counter()
        at.switch_page(f"pages/{page}.py").run()
    seconds = time.perf_counter() - start
    if at.exception:
        raise SystemExit(f"{page}: {at.exception[0].value}")
    return seconds


def main() -> None:
    """Time every page and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="cold runs per page (median is shown)")
    args = parser.parse_args()
    cold_run("overview")  # import the libraries once, as a running server has; caches are cleared per run
    print(f"{'page':<16}{'median s':>10}{'max s':>8}  under 1 s")
    for page in PAGES:
        times = [cold_run(page) for _ in range(args.runs)]
        print(f"{page:<16}{statistics.median(times):>10.3f}{max(times):>8.3f}  {'yes' if max(times) < 1 else 'NO'}")


if __name__ == "__main__":
    main()
