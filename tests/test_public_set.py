"""Issue 25 from the attacker's side: a press user (or anyone reading a 公开场合 slide or a published image)
on the test county, trying the reproductions of the issue. Each test fails when the protection it guards is
removed (see docs/decisions/public-set.md for what was undone to see it fail)."""

from __future__ import annotations

import base64
import html
import json
from dataclasses import replace

import numpy as np
import pytest
from conftest import open_app, shown_text
from test_disclosure import assert_nothing_recoverable

from queries import public_set
from queries.publish import COUNT, PRIMARY, SECONDARY, WITHHELD, Publication
from ui import auth

PRESS = auth.User("宣传员", "press")
ANALYST = auth.User("分析员", "analyst")
MARKS = (PRIMARY, SECONDARY, WITHHELD)


@pytest.fixture(autouse=True)
def signed_in_env(duck_url, monkeypatch):
    """The test warehouse, and no demo mode: each test signs in as its role."""
    monkeypatch.setenv("WAREHOUSE_URL", duck_url)
    monkeypatch.delenv("DEMO_MODE", raising=False)


def _plain(values) -> list:
    """A plotly array as the browser gets it: a list, or {'dtype', 'bdata'} (base64 typed array)."""
    if isinstance(values, dict) and "bdata" in values:
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=np.dtype(values["dtype"])).tolist()
    return list(values) if isinstance(values, list | tuple) else []


def _payloads(at) -> tuple[list[dict], list[dict]]:
    """What the page sent for its charts and maps: plotly figures and pydeck specs, as JSON (the element
    protos AppTest records are the ones the websocket carries)."""
    figures = [json.loads(e.proto.spec) for e in at.get("plotly_chart")]
    decks = [json.loads(e.proto.json) for e in at.get("deck_gl_json_chart")]
    return figures, decks


# --- §4: nothing extra reaches the browser -------------------------------------------------------------------
def test_the_bases_map_sends_only_what_the_page_shows():
    """就业帮扶 as press: the bases' dots carry no placement or household count, only the texts the tooltip
    shows; a base whose placements are withheld has the smallest dot (its size says nothing)."""
    at = open_app("employment", {"year": "2024"}, user=PRESS)
    assert not at.exception, at.exception
    pub = at.session_state["published"]
    assert pub.suppressed
    (deck,) = _payloads(at)[1]
    points = next(layer for layer in deck["layers"] if layer.get("id") == "points")["data"]
    allowed = {*public_set_point_columns(), "size_persons", "placed_text", "lifted_text", "radius"}
    assert points and all(set(p) <= allowed for p in points), {k for p in points for k in p} - allowed
    hidden = 0
    for point in points:
        cell = pub.cells[f"base_list@{point['base_id']}"]
        if cell.mark:
            hidden += 1
            assert point["size_persons"] == 0
            assert html.unescape(point["placed_text"]) == cell.mark + ("人" if cell.mark == PRIMARY else "")
            assert cell.value not in [v for k, v in point.items() if k not in ("base_id", "lon", "lat", "recognised_year",
                                                                            "funding_wan_yuan")], point
    assert hidden >= 1  # the county has a withheld base: the check means something
    areas = next(layer for layer in deck["layers"] if layer.get("id") == "areas")["data"]["features"]
    for feature in areas:  # the choropleth's features: names and texts, never a number
        assert all(not isinstance(v, int | float) or k == "line_width" for k, v in feature["properties"].items()
                   if k not in ("fill", "line")), feature["properties"]


def public_set_point_columns() -> tuple[str, ...]:
    """The bases' columns the employment page lets onto its map."""
    import ast
    from pathlib import Path

    tree = ast.parse((Path(__file__).resolve().parent.parent / "pages" / "employment.py").read_text("utf-8"))
    node = next(n for n in tree.body if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "") == "POINT_COLUMNS")
    columns = ast.literal_eval(node.value)
    assert not {"placed_persons", "households_lifted"} & set(columns)
    return columns


def _traces_hide_what_they_mark(figure: dict) -> int:
    """Every point of a chart labelled with a withheld mark carries no value (0 or nothing); returns how
    many such points there were."""
    marked = 0
    for trace in figure.get("data", []):
        texts = trace.get("text")
        if not isinstance(texts, list):
            continue
        axis = "x" if trace.get("orientation") == "h" else "y"
        values = _plain(trace.get(axis))
        for i, text in enumerate(texts):
            if isinstance(text, str) and any(m in text for m in MARKS) and i < len(values):
                marked += 1
                assert values[i] is None or values[i] == 0 or values[i] != values[i], (trace.get("name"), text, values[i])
    return marked


