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
    """The test warehouse, and no demo mode: each test signs in as its role. The defaults: the public set
    linked (no PUBLIC_SET_LINKED)."""
    monkeypatch.setenv("WAREHOUSE_URL", duck_url)
    monkeypatch.delenv("DEMO_MODE", raising=False)
    monkeypatch.delenv(public_set.LINKED_SETTING, raising=False)


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
    allowed = {"base_id", "name", "base_type", "township_name", "lon", "lat", "funding_wan_yuan", "recognised_year",
               "size_persons", "placed_text", "lifted_text", "radius"}  # no placed_persons, households_lifted
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


def _traces_hide_what_they_mark(figure: dict) -> int:
    """Every point of a chart labelled with a withheld mark carries no value (0 or nothing); returns how
    many such points there were."""
    marked = 0
    for trace in figure.get("data", []):
        texts = trace.get("text")
        if trace.get("type") != "bar" or not isinstance(texts, list):  # (label traces sit at a fixed position)
            continue
        numeric = [_plain(trace.get(a)) for a in ("x", "y")]
        numeric = [v for v in numeric if v and all(x is None or isinstance(x, int | float) for x in v)]
        if len(numeric) != 1:  # the value axis is the one axis of numbers
            continue
        values = numeric[0]
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
    for column in ("enrolled", "eliminated"):  # the year's months of the chart add to the year's total
        months = [k for k in pub.cells if k.startswith(f"flow_{column}@2024-")]
        assert len(months) == 12 and sum(attacker.value(k) for k in months) == attacker.value(f"{column}@total")
        attacker.total(f"{column}@total", months)
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


# --- §2, §6: the public set of two consecutive years, with the identities, by an independent integer program ----
def _two_year_system(pubs: dict[int, Publication]) -> tuple[dict, dict, list, dict]:
    """Variables (every count, amount and tally of both years' tables: '<5' in 1..4, '×' ≥ 0, shown ones
    fixed) with their kinds, and the equations a reader knows: every stated sum, and between the years, per
    unit and for the total, stock(t) = stock(t−1) + 新纳入(t) − 风险消除(t) (where it holds) and persons, bases
    and their placements never falling (col(t) − col(t−1) = a slack ≥ 0). Built from the publications alone
    (nothing of queries.public_set)."""
    kinds, bounds, rows, truth = {}, {}, [], {}
    for year, pub in pubs.items():
        for k, c in pub.cells.items():
            if c.kind in ("count", "amount", "tally") and c.value is not None:
                v = round(c.value * 100) if c.kind == "amount" else int(c.value)
                name = f"{year}|{k}"
                kinds[name], truth[name] = c.kind, v
                bounds[name] = (1, 4) if c.mark == PRIMARY else ((0, np.inf) if c.mark else (v, v))
        for total, parts in pub.sums:
            members = [f"{year}|{p}" for p in parts]
            if f"{year}|{total}" in bounds and all(m in bounds for m in members):
                rows.append({f"{year}|{total}": -1, **{m: 1 for m in members}})
    first, second = sorted(pubs)
    units = {k.split("@", 1)[1] for k in pubs[second].cells if k.startswith("monitored@")}
    for unit in sorted(units):
        now = {c: f"{second}|{c}@{unit}" for c in ("monitored", "enrolled", "eliminated", "persons", "base_placed",
                                                   "bases")}
        last = {c: f"{first}|{c}@{unit}" for c in ("monitored", "persons", "base_placed", "bases")}
        if not all(n in truth for n in [*now.values(), *last.values()]):
            continue
        if truth[now["monitored"]] - truth[last["monitored"]] - truth[now["enrolled"]] + truth[now["eliminated"]] == 0:
            rows.append({now["monitored"]: 1, last["monitored"]: -1, now["enrolled"]: -1, now["eliminated"]: 1})
        for c in ("persons", "base_placed", "bases"):
            slack = f"slack|{c}@{unit}"
            kinds[slack], truth[slack], bounds[slack] = "slack", truth[now[c]] - truth[last[c]], (0, np.inf)
            rows.append({now[c]: 1, last[c]: -1, slack: -1})
    return kinds, bounds, rows, truth


