"""The streaming readers give the same strings, rows and row numbers as whole-file pandas reading did."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
import xlsxwriter

from data import readers
from data.readers import TABLES, ExtractError, TableSource, normalise_header

COLUMNS = TABLES["两项补贴发放"][1]


def write_book(path: Path, sheets: dict[str, tuple[tuple[int, int], list[list]]]) -> None:
    """An XLSX with typed cells: numbers stay numbers, dates are dates (as a federation's Excel saves them)."""
    book = xlsxwriter.Workbook(str(path))
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    for name, ((row0, col0), rows) in sheets.items():
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                at = (row0 + r, col0 + c)
                if value is None:
                    continue
                if isinstance(value, dt.date | dt.datetime):
                    sheet.write_datetime(*at, value, date)
                elif isinstance(value, bool):
                    sheet.write_boolean(*at, value)
                elif isinstance(value, int | float):
                    sheet.write_number(*at, value)
                else:
                    sheet.write_string(*at, value)
    book.close()


def old_xlsx(path: Path) -> pa.Table:
    """The importer's former reading: every sheet through pandas, then the needed columns as strings."""
    sheets = pd.read_excel(path, sheet_name=None, dtype=str, engine="calamine", na_filter=False)
    parts = []
    for i, frame in enumerate(sheets.values()):
        frame.columns = [normalise_header(c) for c in frame.columns]
        if i > 0 and not set(COLUMNS) <= set(frame.columns):
            continue
        frame = frame.astype(str)[COLUMNS]
        frame["_file"] = path.name
        frame["_row"] = range(1, len(frame) + 1)
        parts.append(pa.Table.from_pandas(frame, preserve_index=False))
    return pa.concat_tables(parts)


def streamed(path: Path) -> pa.Table:
    """The new reading: the stream DuckDB pulls."""
    return TableSource("两项补贴发放", [path], log=lambda *_: None).reader().read_all()


HEADER = ["残疾人证号", "补贴类型", "发放年月", "发放金额 (元)", "备注"]
ROWS = [
    ["11010519491231002X41", "困难残疾人生活补贴", "2024-01", 80, "整数"],
    ["11010519491231002X41", "重度残疾人护理补贴", "2024-01", 80.5, 2024.0],
    ["11010519491231002X41", "困难残疾人生活补贴", dt.date(2024, 2, 1), 0.1 + 0.2, True],
    ["", "困难残疾人生活补贴", dt.datetime(2024, 3, 5, 13, 30), -5, None],
    [110105194912310020, None, "2024-04", 1e20, "1e20"],
    [None, None, None, None, None],
    ["11010519491231002X41", "困难残疾人生活补贴", "2024-05", "80", "text digits"],
]


def test_xlsx_stream_matches_pandas(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "XLSX_BATCH_ROWS", 3)  # several batches: row numbers carry across them
    path = tmp_path / "两项补贴发放_2024.xlsx"
    write_book(path, {
        "一月": ((0, 0), [HEADER, *ROWS]),
        "说明": ((0, 0), [["这张表不是数据"], ["x"]]),  # a later sheet without the header is skipped
        "二月": ((0, 0), [HEADER[:4], *[r[:4] for r in ROWS[:4]]]),  # a later sheet with it is read
        # Not at A1: laid out as pandas does, whose header row is then empty, so this sheet is skipped.
        "偏移": ((2, 1), [HEADER, *ROWS[:2]]),
    })
    assert streamed(path).equals(old_xlsx(path).cast(streamed(path).schema))
    assert streamed(path).num_rows == len(ROWS) + 4


def test_xlsx_missing_column_is_named(tmp_path):
    path = tmp_path / "两项补贴发放_2024.xlsx"
    write_book(path, {"Sheet1": ((0, 0), [HEADER[:2], ROWS[0][:2]])})
    source = TableSource("两项补贴发放", [path], log=lambda *_: None)
    with pytest.raises(ExtractError):
        source.reader().read_all()
    assert isinstance(source.error, ExtractError) and "发放年月" in str(source.error)


def test_csv_stream_rows_and_progress(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "PROGRESS_EVERY_S", 0.0)
    monkeypatch.setattr(readers, "CSV_BLOCK_BYTES", 4096)  # many blocks, so progress lines come
    frame = pd.DataFrame({"残疾人证号": [f"{i:020d}" for i in range(3000)], "补贴类型": "困难残疾人生活补贴",
                          "发放年月": "2024-01", "发放金额（元）": "80", "姓名": "张三"})
    path = tmp_path / "两项补贴发放_2024.csv"
    frame.to_csv(path, index=False, encoding="gbk")
    lines: list[str] = []
    table = TableSource("两项补贴发放", [path], log=lines.append).reader().read_all()
    assert table.column_names == [*COLUMNS, "_file", "_row"]
    assert table.column("_row").to_pylist() == list(range(1, 3001))
    assert table.column("残疾人证号").to_pylist() == frame["残疾人证号"].tolist()
    assert set(table.column("_file").to_pylist()) == {path.name}
    eta = [line for line in lines if "预计还需" in line]
    assert eta and all("%" in line for line in eta)
    assert lines[-1].strip().startswith(f"{path.name}: 3,000 行")
