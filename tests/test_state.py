"""URL parameters → view: valid links round-trip, any other value gives a message and a safe fallback."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from queries.catalog import BREAKDOWNS, METRICS
from ui.state import WIDGET_PARAMS, Context, View, default_view, parse, revalidated, with_widget

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


def test_a_chosen_month_range_is_kept_whole_when_the_data_grows():
    # 2025-01 to the latest month (2024-12 here): the link and a briefing slide say both ends, so that the
    # view still ends in 2024-12 once later months are imported (the default's end moves with them)
    view = View(year=0, month_from="2024-01", month_to="2024-12")
    params = view.to_params(default_view(CTX))
    assert params == {"from": "2024-01", "to": "2024-12"}
    later = Context(years=[*CTX.years, 2025], months=[*CTX.months, *(f"2025-{m:02d}" for m in range(1, 13))],
                    townships=CTX.townships, villages=CTX.villages, county_name=CTX.county_name)
    assert (parse(params, later).month_from, parse(params, later).month_to) == ("2024-01", "2024-12")
    assert default_view(CTX).to_params(default_view(CTX)) == {}  # no range chosen: none in the link


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


def assert_valid(view: View) -> None:
    """Every field of the view is one the context allows; messages are short and printable."""
    assert view.year in CTX.years or view.year == 0  # 0: the page's own latest year
    assert view.township == "" or view.township in CTX.townships
    assert view.village == "" or view.village in CTX.villages.get(view.township, {})
    assert view.category in range(8) and view.level in range(5)
    assert view.month_from in CTX.months and view.month_to in CTX.months and view.month_from <= view.month_to
    assert view.metric in METRICS
    assert view.by in BREAKDOWNS and view.cols in ("", *BREAKDOWNS) and view.cols != view.by
    assert isinstance(view.present, bool)
    for message in view.warnings:
        assert len(message) < 200 and "\x00" not in message and "\x1b" not in message


VALID = ["2022", "2024", "990101100000", "990101001000", "990101100001", "0", "4", "2", "2022-03", "2023-06",
         "living_coverage", "present", ""]


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(PARAM_NAMES), st.one_of(hostile, st.sampled_from(VALID)), max_size=8))
def test_any_parameters_give_a_valid_view(params):
    view = parse(params, CTX)
    assert_valid(view)
    default = default_view(CTX)
    named = set(params) | ({"town"} if params.get("village") else set())  # a village names its township
    named |= {"from", "to"} if named & {"from", "to"} else set()  # one end of a range names the whole range
    assert view.to_params(default).keys() <= named  # nothing differs from the default that the link did not name
    assert parse(view.to_params(default), CTX) == view  # and the view's own link reopens it


START = View(year=2022, month_from="2022-03", month_to="2023-06", township="990101100000", village="990101100002",
             category=4, level=2, metric="living_coverage", scope="990101100000")
FIELDS = {"year": ("year",), "township": ("township", "village"), "village": ("village",), "category": ("category",),
          "level": ("level",), "metric": ("metric",), "range": ("month_from", "month_to"), "present": ("present", "public"),
          "meeting": ("present", "public"), "by": ("by",), "cols": ("cols",)}
anything = st.one_of(hostile, st.integers(), st.none(), st.booleans(), st.floats(), st.tuples(hostile, hostile),
                     st.lists(st.one_of(hostile, st.integers()), max_size=3))


@settings(max_examples=400, deadline=None)
@given(attr=st.sampled_from(list(WIDGET_PARAMS)), value=anything)
def test_any_widget_value_gives_a_valid_view(attr, value):
    view = with_widget(START, attr, value, CTX)
    assert_valid(view)
    assert view.scope == START.scope  # never from a widget
    for name in {f for fields in FIELDS.values() for f in fields} - set(FIELDS[attr]):
        assert getattr(view, name) == getattr(START, name), (attr, value, name)  # only its own field moves
    if view.warnings:  # a refused value: its field is back to the default
        default = default_view(CTX)
        refused_to = {"township": "", "village": "", "category": 0, "level": 0}
        for name in FIELDS[attr]:
            assert getattr(view, name) == refused_to.get(name, getattr(default, name)), (attr, value, name)


def test_valid_widget_values_are_taken():
    assert with_widget(START, "year", 2024, CTX).year == 2024
    months = with_widget(START, "range", ("2021-05", "2024-02"), CTX)
    assert (months.month_from, months.month_to, months.warnings) == ("2021-05", "2024-02", ())
    town = with_widget(START, "township", "990101001000", CTX)
    assert (town.township, town.village, town.warnings) == ("990101001000", "", ())
    county = with_widget(START, "township", "", CTX)
    assert (county.township, county.village, county.warnings) == ("", "", ())
    assert with_widget(START, "village", "", CTX).village == ""
    assert with_widget(START, "category", 0, CTX).category == 0
    assert with_widget(START, "present", True, CTX).present is True
    public = with_widget(START, "meeting", "public", CTX)  # the projector's 公开场合 (issue 24)
    assert public.present and public.public and public.to_params(default_view(CTX))["mode"] == "public"
    internal = with_widget(public, "meeting", "present", CTX)  # 内部会议: the default audience of a slide
    assert internal.present and not internal.public
    assert not with_widget(START, "meeting", "公开", CTX).present  # refused, with a message
    refused = with_widget(START, "year", "2026' OR 1=1 --", CTX)
    assert refused.year == 0 and "2026' OR 1=1 --" in refused.warnings[0]  # 0: the page's own latest year


def test_revalidated_keeps_a_valid_view_and_repairs_a_stale_one():
    assert revalidated(START, CTX) is START
    shrunk = Context(years=[2021, 2022], months=CTX.months[:24], townships=CTX.townships, villages={},
                     county_name="示范县")  # after a re-import with less data
    again = revalidated(START, shrunk)
    assert again.year == 2022 and again.village == "" and again.month_to == "2022-12"
    assert again.scope == START.scope and again.warnings