def _ends(members: list[str], matrix: np.ndarray, bounds: dict, cell: str, cap: float) -> tuple[int, int]:
    """The smallest and largest value of `cell` over the integer solutions of matrix · x = 0 within bounds."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    lower = np.array([bounds[m][0] for m in members], dtype=float)
    upper = np.array([min(bounds[m][1], cap) for m in members], dtype=float)
    found = []
    for sign in (1.0, -1.0):
        objective = np.zeros(len(members))
        objective[members.index(cell)] = sign
        result = milp(objective, constraints=LinearConstraint(matrix, 0, 0), bounds=Bounds(lower, upper),
                      integrality=np.ones(len(members)))
        assert result.status == 0, result.message
        found.append(round(result.x[members.index(cell)]))
    return found[0], found[1]


def _pinned(pubs: dict[int, Publication]) -> list[tuple[str, int, int]]:
    """Every withheld count of both years that does not keep its protection interval given the system
    (`_two_year_system`): a "<5" that cannot be 1 or cannot be 4, a "×" (true value not 0) whose feasible
    range is narrower than 5 — unless it is as narrow with every number withheld but the tallies (never
    withheld) and the counts of 1-4 as "<5": what no marking can hide. Per connected system, two integer
    programs per withheld count (and two more for its bound when it fails)."""
    kinds, bounds, rows, truth = _two_year_system(pubs)
    parent = {n: n for n in kinds}

    def root(n):
        while parent[n] != n:
            parent[n] = parent[parent[n]]
            n = parent[n]
        return n

    for row in rows:
        first = next(iter(row))
        for n in row:
            parent[root(n)] = root(first)
    groups: dict[str, list] = {}
    for row in rows:
        groups.setdefault(root(next(iter(row))), []).append(row)
    cap = 10 * max(abs(v) for v in truth.values()) + 1000
    base = {m: bounds[m] if kinds[m] == "tally" else
            ((1, 4) if kinds[m] == "count" and 0 < truth[m] < 5 else (0, np.inf)) for m in kinds}
    out = []
    for group_rows in groups.values():
        members = sorted({n for row in group_rows for n in row})
        hidden = [n for n in members if kinds[n] == "count" and bounds[n][0] != bounds[n][1]]
        if not hidden:
            continue
        matrix = np.zeros((len(group_rows), len(members)))
        for r, row in enumerate(group_rows):
            for n, coefficient in row.items():
                matrix[r, members.index(n)] = coefficient
        for n in hidden:
            lo, hi = _ends(members, matrix, bounds, n, cap)
            small = bounds[n] == (1, 4)
            ok = (lo <= 1 and hi >= 4) if small else (truth[n] == 0 or hi - lo >= 5)
            if not ok:
                blo, bhi = _ends(members, matrix, base, n, cap)
                ok = (lo <= max(1, blo) and hi >= min(4, bhi)) if small else hi - lo >= min(5, bhi - blo)
            if not ok:
                out.append((n, lo, hi))
    return out


def _tables(duck_url, years):
    from queries.db import connect

    return public_set.county_tables(connect(duck_url), years)


def _table_pubs(tables, preset=None) -> dict[int, Publication]:
    """Each year's county-by-township table as a public view publishes it (its own pass, or with the public
    set's marks)."""
    from queries import disclosure
    from queries.publish import add_units

    out = {}
    for year, frame in tables.items():
        pub = Publication()
        add_units(pub, frame)
        marks = public_set.preset_for(preset, pub, year) if preset else None
        assert preset is None or marks
        out[year] = disclosure.apply(pub, True, marks)
    return out


def _page_table(pub: Publication, block: str = "") -> Publication:
    """The unit table of one year as a page published it (block '' its year, 'prev:' the year before): its
    cells with the marks the page gave them, and the sums among them."""
    names = {k for k in pub.table if k.startswith(block) and (block or not k.startswith("prev:"))}
    cells = {k.removeprefix(block): replace(pub.cells[k]) for k in names}
    sums = [(t.removeprefix(block), tuple(p.removeprefix(block) for p in parts)) for t, parts in pub.sums
            if t in names and set(parts) <= names]
    return Publication(cells, sums, True)


def _press_tables(page: str, years: tuple[int, int]) -> dict[int, Publication]:
    """What a press user's county page of each year shows of its year's unit table (the defaults)."""
    out = {}
    for year in years:
        at = open_app(page, {"year": str(year)}, user=PRESS)
        assert not at.exception, at.exception
        pub = at.session_state["published"]
        assert pub.suppressed
        out[year] = _page_table(pub)
    return out


