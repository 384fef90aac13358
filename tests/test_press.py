"""Press exports: PNGs of the stated size, identical every time, Chinese drawn as glyphs (not boxes),
titles and source lines on XLSX, and nothing under 5 in what leaves the screen."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from maps import layers
from queries import disclosure
from queries.common import Filters
from queries.dashboard import boundaries
from queries.db import connect
from queries.metrics import with_metrics
from queries.publish import Publication, add_units
from queries.report import annual_counts
from ui import charts, press


@pytest.fixture(scope="module")
def units(duck_url) -> pd.DataFrame:
    """The test county's townships with their metrics for 2024."""
    return with_metrics(annual_counts(connect(duck_url), Filters(scope=""), 2024))


def pixels(png: bytes) -> np.ndarray:
    """An image as an RGB array."""
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def caption(title: str, watermark: bool = False) -> press.Caption:
    """A caption for tests."""
    return press.Caption(title=title, period="2024年　示范县", until="2024年12月", watermark=watermark)


@pytest.mark.parametrize("size", list(press.SIZES.values()))
def test_chart_png_size_and_identical_bytes(units, size):
    fig = charts.ranked_bars(units, "rehab_rate", "#009E73", "%", target=85)
    first = press.chart_png(fig, caption("各乡镇康复服务率"), size)
    assert Image.open(io.BytesIO(first)).size == size
    assert press.chart_png(fig, caption("各乡镇康复服务率"), size) == first


def test_chinese_title_is_drawn_as_glyphs(units):
    # Two different titles of the same length: missing CJK fonts would draw both as the same row of
    # boxes, so the title band would be identical. With Noto CJK the glyphs differ.
    fig = charts.ranked_bars(units, "rehab_rate", "#009E73", "%", target=85)
    a = pixels(press.chart_png(fig, caption("康复服务率排名"), (1080, 1080)))[:110]
    b = pixels(press.chart_png(fig, caption("两项补贴覆盖率"), (1080, 1080)))[:110]
    assert (a < 128).any(), "no dark title text drawn"
    assert (np.abs(a.astype(int) - b.astype(int)) > 60).mean() > 0.002


def test_map_png(duck_url, units):
    shapes = boundaries(connect(duck_url), Filters(scope=""))
    classes, legend = layers.classify_rate(units.set_index("unit_code")["rehab_rate"], 85)
    colours = {c: list(legend[int(k)].colour) for c, k in classes.items() if k is not None and not pd.isna(k)}
    rows = [(item.label, item.colour) for item in legend]
    one = press.map_png(shapes, colours, rows, caption("各乡镇康复服务率", watermark=True), (1920, 1080), "%")
    assert Image.open(io.BytesIO(one)).size == (1920, 1080)
    assert press.map_png(shapes, colours, rows, caption("各乡镇康复服务率", watermark=True), (1920, 1080), "%") == one
    other = press.map_png(shapes, colours, rows, caption("各乡镇服务覆盖率", watermark=True), (1920, 1080), "%")
    title_band = slice(30, 110)
    assert (np.abs(pixels(one)[title_band].astype(int) - pixels(other)[title_band].astype(int)) > 60).any()
    square = press.map_png(shapes, colours, rows, caption("各乡镇康复服务率"), (1080, 1080), "%")
    assert Image.open(io.BytesIO(square)).size == (1080, 1080)


def test_exported_figures_keep_withheld_units_labelled(units):
    small = units.copy()
    small.loc[small.index[0], ["rehab_need", "rehab_served"]] = [3, 2]  # a rate over 3 persons
    small = with_metrics(small)
    pub = Publication()
    add_units(pub, small)
    disclosure.apply(pub, True)
    frame = small[["unit_code", "name"]].assign(
        rehab_rate=[pub.shown(f"rehab_rate@{c}") for c in small["unit_code"]],
        rehab_rate_text=[pub.text(f"rehab_rate@{c}") for c in small["unit_code"]])
    fig = charts.ranked_bars(frame, "rehab_rate", "#009E73", "%", target=85)
    labels = next(t for t in fig.data if t.meta == charts.LABELS_META)  # the value labels beside the bars
    bars = dict(zip(labels.y, labels.text, strict=True))
    assert bars[small.loc[small.index[0], "name"]] == "—"  # kept, labelled, never dropped
    assert pub.text(f"rehab_served@{small.loc[small.index[0], 'unit_code']}") == "<5人"


