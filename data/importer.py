"""Import a federation's extracts folder into a new read-only warehouse (DuckDB file, PostgreSQL or ClickHouse).

    python -m data.importer EXTRACTS_DIR --warehouse TARGET [--as-of YYYY-MM]

Every rule of extracts.md is checked in SQL (vectorised); rejected rows go to EXTRACTS_DIR/rejects.csv.
The new warehouse is built beside the old one and swapped in only when complete.

Memory is bounded: the files are streamed into a staging DuckDB database on disk beside the warehouse,
whose memory limit comes from IMPORT_MEMORY_LIMIT (default: a quarter of the machine's memory); DuckDB
spills joins, sorts and aggregates to a temporary folder there. The folder is removed at the end,
whether the import succeeded or not.
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import hashlib
import os
import re
import secrets
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

import duckdb
import pandas as pd
import yaml

from data import boundaries, identity, registers
from data.readers import BOUNDARY_TABLES, TABLES, ExtractError, files_for, read_table
from data.rules import REASONS, RULES, reason_sql
from queries import dialect
from queries.cells import write_csv
from queries.clickhouse import ClickHouseError
from queries.db import PG_SCHEMA, SCHEMA_VERSION, is_clickhouse, is_duckdb, is_postgres

ROOT = Path(__file__).resolve().parent.parent
ELIGIBILITY_FILE = ROOT / "config" / "eligibility.yaml"
BUILD_SQL = Path(__file__).with_name("build.sql")
# Tables that leave the staging database; nothing else (certificate numbers stay behind).
WAREHOUSE_TABLES = [
    "dim_region", "dim_person", "dim_household", "dim_employment_base", "dim_boundary",
    "fact_monitoring", "fact_subsidy_payment", "fact_rehab_service", "fact_employment",
    "fact_modification", "fact_care",
    "mart_person", "mart_subsidy_month", "mart_subsidy_first_paid", "mart_rehab", "mart_rehab_type",
    "mart_monitoring", "mart_employment", "mart_modification", "mart_care", "mart_severe_monitored",
    "mart_person_town", "mart_subsidy_month_town", "mart_subsidy_first_paid_town", "mart_rehab_town",
    "mart_rehab_type_town", "mart_monitoring_town", "mart_employment_town", "mart_modification_town",
    "mart_care_town",
    "mart_subsidy_paid_month", "mart_eligible_month", "mart_subsidy_paid_month_town", "mart_eligible_month_town",
    "mart_annual", "mart_annual_household", "mart_annual_town", "mart_annual_household_town",
    "meta_import", "meta_file", "meta_reject", "meta_boundary_issue",
    *registers.WAREHOUSE_TABLES,
    "public_marks",
]
# Tables whose valid rows are altered later (pseudonyms added) are copied out of their typed rows; the
# others are views over them, so 57 million payment rows are not copied once more.
COPIED = {"持证残疾人"}
# Stages the progress lines count: the nine tables, the three partner registers, pseudonyms, build,
# boundaries, the public set, write.
STEPS = 17
# Load order: each table's rules may refer to the valid keys of those before it.
STAGE = {
    "行政区划": "v_regions", "持证残疾人": "v_persons", "就业基地": "v_bases", "监测户": "v_monitoring",
    "两项补贴发放": "v_payments", "康复服务": "v_rehab", "就业情况": "v_employment",
    "无障碍改造": "v_modification", "托养服务": "v_care",
    **{table: view for table, (_, _, view) in registers.REGISTERS.items()},
}
TABLE_RULES = {**RULES, **registers.RULES}
# Column of the typed persons view behind each 持证残疾人 header, for the eligibility rule.
ELIGIBILITY_COLUMNS = {"是否低保": "is_dibao", "证件状态": "status", "残疾等级": "level",
                       "残疾类别": "category", "性别": "sex", "是否脱贫户": "is_tuopin"}
MEMORY_ENV = "IMPORT_MEMORY_LIMIT"
# Without IMPORT_MEMORY_LIMIT the import may use this share of the machine's memory (a server shares it).
DEFAULT_MEMORY_SHARE = 0.25
MIN_MEMORY = 1 << 30
# What the process holds outside DuckDB's buffer manager: the interpreter and its libraries, the batches
# being read, the pseudonym table (measured on the province set: bench/RESULTS.md).
OUTSIDE_DUCKDB = 1280 << 20
# Disk the import needs beside the warehouse, as a multiple of the extracts' size (staging database,
# DuckDB's spill files and the new warehouse at their peak; measured on the province set).
DISK_FACTOR = 0.8
DISK_MARGIN = 256 << 20
STAGING_DB = "staging"
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(I?B?)\s*$", re.IGNORECASE)


class DiskSpaceError(Exception):
    """Too little free disk for the import; the message says how much it needs and where."""


def parse_size(text: str) -> int:
    """'4GB', '4 GiB', '3500MB', '4g' or a number of bytes → bytes (powers of 1024 throughout)."""
    match = _SIZE.match(text)
    if not match:
        raise ValueError(f"无法识别的内存大小：{text!r}（例如 4GB、3500MB）")
    number, unit = float(match.group(1)), match.group(2).upper()
    return int(number * 1024 ** " KMGT".index(unit or " "))


def machine_memory() -> int:
    """Physical memory, or the container's memory limit if lower (bytes)."""
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        if limit.isdigit():
            total = min(total, int(limit))
    except OSError:
        pass
    return total


