"""指标分析: every metric × every breakdown against an independent pandas computation from the extracts
(county, one township, a category filter, crossed breakdowns, both engines), refused combinations, the
page through AppTest (URL round trip, suppression of a village breakdown, rate totals from their parts)."""

from __future__ import annotations

import pandas as pd
import pytest

from queries import disclosure
from queries import explore as ex
from queries.catalog import BREAKDOWNS, METRICS
from queries.common import Filters
from queries.db import connect
from queries.publish import Publication
from tests.conftest import open_app
from tests.expected import expected_explore
from tests.test_coverage import ragged  # noqa: F401  (a fixture: payments end a year before monitoring)
from tests.test_disclosure import assert_nothing_recoverable

TOWN = "990101001000"  # filled in from the warehouse by the `town` fixture when it differs
PERIOD = {"month_from": "2023-01", "month_to": "2024-12"}


@pytest.fixture(scope="module")
def town(duck_url) -> str:
    """The township with the most persons in the test county."""
    frame = connect(duck_url).frame("SELECT township_code, sum(persons) AS n FROM mart_person_town "
                                    "GROUP BY township_code ORDER BY n DESC, township_code LIMIT 1")
    return str(frame.iloc[0, 0])


def actual(url: str, metric: str, by: str, cols: str = "", town: str = "", category: int = 0) -> pd.DataFrame:
    """explore()'s answer with the same shape as expected_explore: zero rows left out, keys sorted."""
    m = METRICS[metric]
    time = {by, cols} & {"year", "month"}
    month_from = PERIOD["month_from"] if time else "2024-01"
    frame = ex.explore(connect(url), Filters(scope="", township=town, category=category), metric, by, cols,
                       month_from, PERIOD["month_to"])
    measures = ex.measures(m)
    frame = frame[(frame[measures] != 0).any(axis=1)]
    return frame.sort_values(["row_key", "col_key"]).reset_index(drop=True)


def expected(extracts, metric: str, by: str, cols: str = "", town: str = "", category: int = 0) -> pd.DataFrame:
    """The pandas computation for the same question."""
    time = {by, cols} & {"year", "month"}
    frame = expected_explore(extracts, metric, by, cols, PERIOD["month_from"] if time else "2024-01",
                             PERIOD["month_to"], town=town, category=category)
    measures = ex.measures(METRICS[metric])
    frame = frame[(frame[measures] != 0).any(axis=1)]
    return frame[["row_key", "col_key", *measures]].sort_values(["row_key", "col_key"]).reset_index(drop=True)


def same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """Equal keys and measures (amounts to the fen)."""
    assert list(a["row_key"] + "|" + a["col_key"]) == list(b["row_key"] + "|" + b["col_key"])
    for column in a.columns[2:]:
        assert (a[column].astype(float).round(2).to_numpy() == b[column].astype(float).round(2).to_numpy()).all(), column


CASES = [(metric, by, scenario) for metric, m in METRICS.items() for by in m.breakdowns
         for scenario in ("county", "township", "category")]


@pytest.mark.parametrize(("metric", "by", "scenario"), CASES)
def test_every_metric_by_every_breakdown(duck_url, extracts, town, metric, by, scenario):
    place = town if scenario == "township" or by == "village" else ""
    category = 4 if scenario == "category" else 0
    got = actual(duck_url, metric, by, town=place, category=category)
    want = expected(extracts, metric, by, town=place, category=category if METRICS[metric].by_person else 0)
    assert len(want) > 0 or scenario != "county" or by == "village"  # the comparison saw real rows
    same(got, want)


CROSSED = [(metric, "township", next(c for c in ("year", "category", "village") if c in m.breakdowns))
           for metric, m in METRICS.items()] + [
    ("subsidy_amount", "category", "month"), ("monitored", "village", "month"), ("persons", "level", "category"),
    ("care_persons", "year", "level"), ("rehab_rate", "village", "category"), ("living_coverage", "year", "village"),
    ("living_coverage_month", "township", "month"), ("nursing_coverage_month", "month", "category"),
    ("nursing_paid_month", "village", "month"), ("living_paid_month", "month", "level")]


@pytest.mark.parametrize(("metric", "by", "cols"), CROSSED)
def test_crossed_breakdowns_on_both_engines(any_url, extracts, town, metric, by, cols):
    place = town if "village" in (by, cols) else ""
    same(actual(any_url, metric, by, cols, town=place, category=0),
         expected(extracts, metric, by, cols, town=place))