# --- press images right the first time (issue 29, item 5) ------------------------------------------------

def test_the_shipped_config_carries_no_demo_approval(monkeypatch):
    # the 审图号 is the county's own setting: the shipped file has none, only the public demo borrows the demo's
    monkeypatch.delenv(press.CONFIG_ENV, raising=False)
    assert press.press_config().get("map_approval") in ("", None)
    monkeypatch.delenv("DEMO_MODE", raising=False)
    assert press.map_approval() == ""
    lines = press.footer_lines(caption("地图"), 24, 1000, with_approval=True)
    assert lines[-1] == press.APPROVAL_ABSENT_LINE and press.DEMO_APPROVAL not in "".join(lines)
    monkeypatch.setenv("DEMO_MODE", "1")
    assert press.map_approval() == press.DEMO_APPROVAL


def test_a_set_approval_is_used(monkeypatch, tmp_path):
    config = tmp_path / "press.yaml"
    config.write_text('map_approval: "审图号：某县（2025）第012号"\n', encoding="utf-8")
    monkeypatch.setenv(press.CONFIG_ENV, str(config))  # the installation's own file, outside the repository
    monkeypatch.delenv("DEMO_MODE", raising=False)
    assert press.map_approval() == "审图号：某县（2025）第012号"
    assert press.footer_lines(caption("地图"), 24, 1000, with_approval=True)[-1] == "审图号：某县（2025）第012号"


def _menu_app():
    """One export menu, open, on a fixed view: a map when session_state['is_map'] is set."""
    import streamlit as st

    from ui.render import screen
    from ui.state import Context, default_view

    ctx = Context(years=[2024], months=["2024-01", "2024-12"], townships={"990101001000": "城东街道"}, villages={},
                  county_name="示范县", coverage={"rehab": ("2024-01", "2024-12")})
    view = default_view(ctx)

    def render(caption, size):  # stands for the PNG: the size it was made at
        return f"{size[0]}x{size[1]}".encode()

    screen.export_menu("m", "示范县各乡镇康复服务率", ctx, view, render, is_map=st.session_state.get("is_map", False))


class _Open:
    """A popover that is open (AppTest cannot click one open)."""

    open = True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def menu_app(monkeypatch, tmp_path, role: str, is_map: bool):
    """The menu in an AppTest session of a user with `role`."""
    from streamlit.testing.v1 import AppTest

    from ui import auth
    from ui.render import downloads as export_module

    monkeypatch.setattr(export_module.st, "popover", lambda *a, **k: _Open())
    monkeypatch.setenv("AUDIT_LOG", str(tmp_path / "audit.log"))
    at = AppTest.from_function(_menu_app, default_timeout=30)
    at.session_state[auth.SESSION_KEY] = auth.User("某人", role)
    at.session_state["is_map"] = is_map
    return at.run()


def downloads(at) -> list[str]:
    """The labels of the download buttons drawn."""
    return [e.proto.label for e in at.get("download_button")]


def test_the_download_belongs_to_the_size_chosen(monkeypatch, tmp_path):
    at = menu_app(monkeypatch, tmp_path, "analyst", False)
    at.radio(key="m_size").set_value("1920×1080").run()
    at.button(key="m_make").click().run()
    assert downloads(at) == ["下载 PNG（1920×1080）"]
    assert at.session_state["m_png"] == ("示范县各乡镇康复服务率_1920x1080.png", b"1920x1080")
    at.radio(key="m_size").set_value("1080×1080").run()  # another size: the 1920 file is gone
    assert downloads(at) == []
    at.button(key="m_make").click().run()
    assert downloads(at) == ["下载 PNG（1080×1080）"]
    assert at.session_state["m_png"] == ("示范县各乡镇康复服务率_1080x1080.png", b"1080x1080")