def memory_budget(setting: str | None = None) -> int:
    """The import's memory budget in bytes: the setting (or IMPORT_MEMORY_LIMIT), else a share of the machine."""
    text = setting or os.environ.get(MEMORY_ENV, "")
    if text.strip():
        return parse_size(text)
    return max(MIN_MEMORY, int(machine_memory() * DEFAULT_MEMORY_SHARE))


def duckdb_memory(budget: int) -> int:
    """DuckDB's memory_limit within the budget: what the rest of the process needs is kept back."""
    return max(budget // 2, budget - OUTSIDE_DUCKDB)


def gib(n: float) -> str:
    """Bytes as text: GB with one decimal, or MB below 1 GB."""
    return f"{n / 2**30:.1f} GB" if n >= 2**30 else f"{n / 2**20:.0f} MB"


def work_dir_for(target: str) -> Path:
    """The staging folder of this run: beside the warehouse file (its disk), or in TMPDIR for a server."""
    base = Path(target) if is_duckdb(target) else Path(tempfile.gettempdir()) / "canlian-import"
    base.parent.mkdir(parents=True, exist_ok=True)
    return base.with_name(f"{base.name}.staging-{os.getpid()}")


def remove_stale_work_dirs(work: Path) -> None:
    """Staging folders left by a killed import (its process is gone) are removed."""
    prefix = work.name.rsplit("-", 1)[0] + "-"
    for stale in work.parent.glob(prefix + "*"):
        if stale != work and not _pid_alive(stale.name.rsplit("-", 1)[-1]):
            shutil.rmtree(stale, ignore_errors=True)


def extracts_bytes(folder: Path) -> int:
    """Size of the table files the import reads."""
    return sum(p.stat().st_size for table in TABLES for p in files_for(folder, table))


def free_bytes(path: Path) -> int:
    """Free disk space where `path` lives."""
    return shutil.disk_usage(path).free


def check_disk(folder: Path, work: Path) -> None:
    """Stop before anything is written if the staging folder's disk cannot hold the import."""
    need = int(extracts_bytes(folder) * DISK_FACTOR) + DISK_MARGIN
    free = free_bytes(work.parent)
    if free < need:
        raise DiskSpaceError(
            f"磁盘空间不足：导入约需 {gib(need)}（数据文件的 {DISK_FACTOR:g} 倍），"
            f"{work.parent} 所在磁盘只剩 {gib(free)}。请清理磁盘或把数据仓库放到空间更大的磁盘上")


def open_staging(work: Path, duck_bytes: int) -> duckdb.DuckDBPyConnection:
    """The staging database: a file in the work folder, DuckDB's memory limit, spill files beside it."""
    work.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(str(work / f"{STAGING_DB}.duckdb"), config={
        "memory_limit": f"{duck_bytes >> 20}MB",
        "temp_directory": str(work / "spill"),
        # Rows need no particular order while staging (every ORDER BY is still honoured): lets DuckDB
        # stream and spill instead of keeping batches in order.
        "preserve_insertion_order": False,
    })


def month_end(as_of: str) -> dt.date:
    """'2024-12' → 2024-12-31: the last day the data may speak of."""
    year, month = (int(x) for x in as_of.split("-"))
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def pseudonym_key(target: str, key_file: str | None) -> bytes:
    """The HMAC key: env PSEUDONYM_KEY, else a 0600 key file beside the warehouse (created once)."""
    if os.environ.get("PSEUDONYM_KEY"):
        return os.environ["PSEUDONYM_KEY"].encode()
    path = Path(key_file) if key_file else default_key_path(target)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


def default_key_path(target: str) -> Path:
    """The key file's default place: beside a DuckDB file or chDB directory, else ./pseudonym.key."""
    if is_duckdb(target):
        return Path(target).with_suffix(".key")
    if target.startswith("chdb://"):
        from queries.clickhouse import parse

        path = parse(target).path
        return path.with_name(path.name + ".key")
    return Path("pseudonym.key")


def pseudonyms(values: pd.Series, key: bytes, domain: bytes) -> pd.Series:
    """Keyed hash (HMAC-SHA256) of each value as a signed 64-bit integer.

    HMAC as RFC 2104 defines it, from two pre-keyed SHA-256 states copied per value: the same digests as
    hmac.new, in less than half the time over millions of values."""
    block = key if len(key) <= 64 else hashlib.sha256(key).digest()
    block = block.ljust(64, b"\0")
    inner_pad = hashlib.sha256(bytes(b ^ 0x36 for b in block))
    outer_pad = hashlib.sha256(bytes(b ^ 0x5C for b in block))

    def one(value: str) -> int:
        inner = inner_pad.copy()
        inner.update(domain + value.encode())
        outer = outer_pad.copy()
        outer.update(inner.digest())
        return int.from_bytes(outer.digest()[:8], "big", signed=True)

    return pd.Series([one(v) for v in values], index=values.index, dtype="int64")


def eligibility_sql(rules: dict) -> dict[str, str]:
    """Configured eligibility as SQL over the typed persons view (values from the config, quoted)."""
    out = {}
    for subsidy in ("living", "nursing"):
        conds = []
        for header, accepted in rules[subsidy].items():
            column = ELIGIBILITY_COLUMNS[header]
            quoted = ", ".join("'" + str(v).replace("'", "''") + "'" for v in accepted)
            conds.append(f"{column} IN ({quoted})")
        out[subsidy] = " AND ".join(conds) or "true"
    return out


class Importer:
    """One import run: stream, validate and stage on disk under a memory limit, build, write, swap."""

    def __init__(self, folder: Path, target: str, as_of: str, key: bytes, log=print,
                 memory_limit: str | None = None, identity_key: bytes | None = None,
                 identity_path: Path | None = None) -> None:
        self.folder, self.target, self.as_of, self.key, self.log = folder, target, as_of, key, log
        # The identity store (names, certificate numbers) is written only with its own key (data/identity.py).
        self.identity_key = identity_key
        self.identity_path = identity_path or identity.store_path(target)
        self.budget = memory_budget(memory_limit)
        self.work = work_dir_for(target)
        self.con: duckdb.DuckDBPyConnection | None = None
        self.file_stats: list[dict] = []
        self.rejects: list[pd.DataFrame] = []
        self.present: dict[str, bool] = {}
        self.steps = 0

    def stage(self, table: str) -> None:
        """Read one table's files, give each row its first failing reason, keep the valid rows."""
        started = time.monotonic()
        self.step(table)
        source = read_table(self.folder, table, self.log)
        view = STAGE[table]
        typed_sql, rules, duplicate_keys = TABLE_RULES[table]
        if source is None:
            self.present[table] = False
            self.con.execute(f"CREATE TABLE {view} AS SELECT * FROM ({typed_sql}) WHERE false"
                             .replace("FROM src", f"FROM ({self._empty_src(table)})"))
            return
        self.present[table] = True
        sql = typed_sql.replace("cutoff_end", "getvariable('cutoff_end')")
        reasons = reason_sql(rules).replace("cutoff_end", "getvariable('cutoff_end')")
        typed = f"typed_{view}"
        # DuckDB pulls the files batch by batch from the stream; only the typed rows are stored.
        self.con.register("src", source.reader())
        try:
            self.con.execute(f"CREATE TABLE {typed} AS SELECT *, {reasons} AS _reason FROM ({sql})")
        except duckdb.Error:
            if source.error:
                raise source.error from None
            raise
        finally:
            self.con.unregister("src")
        read_s = time.monotonic() - started
        if source.formula_cells:  # before duplicates: such a row is not the first of its key either
            self.mark_formulas(typed, source.formula_cells)
        for reason, key in duplicate_keys:
            self.mark_duplicates(typed, reason, key)
        if table in COPIED:
            self.con.execute(f"CREATE TABLE {view} AS SELECT * EXCLUDE (_reason) FROM {typed} WHERE _reason IS NULL")
        else:
            self.con.execute(f"CREATE VIEW {view} AS SELECT * EXCLUDE (_reason) FROM {typed} WHERE _reason IS NULL")
        bad = self.con.execute(
            f"SELECT _file AS file, _row AS row, _reason AS reason FROM {typed} WHERE _reason IS NOT NULL "
            "ORDER BY _file, _row").df()
        stats = self.con.execute(
            "SELECT _file AS file, count(*) AS rows_read, count(*) FILTER (WHERE _reason IS NULL) AS rows_loaded "
            f"FROM {typed} GROUP BY _file ORDER BY _file").df()
        if table in COPIED:
            self.con.execute(f"DROP TABLE {typed}")
        stats["table_name"] = table
        stats["rows_rejected"] = stats["rows_read"] - stats["rows_loaded"]
        self.file_stats.extend(stats.to_dict("records"))
        bad["table_name"] = table
        self.rejects.append(bad)
        self.log(f"  {table}: 读入 {int(stats.rows_read.sum()):,} 行，载入 {int(stats.rows_loaded.sum()):,}，"
                 f"拒绝 {len(bad):,}（{time.monotonic() - started:.1f} s，其中读取与校验 {read_s:.1f} s）")

    def mark_formulas(self, typed: str, cells: list[tuple[str, int, str]]) -> None:
        """Reject the rows holding a formula cell without a computed value (whatever else they fail): the cell
        read as empty, and an empty amount would have loaded as nothing instead of the spreadsheet's number."""
        frame = pd.DataFrame(cells, columns=["file", "row", "column"])
        self.con.register("formula_cells", frame)
        try:
            self.con.execute(f"UPDATE {typed} SET _reason = 'formula_no_value' "
                             "WHERE (_file, _row) IN (SELECT file, row FROM formula_cells)")
        finally:
            self.con.unregister("formula_cells")
        for (file, column), n in frame.groupby(["file", "column"]).size().items():
            self.log(f"  {file}: {n:,} 个“{column}”单元格是没有计算结果的公式，所在行已拒绝")

    def mark_duplicates(self, typed: str, reason: str, key: str) -> None:
        """Only among otherwise good rows: the first occurrence (by file and row) stays, later ones are rejected.

        A 64-bit hash of the key picks the candidate rows in one aggregate (which spills; a window over
        every row would sort 57 million payments); equal keys have equal hashes, so every duplicate is a
        candidate, and the exact key and order decide among the candidates as before."""
        self.con.execute(f"""
            UPDATE {typed} SET _reason = '{reason}' WHERE _reason IS NULL AND (_file, _row) IN (
                SELECT _file, _row FROM (
                    SELECT _file, _row, row_number() OVER (PARTITION BY {key} ORDER BY _file, _row) AS n
                    FROM {typed} WHERE _reason IS NULL AND hash({key}) IN (
                        SELECT hash({key}) AS h FROM {typed} WHERE _reason IS NULL GROUP BY h HAVING count(*) > 1))
                WHERE n > 1)""")

    @staticmethod
    def _empty_src(table: str) -> str:
        """An empty string table with a table's columns (an absent optional file)."""
        cols = ", ".join(f"CAST(NULL AS VARCHAR) AS {c}" for c in TABLES[table][1])
        return f"SELECT {cols}, CAST(NULL AS VARCHAR) AS _file, CAST(NULL AS BIGINT) AS _row"

    def derive_keys(self) -> None:
        """Valid-key tables for later rules, and the pseudonyms (certificate → person_id)."""
        con = self.con
        rules = yaml.safe_load(ELIGIBILITY_FILE.read_text(encoding="utf-8"))
        elig = eligibility_sql(rules)
        con.execute(f"""ALTER TABLE v_persons ADD COLUMN is_living_eligible BOOLEAN;
                        ALTER TABLE v_persons ADD COLUMN is_nursing_eligible BOOLEAN;
                        UPDATE v_persons SET is_living_eligible = ({elig['living']}),
                                             is_nursing_eligible = ({elig['nursing']})""")
        persons = con.execute("SELECT cert, household_key FROM v_persons").df()
        keys = pd.DataFrame({
            "cert": persons["cert"],
            "person_id": pseudonyms(persons["cert"].str[:18], self.key, b"person:"),
            "household_id": pseudonyms(persons["household_key"], self.key, b"household:"),
            "household_key": persons["household_key"],
        })
        con.register("keys_df", keys)
        con.execute("CREATE TABLE v_person_key AS SELECT cert, person_id FROM keys_df")
        con.execute("CREATE TABLE v_household_key AS SELECT DISTINCT household_key, household_id FROM keys_df")
        con.execute("ALTER TABLE v_persons ADD COLUMN person_id BIGINT;"
                    "ALTER TABLE v_persons ADD COLUMN household_id BIGINT")
        con.execute("""UPDATE v_persons SET person_id = k.person_id, household_id = k.household_id
                       FROM keys_df k WHERE v_persons.cert = k.cert""")
        con.unregister("keys_df")
        con.execute("CREATE VIEW person_ok AS SELECT cert FROM v_person_key")
        con.execute("CREATE VIEW household_ok AS SELECT household_key FROM v_household_key")

    def write_identities(self) -> None:
        """The encrypted identity store beside the warehouse, when its key is configured (else nothing, said)."""
        if self.identity_key is None:
            self.log("  姓名库：未配置密钥（IDENTITY_KEY / IDENTITY_KEY_FILE），不生成；名单将只显示个案编号")
            return
        if self.identity_path is None:
            self.log("  姓名库：PostgreSQL 数据仓库须用环境变量 IDENTITY_STORE 指定姓名库文件，未生成")
            return
        rows = self.con.execute(f"SELECT person_id, name, cert, household_key FROM {STAGING_DB}.v_persons").fetchall()
        n = identity.write_store(self.identity_path, self.identity_key, rows)
        self.log(f"  姓名库：{n:,} 人，已加密写入 {self.identity_path}")

    def load_boundaries(self) -> None:
        """dim_boundary (WGS84 GeoJSON per region) and the boundary issues both ways."""
        rows, issues = [], []
        for table, required in BOUNDARY_TABLES.items():
            level = "township" if table == "乡镇边界" else "village"
            known = set(self.con.execute("SELECT region_code FROM dim_region WHERE level = $l", {"l": level})
                        .df()["region_code"])
            frame, found = boundaries.load_level(self.folder, table, level, known)
            if frame.empty and required:
                self.log(f"  警告：没有 {table} 文件，地图将无法显示")
            if not frame.empty or level == "township":
                missing = sorted(known - set(frame["region_code"]))
                found += [{"region_code": c, "level": level, "issue": "no_boundary"} for c in missing]
            rows.append(frame)
            issues.extend(found)
            self.log(f"  {table}: {len(frame)} 个边界；未匹配代码 "
                     f"{sum(i['issue'] == 'unknown_code' for i in found)}，无边界区划 "
                     f"{sum(i['issue'] == 'no_boundary' for i in found)}")
        self.con.register("boundary_df", pd.concat(rows, ignore_index=True).astype(
            {"region_code": str, "level": str, "geojson": str}))
        self.con.execute("CREATE TABLE dim_boundary AS SELECT * FROM boundary_df ORDER BY level, region_code")
        self.con.unregister("boundary_df")
        issue_frame = pd.DataFrame(issues, columns=["region_code", "level", "issue"]).astype(str)
        self.con.register("issue_df", issue_frame)
        self.con.execute("CREATE TABLE meta_boundary_issue AS SELECT * FROM issue_df")
        self.con.unregister("issue_df")

    def build(self) -> None:
        """Dimensions, facts, marts and the import's own metadata, written straight into the new warehouse."""
        self.con.execute(BUILD_SQL.read_text(encoding="utf-8"))
        self.con.execute(registers.BUILD_SQL)
        self.con.execute("SET preserve_insertion_order = true")  # the small tables below keep their frames' order
        files = pd.DataFrame(self.file_stats, columns=["table_name", "file", "rows_read", "rows_loaded",
                                                       "rows_rejected"])
        rejects = self.all_rejects()
        by_reason = (rejects.groupby(["table_name", "file", "reason"]).size().rename("rows").reset_index()
                     if len(rejects) else pd.DataFrame(columns=["table_name", "file", "reason", "rows"]))
        by_reason["reason_text"] = by_reason["reason"].map(REASONS)
        # import_id: unique per import, so a running dashboard can tell a new import from the one it caches.
        meta = pd.DataFrame({"key": ["schema_version", "imported_at", "as_of", "source", "import_id"],
                             "value": [SCHEMA_VERSION, dt.datetime.now().isoformat(timespec="seconds"),
                                       self.as_of, self.folder.resolve().name, uuid.uuid4().hex]})
        register_meta = registers.meta_frame(self.con.execute(registers.SPAN_SQL).df(), self.present, self.file_stats)
        for table, row in zip(register_meta["table_name"], register_meta.itertuples(), strict=True):
            if row.is_imported:
                self.log(f"  {table}: 有效 {row.rows_loaded:,} 行，其中持证残疾人 {row.rows_matched:,} 行")
        for name, frame in {"meta_file": files, "meta_reject": by_reason, "meta_import": meta,
                            "meta_register": register_meta}.items():
            self.con.register("frame_df", frame)
            self.con.execute(f"CREATE TABLE {name} AS SELECT * FROM frame_df")
            self.con.unregister("frame_df")

    def solve_public_set(self) -> str:
        """public_marks: the public set's marks, every year solved together with the identities between years
        (queries.public_set.import_marks), read from the warehouse being built with the dashboard's own
        queries, so a page view never solves it. Empty with PUBLIC_SET_LINKED=0 (each public view is then
        withheld on its own). Returns the sentence for the log."""
        from queries import public_set

        if public_set.linked():
            frame, said = public_set.import_marks(BuildingReader(self.con))
        else:
            frame = pd.DataFrame({c: [] for c in public_set.MARK_COLUMNS})
            said = f"未求解（{public_set.LINKED_SETTING}=0：各对外视图单独保护）"
        self.con.register("marks_df", frame)
        self.con.execute("CREATE TABLE public_marks AS SELECT CAST(year AS INTEGER) AS year, "
                         "CAST(cell_key AS VARCHAR) AS cell_key, CAST(mark AS VARCHAR) AS mark, "
                         "CAST(value AS DOUBLE) AS value FROM marks_df ORDER BY year, cell_key")
        self.con.unregister("marks_df")
        return said

    def all_rejects(self) -> pd.DataFrame:
        """Every rejected row: table, file, row, reason."""
        if not self.rejects:
            return pd.DataFrame(columns=["file", "row", "reason", "table_name"])
        return pd.concat(self.rejects, ignore_index=True)

    def step(self, name: str) -> None:
        """Progress: which stage of the import is running."""
        self.steps += 1
        self.log(f"[{self.steps}/{STEPS}] {name}")

    def run(self) -> dict:
        """The whole import; returns the summary. The staging folder is removed however it ends."""
        start = time.monotonic()
        self.log(f"导入 {self.folder} → {self.target}（数据截至 {self.as_of}）")
        remove_stale_work_dirs(self.work)
        check_disk(self.folder, self.work)
        duck = duckdb_memory(self.budget)
        self.log(f"内存上限 {gib(self.budget)}（DuckDB {gib(duck)}），临时文件 {self.work}")
        try:
            self.con = open_staging(self.work, duck)
            self.con.execute("SET VARIABLE cutoff_end = CAST($d AS DATE)", {"d": month_end(self.as_of)})
            summary = self._run(start)
        finally:
            if self.con is not None:
                self.con.close()
            shutil.rmtree(self.work, ignore_errors=True)
        return summary

    def _run(self, start: float) -> dict:
        """Every stage, in order."""
        self.stage("行政区划")
        self.con.execute("CREATE TABLE village_ok AS SELECT region_code FROM v_regions WHERE level = '村'")
        self.stage("持证残疾人")
        step = time.monotonic()
        self.step("假名化")
        self.derive_keys()
        self.log(f"  假名化：{time.monotonic() - step:.1f} s")
        self.stage("就业基地")
        self.con.execute("CREATE VIEW base_ok AS SELECT base_id FROM v_bases")
        for table in ["监测户", "两项补贴发放", "康复服务", "就业情况", "无障碍改造", "托养服务", *registers.REGISTERS]:
            self.stage(table)
        building = building_path(self.target, self.work)
        try:
            attach_output(self.con, building)
            self.step("生成维表、事实表与汇总表（直接写入新的数据仓库文件）")
            step = time.monotonic()
            self.build()
            self.log(f"  维表、事实表与汇总表：{time.monotonic() - step:.1f} s")
            self.step("边界")
            self.load_boundaries()
            self.step("对外公开数据的联合保护（各年分乡镇表与年际关系一起求解）")
            step = time.monotonic()
            said = self.solve_public_set()
            self.log(f"  对外公开数据：{said}（{time.monotonic() - step:.1f} s）")
            rejects = self.all_rejects()
            write_csv(rejects[["file", "row", "reason"]].assign(说明=rejects["reason"].map(REASONS)),
                      self.folder / "rejects.csv", encoding="utf-8-sig")  # a file's name stays text in Excel
            self.step("写入数据仓库")
            step = time.monotonic()
            publish(self.con, self.target, building)
            self.log(f"  写入：{time.monotonic() - step:.1f} s")
            self.write_identities()
        finally:
            building.unlink(missing_ok=True)
            Path(str(building) + ".wal").unlink(missing_ok=True)
        seconds = time.monotonic() - start
        self.print_summary(rejects, seconds)
        return {"seconds": seconds, "rejects": rejects, "files": pd.DataFrame(self.file_stats)}

    def print_summary(self, rejects: pd.DataFrame, seconds: float) -> None:
        """Rows read, loaded and rejected per file and per reason."""
        files = pd.DataFrame(self.file_stats)
        self.log("\n文件                              读入        载入      拒绝")
        for row in files.itertuples():
            self.log(f"{row.file:<30}{row.rows_read:>10,}{row.rows_loaded:>10,}{row.rows_rejected:>8,}")
        if len(rejects):
            self.log("\n拒绝原因：")
            for (table, reason), n in rejects.groupby(["table_name", "reason"]).size().items():
                self.log(f"  {table:<8} {reason:<18} {REASONS[reason]:<24} {n:>6,}")
        self.log(f"\n完成：{int(files.rows_loaded.sum()):,} 行载入，{len(rejects):,} 行拒绝"
                 f"（明细见 {self.folder / 'rejects.csv'}），用时 {seconds:.1f} s")


class BuildingReader:
    """The warehouse being built (attached to the import's connection, before the swap), read with the
    dashboard's own queries: what `queries.db.Warehouse.frame` does on DuckDB."""

    engine = dialect.DUCKDB

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def frame(self, sql: str, **params: object) -> pd.DataFrame:
        """Run one SELECT with bound `:name` parameters; return a DataFrame."""
        sql = dialect.statement_text(self.engine, sql)
        return self.con.execute(dialect.duckdb_sql(sql), {n: params[n] for n in dialect.parameters(sql)}).df()


def building_path(target: str, work: Path) -> Path:
    """Where the new warehouse is built: beside the old file (renamed over it when complete), or in the
    work folder when it goes on to PostgreSQL or ClickHouse. Half-built files of killed imports are removed."""
    if not is_duckdb(target):
        return work / "warehouse.duckdb"
    final = Path(target)
    final.parent.mkdir(parents=True, exist_ok=True)
    for stale in final.parent.glob(final.name + ".building-*"):
        if not stale.name.endswith(".wal") and not _pid_alive(stale.name.rsplit("-", 1)[-1]):
            stale.unlink(missing_ok=True)
            Path(str(stale) + ".wal").unlink(missing_ok=True)
    return final.with_name(f"{final.name}.building-{os.getpid()}")


def attach_output(con: duckdb.DuckDBPyConnection, building: Path) -> None:
    """Tables created from here on go straight into the new warehouse file (no copy of the facts at the
    end); the staging tables stay readable by their names."""
    con.execute("ATTACH $p AS wh", {"p": str(building)})
    con.execute("USE wh")
    con.execute(f"SET search_path = 'wh.main,{STAGING_DB}.main'")


def publish(con: duckdb.DuckDBPyConnection, target: str, building: Path) -> None:
    """Check that the new warehouse holds exactly the warehouse tables, then swap it in atomically."""
    made = {t for (t,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = 'wh'").fetchall()}
    if made != set(WAREHOUSE_TABLES):
        raise RuntimeError(f"warehouse tables differ from WAREHOUSE_TABLES: {sorted(made ^ set(WAREHOUSE_TABLES))}")
    con.execute("SET preserve_insertion_order = true")
    if is_postgres(target):
        write_postgres(con, target)
    elif is_clickhouse(target):
        from data.chwriter import write_clickhouse

        write_clickhouse(con, target, WAREHOUSE_TABLES)
    con.execute(f"USE {STAGING_DB}")
    con.execute("DETACH wh")
    if is_duckdb(target):
        os.replace(building, target)


def _pid_alive(pid: str) -> bool:
    """Whether a process of that id still runs (its half-built file is not ours to delete)."""
    try:
        os.kill(int(pid), 0)
        return True
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True


PG_TYPES = {"BIGINT": "BIGINT", "INTEGER": "INTEGER", "VARCHAR": "TEXT", "DATE": "DATE",
            "BOOLEAN": "BOOLEAN", "DOUBLE": "DOUBLE PRECISION", "HUGEINT": "NUMERIC(38, 0)",
            "TIMESTAMP": "TIMESTAMP"}


def write_postgres(con: duckdb.DuckDBPyConnection, url: str) -> None:
    """Load every table into schema warehouse_new, then swap schemas in one transaction."""
    import psycopg

    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    new = f"{PG_SCHEMA}_new"
    with psycopg.connect(dsn) as pg, tempfile.TemporaryDirectory() as tmp:
        pg.execute(f"DROP SCHEMA IF EXISTS {new} CASCADE")
        pg.execute(f"CREATE SCHEMA {new}")
        con.execute("SET preserve_insertion_order = true")
        for table in WAREHOUSE_TABLES:
            columns = con.execute(f"DESCRIBE {table}").fetchall()
            ddl = ", ".join(f'"{name}" {PG_TYPES.get(kind, kind if kind.startswith("DECIMAL") else "TEXT")}'
                            for name, kind, *_ in columns)
            pg.execute(f"CREATE TABLE {new}.{table} ({ddl})")
            csv = Path(tmp) / f"{table}.csv"
            con.execute(f"COPY {table} TO '{csv}' (HEADER false)")
            with pg.cursor().copy(f"COPY {new}.{table} FROM STDIN (FORMAT csv)") as copy, csv.open("rb") as fh:
                while chunk := fh.read(1 << 20):
                    copy.write(chunk)
            csv.unlink()
        pg.execute(f"DROP SCHEMA IF EXISTS {PG_SCHEMA}_old CASCADE")
        exists = pg.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (PG_SCHEMA,)).fetchone()
        if exists:
            pg.execute(f"ALTER SCHEMA {PG_SCHEMA} RENAME TO {PG_SCHEMA}_old")
        pg.execute(f"ALTER SCHEMA {new} RENAME TO {PG_SCHEMA}")
        pg.execute(f"DROP SCHEMA IF EXISTS {PG_SCHEMA}_old CASCADE")
        pg.commit()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(
        prog="python -m data.importer",
        description="把残联导出的数据文件夹导入只读数据仓库（DuckDB 文件、PostgreSQL 或 ClickHouse）。"
                    " Import a federation's extracts folder into the warehouse.",
        epilog="可选的伙伴名单（民政低保特困、死亡人员、乡村振兴监测对象，见 docs/compare.md）与其他文件放在同一文件夹。"
               "配置了姓名库密钥（环境变量 IDENTITY_KEY 或 IDENTITY_KEY_FILE，放在 var/ 之外）时，另写加密的姓名库"
               "（默认在数据仓库文件旁，后缀 .identity；环境变量 IDENTITY_STORE 可指定）。")
    parser.add_argument("extracts_dir", type=Path, help="数据文件夹（见 extracts.md 的文件约定）")
    parser.add_argument("--warehouse", required=True,
                        help="目标：DuckDB 文件路径；postgresql+psycopg://用户@主机/库；"
                             "clickhousedb://用户:密码@主机:8123/库（ClickHouse 服务器，集群加 ?cluster=名称）；"
                             "chdb:///绝对路径/目录（嵌入式 chDB，见 docs/clickhouse.md）")
    parser.add_argument("--as-of", default=dt.date.today().strftime("%Y-%m"),
                        help="数据截止月 YYYY-MM：晚于它的月份和日期被拒绝（默认：本月）")
    parser.add_argument("--key-file", help="假名化密钥文件（默认：仓库旁的 .key 文件；环境变量 PSEUDONYM_KEY 优先）")
    parser.add_argument("--memory-limit", help=f"导入可用的内存，如 4GB（默认：环境变量 {MEMORY_ENV}，"
                        f"否则本机内存的 {DEFAULT_MEMORY_SHARE:.0%}%）")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Entry point: 0 on success, 2 with a message naming the file or column otherwise."""
    args = parse_args(argv)
    if not args.extracts_dir.is_dir():
        print(f"错误：数据文件夹不存在：{args.extracts_dir}", file=sys.stderr)
        return 2
    try:
        month_end(args.as_of)
    except ValueError:
        print(f"错误：--as-of 须为 YYYY-MM：{args.as_of}", file=sys.stderr)
        return 2
    try:
        memory_budget(args.memory_limit)
    except ValueError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    key = pseudonym_key(args.warehouse, args.key_file)
    try:
        identity_key = identity.configured_key()
        if identity_key is not None:
            identity.check_key(identity_key)
        Importer(args.extracts_dir, args.warehouse, args.as_of, key, memory_limit=args.memory_limit,
                 identity_key=identity_key).run()
    except (ExtractError, DiskSpaceError, identity.IdentityError, ClickHouseError) as exc:
        print(f"错误：{exc}（数据仓库未改动）", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
