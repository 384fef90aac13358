"""Find a federation's extract files (CSV in any Chinese encoding, XLSX) and stream them as string batches.

Nothing here holds a whole file: a table is an Arrow stream of record batches that DuckDB pulls while it
stages them (CSV through pyarrow's streaming reader, XLSX sheet by sheet through python-calamine).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import re
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
from python_calamine import CalamineWorkbook, SheetTypeEnum

# One row a table of extracts.md: required?, the header texts the importer needs.
TABLES: dict[str, tuple[bool, list[str]]] = {
    "行政区划": (True, ["区划代码", "名称", "级别", "上级区划代码"]),
    "持证残疾人": (
        True,
        ["残疾人证号", "姓名", "性别", "出生日期", "残疾类别", "残疾等级", "户编号", "村社区代码",
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
    # Partner registers (../shared/registers.md, data/registers.py): optional, names not read.
    "民政低保特困": (False, ["身份证号", "救助类型", "起始年月", "终止年月"]),
    "死亡人员": (False, ["身份证号", "死亡日期", "来源"]),
    "乡村振兴监测对象": (False, ["身份证号", "监测类别", "纳入日期", "风险消除日期"]),
}
# Optional columns: a file without them still loads (上级区划代码 is derivable from the code; 姓名 only
# feeds the encrypted identity store, data/identity.py, never the warehouse).
OPTIONAL_COLUMNS = {"上级区划代码", "姓名", "来源"}
BOUNDARY_TABLES = {"乡镇边界": True, "村边界": False}
BOUNDARY_SUFFIXES = (".gpkg", ".shp", ".geojson", ".json")
TABLE_SUFFIXES = (".csv", ".xlsx", ".xlsm")
CSV_BLOCK_BYTES = 8 << 20
XLSX_BATCH_ROWS = 65_536
# A file taking longer than this gets progress lines with an estimate of the time left.
PROGRESS_EVERY_S = 10.0

_UNIT = re.compile(r"\s*[（(][^）)]*[）)]\s*$")


class ExtractError(Exception):
    """A file or column problem that stops the import; the message names it."""


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


class Progress:
    """Progress lines for one file: at most one every PROGRESS_EVERY_S, with the time left."""

    def __init__(self, name: str, log: Callable[[str], None]) -> None:
        self.name, self.log = name, log
        self.start = self.last = time.monotonic()

    def update(self, rows: int, done: float, total: float) -> None:
        """Report `rows` read, `done` of `total` units (bytes or rows), if it is time to."""
        now = time.monotonic()
        if now - self.last < PROGRESS_EVERY_S or done <= 0 or total <= 0:
            return
        self.last = now
        share = min(done / total, 1.0)
        left = (now - self.start) * (1 - share) / share
        self.log(f"    {self.name}: 已读 {rows:,} 行（{share:.0%}，{now - self.start:.0f} s），预计还需 {left:.0f} s")

    def done(self, rows: int) -> None:
        """The closing line of a file."""
        self.log(f"    {self.name}: {rows:,} 行（{time.monotonic() - self.start:.1f} s）")


def _positions(names: list[str], wanted: list[str]) -> dict[str, int]:
    """Column index of each wanted header that is present: the first if repeated, the one pandas would
    have kept under that name (it renames later repeats 'x.1')."""
    out: dict[str, int] = {}
    for i, name in enumerate(names):
        if name in wanted and name not in out:
            out[name] = i
    return out


def _check_columns(path: Path, names: list[str], needed: list[str]) -> None:
    """Stop with the file's name when a required column is missing."""
    missing = [c for c in needed if c not in names and c not in OPTIONAL_COLUMNS]
    if missing:
        raise ExtractError(f"{path.name}: 缺少必需的列 {'、'.join(missing)}")


def repeated(text: str, n: int) -> pa.Array:
    """A string array of one value n times, made from buffers (a Python list of it costs 40 times more, and
    runs under the interpreter lock that DuckDB's reading threads wait on)."""
    raw = text.encode()
    offsets = np.arange(0, (n + 1) * len(raw), len(raw), dtype=np.int32) if raw else np.zeros(n + 1, np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(raw * n))


