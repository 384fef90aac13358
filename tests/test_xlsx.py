"""XLSX an analyst can print: units in headers, number formats, marks right-aligned among numbers, frozen
header repeated on every page, landscape one page wide, legend and source inside the print area; file names
that tell filtered tables apart."""

from __future__ import annotations

import io
from types import SimpleNamespace

import openpyxl
import pandas as pd

from queries.publish import AMOUNT, COUNT, RATE, Publication
from ui import press
from ui.render import screen, xlsx

CAPTION = press.Caption(title="各乡镇两项补贴", period="2024年　示范县", until="2024年12月")
KINDS = {"人数": xlsx.Kind(COUNT, "人"), "金额（元）": xlsx.Kind(AMOUNT, "万元"), "覆盖率": xlsx.Kind(RATE, "%")}


def workbook(table: pd.DataFrame, caption: press.Caption = CAPTION):
    """The table's workbook, opened."""
    return openpyxl.load_workbook(io.BytesIO(xlsx.table_xlsx(table, caption, KINDS))).active


def table() -> pd.DataFrame:
    """Three townships, one of them withheld, and the county total."""
    return pd.DataFrame({"乡镇": ["东湖镇", "经济技术开发区", "西岭镇", "合计（示范县）"],
                         "人数": [1234, "<5", 56, 1293], "金额（元）": [12_345_678.0, "×", 4_000.0, 12_400_000.0],
                         "覆盖率": [70.0, "—", 96.54, 71.2]})


def test_headers_carry_units_and_numbers_their_formats():
    sheet = workbook(table())
    assert [c.value for c in sheet[3]] == ["乡镇", "人数（人）", "金额（万元）", "覆盖率（%）"]
    count, amount, rate = sheet["B4"], sheet["C4"], sheet["D4"]
    assert count.value == 1234 and count.number_format == "#,##0"
    assert amount.value == 1234.57 and amount.number_format == "#,##0.00"  # the screen's 1,234.57万元
    assert rate.value == 70.0 and rate.number_format == "0.0"  # prints 70.0, not 70
    for cell in (count, amount, rate, sheet["B5"], sheet["C5"], sheet["D5"]):
        assert cell.alignment.horizontal == "right", cell.coordinate  # marks line up with the numbers
    assert sheet["B5"].value == "<5" and sheet["B5"].data_type == "s"


def test_amounts_on_an_exact_half_round_up_as_on_screen():
    """113,850元 is 11.385万元: 11.39 in the workbook as on screen (float formatting gave 11.38)."""
    frame = pd.DataFrame({"乡镇": ["东湖镇", "合计（示范县）"], "人数": [3, 3], "金额（元）": [113_850.0, 113_850.0],
                          "覆盖率": [70.0, 70.0]})
    assert workbook(frame)["C4"].value == 11.39


def test_printable_legend_and_source_inside_the_print_area():
    sheet = workbook(table())
    assert sheet.freeze_panes == "B4"  # header and labels stay in view
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.page_setup.fitToWidth in (None, 1) and sheet.page_setup.fitToHeight == 0  # OOXML: absent = 1
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows == "$3:$3"  # the header on every printed page
    texts = {c.row: c.value for c in sheet["A"] if c.value}
    legend_row = next(r for r, v in texts.items() if str(v).startswith("图例"))
    source_row = next(r for r, v in texts.items() if "数据来源" in str(v))
    assert legend_row > 7 and source_row > legend_row
    area = sheet.print_area[0] if isinstance(sheet.print_area, list) else sheet.print_area
    last = int(area.split(":")[1].lstrip("$").split("$")[1])
    assert last >= source_row  # the source line is printed
    assert sheet["A1"].value == CAPTION.title and sheet["A2"].value == CAPTION.period


def test_no_legend_row_when_nothing_is_withheld():
    sheet = workbook(table().iloc[[0, 2, 3]])
    assert not any(str(c.value).startswith("图例") for c in sheet["A"] if c.value)


def test_kinds_come_from_the_publication():
    pub = Publication()
    pub.count("paid@a", 120, "人")
    pub.count("eligible@a", 150, "人")
    pub.rate("cov@a", "paid@a", "eligible@a")
    pub.amount("amount@a", 1_000_000, "paid@a")
    kinds = xlsx.kinds_of(pub, {"已发": "paid@a", "覆盖率（%）": "cov@a", "金额": "amount@a"})
    assert kinds == {"已发": xlsx.Kind(COUNT, "人"), "覆盖率（%）": xlsx.Kind(RATE, "%"),
                     "金额": xlsx.Kind(AMOUNT, "万元")}
    assert xlsx.header("金额", kinds["金额"]) == "金额（万元）"
    assert xlsx.header("覆盖率（%）", kinds["覆盖率（%）"]) == "覆盖率（%）"


def test_file_names_tell_area_year_and_filters_apart():
    ctx = SimpleNamespace(townships={"1": "城东街道"}, villages={}, county_name="示范县")
    base = dict(year=2024, township="1", village="", category=0, level=0)
    plain = screen.export_name("康复服务率未达标村（社区）", ctx, SimpleNamespace(**base))
    filtered = screen.export_name("康复服务率未达标村（社区）", ctx, SimpleNamespace(**{**base, "category": 4, "level": 2}))
    assert plain == "城东街道康复服务率未达标村（社区）_2024年_全部类别_全部等级.xlsx"
    assert filtered == "城东街道康复服务率未达标村（社区）_2024年_肢体残疾_二级.xlsx"
    assert "/" not in screen.export_name("a/b", ctx, SimpleNamespace(**base))
    months = "2025年1月至2025年12月"  # a title that says the period it shows: said once in the name
    assert screen.export_name(f"生活补贴月覆盖率（按月份，{months}）", ctx, SimpleNamespace(**base), months) == \
        f"城东街道生活补贴月覆盖率（按月份，{months}）_全部类别_全部等级.xlsx"
