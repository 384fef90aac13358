"""A shared link's first complete paint in a real browser (Debian's headless Chromium), on the demo county:

    WAREHOUSE_URL=var/demo.duckdb .venv/bin/python -m bench.first_paint [--runs 5] [--path /] [--no-floor]

Starts the dashboard (scripts/serve.py) on a free loopback port, then opens the link in a fresh browser
context each run (no cache, no cookies: a colleague's first click) and times from navigation start until
the page is complete: the script has finished, no placeholder (skeleton) is left, every chart has drawn its
plot and every map its canvas. The first run is the server's first visitor; the target (≤ 2 s) is for every
run. Prints one line per run and a RESULT line with JSON.

Each run also times the floor, bench/floor_app.py (a title, one plotly chart, one pydeck map, under plain
`streamlit run`), right after the page: what Streamlit's own bootstrap and chart and map code cost on this
machine at that moment, under any page of the dashboard (the machine's speed varies about 2× over a day).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from contextlib import ExitStack

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


# bench/floor_app.py under plain `streamlit run`.
FLOOR_SERVER = ("-m", "streamlit", "run", "bench/floor_app.py", "--server.headless", "true")


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
    parser.add_argument("--path", default="/", help="the shared link's path and query")
    parser.add_argument("--no-floor", action="store_true", help="time the dashboard only")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    env = {**os.environ, "DEMO_MODE": os.environ.get("DEMO_MODE", "1")}
    with ExitStack() as stack:
        links = {"page": stack.enter_context(serving(env)) + args.path}
        if not args.no_floor:
            links["floor"] = stack.enter_context(serving(env, command=FLOOR_SERVER)) + "/"
        p = stack.enter_context(sync_playwright())
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        times: dict[str, list[float]] = {name: [] for name in links}
        for run in range(args.runs):  # interleaved: both see the machine as it is at that moment
            for name, url in links.items():
                times[name].append(first_paint(browser, url))
            print(f"run {run + 1}: " + "  ".join(f"{name} {t[-1]:.2f} s" for name, t in times.items())
                  + ("  (the servers' first visitors)" if run == 0 else ""))
        browser.close()
    print("RESULT " + json.dumps({"path": args.path, "runs": args.runs, **{
        name: {"first_s": round(t[0], 2), "median_s": round(statistics.median(t), 2), "min_s": round(min(t), 2),
               "max_s": round(max(t), 2)} for name, t in times.items()}}, ensure_ascii=False))


if __name__ == "__main__":
    main()
