"""Crafted widget values (what a websocket client can send for any sidebar widget) are validated like URL
values: the field falls back to its default with a message, nothing raises, and the session keeps working
on every page. Through AppTest with the very WidgetStates a browser sends, and through a real server."""

from __future__ import annotations

import pytest
from streamlit.proto.WidgetStates_pb2 import WidgetState
from streamlit.testing.v1 import AppTest

from bench.load import start_server
from bench.pgserver import free_port
from tests.client import Tab
from tests.conftest import open_app
from ui import data
from ui.state import default_view

PAGES = ["overview", "monitoring", "subsidies", "rehabilitation", "employment", "accessibility", "about"]
INJECTION = "2026' OR 1=1 --"
# widget key prefix → (page it is drawn on, the View field it sets, crafted values in the browser's wire form)
WIDGETS = {
    "w_year": ("overview", "year", [INJECTION, "1999年", "2025年", ""]),
    "w_town": ("overview", "township", [INJECTION, "990101999000"]),
    "w_village": ("overview", "village", [INJECTION, "990101001999"]),
    "w_cat": ("overview", "category", [INJECTION, "9", "全部类别 OR 1"]),
    "w_level": ("overview", "level", [INJECTION, "-1"]),
    "w_metric": ("overview", "metric", [INJECTION, "no_such_metric"]),
    # A select_slider maps unknown strings to its current value on the server: no crafted value gets through.
    "w_range": ("subsidies", ("month_from", "month_to"), [[INJECTION, "2024年12月"], [INJECTION]]),
    "w_present": ("overview", "present", ["yes", 7]),
}
REFUSED_TO = {"township": "", "village": "", "category": 0, "level": 0}  # else the default view's value


@pytest.fixture(autouse=True)
def warehouse_env(duck_url, monkeypatch):
    """Point the app at the test county's warehouse."""
    monkeypatch.setenv("WAREHOUSE_URL", duck_url)


def widget_key(at: AppTest, prefix: str) -> str:
    """The current key of the widget (keys carry a generation number: w_year_0, w_year_1, ...)."""
    keys = [n.key for n in at._tree if isinstance(getattr(n, "key", None), str) and n.key.rsplit("_", 1)[0] == prefix]
    assert len(keys) == 1, (prefix, keys)
    return keys[0]


def crafted(at: AppTest, key: str, value) -> AppTest:
    """Rerun with the browser's widget states, one of them replaced by a crafted value (its wire form)."""
    states = at._tree.get_widget_states()
    widget_id = next(n.id for n in at._tree if getattr(n, "key", None) == key)
    kept = [w for w in states.widgets if w.id != widget_id]
    del states.widgets[:]
    states.widgets.extend(kept)
    state = WidgetState(id=widget_id)
    if isinstance(value, list):
        state.string_array_value.data.extend(value)
    elif isinstance(value, int):
        state.int_value = value
    else:
        state.string_value = value
    states.widgets.append(state)
    return at._run(states)


def field_of(at: AppTest, attr):
    """The session's view field(s)."""
    view = at.session_state["view_state"]
    return tuple(getattr(view, a) for a in attr) if isinstance(attr, tuple) else getattr(view, attr)


@pytest.mark.parametrize("prefix", [p if p == "w_year" else pytest.param(p, marks=pytest.mark.slow) for p in WIDGETS])
def test_crafted_widget_value_gives_default_with_message(prefix, duck_url):
    page, attr, values = WIDGETS[prefix]
    default = default_view(data.context(""))
    params = {"year": "2023", "cat": "4", "level": "2"}
    if prefix == "w_village":  # the village widget is drawn once a township is chosen
        params["town"] = next(iter(data.context("").villages))
    for value in values:
        at = open_app(page, params)
        assert not at.exception, at.exception
        before = at.session_state["view_state"]
        at = crafted(at, widget_key(at, prefix), value)
        assert not at.exception, (prefix, value, at.exception)
        view = at.session_state["view_state"]
        if prefix == "w_present":  # a toggle's wire value is read as a bool
            assert isinstance(view.present, bool)
        elif prefix == "w_range":
            assert view.month_from in data.context("").months and view.month_to in data.context("").months
        else:
            assert at.warning and "已" in at.warning[0].value, (prefix, value)  # the refusal is said
            assert getattr(view, attr) == REFUSED_TO.get(attr, getattr(default, attr)), (prefix, value)
            kept = {"year", "category", "level", "township"} - {attr} - ({"township"} if attr == "township" else set())
            assert all(getattr(view, a) == getattr(before, a) for a in kept), (prefix, value, view, before)
        for other in PAGES if value == values[0] else []:  # the session keeps working everywhere
            at.switch_page(f"pages/{other}.py").run()
            assert not at.exception, (prefix, value, other, at.exception)
            assert at.title[0].value


@pytest.mark.slow
def test_crafted_widget_value_over_a_real_websocket(duck_url, tmp_path):
    port = free_port()
    proc = start_server(duck_url, port, tmp_path / "serve.log", env={"DEMO_MODE": "1"})
    try:
        with Tab(port) as tab:
            first = tab.rerun("", query="year=2023")
            assert first.finished and not first.exceptions
            widget_id, kind = first.widgets["w_year_0"]
            assert kind == "selectbox"
            hostile = tab.rerun("", query="year=2023", widgets=[WidgetState(id=widget_id, string_value=INJECTION)])
            assert hostile.finished and not hostile.exceptions, hostile.exceptions
            # alerts are Markdown with names escaped: compare the text a reader sees
            assert any(INJECTION in a.replace("\\", "") and "年份" in a for a in hostile.alerts), hostile.alerts
            for page in ["", "monitoring", "subsidies", "rehabilitation", "employment", "accessibility", "about"]:
                drawn = tab.rerun(page, query="")
                assert drawn.finished and not drawn.exceptions, (page, drawn.exceptions)
                assert not any("Traceback" in t or "ValueError" in t for t in drawn.texts)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