def test_refused_combinations_say_why(duck_url):
    assert "户没有残疾类别" in ex.refusal(METRICS["monitored"], "category", "", "")
    assert "户没有残疾类别" in ex.refusal(METRICS["modification_rate"], "township", "level", "")
    assert "按就业基地登记" in ex.refusal(METRICS["base_placed"], "category", "", "")
    assert "按年度统计" in ex.refusal(METRICS["persons"], "month", "", "")
    assert "按年度统计" in ex.refusal(METRICS["rehab_rate"], "month", "", "")
    assert "须先" in ex.refusal(METRICS["rehab_rate"], "village", "", "")
    assert ex.refusal(METRICS["rehab_rate"], "village", "category", TOWN) == ""
    with pytest.raises(ex.RefusedError):
        ex.explore(connect(duck_url), Filters(scope=""), "monitored", "category", "", "2024-01", "2024-12")
    # every refusal of the catalogue is a sentence, and every breakdown is either had or refused
    for m in METRICS.values():
        for by in BREAKDOWNS:
            assert (by in m.breakdowns) == (m.refusal(by) == "")
            assert m.refusal(by) == "" or m.refusal(by).endswith("。")


def test_rate_totals_from_numerator_and_denominator():
    m = METRICS["rehab_rate"]
    frame = pd.DataFrame({"row_key": ["a", "b"], "col_key": ["", ""], "rehab_served": [9.0, 1.0],
                          "rehab_need": [10.0, 90.0]})
    pub = Publication()
    ex.publish(pub, m, frame, ["a", "b"], [ex.ALL], ["a", "b"], "township", "", lambda r, c: "")
    assert pub.value(ex.key("v", "a")) == 90.0 and pub.value(ex.key("v", "b")) == 1.1
    assert pub.value(ex.key("v", ex.TOTAL)) == 10.0  # 10 / 100, not the mean of 90.0 and 1.1
    assert pub.text(ex.key("v", ex.TOTAL)) == "10.0%"


def test_states_have_no_total_over_time_and_flows_do():
    frame = pd.DataFrame({"row_key": ["2023", "2024"], "col_key": ["", ""], "monitored": [7.0, 9.0]})
    pub = Publication()
    ex.publish(pub, METRICS["monitored"], frame, ["2023", "2024"], [ex.ALL], ["2023", "2024"], "year", "",
               lambda r, c: "")
    assert not pub.has(ex.key("v", ex.TOTAL))  # households at two year ends do not add up
    frame = pd.DataFrame({"row_key": ["2023", "2024"], "col_key": ["", ""], "subsidy_amount": [100.0, 50.0],
                          "payments": [8.0, 6.0]})
    pub = Publication()
    ex.publish(pub, METRICS["subsidy_amount"], frame, ["2023", "2024"], [ex.ALL], ["2023", "2024"], "year", "",
               lambda r, c: "")
    assert pub.value(ex.key("v", ex.TOTAL)) == 150.0 and pub.value(ex.key("n", ex.TOTAL)) == 14


def test_small_village_cells_are_withheld_with_their_complements():
    frame = pd.DataFrame({"row_key": ["v1", "v2", "v3"], "col_key": ["", "", ""], "care_persons": [3.0, 40.0, 50.0]})
    pub = Publication()
    ex.publish(pub, METRICS["care_persons"], frame, ["v1", "v2", "v3"], [ex.ALL], ["v1", "v2", "v3"], "village", "",
               lambda r, c: "")
    disclosure.apply(pub, True)
    assert pub.text(ex.key("v", "v1")) == "<5人"
    assert pub.text(ex.key("v", "v2")) == "×"  # else 93 - 40 - 50 gives the 3 away
    # and 50 too: "×" 40 alone would be 93 - 50 - (1..4) = 39..42, a range of 3 (docs/decisions/disclosure.md)
    assert pub.text(ex.key("v", "v3")) == "×"


# --- the page -----------------------------------------------------------------------------------------------

@pytest.fixture
def app_env(duck_url, monkeypatch):
    """The app on the test county's warehouse."""
    monkeypatch.setenv("WAREHOUSE_URL", duck_url)