@pytest.mark.slow
@pytest.mark.parametrize("page", public_set.PAGES)
def test_no_public_page_sends_a_withheld_value(page):
    """Every public page as press: a bar or point whose label is a mark carries no value in the figure the
    browser gets, and no map layer carries a withheld base's count."""
    at = open_app(page, {"year": "2024"}, user=PRESS)
    assert not at.exception, at.exception
    figures, decks = _payloads(at)
    assert figures or decks
    for figure in figures:
        _traces_hide_what_they_mark(figure)
    for deck in decks:
        for layer in deck["layers"]:
            data = layer.get("data")
            rows = data if isinstance(data, list) else []
            assert all(not {"placed_persons", "households_lifted"} & set(r) for r in rows)


# --- "One chart": two values side by side that differ by 1-4 ---------------------------------------------------
@pytest.mark.parametrize("which", ["living", "nursing"])
def test_eligible_and_paid_side_by_side_never_differ_by_one_to_four(which):
    """两项补贴 by category and level as press: where both bars are shown, their difference (应享未享) is not
    1-4, and the page's publication holds nothing recoverable with eligible = paid + unpaid stated."""
    at = open_app("subsidies", {"year": "2024"}, user=PRESS)
    if which != "living":
        at.radio(key="subsidy_which").set_value(which).run()
    assert not at.exception, at.exception
    pub = at.session_state["published"]
    checked = 0
    for by in ("cat", "level"):
        names = [k.split("@", 1)[1] for k in pub.cells if k.startswith(f"{by}_eligible_{which}@")]
        for name in names:
            eligible, paid = pub.shown(f"{by}_eligible_{which}@{name}"), pub.shown(f"{by}_eligible_paid_{which}@{name}")
            if eligible is not None and paid is not None:
                checked += 1
                assert not 0 < eligible - paid < 5, (by, name, eligible, paid)
    assert checked >= 1
    # the attacker's identity, stated by the test on its own: eligible = paid + (eligible − paid) ≥ 0
    attacker = _with_gaps(pub, which)
    assert_nothing_recoverable(attacker)


def _with_gaps(pub: Publication, which: str) -> Publication:
    """The publication as an attacker reads the category chart: each category's gap (eligible − paid) as an
    unknown non-negative count, eligible = paid + gap; the gap withheld unless both are shown."""
    out = Publication({k: replace(c) for k, c in pub.cells.items()}, list(pub.sums), True)
    for by in ("cat", "level"):
        for name in [k.split("@", 1)[1] for k in pub.cells if k.startswith(f"{by}_eligible_{which}@")]:
            e, p = f"{by}_eligible_{which}@{name}", f"{by}_eligible_paid_{which}@{name}"
            if out.value(e) is None or out.value(p) is None:
                continue
            gap = out.add(f"attacker_gap_{by}_{which}@{name}", out.value(e) - out.value(p), COUNT, "人")
            both = not out.cells[e].mark and not out.cells[p].mark
            out.cells[gap].mark = None if both else SECONDARY
            out.total(e, [p, gap])
    return out


# --- §3: no order leaks -------------------------------------------------------------------------------------
def test_rows_are_ranked_by_what_is_shown_withheld_ones_after_in_code_order():
    from queries.publish import Publication
    from ui.render.cards import ranked

    pub = Publication()
    values = {"u1": 3, "u2": 40, "u3": 2, "u4": 7, "u5": 4}
    for code, value in values.items():
        pub.count(f"c@{code}", value, "户")
    pub.count("c@total", sum(values.values()), "户")
    for code in ("u1", "u3", "u5"):
        pub.cells[f"c@{code}"].mark = PRIMARY
    rows = [(code, code) for code in values] + [("合计", "total")]
    order = [code for _, code in ranked(pub, rows, lambda c: f"c@{c}")]
    assert order == ["u2", "u4", "u1", "u3", "u5", "total"]  # not u5 (4), u1 (3), u3 (2)
    assert [c for _, c in ranked(Publication({k: replace(v, mark=None) for k, v in pub.cells.items()}), rows,
                                 lambda c: f"c@{c}")] == ["u2", "u4", "u5", "u1", "u3", "total"]


@pytest.mark.parametrize(("page", "table_column", "caption_needed"),
                         [("monitoring", "无帮扶措施（户）", True), ("rehabilitation", None, False)])
