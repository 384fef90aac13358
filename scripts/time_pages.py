"""Print each page's server time with a cold cache (AppTest, demo warehouse or WAREHOUSE_URL).

    .venv/bin/python scripts/time_pages.py [--runs 3]

Cold: st.cache_data and st.cache_resource are cleared before every run, so each time includes opening
the warehouse and every query the page issues (the libraries are imported once first, as in a server).
Target (issue 3): under 1 s per page on the demo county. The run itself is bench.cold_pages.cold_run.
"""

import argparse
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DEMO_MODE", "1")  # time the pages, not the sign-in form

from bench.cold_pages import cold_run
from bench.pages import PAGES


def main() -> None:
    """Time every page and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="cold runs per page (median is shown)")
    args = parser.parse_args()
    cold_run("overview", {})  # import the libraries once, as a running server has
    print(f"{'page':<16}{'median s':>10}{'max s':>8}  under 1 s")
    for page in PAGES:
        times = [cold_run(page, {}) for _ in range(args.runs)]
        print(f"{page:<16}{statistics.median(times):>10.3f}{max(times):>8.3f}  {'yes' if max(times) < 1 else 'NO'}")


if __name__ == "__main__":
    main()