def test_page_from_one_url_and_back(app_env, extracts):
    # "how did 肢体 二级 rehab coverage move by township over 2023-2024"
    link = {"metric": "rehab_rate", "by": "township", "cols": "year", "from": "2023-01", "to": "2024-12",
            "cat": "4", "level": "2"}
    at = open_app("explore", link)
    assert not at.exception, at.exception
    assert not at.warning, [w.value for w in at.warning]
    view = at.session_state["view_state"]
    assert (view.metric, view.by, view.cols, view.month_from, view.month_to, view.category, view.level) == (
        "rehab_rate", "township", "year", "2023-01", "2024-12", 4, 2)
    written = {k: v[0] if isinstance(v, list) else v for k, v in at.query_params.items()}
    assert {"cols": "year", "cat": "4", "level": "2"}.items() <= written.items()
    again = open_app("explore", written)  # the URL written back reopens the same view
    assert again.session_state["view_state"] == view
    table = at.dataframe[0].value
    assert list(table.columns) == ["乡镇（街道）", "2023年", "2024年"]
    want = expected_explore(extracts, "rehab_rate", "year", "", "2023-01", "2024-12", category=4, level=2)
    want = want.set_index("row_key")
    total = table[table["乡镇（街道）"] == "合计"].iloc[0]
    for year in ("2023", "2024"):  # the county's row: served ÷ need of the summed counts, never a mean of rates
        served, need = want.loc[year, "rehab_served"], want.loc[year, "rehab_need"]
        assert total[f"{year}年"] == f"{(2000 * int(served) + int(need)) // (2 * int(need)) / 10:.1f}"


def test_page_refuses_what_a_metric_does_not_have(app_env):
    at = open_app("explore", {"metric": "monitored", "by": "category"})
    assert not at.exception
    assert any("户没有残疾类别和等级" in w.value for w in at.warning)
    assert not at.dataframe  # nothing drawn for a question the data cannot answer


def test_page_withholds_small_village_numbers_for_the_public_only(app_env, town):
    """Issue 24: a village breakdown is exact for an internal reader (here the demo's analyst) on screen; on a
    公开场合 slide it is outside the public set (issue 25) and refused, with the nearest public view (by
    township), which is withheld (its own publication: nothing recoverable)."""
    link = {"metric": "care_persons", "by": "village", "town": town, "year": "2024"}
    at = open_app("explore", link)
    assert not at.exception, at.exception
    exact = at.session_state["published"]
    assert not exact.suppressed and not any(c.mark for c in exact.cells.values())
    small = [k for k, c in exact.cells.items() if k.startswith("v@") and 0 < (c.value or 0) < 5]
    assert small and all(exact.text(k) == f"{int(exact.cells[k].value)}人" for k in small)
    at = open_app("explore", {**link, "mode": "public"})
    assert not at.exception, at.exception
    assert any("对外口径不提供" in w.value for w in at.warning) and not at.dataframe
    at.button(key="x_public").click().run()
    assert not at.exception, at.exception
    pub = at.session_state["published"]
    assert pub.suppressed and at.session_state["view_state"].by == "township"
    cells = [c for k, c in pub.cells.items() if k.startswith("v@") and "|" in k and not k.split("@")[1].startswith("total")]
    for cell in cells:
        if 0 < (cell.value or 0) < 5:
            assert cell.mark, cell
    assert_nothing_recoverable(pub)


def test_add_to_briefing_and_play_it_back(app_env, tmp_path, monkeypatch, town):
    from ui import auth, briefing

    monkeypatch.delenv("DEMO_MODE")
    monkeypatch.setenv("BRIEFING_FILE", str(tmp_path / "briefing.yaml"))
    link = {"metric": "subsidy_amount", "by": "month", "from": "2024-01", "to": "2024-12", "town": town, "cat": "4"}
    at = open_app("explore", link, user=auth.User("分析员", "analyst"))
    assert not at.exception, at.exception
    at.text_input(key="brief_title").input("肢体残疾补贴月度").run()
    at.button(key="brief_add").click().run()
    script, _ = briefing.load(tmp_path / "briefing.yaml")
    slide = script.slides[-1]
    assert slide.page == "explore" and slide.params == link  # the range whole: it stays 2024 when 2025 comes
    at.switch_page("pages/briefing.py").run()
    next(s for s in at.selectbox if s.key.startswith("brief_start")).set_value(len(script.slides) - 1).run()
    at.button(key="brief_go").click().run()
    at.switch_page("pages/explore.py").run()
    assert not at.exception, at.exception
    view = at.session_state["view_state"]
    assert view.present and (view.metric, view.by, view.township, view.category, view.month_from) == (
        "subsidy_amount", "month", town, 4, "2024-01")
    assert not at.session_state["published"].suppressed  # a 内部会议 slide (the default) is exact (issue 24)
    briefing.set_audience("public", tmp_path / "briefing.yaml")  # a 公开场合 script: its slides are suppressed
    at.switch_page("pages/briefing.py").run()
    at.button(key="brief_go").click().run()
    at.switch_page("pages/explore.py").run()
    # a 公开场合 slide: suppressed, and a month series outside the public set (issue 25) is refused, said
    assert at.session_state["view_state"].public
    assert any("对外口径不提供" in w.value for w in at.warning), [w.value for w in at.warning]
    assert not at.get("plotly_chart")