# --- the public set solved once per import, stored in the warehouse (issue 25 §2) ------------------------------
def test_the_import_stores_the_public_set_the_same_on_every_engine(any_url, duck_url):
    """The importer solved every year's public set together and stored the marks (public_marks): the same
    marks on DuckDB, PostgreSQL and ClickHouse, taken whole by the values each engine's own tables hold."""
    from queries.db import connect
    from queries.publish import add_units

    wh = connect(any_url)
    stored = public_set.stored_marks(wh)
    assert stored is not None and not stored[public_set.UNPROVEN][0]
    years = sorted({int(k.split("|")[0]) for k in stored if k != public_set.UNPROVEN})
    assert years == [2021, 2022, 2023, 2024]
    reference = public_set.stored_marks(connect(duck_url))
    assert {k: m for k, (m, _) in stored.items()} == {k: m for k, (m, _) in reference.items()}
    assert sum(m is not None for m, _ in stored.values()) > 100
    tables = public_set.county_tables(wh, years)
    for year in years:  # the engine's own tables take every stored mark
        pub = Publication()
        add_units(pub, tables[year])
        marks = public_set.preset_for(stored, pub, year)
        assert marks and len(marks) == len(pub.table)


@pytest.mark.slow
def test_the_stored_marks_are_those_of_a_fresh_solve(duck_url, monkeypatch):
    """The marks the import stored are those of solving the warehouse's tables again here, in this process,
    with no cache and no memory of earlier answers."""
    from queries import disclosure
    from queries.db import connect

    monkeypatch.delenv(public_set.CACHE_SETTING, raising=False)
    disclosure._MEMO.clear()
    wh = connect(duck_url)
    stored = public_set.stored_marks(wh)
    solved = public_set.solve(public_set.county_tables(wh, [2021, 2022, 2023, 2024]))
    assert {k: m for k, (m, _) in solved.items()} == {k: m for k, (m, _) in stored.items()}


def test_headlines_are_the_countys_counts_not_next_to_a_small_one():
    """Issue 25 §5: the county's own counts of 5 or more are kept shown (fixed) in the set's solve, except those
    sharing a sum with a county count of 1-4 (shown, they would pin it), through a link too."""
    pub = Publication()
    for name, value in (("eligible", 10), ("paid", 8), ("unpaid", 2), ("persons", 9), ("monitored", 30),
                        ("eliminated", 3), ("enrolled", 6), ("bases", 4), ("rehab_need", 0)):
        pub.count(f"y2024:{name}@total", value, "人")
    pub.count("y2023:monitored@total", 27, "户")
    pub.count("y2024:persons@990101001000", 9, "人")
    pub.total("y2024:eligible@total", ["y2024:paid@total", "y2024:unpaid@total"])
    link = pub.add("link:flow2024@total", 33.0, "link")
    pub.total(link, ["y2023:monitored@total", "y2024:enrolled@total"])
    pub.total(link, ["y2024:monitored@total", "y2024:eliminated@total"])
    assert sorted(public_set.headlines(pub)) == ["y2024:persons@total"]


def test_a_set_whose_headlines_cannot_be_kept_is_solved_letting_the_disclosure_choose(duck_url, caplog):
    """On the 3,000-person test county, keeping the county's headlines shown cannot be proven safe (its
    townships are too small): the solve says so and solves again, proven (the stored set of every import)."""
    import logging

    from queries.db import connect

    caplog.set_level(logging.WARNING)
    tables = public_set.county_tables(connect(duck_url), [2024])
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv(public_set.CACHE_SETTING, raising=False)
        marks = public_set.solve(tables)
    assert not marks[public_set.UNPROVEN][0]
    assert any("headlines shown could not be proven" in r.getMessage() for r in caplog.records)


def test_the_press_pages_show_the_stored_marks(duck_url):
    """防返贫监测 as press, 2024, with the defaults: this year's table and last year's (较上年) carry the marks
    the import stored, not marks of their own — the same cell, the same mark, whichever view."""
    from queries.db import connect

    stored = public_set.stored_marks(connect(duck_url))
    at = open_app("monitoring", {"year": "2024"}, user=PRESS)
    assert not at.exception, at.exception
    pub = at.session_state["published"]
    checked = 0
    for name in pub.table:
        year, rest = (2023, name.removeprefix("prev:")) if name.startswith("prev:") else (2024, name)
        mark, value = stored[f"{year}|{rest}"]
        assert pub.cells[name].mark == mark, (name, pub.cells[name].mark, mark, value)
        checked += 1
    assert checked > 1000
    # the linked solve withholds cells a view's own pass shows (what the years give away together)
    own = _table_pubs({2024: public_set.county_tables(connect(duck_url), (2024,))[2024]})[2024]
    assert any(own.cells[k].mark != pub.cells[k].mark for k in own.cells)


