"""A shared link's first paint in two runs (issue 29 §6): the cards first, the interactive map and charts next.

A browser that opens the dashboard has not loaded plotly (4.7 MB) or deck.gl (3.1 MB) yet. When the first run
of its session sends the cards together with a chart and a map, the browser fetches and evaluates those
bundles, each in one piece, as their elements come, and on a busy machine the cards are drawn only after them
(bench/RESULTS.md, "First paint"). So the first run of a browser's session on a page whose first screen is
cards and a map or chart is a *light* run: the cards, the map's static picture (maps/static_map.py) and, where
a chart will be, a box of its height (图表加载中…); it ends at the end of the first screen (`page.slide_end`) with a
small script. Once the browser has painted that page, the script asks for the next run (a hidden button); the
next run draws the page as every later run does.

Measured and left out (bench/RESULTS.md, "First paint"): asking for the next run straight away (st.rerun):
both runs' elements reached the browser within a few hundred milliseconds, before it had painted anything of
the first; and the script importing the plotly and deck.gl bundles as it clicks: the complete page came later.

Not on a slide (projector mode keeps its one run: its first screen is the chart or map itself), not for a
client that runs no script (AppTest, protocol clients: `browser()`), and once per session: afterwards the
bundles are loaded and draw at once. Whatever happens to a light run, the session's next run is a full one.
"""

from __future__ import annotations

import streamlit as st

from ui.state import View

DONE = "first_paint_done"  # session key: the session's light run has been sent
NEXT = "first_paint_next"  # the hidden button the light page's script clicks
_RUN = "_first_paint_run"  # this run's state: {"light": bool, "owed": bool}

# The pages whose first screen is cards and a map or chart (ui.render.slide.PAGE_PARTS).
PAGES = frozenset({"overview", "monitoring", "subsidies", "rehabilitation", "employment", "accessibility"})


def browser() -> bool:
    """Whether the session is a browser's, which runs the light page's script (AppTest and protocol clients
    do not: they would never ask for the next run)."""
    return "Mozilla/" in (st.context.headers.get("User-Agent") or "")


def begin(page: str, view: View) -> None:
    """Start a run: light if it is a browser session's first run on a page with a first screen (not a slide)."""
    light = page in PAGES and not view.present and not st.session_state.get(DONE) and browser()
    if light:
        st.session_state[DONE] = True  # whatever happens to this run, the next one draws everything
    st.session_state[_RUN] = {"light": light, "owed": False}


def light() -> bool:
    """Whether this run draws pictures and boxes instead of the interactive map and charts."""
    return bool(st.session_state.get(_RUN, {}).get("light"))


def owe() -> None:
    """A picture or box stands where the next run draws the interactive element."""
    st.session_state.setdefault(_RUN, {"light": True, "owed": False})["owed"] = True


def chart_box(height: int) -> None:
    """Where a chart will be drawn: a box of its height saying it is on its way (nothing moves when it comes)."""
    st.html(f"<div class='chart-box' style='height:{int(height)}px;display:flex;align-items:flex-start;padding-top:120px;"
            "box-sizing:border-box;justify-content:center;color:#888;font-size:0.9rem'>图表加载中…</div>")
    owe()


def end() -> None:
    """The end of the first screen. A light run that left a picture or box stops here with the script that
    asks for the next run once the browser has painted this page."""
    state = st.session_state.get(_RUN, {})
    if not (state.get("light") and state.get("owed")):
        return
    state["light"] = False
    with st.container(key=f"{NEXT}_box"):
        st.button("加载交互地图与图表", key=NEXT)  # clicked by the script; hidden (its own style)
        st.html(NEXT_RUN_SCRIPT, unsafe_allow_javascript=True)
    st.stop()


# The hidden button's style and the script. The script runs once its own element is on the page, and so are
# the cards and the map's picture (HTML elements too, drawn by the same code); it lets the browser paint one
# frame, then clicks the button (by then the button is there: at most 3 s are waited for it). A tab opened in
# the background waits until it is shown (no frames are drawn there).
NEXT_RUN_SCRIPT = f"""<style>.st-key-{NEXT}_box {{display: none !important;}}</style>
<script>
(() => {{
  const doc = window.parent.document;
  const start = performance.now();
  const button = () => doc.querySelector('.st-key-{NEXT} button');
  const wait = () => {{
    if (button() || performance.now() - start > 3000) setTimeout(() => button()?.click(), 0);
    else requestAnimationFrame(wait);
  }};
  requestAnimationFrame(wait);
}})();
</script>"""