@pytest.mark.parametrize(("metric", "unit", "number_format"), [("rehab_rate", "%", "0.0"),
                                                               ("subsidy_amount", "万元", "#,##0.00")])
def test_excel_of_the_pivot_carries_units_and_formats(app_env, monkeypatch, metric, unit, number_format):
    import io

    import openpyxl

    from ui import auth
    from ui.render import downloads

    made = {}

    def eager(make, user, view, filters, file, **details):  # the download button's content, made at once
        made[file] = make()
        return made[file]

    monkeypatch.setattr(downloads, "audited_export", eager)
    at = open_app("explore", {"metric": metric, "by": "township", "year": "2024"},
                  user=auth.User("分析员", "analyst"))
    assert not at.exception, at.exception
    label = METRICS[metric].label
    # the 内部版 equals the screen (the 对外版 is the suppressed publication: tests/test_audience.py)
    (name, content), = ((n, c) for n, c in made.items() if n.endswith(".xlsx") and f"{label}（按" in n
                        and n.startswith("内部资料_"))
    assert "2024年" in name
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    header = [c.value for c in sheet[3]]
    assert f"{label}（{unit}）" in header
    column = header.index(f"{label}（{unit}）") + 1
    page = at.dataframe[0].value.set_index("乡镇（街道）")
    rows = {sheet.cell(r, 1).value: sheet.cell(r, column) for r in range(4, 4 + len(page))}
    numbers = 0
    for name_, cell in rows.items():
        assert cell.alignment.horizontal == "right"  # numbers and marks ("<5", "×", "—") alike
        shown = page.loc[name_].iloc[0]  # the page's text of the same number
        if isinstance(cell.value, float | int):
            numbers += 1
            assert cell.number_format == number_format
            assert f"{cell.value:,.{1 if unit == '%' else 2}f}" == shown.replace("万元", ""), name_
    assert numbers >= len(rows) // 2  # most townships are numbers, not marks


# --- the monthly questions (issue 29, item 3) ------------------------------------------------------------------

def made_exports(monkeypatch) -> dict[str, bytes]:
    """The download buttons' contents, made at once ({file name: bytes})."""
    from ui.render import downloads

    made = {}

    def eager(make, user, view, filters, file, **details):
        made[file] = make()
        return made[file]

    monkeypatch.setattr(downloads, "audited_export", eager)
    return made