def cell_text(value: object) -> str:
    """An XLSX cell as the text pandas' read_excel(dtype=str, engine='calamine') gives for it."""
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, dt.datetime | dt.time | dt.timedelta):
        return str(value)
    if isinstance(value, dt.date):
        return str(dt.datetime(value.year, value.month, value.day))
    return str(value)


_FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")
_CELL_REF = re.compile(r"([A-Z]+)(\d+)")
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def _sheet_member(book: zipfile.ZipFile, sheet: str) -> str | None:
    """The zip member holding a sheet's cells (workbook.xml names it, its relationships say where it is)."""
    try:
        workbook = ElementTree.fromstring(book.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(book.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        return None
    rid = next((e.get(f"{_REL}id") for e in workbook.iter(f"{_MAIN}sheet") if e.get("name") == sheet), None)
    target = next((e.get("Target") for e in rels.iter(f"{_PKG_REL}Relationship") if e.get("Id") == rid), None)
    if not target:
        return None
    return target.lstrip("/") if target.startswith("/") else f"xl/{target}"


def uncached_formulas(path: Path, sheet: str) -> set[tuple[int, int]]:
    """(row, column), 0-based, of the sheet's formula cells saved without a computed value (written by a
    program, never opened and saved in Excel): calamine reads them as empty cells, so an amount would load
    as nothing. A sheet without any formula costs one pass of unzipping, no parsing."""
    try:
        with zipfile.ZipFile(path) as book:
            member = _sheet_member(book, sheet)
            if member is None:
                return set()
            with book.open(member) as fh:
                tail, found = b"", False
                while chunk := fh.read(1 << 20):
                    if _FORMULA_TAG.search(tail + chunk):
                        found = True
                        break
                    tail = chunk[-32:]
            if not found:
                return set()
            cells: set[tuple[int, int]] = set()
            with book.open(member) as fh:
                for _, element in ElementTree.iterparse(fh, events=("end",)):
                    if element.tag == f"{_MAIN}c":
                        formula, value = element.find(f"{_MAIN}f"), element.find(f"{_MAIN}v")
                        empty = value is None or (not (value.text or "") and element.get("t") not in ("str", "inlineStr"))
                        ref = _CELL_REF.fullmatch(element.get("r") or "")
                        if formula is not None and empty and ref:
                            column = 0
                            for letter in ref.group(1):
                                column = column * 26 + ord(letter) - 64
                            cells.add((int(ref.group(2)) - 1, column - 1))
                        element.clear()
                    elif element.tag == f"{_MAIN}row":
                        element.clear()
            return cells
    except (OSError, zipfile.BadZipFile, ElementTree.ParseError, KeyError):
        return set()


@dataclass
class TableSource:
    """All files of one table as one Arrow stream of the needed columns (strings) plus `_file`, `_row`.

    An error met while DuckDB pulls the stream is kept in `error`, so the importer can raise it as it is
    (DuckDB reports a failed stream as its own error type)."""

    table: str
    paths: list[Path]
    log: Callable[[str], None] = print
    error: ExtractError | None = field(default=None, init=False)
    # (file name, 1-based data row, column header) of formula cells without a computed value: the importer
    # rejects their rows (reason formula_no_value) instead of loading them as empty.
    formula_cells: list[tuple[str, int, str]] = field(default_factory=list, init=False)

    @property
    def columns(self) -> list[str]:
        """The stream's columns: the table's headers, then the file name and 1-based data row."""
        return [*TABLES[self.table][1], "_file", "_row"]

    @property
    def schema(self) -> pa.Schema:
        """Strings, and `_row` as a 64-bit integer."""
        return pa.schema([(c, pa.int64() if c == "_row" else pa.string()) for c in self.columns])

    def reader(self) -> pa.RecordBatchReader:
        """A one-pass reader over every file, in file order."""
        return pa.RecordBatchReader.from_batches(self.schema, self._guarded())

    def _guarded(self) -> Iterator[pa.RecordBatch]:
        """The batches; a problem is remembered before it goes up through DuckDB."""
        try:
            for path in self.paths:
                self.log(f"  读取 {path.name}（{path.stat().st_size / 2**20:,.0f} MB）")
                if path.suffix.lower() == ".csv":
                    yield from self._csv(path)
                else:
                    yield from self._xlsx(path)
        except ExtractError as exc:
            self.error = exc
            raise
        except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
            self.error = parse_error(path, sniff_encoding(path), exc) if path.suffix.lower() == ".csv" else \
                ExtractError(f"{path.name}: 无法解码或解析：{str(exc).splitlines()[0][:120] if str(exc) else exc!r}")
            raise self.error from exc

    def _batch(self, path: Path, arrays: dict[str, pa.Array], first_row: int, n: int) -> pa.RecordBatch:
        """One output batch: the needed columns (an absent optional one as ''), file name, row numbers."""
        cols = [arrays[c] if c in arrays else repeated("", n) for c in TABLES[self.table][1]]
        cols.append(repeated(path.name, n))
        cols.append(pa.array(np.arange(first_row, first_row + n, dtype=np.int64)))
        return pa.RecordBatch.from_arrays(cols, schema=self.schema)

    def _csv(self, path: Path) -> Iterator[pa.RecordBatch]:
        """A CSV streamed block by block (pyarrow transcodes GBK/GB18030), with progress by bytes."""
        encoding = sniff_encoding(path)
        header = csv_header(path, encoding)
        names = [normalise_header(c) for c in header]
        wanted = _positions(names, TABLES[self.table][1])
        read = pacsv.ReadOptions(encoding=encoding, block_size=CSV_BLOCK_BYTES)
        convert = pacsv.ConvertOptions(
            column_types={c: pa.string() for c in header}, strings_can_be_null=False,
            quoted_strings_can_be_null=False, include_columns=[header[i] for i in wanted.values()],
        )
        expected, rows = estimated_rows(path), 0
        progress = Progress(path.name, self.log)
        try:
            with pacsv.open_csv(path, read_options=read, convert_options=convert) as reader:
                for batch in reader:
                    n = batch.num_rows
                    arrays = {c: batch.column(header[i]) for c, i in wanted.items()}
                    yield self._batch(path, arrays, rows + 1, n)
                    rows += n
                    progress.update(rows, rows, max(expected, rows / 0.99))
        except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
            raise parse_error(path, encoding, exc) from exc
        progress.done(rows)

    def _xlsx(self, path: Path) -> Iterator[pa.RecordBatch]:
        """Every sheet whose header row holds the table's columns (the first sheet always), one at a time."""
        needed = TABLES[self.table][1]
        try:
            book = CalamineWorkbook.from_path(str(path))
            names = [s.name for s in book.sheets_metadata if s.typ == SheetTypeEnum.WorkSheet]
        except Exception as exc:
            raise ExtractError(f"{path.name}: 无法读取 Excel 文件：{exc}") from exc
        for i, name in enumerate(names):
            try:
                sheet = book.get_sheet_by_name(name)
            except Exception as exc:
                raise ExtractError(f"{path.name}: 无法读取 Excel 文件：{exc}") from exc
            if sheet.start not in (None, (0, 0)):
                # A sheet that does not start at A1 is rare: let pandas lay it out as read_excel always did.
                yield from self._xlsx_sheet_pandas(path, name, i)
                continue
            rows = sheet.iter_rows()
            header = [normalise_header(cell_text(c)) for c in next(rows, [])]
            if i > 0 and not set(needed) - OPTIONAL_COLUMNS <= set(header):
                continue
            _check_columns(path, header, needed)
            wanted = _positions(header, needed)
            by_column = {j: c for c, j in wanted.items()}
            found = sorted((row, by_column[col]) for row, col in uncached_formulas(path, name) if col in by_column)
            self.formula_cells += [(path.name, row, column) for row, column in found if row >= 1]
            progress = Progress(f"{path.name} [{name}]", self.log)
            total, done = max(sheet.height - 1, 1), 0
            while True:
                chunk = [row for _, row in zip(range(XLSX_BATCH_ROWS), rows, strict=False)]
                if not chunk:
                    break
                arrays = {c: pa.array([cell_text(row[j]) for row in chunk], pa.string()) for c, j in wanted.items()}
                yield self._batch(path, arrays, done + 1, len(chunk))
                done += len(chunk)
                progress.update(done, done, total)
            progress.done(done)

    def _xlsx_sheet_pandas(self, path: Path, sheet: str, index: int) -> Iterator[pa.RecordBatch]:
        """One sheet through pandas (held whole, at most 1,048,576 rows), for sheets not starting at A1."""
        needed = TABLES[self.table][1]
        frame = pd.read_excel(path, sheet_name=sheet, dtype=str, engine="calamine", na_filter=False)
        frame.columns = [normalise_header(c) for c in frame.columns]
        if index > 0 and not set(needed) - OPTIONAL_COLUMNS <= set(frame.columns):
            return
        _check_columns(path, list(frame.columns), needed)
        wanted = _positions(list(frame.columns), needed)
        arrays = {c: pa.array(frame.iloc[:, j].astype(str).tolist(), pa.string()) for c, j in wanted.items()}
        yield self._batch(path, arrays, 1, len(frame))


def estimated_rows(path: Path, sample: int = 1 << 20) -> int:
    """A CSV's data rows estimated from its size and the line length of its first MiB (for time left:
    the reader runs ahead of the rows it has handed over, so its file position would overstate progress)."""
    with path.open("rb") as fh:
        head = fh.read(sample)
    lines = head.count(b"\n")
    if lines <= 1 or len(head) < sample:
        return max(lines - 1, 1)
    return max(int(path.stat().st_size / (len(head) / lines)) - 1, 1)


def csv_header(path: Path, encoding: str) -> list[str]:
    """A CSV's header row as written (checked before anything is staged)."""
    read = pacsv.ReadOptions(encoding=encoding, block_size=1 << 20)
    try:
        with pacsv.open_csv(path, read_options=read) as reader:
            return reader.schema.names
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise parse_error(path, encoding, exc) from exc


_RAGGED = re.compile(r"Expected (\d+) columns, got (\d+)")


def parse_error(path: Path, encoding: str, exc: Exception) -> ExtractError:
    """A CSV that cannot be parsed, said with the file, the row and the reason only. pyarrow's own message ends
    with the offending line, which holds a 残疾人证号: it never reaches the console, a log or the page."""
    ragged = _RAGGED.search(str(exc))
    if not ragged:
        text = str(exc).split("\n", 1)[0]
        return ExtractError(f"{path.name}: 无法解码或解析（按 {encoding} 读取）：{text.split(': ', 2)[:2][-1][:120]}")
    expected, got = int(ragged.group(1)), int(ragged.group(2))
    row = ragged_row(path, encoding, expected)
    where = f"第 {row:,} 行（数据行，不计表头）" if row else "有一行"
    return ExtractError(f"{path.name}: {where}有 {got} 列，表头有 {expected} 列：该行多了或少了分隔符（逗号），"
                        "或有不成对的引号。请在源系统中修正后重新导出。")


def ragged_row(path: Path, encoding: str, expected: int) -> int | None:
    """The first data row (1-based, blank lines not counted, as the importer numbers rows) whose number of
    fields differs from the header's; None if none is found."""
    try:
        with path.open(encoding=encoding, newline="", errors="replace") as fh:
            rows = csv.reader(fh)
            next(rows, None)
            number = 0
            for fields in rows:
                if not fields:
                    continue
                number += 1
                if len(fields) != expected:
                    return number
    except (OSError, csv.Error):
        return None
    return None


def read_table(folder: Path, table: str, log=print) -> TableSource | None:
    """All files of one table, CSV headers checked for its columns; None when an optional table is absent.

    XLSX headers are checked as each sheet is streamed (reading a sheet's header loads the sheet)."""
    required, needed = TABLES[table]
    paths = files_for(folder, table)
    if not paths:
        if required:
            raise ExtractError(f"缺少必需的文件：{table}（.csv 或 .xlsx）")
        return None
    for path in paths:
        if path.suffix.lower() == ".csv":
            _check_columns(path, [normalise_header(c) for c in csv_header(path, sniff_encoding(path))], needed)
    return TableSource(table, paths, log)
