"""A shared link's first complete paint in a real browser (Debian's headless Chromium), on the demo county:

    WAREHOUSE_URL=var/demo.duckdb .venv/bin/python -m bench.first_paint [--runs 5] [--path /] [--no-floor]
        [--before DIR]

Starts the dashboard (scripts/serve.py) on a free loopback port, then opens the link in a fresh browser
context each run (no cache, no cookies: a colleague's first click) and times from navigation start until
the page is complete: the script has finished, no placeholder (skeleton) is left, every chart has drawn its
plot and every map its canvas; and, on the way, when the headline cards were drawn, when the map was on
screen (its static picture first, maps/static_map.py), when it became interactive and when every chart was
drawn (MARKS_JS). The first run is the server's first visitor. Targets (issue 29 §6): cards within 1.5 s, the
complete page within 1.2 × the floor app. Prints one line per run and a RESULT line with JSON.

Each run also times the floor, bench/floor_app.py (a title, one plotly chart, one pydeck map, under plain
`streamlit run`), right after the page: what Streamlit's own bootstrap and chart and map code cost on this
machine at that moment, under any page of the dashboard (the machine's speed varies about 2× over a day).
With `--before DIR` it also times another checkout of the dashboard (an earlier commit, e.g.
`git archive <commit> | tar -x -C var/before`), interleaved too: a change measured against what it changed
at the same moment.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from bench.pgserver import free_port
from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, serving

COMPLETE_JS = """() => {
  const app = document.querySelector('[data-testid=stApp]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (!document.querySelector('h1')) return false;
  if (document.querySelector('[data-testid=stSkeleton]')) return false;
  if (document.querySelector('.chart-box, .map-box')) return false;  // a light run's place-holders (ui/first_paint.py)
  const decks = [...document.querySelectorAll('[data-testid=stDeckGlJsonChart]')];
  const plots = [...document.querySelectorAll('[data-testid=stPlotlyChart]')];
  return decks.every(d => d.querySelector('canvas')) && plots.every(p => p.querySelector('.main-svg'))
         && decks.length + plots.length > 0;
}"""


# Milestones as a person sees them, each the first moment (ms after navigation start, the page's own clock) its
# condition held, checked every animation frame: the page's title drawn (Streamlit has started and the script
# sent its first elements); the headline cards drawn; the map on screen (its static
# picture, or the interactive map where there is no picture); every map interactive (deck.gl's canvas);
# every chart drawn. `complete` is COMPLETE_JS.
MARKS_JS = """(() => {
  const complete = COMPLETE;
  const marks = window.__paint = {};
  const seen = (name, ok) => { if (!(name in marks) && ok) marks[name] = performance.now(); };
  const visible = el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const tick = () => {
    seen('title', [...document.querySelectorAll('h1')].some(visible));
    const cards = [...document.querySelectorAll('.kpi-card')];
    seen('cards', cards.length > 0 && cards.every(visible));
    const pictures = [...document.querySelectorAll('[class*=st-key-mapbox]')];
    const decks = [...document.querySelectorAll('[data-testid=stDeckGlJsonChart]')];
    const drawn = decks.length > 0 && decks.every(d => d.querySelector('canvas'));
    seen('map', pictures.some(p => getComputedStyle(p).backgroundImage.startsWith('url(')) || drawn);
    seen('map_interactive', drawn);
    const plots = [...document.querySelectorAll('[data-testid=stPlotlyChart]')];
    seen('charts', plots.length > 0 && plots.every(p => p.querySelector('.main-svg')));
    seen('complete', complete());
    if (!('complete' in marks)) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})();""".replace("COMPLETE", COMPLETE_JS)

# bench/floor_app.py under plain `streamlit run`.
FLOOR_SERVER = ("-m", "streamlit", "run", "bench/floor_app.py", "--server.headless", "true")


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except OSError:
        return False


@contextmanager
def serving_checkout(directory: Path, env: dict[str, str]) -> Iterator[str]:
    """Another checkout's scripts/serve.py, run from that checkout, on a free loopback port; its URL."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "scripts/serve.py", "--server.port", str(port)], cwd=directory,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not _answers(f"http://127.0.0.1:{port}/_stcore/health"):
            if time.monotonic() > deadline or proc.poll() is not None:
                raise TimeoutError(f"{directory}/scripts/serve.py did not answer on port {port} within 60 s")
            time.sleep(0.3)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def first_paint(browser, url: str) -> float:
    """Seconds from navigation start to the complete page, in a fresh context."""
    return paint_marks(browser, url)["complete"]


def paint_marks(browser, url: str) -> dict[str, float]:
    """Seconds from navigation start to each milestone of MARKS_JS that the page reached, and to `complete`
    (COMPLETE_JS), in a fresh context."""
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    context.add_init_script(MARKS_JS)
    page = context.new_page()
    page.goto(url, wait_until="commit")
    page.wait_for_function("() => window.__paint && 'complete' in window.__paint", timeout=60_000, polling=50)
    marks = page.evaluate("() => window.__paint")
    context.close()
    return {name: ms / 1000 for name, ms in marks.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--path", default="/", help="the shared link's path and query")
    parser.add_argument("--no-floor", action="store_true", help="time the dashboard only")
    parser.add_argument("--before", type=Path, help="another checkout of the dashboard to time as well, interleaved "
                        "(WAREHOUSE_URL relative to this one is made absolute)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    env = {**os.environ, "DEMO_MODE": os.environ.get("DEMO_MODE", "1")}
    with ExitStack() as stack:
        links = {"page": stack.enter_context(serving(env)) + args.path}
        if args.before:
            url = env.get("WAREHOUSE_URL", "")
            if url and "://" not in url:
                env = {**env, "WAREHOUSE_URL": str(Path(url).resolve())}
            links["before"] = stack.enter_context(serving_checkout(args.before.resolve(), env)) + args.path
        if not args.no_floor:
            links["floor"] = stack.enter_context(serving(env, command=FLOOR_SERVER)) + "/"
        p = stack.enter_context(sync_playwright())
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        times: dict[str, list[float]] = {name: [] for name in links}
        marks: dict[str, dict[str, list[float]]] = {name: {} for name in links}
        for run in range(args.runs):  # interleaved: both see the machine as it is at that moment
            for name, url in links.items():
                seen = paint_marks(browser, url)
                times[name].append(seen["complete"])
                for mark, seconds in seen.items():
                    marks[name].setdefault(mark, []).append(seconds)
            print(f"run {run + 1}: " + "  ".join(f"{name} {t[-1]:.2f} s" for name, t in times.items())
                  + "".join(f"  ({name}: " + ", ".join(f"{m} {v[-1]:.2f}" for m, v in marks[name].items() if m != "complete")
                          + ")" for name in links if name != "floor")
                  + ("  (the servers' first visitors)" if run == 0 else ""))
        browser.close()
    print("RESULT " + json.dumps({"path": args.path, "runs": args.runs, **{
        name: {"first_s": round(t[0], 2), "median_s": round(statistics.median(t), 2), "min_s": round(min(t), 2),
               "max_s": round(max(t), 2),
               "marks_median_s": {m: round(statistics.median(v), 2) for m, v in marks[name].items()}}
        for name, t in times.items()}}, ensure_ascii=False))


if __name__ == "__main__":
    main()