def test_monthly_coverage_with_numeric_changes_in_the_excel(app_env, monkeypatch, extracts):
    # "how did 两项补贴 coverage change month by month": by month over two years, 环比 and 同比 as numbers
    import io

    import openpyxl

    from ui import auth

    made = made_exports(monkeypatch)
    at = open_app("explore", {"metric": "living_coverage_month", "by": "month", "from": "2023-01", "to": "2024-12"},
                  user=auth.User("分析员", "analyst"))
    assert not at.exception, at.exception
    page_table = at.dataframe[0].value.set_index("月份")
    assert list(page_table.index[:2]) == ["2023年1月", "2023年2月"] and len(page_table) == 24
    assert any("筛选：2023年1月至2024年12月" in h.value for h in at.html)  # the period shown, not the sidebar's year
    want = expected_explore(extracts, "living_coverage_month", "month", "", "2022-01", "2024-12").set_index("row_key")
    paid, eligible = want.loc["2024-06", "living_month_eligible_paid"], want.loc["2024-06", "living_month_eligible"]
    rate = (2000 * int(paid) + int(eligible)) // (2 * int(eligible)) / 10  # half up, from the pandas counts
    assert page_table.loc["2024年6月", "生活补贴月覆盖率（%）"] == f"{rate:.1f}"
    (name, content), = ((n, c) for n, c in made.items() if "生活补贴月覆盖率（按" in n and n.startswith("内部资料"))
    assert name.count("2023年1月至2024年12月") == 1 and "2024年_" not in name  # the period shown (once), not the year
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert "2023年1月至2024年12月" in sheet.cell(2, 1).value  # and so does its period line
    header = [c.value for c in sheet[3]]
    numbers = 0
    for title in ("环比（较上月，个百分点）", "同比（较上年同月，个百分点）"):
        column = header.index(title) + 1
        for r in range(4, 4 + len(page_table)):
            cell, shown = sheet.cell(r, column), page_table.iloc[r - 4][title]
            if shown == "—":
                assert cell.value == "—"
                continue
            numbers += 1
            assert isinstance(cell.value, float | int) and cell.number_format == "0.0", (title, cell.value)
            assert f"{cell.value:+.1f}".replace("+0.0", "0.0").replace("-0.0", "0.0") == shown.replace("-0.0", "0.0")
    assert numbers >= 40  # 2 × 24 months, a few without a month to compare with


def test_a_month_figure_over_units_is_the_years_last_month(app_env, extracts):
    at = open_app("explore", {"metric": "nursing_paid_month", "by": "township", "year": "2024"})
    assert not at.exception, at.exception
    assert any("2024年12月" in s.value for s in at.subheader)  # the month shown, not "2024年"
    table = at.dataframe[0].value.set_index("乡镇（街道）")
    want = expected_explore(extracts, "nursing_paid_month", "township", "", "2024-01", "2024-12")
    total = table.loc["合计", "护理补贴月发放人数（人）"]  # persons paid in one month add up across townships
    assert total == f"{int(want['nursing_paid'].sum()):,}"


def test_heat_table_marks_cells_short_of_target_and_tells_0_from_none(app_env):
    import json

    at = open_app("explore", {"metric": "living_coverage_month", "by": "township", "cols": "month",
                              "from": "2024-10", "to": "2024-12"})
    assert not at.exception, at.exception
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    heat = spec["data"][0]
    target = METRICS["living_coverage_month"].target
    short = [(i, j) for i, row in enumerate(heat["z"]) for j, v in enumerate(row) if v is not None and v < target]
    assert short  # the test county's coverage is short of 100% somewhere
    frames = {(round(s["y0"] + 0.5), round(s["x0"] + 0.5)) for s in spec["layout"].get("shapes", [])}
    assert frames == set(short)  # every cell short of the target framed, no other
    assert all(heat["text"][i][j].startswith("▼") for i, j in short)
    # a cell without a number is not the colour of 0: the gap shows the plot's background
    assert spec["layout"]["plot_bgcolor"].lower() not in (heat["colorscale"][0][1].lower(), "white", "#ffffff")
    assert any("未达目标（低于100%）" in c.value for c in at.caption)


@pytest.mark.slow
def test_page_opens_on_the_year_its_metric_covers(ragged, monkeypatch):  # noqa: F811
    # payments end in 2023 while monitoring runs to 2024: a month chart of payments opens on 2023, not on
    # "2024年" over a chart of 2023's months
    from ui import auth

    monkeypatch.setenv("WAREHOUSE_URL", ragged)
    made = made_exports(monkeypatch)
    at = open_app("explore", {"metric": "living_paid_month", "by": "month"}, user=auth.User("分析员", "analyst"))
    assert not at.exception, at.exception
    months = list(at.dataframe[0].value["月份"])
    assert months[0] == "2022年1月" and months[-1] == "2023年12月"
    assert any("筛选：2022年1月至2023年12月" in h.value for h in at.html)  # the filters line: the months shown
    (name, _), = ((n, c) for n, c in made.items() if "生活补贴月发放人数（按" in n and not n.startswith("内部资料"))
    assert name.count("2022年1月至2023年12月") == 1
    monitored = open_app("explore", {"metric": "monitored", "by": "month"})  # its own data: to 2024
    assert list(monitored.dataframe[0].value["月份"])[-1] == "2024年12月"