def test_maps_without_approval_are_refused_to_the_press(monkeypatch, tmp_path):
    monkeypatch.delenv("DEMO_MODE", raising=False)
    at = menu_app(monkeypatch, tmp_path, "press", True)
    assert any("map_approval" in e.value and "不能导出地图" in e.value for e in at.error)
    assert not at.button  # nothing to make
    at = menu_app(monkeypatch, tmp_path, "analyst", True)  # others may, told it is for internal use only
    assert any("map_approval" in w.value and "不得公开发布" in w.value for w in at.warning)
    assert at.button(key="m_make")
    at = menu_app(monkeypatch, tmp_path, "press", False)  # a chart needs no 审图号
    assert not at.error and at.button(key="m_make")
    config = tmp_path / "press.yaml"
    config.write_text('map_approval: "审图号：某县（2025）第012号"\n', encoding="utf-8")
    monkeypatch.setattr(press, "CONFIG", config)
    at = menu_app(monkeypatch, tmp_path, "press", True)  # set: the press exports maps
    assert not at.error and not at.warning and at.button(key="m_make")


def long_ranking(n: int = 30, hidden: int = 0) -> pd.DataFrame:
    """n units with rates 40-98 %, the first `hidden` withheld."""
    rates = [40 + i * 58 / n for i in range(n)]
    frame = pd.DataFrame({"unit_code": [f"u{i}" for i in range(n)], "name": [f"第{i}镇" for i in range(n)],
                          "rehab_rate": rates})
    frame.loc[: hidden - 1, "rehab_rate"] = None
    frame["rehab_rate_text"] = [("—" if pd.isna(v) else f"{v:.1f}%") for v in frame["rehab_rate"]]
    return frame


def test_a_cut_ranking_says_why_in_its_own_words():
    fig = charts.ranked_bars(long_ranking(30, hidden=2), "rehab_rate", "#009E73", "%", target=85)
    out = press.press_figure(fig, caption("各乡镇康复服务率"), (1080, 1080))
    subtitle = out.layout.title.subtitle.text.replace("<br>", "")  # wrapped to the canvas: read as one text
    kept = len(out.data[0].y)
    assert kept < 30
    assert f"共30个，图幅所限只列出最弱的{kept}个" in subtitle
    assert f"未列出的{30 - kept - 2}个都强于所列各个" in subtitle and "另有2个数字为保护个人信息已隐去" in subtitle
    assert "表" not in subtitle  # a reader of the image alone has no table


def _ticks(fig, axis: str) -> list[float]:
    return list(fig.layout[f"{axis}axis"].tickvals or [])


@pytest.mark.parametrize("top", [1, 3, 7, 67, 92.5, 1234, 26_000])
def test_a_value_axis_has_three_ticks_none_beyond_the_data(top):
    counts = pd.DataFrame({"unit_code": ["a", "b", "c"], "name": ["甲镇", "乙镇", "丙镇"], "n": [top, top / 2, 0]})
    ranking = charts.ranked_bars(counts, "n", "#999999", "人")
    rates = long_ranking(5).assign(rehab_rate=lambda f: f["rehab_rate"] * top / 100 if top < 100 else f["rehab_rate"])
    rate_ranking = charts.ranked_bars(rates, "rehab_rate", "#009E73", "%", target=85)
    trend = charts.grouped_bars(pd.DataFrame({"year": ["2023", "2024"], "n": [top / 3, top]}), "year",
                                {"n": ("人数", "#999999")}, "人")
    for fig, axis, data_top in ((ranking, "x", top), (rate_ranking, "x", float(rates["rehab_rate"].max())),
                                (trend, "y", top)):
        ticks = _ticks(press.press_figure(fig, caption("图"), (1080, 1080)), axis)
        assert len(ticks) >= 3, (fig.data[0].type, ticks)
        assert max(ticks) <= data_top + 1e-9, (top, ticks)


