"""The words a view is described by: its year ('2026年（截至10月）'), filters, area, unit word and 截至 line.
Shared by the page frame, the renderers and the briefing bar (below all three: they import it)."""

from __future__ import annotations

import streamlit as st

from ui import data
from ui.labels import CATEGORY_LABELS, LEVEL_LABELS, SOURCE
from ui.state import Context, View


def year_label(ctx: Context, year: int) -> str:
    """'2024年', or '2026年（截至10月）' for a year the data does not yet cover in full."""
    if ctx.months and ctx.months[-1].startswith(str(year)) and not ctx.months[-1].endswith("-12"):
        return f"{year}年（截至{int(ctx.months[-1][5:])}月）"
    return f"{year}年"


def filters_text(ctx: Context, view: View, period: str = "") -> str:
    """'2024年，肢体残疾，二级': the year (or the `period` shown) and the active filters."""
    filters = [period or year_label(ctx, view.year)]
    if view.category:
        filters.append(CATEGORY_LABELS[view.category] + "残疾")
    if view.level:
        filters.append(LEVEL_LABELS[view.level])
    return "，".join(filters)


def area_name(ctx: Context, view: View) -> str:
    """The name of the area the view shows."""
    if view.village:
        return ctx.villages[view.township][view.village]
    return ctx.townships.get(view.township, ctx.county_name)


def unit_word(view: View) -> str:
    """'乡镇' at county level, '村（社区）' inside a township."""
    return "村（社区）" if view.township else "乡镇"


def until_caption(ctx: Context) -> None:
    """The data's 截至 line and source, under a chart."""
    st.caption(f"数据截至 {data.data_until(ctx)}　{SOURCE}")
