"""Find and read a federation's extract files (CSV in any Chinese encoding, XLSX) as string tables."""

from __future__ import annotations

import codecs
import re
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

# One row a table of extracts.md: required?, the header texts the importer needs.
TABLES: dict[str, tuple[bool, list[str]]] = {
    "行政区划": (True, ["区划代码", "名称", "级别", "上级区划代码"]),
    "持证残疾人": (
        True,
        ["残疾人证号", "性别", "出生日期", "残疾类别", "残疾等级", "户编号", "村社区代码",
         "是否低保", "是否脱贫户", "证件状态", "发证日期"],
    ),
    "监测户": (False, ["户编号", "监测类别", "纳入日期", "主要风险", "帮扶措施", "风险消除日期"]),
    "两项补贴发放": (False, ["残疾人证号", "补贴类型", "发放年月", "发放金额"]),
    "康复服务": (False, ["残疾人证号", "年度", "服务类型", "服务日期"]),
    "就业基地": (
        False,
        ["基地编号", "基地名称", "基地类型", "村社区代码", "经度", "纬度", "安置残疾人数",
         "带动户数", "扶持资金", "认定年度"],
    ),
    "就业情况": (False, ["残疾人证号", "年度", "就业形式", "基地编号"]),
    "无障碍改造": (False, ["户编号", "计划年度", "完成日期", "改造金额"]),
    "托养服务": (False, ["残疾人证号", "年度", "托养类型"]),
}
# Optional columns: a file without them still loads (上级区划代码 is derivable from the code).
OPTIONAL_COLUMNS = {"上级区划代码"}
BOUNDARY_TABLES = {"乡镇边界": True, "村边界": False}
BOUNDARY_SUFFIXES = (".gpkg", ".shp", ".geojson", ".json")
TABLE_SUFFIXES = (".csv", ".xlsx", ".xlsm")
PROGRESS_EVERY_ROWS = 1_000_000

_UNIT = re.compile(r"\s*[（(][^）)]*[）)]\s*$")


class ExtractError(Exception):
    """A file or column problem that stops the import; the message names it."""


@dataclass
class FileTable:
    """One extract file read as strings, with `_file` and `_row` (1-based data row) columns."""

    table: str
    path: Path
    data: pa.Table


def normalise_header(name: str) -> str:
    """'发放金额 (元)' → '发放金额': headers may carry a unit note and a BOM."""
    return _UNIT.sub("", str(name).replace("\ufeff", "").strip())


def files_for(folder: Path, table: str, suffixes: tuple[str, ...] = TABLE_SUFFIXES) -> list[Path]:
    """Files whose name starts with the table's name (exports split by year or month)."""
    return sorted(
        p for p in folder.iterdir()
        if p.is_file() and p.name.startswith(table) and p.suffix.lower() in suffixes
        and not p.name.startswith("~$")
    )


def sniff_encoding(path: Path) -> str:
    """utf-8 (BOM or not) if the first 256 KiB decode as UTF-8, else GB18030 (a superset of GBK)."""
    with path.open("rb") as fh:
        head = fh.read(262_144)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        return "gb18030"


def _with_position(table: str, path: Path, data: pa.Table) -> FileTable:
    """Rename headers to their normal form and add the file name and row number."""
    data = data.rename_columns([normalise_header(c) for c in data.column_names])
    n = data.num_rows
    data = data.append_column("_file", pa.array([path.name] * n, pa.string()) if n else pa.array([], pa.string()))
    data = data.append_column("_row", pa.array(range(1, n + 1), pa.int64()))
    return FileTable(table, path, data)


def read_csv(table: str, path: Path, log=print) -> FileTable:
    """Stream a CSV as all-string columns, reporting progress on long files."""
    encoding = sniff_encoding(path)
    read = pacsv.ReadOptions(encoding=encoding, block_size=8 << 20)
    try:
        header = pacsv.open_csv(path, read_options=read).schema.names
        convert = pacsv.ConvertOptions(
            column_types={c: pa.string() for c in header}, strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        )
        reader = pacsv.open_csv(path, read_options=read, convert_options=convert)
        batches, rows, next_report, start = [], 0, PROGRESS_EVERY_ROWS, time.monotonic()
        for batch in reader:
            batches.append(batch)
            rows += batch.num_rows
            if rows >= next_report:
                log(f"    {path.name}: 已读 {rows:,} 行 ({time.monotonic() - start:.0f} s)")
                next_report += PROGRESS_EVERY_ROWS
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise ExtractError(f"{path.name}: 无法解码或解析（按 {encoding} 读取）：{exc}") from exc
    data = pa.Table.from_batches(batches, schema=reader.schema)
    return _with_position(table, path, data)


def read_xlsx(table: str, path: Path, needed: list[str]) -> list[FileTable]:
    """Every sheet whose header row holds the table's columns (the first sheet always)."""
    try:
        sheets = pd.read_excel(path, sheet_name=None, dtype=str, engine="calamine", na_filter=False)
    except Exception as exc:
        raise ExtractError(f"{path.name}: 无法读取 Excel 文件：{exc}") from exc
    out = []
    for i, frame in enumerate(sheets.values()):
        frame.columns = [normalise_header(c) for c in frame.columns]
        if i > 0 and not set(needed) - OPTIONAL_COLUMNS <= set(frame.columns):
            continue
        frame = frame.astype(str)
        out.append(_with_position(table, path, pa.Table.from_pandas(frame, preserve_index=False)))
    return out


def read_table(folder: Path, table: str, log=print) -> list[FileTable] | None:
    """All files of one table, checked for its columns; None when an optional table is absent."""
    required, needed = TABLES[table]
    paths = files_for(folder, table)
    if not paths:
        if required:
            raise ExtractError(f"缺少必需的文件：{table}（.csv 或 .xlsx）")
        return None
    parts: list[FileTable] = []
    for path in paths:
        log(f"  读取 {path.name}")
        if path.suffix.lower() == ".csv":
            parts.append(read_csv(table, path, log))
        else:
            parts.extend(read_xlsx(table, path, needed))
    for part in parts:
        missing = [c for c in needed if c not in part.data.column_names and c not in OPTIONAL_COLUMNS]
        if missing:
            raise ExtractError(f"{part.path.name}: 缺少必需的列 {'、'.join(missing)}")
    return parts


def combine(parts: list[FileTable]) -> pa.Table:
    """One string table of the needed columns from all files of a table."""
    _, needed = TABLES[parts[0].table]
    columns = [*needed, "_file", "_row"]
    tables = []
    for part in parts:
        data = part.data
        for c in columns:
            if c not in data.column_names:
                data = data.append_column(c, pa.array([""] * data.num_rows, pa.string()))
        data = data.select(columns)
        tables.append(data.cast(pa.schema([(c, pa.int64() if c == "_row" else pa.string()) for c in columns])))
    return pa.concat_tables(tables)