def test_a_warehouse_without_public_marks_withholds_each_view_on_its_own(duck_url, tmp_path, monkeypatch):
    """A warehouse imported before public_marks existed: the pages still work, each public view withheld on
    its own (as before), and 数据说明 says so to staff."""
    import shutil

    import duckdb

    old = tmp_path / "old.duckdb"
    shutil.copy(duck_url, old)
    with duckdb.connect(str(old)) as con:
        con.execute("DROP TABLE public_marks")
    monkeypatch.setenv("WAREHOUSE_URL", str(old))
    from queries.db import connect

    assert public_set.stored_marks(connect(str(old))) is None
    at = open_app("monitoring", {"year": "2024"}, user=PRESS)
    assert not at.exception, at.exception
    pub = at.session_state["published"]
    assert pub.suppressed and any(c.mark for c in pub.cells.values())
    staff = open_app("about", {}, user=ANALYST)
    assert "未存对外公开数据的联合保护结果" in shown_text(staff)


def test_an_unproven_public_set_is_withheld_whole(duck_url, monkeypatch):
    """The solver failing (as at its time limit) leaves the set unproven: every count of every year's table is
    withheld, and a page takes those marks (fail closed), not marks of its own."""
    from types import SimpleNamespace

    from queries import disclosure
    from queries.db import connect
    from queries.publish import add_units

    tables = public_set.county_tables(connect(duck_url), (2023, 2024))
    monkeypatch.delenv(public_set.CACHE_SETTING, raising=False)  # solved here, not read back
    monkeypatch.setattr(disclosure, "_milp", lambda *a: SimpleNamespace(status=1, x=None, message="time limit reached"))
    disclosure._MEMO.clear()
    marks = public_set.solve(tables)
    disclosure._MEMO.clear()
    assert "time limit" in marks[public_set.UNPROVEN][0]
    pub = Publication()
    add_units(pub, tables[2024])
    preset = public_set.preset_for(marks, pub, 2024)
    numbers = [k for k in preset if pub.cells[k].value and pub.cells[k].kind != "tally"]  # (bases: not persons)
    assert len(numbers) > 500 and all(preset[k] for k in numbers), [k for k in numbers if not preset[k]][:5]
    assert all(marks[f"2023|{k}"][0] for k in numbers if f"2023|{k}" in marks and marks[f"2023|{k}"][1])


def test_an_import_with_the_opt_out_stores_no_marks(extracts, tmp_path, monkeypatch):
    """PUBLIC_SET_LINKED=0 for the importer: public_marks is there but empty, so the pages withhold each view
    on its own (`stored_marks` is None)."""
    from conftest import import_to

    from queries.db import connect

    monkeypatch.setenv(public_set.LINKED_SETTING, "0")
    path = str(tmp_path / "unlinked.duckdb")
    import_to(extracts, path)
    wh = connect(path)
    assert wh.frame("SELECT count(*) AS n FROM public_marks")["n"].iloc[0] == 0
    assert public_set.stored_marks(wh) is None
    wh.close()


@pytest.mark.slow
def test_each_years_table_alone_gives_counts_away_across_years(duck_url):
    """The issue's 'stock and flow' and 'years' reproduction: each year's table protected on its own (the
    view-by-view rule, what the pages did before the import stored the public set, and do with
    PUBLIC_SET_LINKED=0) leaves withheld counts that last year's table and the identities pin. It also shows
    the checker below can find a leak."""
    pinned = _pinned(_table_pubs(_tables(duck_url, (2023, 2024))))
    assert pinned, "the two years' tables protected alone should leak through the identities"


@pytest.mark.slow
def test_the_public_set_of_two_years_keeps_every_interval(duck_url):
    """Done when: an independent integer program over the public tables of two consecutive years, with the
    identities, pins no withheld count — the tables as a press user's pages show them, with the defaults
    (the marks the import stored), on each year's page; and the 2024 page's last-year table is the 2023
    page's."""
    pubs = _press_tables("monitoring", (2023, 2024))
    at = open_app("overview", {"year": "2024"}, user=PRESS)
    assert not at.exception, at.exception
    prev = _page_table(at.session_state["published"], "prev:")
    assert {k: c.mark for k, c in prev.cells.items()} == {k: c.mark for k, c in pubs[2023].cells.items()}
    assert sum(1 for p in pubs.values() for c in p.cells.values() if c.mark) > 500
    assert not _pinned(pubs)