def leader_crossings(shapes: pd.DataFrame, size: tuple[int, int]) -> tuple[list[tuple[str, str]], set[str], int]:
    """Drawn as the press map: (leader line, name it crosses) pairs, the names drawn, the leader lines."""
    import matplotlib.pyplot as plt
    import shapely
    from matplotlib.text import Text

    colours = {code: [200, 200, 200] for code in shapes["region_code"]}
    fig = press.map_figure(shapes, colours, [("全部", (200, 200, 200))], caption("各村（社区）康复服务率"), size, "%")
    ax, renderer = fig.axes[0], fig.canvas.get_renderer()
    boxes = []
    for text in ax.texts:
        if hasattr(text, "update_positions"):
            text.update_positions(renderer)
        boxes.append((text, Text.get_window_extent(text, renderer)))
    leaders = [(t, b) for t, b in boxes if getattr(t, "arrow_patch", None) is not None]
    crossings = []
    for text, box in leaders:  # the line runs from the unit's point to the name's near edge
        end = (box.x1 if text.get_horizontalalignment() == "right" else box.x0, (box.y0 + box.y1) / 2)
        line = shapely.LineString([tuple(ax.transData.transform(text.xy)), end])
        crossings += [(text.get_text(), other.get_text()) for other, ob in boxes
                      if other is not text and line.intersects(shapely.box(ob.x0, ob.y0, ob.x1, ob.y1))]
    plt.close(fig)
    return crossings, {t.get_text() for t, _ in boxes}, len(leaders)


def square(x: float, y: float, side: float) -> str:
    """A square polygon as GeoJSON (lon/lat)."""
    import json

    ring = [[x, y], [x + side, y], [x + side, y + side], [x, y + side], [x, y]]
    return json.dumps({"type": "Polygon", "coordinates": [ring]})


def test_leader_lines_cross_no_other_name():
    # a row of large townships named at their centres, and small villages among them too small for their
    # names: a leader line drawn straight out to the map's edge would run through the large ones' names
    big = [(f"99{i}", f"大{'甲乙丙丁戊'[i]}镇", square(120 + 0.1 * i, 30, 0.1)) for i in range(5)]
    small = [(f"98{i}", f"小{'子丑寅卯辰巳'[i]}村", square(x, y, 0.004))
             for i, (x, y) in enumerate([(120.22, 30.048), (120.28, 30.048), (120.32, 30.048), (120.18, 30.048),
                                         (120.12, 30.02), (120.38, 30.08)])]
    shapes = pd.DataFrame([*big, *small], columns=["region_code", "name", "geojson"])
    for size in press.SIZES.values():
        crossings, names, drawn = leader_crossings(shapes, size)
        assert drawn >= 3  # the small ones did need leader lines
        assert not crossings, (size, crossings)
        assert set(shapes["name"]) <= names, set(shapes["name"]) - names  # and every unit is still named


@pytest.mark.parametrize(("role", "params", "hint"), [
    ("analyst", {}, True), ("press", {}, False), ("analyst", {"mode": "present"}, False), ("analyst", "village", False)])
def test_no_drill_hint_where_no_drill(duck_url, monkeypatch, role, params, hint):
    from tests.conftest import open_app, shown_text
    from ui import auth

    monkeypatch.setenv("WAREHOUSE_URL", duck_url)
    monkeypatch.delenv("DEMO_MODE", raising=False)
    if params == "village":  # below a village nothing drills
        wh = connect(duck_url)
        town, village = wh.frame("SELECT township_code, region_code FROM dim_region WHERE level = 'village' "
                                 "ORDER BY region_code LIMIT 1").iloc[0]
        params = {"town": town, "village": village}
    at = open_app("overview", {"year": "2024", **params}, user=auth.User("某人", role))
    assert not at.exception, at.exception
    text = shown_text(at)
    assert ("点击条形可下钻" in text) == hint and ("可下钻查看" in text) == hint
    if not hint and not params.get("mode"):
        assert "由弱到强排列。" in text  # the ranking is still explained
