"""文字解读: every number in a paragraph is the page's own (from the same query results)."""

from __future__ import annotations

from queries import dashboard
from queries.common import Filters
from queries.db import connect
from queries.metrics import totals, with_metrics
from queries.report import annual_table
from queries.summary import employment_text, overview_text, rehab_text


def test_overview_paragraph_uses_the_annual_numbers(duck_url):
    wh = connect(duck_url)
    f = Filters(scope="")
    units = with_metrics(dashboard.unit_table(wh, f, 2024))
    last = with_metrics(dashboard.unit_table(wh, f, 2023))
    text = overview_text("示范县", "2024年12月", units, last, "乡镇")
    table = annual_table(wh, 2024, f).iloc[-1]
    assert text.startswith("截至2024年12月，示范县持证残疾人")
    assert f"{int(table['持证残疾人数']):,}人" in text
    assert f"康复服务率{table['康复服务率']:.1f}%" in text
    below = int((units["rehab_rate"] < 85).sum())
    assert (f"{below}个乡镇未达85%目标" in text) == (below > 0)
    delta = round(totals(units)["rehab_rate"] - totals(last)["rehab_rate"], 1)
    assert delta != 0 and f"{abs(delta):.1f}个百分点" in text  # the test county's rate moved: the change is said


def test_small_numbers_hidden_in_text(duck_url):
    wh = connect(duck_url)
    f = Filters(scope="")
    units = with_metrics(dashboard.unit_table(wh, f, 2024))
    children = dashboard.rehab_by_group(wh, f, 2024)
    kids = children[children["is_child"]][["need_persons", "served_persons"]].sum()
    units.loc[units.index, "without_measure"] = 0
    units.loc[units.index[0], "without_measure"] = 3
    assert "无帮扶措施<5户" in overview_text("示范县", "2024年12月", units, units.iloc[0:0], "乡镇", small=True)
    tiny = with_metrics(dashboard.unit_table(wh, f, 2024).head(1).assign(rehab_need=4, rehab_served=3))
    assert "需求的持证残疾人<5人，已提供基本康复服务<5人" in rehab_text(
        "示范县", "2024年12月", tiny, tiny.iloc[0:0], kids, "乡镇", small=True)
    assert "<5" not in rehab_text("示范县", "2024年12月", tiny, tiny.iloc[0:0], kids, "乡镇", small=False)
    bases = dashboard.employment_bases(wh, f, 2024)
    text = employment_text("示范县", 2024, bases, dashboard.employment_by_form(wh, f))
    assert f"认定残疾人就业基地{len(bases)}个" in text
