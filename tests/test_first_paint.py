"""A shared link's first paint in two runs (issue 29 §6, ui/first_paint.py): a browser session's first run on a
page with cards and a map or chart sends the cards, the map's picture and a box for the chart, and a script that
asks for the next run once the browser has painted them; the next run is the page as it always was."""

from __future__ import annotations

import json
from typing import ClassVar

import pytest

from tests.conftest import open_app
from ui import first_paint

TOWN = "990101002000"  # 城东街道 of the test county


@pytest.fixture
def as_browser(monkeypatch, duck_url):
    """AppTest sessions taken for a browser's (a browser runs the light page's script; AppTest does not)."""
    monkeypatch.setenv("WAREHOUSE_URL", duck_url)
    monkeypatch.setattr(first_paint, "browser", lambda: True)


def drawn(at) -> dict:
    """What a run shows: every HTML element, caption, title and text, the charts' and maps' specs, the tables."""
    return {"html": [h.value for h in at.html], "caption": [c.value for c in at.caption],
            "title": [t.value for t in at.title], "subheader": [s.value for s in at.subheader],
            "plotly": [json.loads(p.proto.spec) for p in at.get("plotly_chart")],
            "deck": [json.loads(d.proto.json) for d in at.get("deck_gl_json_chart")],
            "tables": [df.value.to_dict() for df in at.dataframe]}


def cards(at) -> list[str]:
    return [h.value for h in at.html if "class='kpi-card'" in h.value]


def test_light_first_run_then_the_page_as_always(as_browser, monkeypatch):
    at = open_app()
    assert not at.exception
    light = drawn(at)
    assert len(cards(at)) == 8  # the headline cards, with their numbers
    assert any("st-key-mapbox_overview_map_county" in h and "data:image/svg+xml" in h for h in light["html"])
    assert any("chart-box" in h for h in light["html"])  # where the ranking will be
    assert not light["plotly"] and not light["deck"] and not light["tables"]  # nothing that waits for a bundle
    assert any(".click()" in h and f".st-key-{first_paint.NEXT} button" in h for h in light["html"])  # asks for the next run
    assert [b.key for b in at.button if b.key == first_paint.NEXT]

    at.button(key=first_paint.NEXT).click().run()  # what the script does once the browser has painted
    assert not at.exception
    full = drawn(at)
    assert not [b for b in at.button if b.key == first_paint.NEXT]
    assert len(full["plotly"]) == 1 and len(full["deck"]) == 1 and len(full["tables"]) == 1
    assert cards(at) == [h for h in light["html"] if "class='kpi-card'" in h]  # the same cards, not redrawn otherwise

    monkeypatch.setattr(first_paint, "browser", lambda: False)
    assert drawn(open_app()) == full  # once complete, the page a session without a light run shows

    at.run()  # later runs of the session: no picture (deck.gl is loaded), no light run
    assert not at.exception and at.get("deck_gl_json_chart") and at.get("plotly_chart")
    assert not any("st-key-mapbox" in h.value for h in at.html)
    assert not [b for b in at.button if b.key == first_paint.NEXT]


def test_other_pages_and_drilled_links(as_browser):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import APP

    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page("pages/monitoring.py").run()  # a shared link to 防返贫监测
    assert not at.exception and cards(at)
    assert not at.get("plotly_chart") and not at.get("deck_gl_json_chart")
    at.button(key=first_paint.NEXT).click().run()
    assert not at.exception and at.get("plotly_chart") and at.get("deck_gl_json_chart")

    drilled = open_app(params={"town": TOWN})  # a link to a township: its villages' map and ranking follow
    assert not drilled.exception and cards(drilled) and any("data:image/svg+xml" in h.value for h in drilled.html)
    assert not drilled.get("deck_gl_json_chart") and not drilled.get("plotly_chart")
    drilled.button(key=first_paint.NEXT).click().run()
    assert not drilled.exception and drilled.get("deck_gl_json_chart") and drilled.get("plotly_chart")


def test_no_light_run_on_a_slide_or_without_a_browser(as_browser, monkeypatch):
    slide = open_app(params={"mode": "present"})
    assert not slide.exception and slide.get("deck_gl_json_chart")  # the slide's map at once
    assert not [b for b in slide.button if b.key == first_paint.NEXT]
    monkeypatch.setattr(first_paint, "browser", lambda: False)
    at = open_app()  # AppTest, protocol clients: nothing would ask for the next run
    assert at.get("deck_gl_json_chart") and at.get("plotly_chart") and at.dataframe


def test_browser_is_told_by_its_user_agent(monkeypatch):
    import streamlit as st

    class Context:
        headers: ClassVar[dict[str, str]] = {}

    monkeypatch.setattr(st, "context", Context)
    for agent, expected in (("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/156.0", True),
                            ("Python/3.11 websockets/15.0", False), ("", False)):
        Context.headers = {"User-Agent": agent} if agent else {}
        assert first_paint.browser() is expected


@pytest.mark.slow
def test_in_a_browser_the_cards_are_painted_before_the_bundles_load(duck_url, browser, tmp_path):
    """In Chromium: the cards and the map's picture are on screen before the browser even asks for the
    plotly and deck.gl bundles; then the page completes by itself (deck and chart drawn, the picture gone, the
    hidden button gone), and the map takes its clicks."""
    import os

    from bench.first_paint import MARKS_JS
    from tests.test_browser import serving, settle, wait_drawn

    env = {**os.environ, "WAREHOUSE_URL": duck_url, "BRIEFING_FILE": str(tmp_path / "briefing.yaml")}
    with serving(env) as url:
        context = browser.new_context(viewport={"width": 1366, "height": 768})
        context.add_init_script(MARKS_JS)
        page = context.new_page()
        page.goto(url + "/?year=2024", wait_until="commit")
        page.wait_for_function("() => window.__paint && 'complete' in window.__paint", timeout=60_000)
        marks = page.evaluate("() => window.__paint")
        asked = page.evaluate("""() => performance.getEntriesByType('resource')
            .filter(e => /(PlotlyChart|DeckGlJsonChart)\\.[^/]*\\.js/.test(e.name)).map(e => e.startTime)""")
        assert len(asked) == 2, asked
        assert marks["cards"] < min(asked) and marks["map"] < min(asked), (marks, asked)
        settle(page)
        wait_drawn(page)
        assert page.locator("[data-testid=stDeckGlJsonChart] canvas").count() == 1
        assert page.locator("[data-testid=stPlotlyChart] .main-svg").count() >= 1
        assert page.locator("[data-testid=stDataFrame]").count() == 1  # the annual table, below the first screen
        assert page.locator(f".st-key-{first_paint.NEXT}").count() == 0
        assert page.evaluate("getComputedStyle(document.querySelector('[class*=st-key-mapbox]')).backgroundImage")\
            == "none"
        context.close()
