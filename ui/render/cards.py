"""Headline cards, the legend, tables and 文字解读 of a publication on screen and on a slide."""

from __future__ import annotations

import html
from collections.abc import Callable

import pandas as pd
import streamlit as st

from queries import audience as aud
from queries.publish import Publication, key, ranked
from ui import press
from ui.render import xlsx
from ui.render.downloads import export_table
from ui.render.output import Output
from ui.state import Context
from ui.wording import unit_word


def card(column, pub: Publication, label: str, cell: str, delta: str = "", good: bool | None = None,
         help_text: str = "") -> None:
    """A headline number with its gap to target in words; a dataset that does not cover the period
    says so instead of a number. Cards are st.html (escaped text in a fixed frame), not Markdown: the
    Markdown renderer cost a first paint about 0.2 s for eight cards."""
    missing = pub.cells[cell].missing
    if missing:
        delta, good = missing, None
    colour = "#555" if good is None else ("#007a5a" if good else "#b34700")
    column.html(
        f"<div class='kpi-card' title='{html.escape(help_text, quote=True)}' style='border:1px solid #ddd;"
        f"border-radius:8px;padding:12px 14px;height:100%'><div class='kpi-label' style='color:#333;font-size:0.95rem'>"
        f"{html.escape(label)}</div><div class='kpi-value' style='font-size:2.1rem;font-weight:700;line-height:1.2;"
        f"white-space:nowrap'>{html.escape(pub.text(cell))}</div><div class='kpi-delta' style='color:{colour};"
        f"font-size:0.95rem'>{html.escape(delta)}</div></div>")

def against_target(pub: Publication, gap: str, base: str, short: str, met: str, nothing: str,
                   reached: bool | None = None) -> tuple[str, bool | None]:
    """A card's words under a number with a target, and their colour: `short` (warning) when the gap
    `gap` is not 0, `met` (good) when it is, `nothing` (neutral) when there is nothing to measure
    (`base`, the rate's denominator, is 0: a township without certificate holders has not "reached" its
    target). `reached`, when given, says instead whether the target is met (a coverage whose target is under
    100%: unpaid persons do not then mean it is missed). Words that would say a withheld number is 0 ("met",
    "nothing") are never used over a withheld gap or base."""
    if pub.hidden(gap) or pub.hidden(base):
        return short, (False if pub.shown(gap) else None)
    if not pub.value(base):
        return nothing, None
    if reached is not None:
        return (met, True) if reached else (short, False)
    if pub.value(gap):
        return short, False
    return met, True

def rate_reached(pub: Publication, metric, cell: str) -> bool | None:
    """For a rate whose target is under 100%, whether its true value meets it (None at 100%: the gap to
    it, every unpaid person, then decides)."""
    if metric.target is None or metric.target >= 100 or pub.value(cell) is None:
        return None
    return metric.reached(pub.value(cell))

def text_card(column, label: str, value: str, delta: str) -> None:
    """A card for a fact that is not a number of the publication (a date, a month)."""
    column.html(
        f"<div class='kpi-card' style='border:1px solid #ddd;border-radius:8px;padding:12px 14px;height:100%'>"
        f"<div class='kpi-label' style='color:#333;font-size:0.95rem'>{html.escape(label)}</div>"
        f"<div class='kpi-value' style='font-size:1.6rem;font-weight:700;line-height:1.2'>{html.escape(value)}</div>"
        f"<div class='kpi-delta' style='color:#555;font-size:0.95rem'>{html.escape(delta)}</div></div>")

def legend(pub: Publication, keys: list[str] | None = None) -> None:
    """The symbols' legend, saying only what they mean in this publication's audience: the public legend
    wherever something is withheld; for exact numbers what their "—" means, where the cells drawn beside it
    (`keys`: a table's) show one (a page draws only some of its cells: without `keys`, none is said)."""
    text = aud.legend_text(pub, keys if keys is not None or pub.suppressed else [])
    if text:
        st.caption(f"图例：{text}")

def table(out: Output, key_: str, title: str, ctx: Context, rows: list[tuple[str, str]],
          columns: list[tuple[str, str]], block: str = "", first: str = "",
          keys: Callable[[str, str], str] | None = None, order: str = "",
          height: int | str = "auto") -> None:
    """A table of cells: one row per (label, unit code), one column per (header, metric column); drawn as
    the view may show it, its XLSX from the publication of the version chosen (内部版 exact, 对外版
    suppressed). `keys(column, row)` names the cells when they are not the unit table's. With `order` (a
    column), the rows (given in code order, a total row last) are ranked by its values as each version
    shows them (`ranked`): a withheld value is never placed by what it hides, and a caption says so. `height`
    is st.dataframe's ("content": every row without scrolling)."""
    first = first or unit_word(out.view)
    keys = keys or (lambda column, code: key(column, code, block))

    def rows_of(pub: Publication) -> list[tuple[str, str]]:
        return ranked(pub, rows, lambda code: keys(order, code)) if order else rows

    def frame_of(pub: Publication, for_excel: bool) -> pd.DataFrame:
        body = []
        for label, code in rows_of(pub):
            line = {first: label}
            for header, column in columns:
                cell = keys(column, code)
                shown = pub.shown(cell)
                line[header] = shown if for_excel and shown is not None else pub.text(cell, unit=False)
            body.append(line)
        return pd.DataFrame(body, columns=[first, *(h for h, _ in columns)])

    def workbook(caption: press.Caption, pub: Publication) -> bytes:
        """The XLSX of a version's publication; each column typed by its cells (units, formats)."""
        first_keys = {h: next((keys(c, code) for _, code in rows if pub.has(keys(c, code))), "") for h, c in columns}
        return xlsx.table_xlsx(frame_of(pub, True), caption, xlsx.kinds_of(pub, first_keys))

    st.dataframe(frame_of(out.pub, False), hide_index=True, width="stretch", height=height)
    legend(out.pub, [keys(column, code) for _, code in rows for _, column in columns])
    if order and any(out.pub.hidden(keys(order, code)) for _, code in rows if out.pub.has(keys(order, code))):
        st.caption(ORDER_NOTE)
    export_table(key_, title, workbook, ctx, out)

ORDER_NOTE = "按数值从大到小排列；数值已隐去的排在后面，按区划代码顺序，不代表其大小。"


def summary(out: Output, text: str) -> None:
    """文字解读: the page's paragraph, from the same publication as the cards; ready to copy; not on a slide."""
    if out.view.present:
        return
    # Plain text: one click selects the whole paragraph for copying (a code block would load a 1.6 MB
    # highlighter on the first paint, in a monospace font, and its copy button is in the hidden toolbar).
    with st.expander("文字解读（可复制）"):
        st.html(f"<div class='summary-text' title='单击选中全文，再按 Ctrl+C 复制' style='user-select:all;"
                f"line-height:1.7'>{html.escape(text)}</div>")
