"""文字解读: every number in a paragraph is a cell of the page's own publication, as the disclosure left it."""

from __future__ import annotations

from queries import dashboard, disclosure
from queries.common import Filters
from queries.db import connect
from queries.publish import Publication, add_units
from queries.report import annual_table
from queries.summary import overview_text


def publication(units, last, suppress: bool) -> Publication:
    """The overview's publication of two years of the unit table."""
    pub = Publication()
    add_units(pub, units)
    add_units(pub, last, "prev:")
    below = units[units["rehab_rate"] < 85]
    shorts = [f"rehab_short@{c}" for c in below["unit_code"]]
    pub.derived("below_short", float(sum(pub.value(s) for s in shorts)), "人", shorts)
    return disclosure.apply(pub, suppress)


def test_overview_paragraph_uses_the_annual_numbers(duck_url):
    wh = connect(duck_url)
    f = Filters(scope="")
    units, last = dashboard.unit_table(wh, f, 2024), dashboard.unit_table(wh, f, 2023)
    below = int((units["rehab_rate"] < 85).sum())
    text = overview_text(publication(units, last, False), "示范县", "2024年12月", "total", (below, "below_short"), "乡镇")
    table = annual_table(wh, 2024, f).iloc[-1]
    assert text.startswith("截至2024年12月，示范县持证残疾人")
    assert f"{int(table['持证残疾人数']):,}人" in text
    assert f"康复服务率{table['康复服务率']:.1f}%" in text
    assert (f"{below}个乡镇未达85%目标" in text) == (below > 0)
    now, before = table["康复服务率"], annual_table(wh, 2023, f).iloc[-1]["康复服务率"]
    delta = round(now - before, 1)
    assert delta != 0 and f"{abs(delta):.1f}个百分点" in text  # the test county's rate moved: the change is said


def test_small_numbers_hidden_in_text(duck_url):
    wh = connect(duck_url)
    f = Filters(scope="")
    units = dashboard.unit_table(wh, f, 2024)
    units["without_measure"] = 0
    units.loc[units.index[0], "without_measure"] = 3
    pub = publication(units, units.iloc[0:0], True)
    assert pub.text("without_measure@total") == "<5户"
    assert "无帮扶措施<5户" in overview_text(pub, "示范县", "2024年12月", "total", (0, "below_short"), "乡镇")
    shown = publication(units, units.iloc[0:0], False)
    assert "无帮扶措施3户" in overview_text(shown, "示范县", "2024年12月", "total", (0, "below_short"), "乡镇")


def test_every_page_shows_its_paragraph_as_plain_text(duck_url, monkeypatch):
    """文字解读 is escaped HTML text in its box (selected whole with one click), not a code block: no
    monospace, no 1.6 MB highlighter on a first paint; it is the page's own paragraph on every page."""
    import html

    monkeypatch.setenv("WAREHOUSE_URL", duck_url)

    from tests.conftest import open_app

    at = open_app("overview", {"year": "2024"})
    assert not at.exception and not at.code
    assert any(e.label == "文字解读（可复制）" for e in at.expander)
    paragraph = next(h.value for h in at.html if "summary-text" in h.value)
    assert "user-select:all" in paragraph
    assert html.unescape(paragraph).split(">", 1)[1].startswith("截至2024年末，示范县持证残疾人")
    for page in ("monitoring", "subsidies", "rehabilitation", "employment", "accessibility", "explore"):
        opened = open_app(page, {"year": "2024"})
        assert not opened.code and any("summary-text" in h.value and "示范县" in h.value for h in opened.html), page