def test_a_public_table_does_not_sort_withheld_rows_by_their_value(page, table_column, caption_needed):
    """防返贫监测's 待办 and 康复服务's 未达标 as press: withheld rows follow the shown ones in code order."""
    at = open_app(page, {"year": "2024"}, user=PRESS)
    assert not at.exception, at.exception
    pub = at.session_state["published"]
    checked = 0
    for frame in (d.value for d in at.dataframe):
        columns = [c for c in frame.columns if c.endswith("（户）") or c.endswith("（人）")]
        column = table_column if table_column in frame.columns else (columns[-1] if columns else None)
        if column is None or len(frame) < 3:
            continue
        body = frame[~frame.iloc[:, 0].astype(str).str.startswith("合计")]
        texts = list(body[column])
        hidden = [i for i, t in enumerate(texts) if t in MARKS]
        if not hidden:
            continue
        checked += 1
        assert hidden == list(range(len(texts) - len(hidden), len(texts))), texts  # withheld rows last
        shown = [float(str(t).replace(",", "")) for t in texts[:len(texts) - len(hidden)]]
        assert shown == sorted(shown, reverse=True), texts
    assert checked >= 1 or not caption_needed
    if checked and caption_needed:
        assert "数值已隐去的排在后面" in shown_text(at)
    assert pub.suppressed


# --- "Not one view": the press sees the public set only ------------------------------------------------------
@pytest.mark.parametrize(("by", "cols"), [("township", "category"), ("category", ""), ("month", ""),
                                           ("township", "level")])
def test_the_press_gets_no_cross_or_breakdown_outside_the_public_set(by, cols):
    at = open_app("explore", {"metric": "rehab_rate", "by": by, "cols": cols, "year": "2024"}, user=PRESS)
    assert not at.exception, at.exception
    assert any("对外口径不提供" in w.value for w in at.warning), [w.value for w in at.warning]
    assert not at.dataframe and not at.get("plotly_chart")
    at.button(key="x_public").click().run()  # the nearest public view: by township, no cross
    assert not at.exception
    assert at.session_state["view_state"].by == "township" and at.session_state["view_state"].cols == ""
    assert at.session_state["published"].suppressed


def test_an_analyst_still_gets_any_cross():
    at = open_app("explore", {"metric": "rehab_rate", "by": "township", "cols": "category", "year": "2024"},
                  user=ANALYST)
    assert not at.exception and not any("对外口径不提供" in w.value for w in at.warning)
    assert not at.session_state["published"].suppressed


def test_the_press_months_are_the_years():
    """The trend pages as press: the month range is the chosen year's, whatever the link asks."""
    at = open_app("monitoring", {"year": "2024", "from": "2024-01", "to": "2024-11"}, user=PRESS)
    assert not at.exception, at.exception
    pub = at.session_state["published"]
    months = sorted(k.split("@", 1)[1] for k in pub.cells if k.startswith("flow_eliminated@") and not k.endswith("total"))
    assert months and months[0] == "2024-01" and months[-1] == "2024-12", months
    assert not at.select_slider  # no range to choose


def test_months_add_to_the_year_and_give_nothing_away():
    """防返贫监测 as press: the monthly 风险消除 and 新纳入 bars with the year's totals (months add to the year,
    stated by the test itself) leave every withheld count its interval."""
    at = open_app("monitoring", {"year": "2024"}, user=PRESS)
    assert not at.exception, at.exception
    pub = at.session_state["published"]
    attacker = Publication({k: replace(c) for k, c in pub.cells.items()}, list(pub.sums), True)
    for column in ("enrolled", "eliminated"):
        assert attacker.value(f"flow_{column}@total") == attacker.value(f"{column}@total")  # the identity holds
        attacker.total(f"{column}@total", [f"flow_{column}@total"])
    assert sum(1 for k, c in pub.cells.items() if k.startswith("flow_") and c.mark) >= 1
    assert_nothing_recoverable(attacker)


def test_the_press_sees_no_reject_counts():
    at = open_app("about", {}, user=PRESS)
    assert not at.exception, at.exception
    text = shown_text(at)
    assert "拒绝" not in text.replace("导入被拒绝的行数属内部信息，对外口径不显示。", "")
    assert all("拒绝行数" not in d.value.columns and "行数" not in d.value.columns for d in at.dataframe)
    staff = open_app("about", {}, user=ANALYST)
    assert "拒绝" in shown_text(staff)
