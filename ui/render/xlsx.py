"""A publication's table as a workbook an analyst can print: title and period on top, units in the headers,
numbers as numbers with their formats (0.0 for rates, thousands separators), withheld marks right-aligned
among them, the header frozen and repeated on every printed page, landscape fit to one page wide, and the
symbols' legend and the source line inside the print area.

Every text goes through queries.cells (a name that starts with "=" stays text). Identical input gives
identical bytes. Nothing here imports streamlit.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import pandas as pd

from queries.audience import EXPORT_MARK, INTERNAL_LEGEND, PUBLIC_LEGEND
from queries.cells import XLSXWRITER_OPTIONS, safe_cell
from queries.publish import AMOUNT, COUNT, MEAN, RATE, TALLY, half_up
from ui.press import Caption, press_config

_UNIT_SUFFIX = re.compile(r"（[^（）]*）$")
HEADER_ROW = 2  # title, period, then the header


@dataclass(frozen=True)
class Kind:
    """What a column holds: the publication's kind of number and its unit ('人', '%', '万元', '元/户')."""

    kind: str
    unit: str
    digits: int = 0


def header(label: str, kind: Kind | None) -> str:
    """'覆盖率（%）', '金额（万元）': the label with its unit (any unit the page gave it is replaced)."""
    if kind is None or not kind.unit:
        return label
    return f"{_UNIT_SUFFIX.sub('', label)}（{kind.unit}）"


def number_format(kind: Kind | None) -> str:
    """Excel's format for the column: 0.0 for rates, #,##0 for counts, #,##0.00 for 万元."""
    if kind is None:
        return "#,##0"
    if kind.kind == RATE:
        return "0.0"
    if kind.kind == AMOUNT and kind.unit == "万元":
        return "#,##0.00"
    if kind.kind == MEAN and kind.digits:
        return "#,##0." + "0" * kind.digits
    return "#,##0"


def scaled(value: float, kind: Kind | None) -> float:
    """The value in the header's unit (amounts are held in yuan), rounded as the screen shows it."""
    if kind is not None and kind.kind == AMOUNT and kind.unit == "万元":
        return float(half_up(value, 2, 10_000))
    return value


def _width(text: str) -> float:
    """Excel column width for a text: CJK characters count double."""
    return sum(2.1 if ord(ch) > 0x2E80 else 1.1 for ch in str(text)) + 2


def table_xlsx(table: pd.DataFrame, caption: Caption, kinds: dict[str, Kind] | None = None) -> bytes:
    """The table as a printable XLSX under the same title, period and source lines as the images. The first
    column holds the row labels; a cell is a number (written with its column's format) or a withheld mark
    ('<5', '×', '—', written as right-aligned text)."""
    kinds = kinds or {}
    buffer = io.BytesIO()
    import xlsxwriter

    book = xlsxwriter.Workbook(buffer, {"in_memory": True, **XLSXWRITER_OPTIONS})
    book.set_properties({"created": pd.Timestamp("2000-01-01").to_pydatetime()})  # same bytes every time
    sheet = book.add_worksheet("数据")
    bold = book.add_format({"bold": True, "font_size": 16})
    head = book.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1, "text_wrap": True, "valign": "vcenter",
                            "align": "center"})
    label = book.add_format({"border": 1})
    mark = book.add_format({"border": 1, "align": "right"})
    note = book.add_format({"font_color": "#444444"})
    formats = {c: book.add_format({"border": 1, "align": "right", "num_format": number_format(kinds.get(c))})
               for c in table.columns[1:]}
    columns = list(table.columns)
    last_col = max(len(columns) - 1, 0)
    sheet.write_string(0, 0, safe_cell(caption.title), bold)
    sheet.write_string(1, 0, safe_cell(caption.period))
    if caption.watermark:
        sheet.write_string(1, last_col, press_config().get("watermark", "内部资料"),
                           book.add_format({"font_color": "#C00000", "align": "right"}))
    for j, column in enumerate(columns):
        sheet.write_string(HEADER_ROW, j, safe_cell(header(str(column), kinds.get(column))), head)
    hidden = blank = False
    for i, row in enumerate(table.itertuples(index=False), start=HEADER_ROW + 1):
        for j, (column, value) in enumerate(zip(columns, row, strict=True)):
            if j == 0:
                sheet.write_string(i, j, safe_cell(str(value)), label)
            elif isinstance(value, int | float) and not pd.isna(value):
                sheet.write_number(i, j, scaled(float(value), kinds.get(column)), formats[column])
            else:
                text = "—" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
                hidden = hidden or text in ("<5", "×") or (text == "—" and not caption.internal)
                blank = blank or text == "—"
                sheet.write_string(i, j, safe_cell(text), mark)
    last_row = HEADER_ROW + len(table)
    foot = last_row + 2
    if caption.internal:  # exact numbers: "—" only means nothing to divide by
        if blank or caption.legend:
            sheet.write_string(foot, 0, f"图例：{INTERNAL_LEGEND}", note)
            foot += 1
    elif hidden or caption.legend:
        sheet.write_string(foot, 0, f"图例：{PUBLIC_LEGEND}", note)
        foot += 1
    sheet.write_string(foot, 0, safe_cell(f"{caption.source}　数据截至 {caption.until}"), note)
    # widths: labels by their longest text, numbers by their header
    sheet.set_column(0, 0, min(40, max(_width(v) for v in [columns[0], *table.iloc[:, 0].astype(str)])))
    for j, column in enumerate(columns[1:], start=1):
        sheet.set_column(j, j, min(16, max(9, _width(header(str(column), kinds.get(column))) / 2 + 2)))
    sheet.set_row(HEADER_ROW, 36)
    sheet.freeze_panes(HEADER_ROW + 1, 1)
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)  # one page wide, as many tall as it takes
    sheet.repeat_rows(HEADER_ROW)
    sheet.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    sheet.print_area(0, 0, foot, last_col)
    if caption.internal:  # a printed or leaked page says what it is
        sheet.set_header(f"&R{EXPORT_MARK} 注意保密")
        sheet.set_footer(f"&L{EXPORT_MARK}，请勿外传&C第 &P 页，共 &N 页")
        book.set_properties({"created": pd.Timestamp("2000-01-01").to_pydatetime(), "subject": EXPORT_MARK,
                             "keywords": EXPORT_MARK})
    else:
        sheet.set_footer("&C第 &P 页，共 &N 页")
    book.close()
    return buffer.getvalue()


def kinds_of(pub, keys: dict[str, str]) -> dict[str, Kind]:
    """Each column's kind and unit, read from its first cell in the publication ({header: key})."""
    out = {}
    for column, key in keys.items():
        if key in pub.cells:
            cell = pub.cells[key]
            unit = "%" if cell.kind == RATE else cell.unit
            out[column] = Kind(cell.kind if cell.kind in (COUNT, TALLY, AMOUNT, RATE, MEAN) else COUNT, unit,
                               cell.digits)
    return out
