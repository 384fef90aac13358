"""Every page through AppTest: renders without exception, with filters, drilled to a township and a village,
showing the annual table's own numbers; bad URL values give a message, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from queries.common import Filters
from queries.db import connect
from queries.report import annual_table
from tests.conftest import card_html, developer_text, open_app, shown_text

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PAGES = {
    "overview": "总览", "monitoring": "防返贫监测", "subsidies": "两项补贴", "rehabilitation": "康复服务",
    "employment": "就业帮扶", "accessibility": "无障碍与托养", "explore": "指标分析", "about": "数据说明",
}


@pytest.fixture(autouse=True)
def warehouse_env(duck_url, monkeypatch):
    """Point the app at the test county's warehouse."""
    monkeypatch.setenv("WAREHOUSE_URL", duck_url)


def open_page(page: str, **params: str) -> AppTest:
    """A fresh session opened on a URL with these parameters, then switched to the page."""
    return open_app(page, params)


def page_text(at: AppTest) -> str:
    """All text of the page, KPI cards included."""
    return shown_text(at)


@pytest.mark.parametrize("page", PAGES)
def test_page_renders(page):
    at = open_page(page)
    assert not at.exception, at.exception
    assert at.title[0].value == PAGES[page]
    assert not at.error
    assert not developer_text(at), developer_text(at)
    # The charts' export menus are closed: their size/watermark/make controls are not drawn on a rerun.
    assert not [w.key for w in [*at.radio, *at.checkbox, *at.button] if str(w.key).endswith(("_size", "_wm", "_make"))]
    if "published" in at.session_state:  # every number it publishes is named in the catalogue
        assert not uncatalogued(at.session_state["published"]), uncatalogued(at.session_state["published"])


def uncatalogued(pub) -> list[str]:
    """The cells of a publication that the catalogue (queries/catalog.NUMBERS) does not name, or names with
    another unit or kind (指标分析's cells take the unit and kind of the view's metric)."""
    from queries.catalog import KINDS, VIEW_FAMILIES, number

    bad = []
    for cell_key, cell in pub.cells.items():
        entry = number(cell_key)
        if entry is None:
            bad.append(f"{cell_key}: 目录中没有")
        elif entry.key not in VIEW_FAMILIES and (cell.kind not in KINDS[entry.kind]
                                                  or (entry.unit and cell.kind != "change" and cell.unit != entry.unit)):
            bad.append(f"{cell_key}: {cell.kind} {cell.unit} ≠ 目录 {entry.kind} {entry.unit}")
    return bad


@pytest.mark.parametrize("page", PAGES)
def test_page_with_filters_and_drill(page, duck_url):
    wh = connect(duck_url)
    town = annual_table(wh, 2024, Filters(scope="")).iloc[0]["区划代码"]
    village = annual_table(wh, 2024, Filters(scope="", township=town)).iloc[0]["区划代码"]
    at = open_page(page, year="2024", town=town, village=village, cat="4", level="3")
    assert not at.exception, at.exception
    assert not at.warning, [w.value for w in at.warning]
    view = at.session_state["view_state"]
    assert (view.township, view.village, view.category, view.level) == (town, village, 4, 3)


def kpi_persons(at: AppTest) -> str:
    """The text of the 持证残疾人 card."""
    return card_html(at, "持证残疾人")


def test_overview_drills_to_township_and_village_values(duck_url):
    wh = connect(duck_url)
    county = annual_table(wh, 2024, Filters(scope=""))
    town = county.iloc[3]
    villages = annual_table(wh, 2024, Filters(scope="", township=town["区划代码"]))
    village = villages.iloc[1]

    at = open_page("overview", year="2024")
    assert f">{int(county.iloc[-1]['持证残疾人数']):,}人<" in kpi_persons(at)
    at = open_page("overview", year="2024", town=town["区划代码"])
    assert f">{int(town['持证残疾人数']):,}人<" in kpi_persons(at)
    assert any(b.label.endswith(town["名称"]) for b in at.button)  # breadcrumb 示范县 › 乡镇
    at = open_page("overview", year="2024", town=town["区划代码"], village=village["区划代码"])
    assert f">{int(village['持证残疾人数']):,}人<" in kpi_persons(at)


def test_rehab_page_shows_township_rate_from_annual_table(duck_url):
    wh = connect(duck_url)
    town = annual_table(wh, 2024, Filters(scope="")).iloc[5]
    at = open_page("rehabilitation", year="2024", town=town["区划代码"])
    card = card_html(at, "康复服务率")
    assert f">{town['康复服务率']:.1f}%<" in card


def test_sidebar_selection_drills_and_breadcrumb_returns(duck_url):
    county = annual_table(connect(duck_url), 2024, Filters(scope=""))
    at = open_page("overview", year="2024")
    town = county.iloc[0]
    at.selectbox(key="w_town_0").set_value(town["区划代码"]).run()
    assert dict(at.query_params)["town"] in (town["区划代码"], [town["区划代码"]])
    assert f">{int(town['持证残疾人数']):,}人<" in kpi_persons(at)
    at.button(key="crumb_county").click().run()
    assert "town" not in dict(at.query_params)
    assert f">{int(county.iloc[-1]['持证残疾人数']):,}人<" in kpi_persons(at)


@pytest.mark.parametrize("params, message", [
    ({"town": "990101999000"}, "未知的乡镇代码"),
    ({"town": "1' OR '1'='1"}, "未知的乡镇代码"),
    ({"year": "1899"}, "不在数据范围"),
    ({"year": "二〇二四"}, "不在数据范围"),
    ({"cat": "99"}, "未知的残疾类别"),
    ({"village": "990101999999"}, "未知的村/社区代码"),
    ({"from": "2024-13", "to": "2020-01"}, "月份范围"),
    ({"metric": "<script>"}, "未知的指标"),
])
def test_bad_url_values_give_message_and_fall_back(params, message):
    at = open_page("overview", **params)
    assert not at.exception
    assert any(message in w.value for w in at.warning), [w.value for w in at.warning]
    assert at.title[0].value == "总览"


def test_missing_warehouse_page(monkeypatch, tmp_path):
    monkeypatch.setenv("WAREHOUSE_URL", str(tmp_path / "absent.duckdb"))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert any("找不到数据仓库" in e.value for e in at.error)
