"""The 汇报 page plays a YAML script: each slide opens its page with its filters in projector mode;
next/previous/end work; a view is added to the script from any page."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from streamlit.testing.v1 import AppTest

from queries.common import Filters
from queries.db import connect
from queries.report import annual_table
from ui import auth, briefing

APP = str(Path(__file__).resolve().parent.parent / "app.py")


@pytest.fixture
def script(duck_url, tmp_path, monkeypatch) -> Path:
    """A two-slide script and the test warehouse."""
    town = annual_table(connect(duck_url), 2024, Filters(scope="")).iloc[2]["区划代码"]
    path = tmp_path / "briefing.yaml"
    path.write_text(yaml.safe_dump({"title": "测试汇报", "slides": [
        {"title": "总览", "page": "overview", "params": {"year": "2023"}, "note": "先讲总数"},
        {"title": "康复", "page": "rehabilitation", "params": {"town": town}, "note": ""},
        {"title": "坏页", "page": "nonexistent", "params": {}},
    ]}, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("WAREHOUSE_URL", duck_url)
    monkeypatch.setenv("BRIEFING_FILE", str(path))
    return path


def test_play_the_script(script):
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page("pages/briefing.py").run()
    assert not at.exception
    assert any("坏页" in w.value or "nonexistent" in w.value for w in at.warning)  # bad slide reported, skipped
    at.button(key="brief_go").click().run()
    assert not at.exception
    view = at.session_state["view_state"]
    assert at.title[0].value == "总览" and view.present and view.year == 2023
    assert any("先讲总数" in t.value for t in at.text)  # the speaker note, as plain text
    # AppTest keeps running the page it last switched to itself; follow the app's own switch first.
    at.switch_page("pages/overview.py").run()
    at.button(key="brief_next").click().run()
    town = yaml.safe_load(script.read_text(encoding="utf-8"))["slides"][1]["params"]["town"]
    assert at.title[0].value == "康复服务" and at.session_state["view_state"].township == town
    at.switch_page("pages/rehabilitation.py").run()
    assert at.button(key="brief_next").disabled  # the last valid slide
    at.button(key="brief_end").click().run()
    assert at.title[0].value == "汇报" and not at.session_state["view_state"].present


def test_add_current_view_to_script(script, monkeypatch):
    monkeypatch.delenv("DEMO_MODE")  # the demo's user is read-only: sign in as an analyst who may add slides
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state[auth.SESSION_KEY] = auth.User("分析员", "analyst")
    at.query_params["year"] = "2023"
    at.query_params["cat"] = "4"
    at.run()
    at.text_input(key="brief_title").input("肢体残疾总览").run()
    at.button(key="brief_add").click().run()
    assert not at.exception
    loaded, _ = briefing.load(script)
    assert loaded.slides[-1].title == "肢体残疾总览" and loaded.slides[-1].page == "overview"
    assert loaded.slides[-1].params == {"year": "2023", "cat": "4"}
