"""URL parameters → view: valid links round-trip, any other value gives a message and a safe fallback."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from queries.catalog import BREAKDOWNS, METRICS
from ui.state import Context, View, default_view, parse

CTX = Context(
    years=[2021, 2022, 2023, 2024],
    months=[f"{y}-{m:02d}" for y in range(2021, 2025) for m in range(1, 13)],
    townships={"990101001000": "城关街道", "990101100000": "红桥镇"},
    villages={"990101100000": {"990101100001": "东村", "990101100002": "西村"}},
    county_name="示范县",
)
PARAM_NAMES = ["year", "town", "village", "cat", "level", "from", "to", "metric", "mode", "by", "cols"]


def test_default_view():
    view = default_view(CTX)
    # year 0: each page opens on the latest year its own data covers (Context.latest_year)
    assert (view.year, view.month_from, view.month_to, view.township) == (0, "2023-01", "2024-12", "")


def test_valid_link_round_trips():
    view = View(year=2022, month_from="2022-03", month_to="2023-06", township="990101100000",
                village="990101100002", category=4, level=2, metric="living_coverage", present=True)
    params = view.to_params(default_view(CTX))
    again = parse(params, CTX)
    assert again == view and not again.warnings
    assert parse({}, CTX) == default_view(CTX)


def test_explore_link_round_trips():
    # 指标分析: any metric of the catalogue, two breakdowns, a month range, filters
    link = {"metric": "nursing_coverage", "by": "category", "cols": "year", "from": "2022-01", "to": "2024-06",
            "cat": "4", "level": "2", "town": "990101100000"}
    view = parse(link, CTX)
    assert not view.warnings
    assert (view.metric, view.by, view.cols, view.category, view.level) == ("nursing_coverage", "category", "year", 4, 2)
    assert view.to_params(default_view(CTX)) == link
    assert parse(view.to_params(default_view(CTX)), CTX) == view
    assert parse({"metric": "subsidy_amount", "by": "month"}, CTX).to_params(default_view(CTX)) == {
        "metric": "subsidy_amount", "by": "month"}


def test_bad_explore_values_give_messages():
    view = parse({"metric": "nosuch", "by": "sex", "cols": "township"}, CTX)
    assert (view.metric, view.by, view.cols) == ("rehab_rate", "township", "")
    assert any("未知的指标" in w for w in view.warnings)
    assert any("未知的分析维度" in w for w in view.warnings)
    assert any("与行维度相同" in w for w in view.warnings)


def test_village_alone_implies_its_township():
    view = parse({"village": "990101100001"}, CTX)
    assert (view.township, view.village) == ("990101100000", "990101100001") and not view.warnings


def test_village_of_another_township_is_refused():
    view = parse({"town": "990101001000", "village": "990101100001"}, CTX)
    assert view.village == "" and any("村/社区" in w for w in view.warnings)


hostile = st.one_of(
    st.text(max_size=400),
    st.sampled_from(["1' OR '1'='1", "'; DROP TABLE dim_person; --", "\x00\x1b[2J", "990101100000" * 30,
                     "-1", "1e9", "２０２４", "²", "NaN", "2024-00", "9999-99", "<script>alert(1)</script>"]),
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(PARAM_NAMES), hostile, max_size=8))
def test_any_parameters_give_a_valid_view(params):
    view = parse(params, CTX)
    assert view.year in CTX.years or view.year == 0
    assert view.township == "" or view.township in CTX.townships
    assert view.village == "" or view.village in CTX.villages.get(view.township, {})
    assert view.category in range(8) and view.level in range(5)
    assert view.month_from in CTX.months and view.month_to in CTX.months and view.month_from <= view.month_to
    assert view.metric in METRICS
    assert view.by in BREAKDOWNS and view.cols in ("", *BREAKDOWNS) and view.cols != view.by
    for message in view.warnings:
        assert len(message) < 200 and "\x00" not in message and "\x1b" not in message
    changed = {k for k, v in params.items() if v != getattr(default_view(CTX), k, None)}
    if not view.warnings:
        assert view.to_params(default_view(CTX)).keys() <= set(PARAM_NAMES) | changed
