"""A shared link's first complete paint in a real browser (Debian's headless Chromium), on the demo county:

    WAREHOUSE_URL=var/demo.duckdb .venv/bin/python -m bench.first_paint [--runs 5] [--path /] [--floor]

Starts the dashboard (scripts/serve.py) on a free loopback port, then opens the link in a fresh browser
context each run (no cache, no cookies: a colleague's first click) and times from navigation start until
the page is complete: the script has finished, no placeholder (skeleton) is left, every chart has drawn its
plot and every map its canvas. The first run is the server's first visitor; the target (≤ 2 s) is for every
run. Prints one line per run and a RESULT line with JSON.

--floor times bench/floor_app.py instead (a title, one plotly chart, one pydeck map; served with the same
preloading): what Streamlit's own bootstrap and chart and map code cost on this machine, the floor under
any page of the dashboard.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, serving

COMPLETE_JS = """() => {
  const app = document.querySelector('[data-testid=stApp]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (!document.querySelector('h1')) return false;
  if (document.querySelector('[data-testid=stSkeleton]')) return false;
  const decks = [...document.querySelectorAll('[data-testid=stDeckGlJsonChart]')];
  const plots = [...document.querySelectorAll('[data-testid=stPlotlyChart]')];
  return decks.every(d => d.querySelector('canvas')) && plots.every(p => p.querySelector('.main-svg'))
         && decks.length + plots.length > 0;
}"""


# bench/floor_app.py under `streamlit run`, with the dashboard server's preloading of the chart and map code.
FLOOR_SERVER = ("import sys; from ui import preload; preload.install(); from streamlit.web import cli; "
                "sys.argv = ['streamlit', 'run', 'bench/floor_app.py', '--server.headless', 'true', *sys.argv[1:]]; "
                "sys.exit(cli.main())")


def first_paint(browser, url: str) -> float:
    """Seconds from navigation start to the complete page, in a fresh context."""
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    start = time.perf_counter()
    page.goto(url, wait_until="commit")
    page.wait_for_function(COMPLETE_JS, timeout=60_000, polling=50)
    seconds = time.perf_counter() - start
    context.close()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--path", default="/?year=2025&town=", help="the shared link's path and query")
    parser.add_argument("--floor", action="store_true", help="time bench/floor_app.py (the framework's floor)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    env = {**os.environ, "DEMO_MODE": os.environ.get("DEMO_MODE", "1")}
    command = ("-c", FLOOR_SERVER) if args.floor else ("scripts/serve.py",)
    with serving(env, command=command) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        times = []
        for run in range(args.runs):
            times.append(first_paint(browser, base + args.path))
            print(f"run {run + 1}: {times[-1]:.2f} s" + ("  (the server's first visitor)" if run == 0 else ""))
        browser.close()
    print("RESULT " + json.dumps({"page": "floor" if args.floor else args.path, "first_s": round(times[0], 2),
                                  "median_s": round(statistics.median(times), 2),
                                  "max_s": round(max(times), 2), "runs": len(times)}))


if __name__ == "__main__":
    main()
