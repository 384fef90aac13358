"""Read-only access to the warehouse, on DuckDB (a file), PostgreSQL or ClickHouse (a URL: chdb:///dir embedded,
clickhousedb://… a server). What differs between the engines is in queries/dialect.py."""

from __future__ import annotations

import os
import re
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from queries import dialect

ROOT = Path(__file__).resolve().parent.parent
DEMO_WAREHOUSE = ROOT / "var" / "demo.duckdb"
STATEMENT_TIMEOUT_S = float(os.environ.get("STATEMENT_TIMEOUT_S", "10"))
# DuckDB threads per query for the dashboard's reads. The marts are small: one thread spares the
# scheduling of parallel pipelines (about a fifth of a page's query time at county scale, the same at
# province scale), and the processes' sessions are the parallelism (one process per core).
DUCKDB_THREADS = max(1, int(os.environ.get("DUCKDB_THREADS", "1")))
# DuckDB's memory for the dashboard's reads (buffer pool and operators; past it, operators spill to a temporary
# folder of this process): with the default the whole process stays under 600 MB at province scale, the case
# store's first synchronisation included (bench/RESULTS.md). Same notation as DuckDB's memory_limit.
DUCKDB_MEMORY_LIMIT = os.environ.get("DUCKDB_MEMORY_LIMIT", "256MB")
_MEMORY = re.compile(r"\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)", re.IGNORECASE)
PG_SCHEMA = "warehouse"
# Bump when the importer changes a table the queries read; the app refuses older warehouses.
# 2: township marts (mart_*_town), read by every query at county level.
# 3: mart_person(_town).issued_year: a past year counts the certificates issued by its end.
# 4: mart_subsidy_first_paid.eligible_persons counts only certificates issued by the year's end.
# 5: monthly marts for 指标分析 (mart_subsidy_paid_month, mart_eligible_month), partner registers (fact_register_*).
# 6: mart_annual(_town) dense per unit, year, category and level (0 = all) with every annual count;
#    mart_subsidy_paid_month(_town) a column per subsidy; mart_severe_monitored_town dropped.
SCHEMA_VERSION = "6"



class WarehouseError(RuntimeError):
    """The warehouse cannot be opened or answered; the message says what to do."""


class WarehouseRetired(WarehouseError):
    """This connection was closed because a new import replaced the warehouse: ask the current one."""


def warehouse_url() -> str:
    """Where the warehouse is: env WAREHOUSE_URL, else the demo DuckDB file."""
    return os.environ.get("WAREHOUSE_URL") or str(DEMO_WAREHOUSE)


def is_postgres(url: str) -> bool:
    """True for a SQLAlchemy PostgreSQL URL."""
    return dialect.engine_of(url) == dialect.POSTGRESQL


def is_clickhouse(url: str) -> bool:
    """True for a ClickHouse URL: chdb:///dir (embedded) or clickhousedb://… (a server)."""
    return dialect.engine_of(url) == dialect.CLICKHOUSE


def is_duckdb(url: str) -> bool:
    """True for a DuckDB file path (anything that is not a PostgreSQL or ClickHouse URL)."""
    return dialect.engine_of(url) == dialect.DUCKDB


class _Watchdog:
    """One thread per process that interrupts DuckDB cursors past their deadline.

    Cheaper per query than a threading.Timer (which starts a thread each time: about 0.7 ms, a fifth
    of a small mart query)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._pending: dict[int, tuple[float, duckdb.DuckDBPyConnection]] = {}
        self._count = 0
        self._thread: threading.Thread | None = None

    def watch(self, cursor: duckdb.DuckDBPyConnection, timeout_s: float) -> int:
        """Start watching a cursor; returns the ticket to release it with."""
        deadline = time.monotonic() + timeout_s
        with self._cond:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="duckdb-watchdog", daemon=True)
                self._thread.start()
            self._count += 1
            earliest = min((d for d, _ in self._pending.values()), default=None)
            self._pending[self._count] = (deadline, cursor)
            if earliest is None or deadline < earliest:
                self._cond.notify()
            return self._count

    def release(self, ticket: int) -> None:
        """The query ended (or failed): stop watching it."""
        with self._cond:
            self._pending.pop(ticket, None)

    def _run(self) -> None:
        with self._cond:
            while True:
                if not self._pending:
                    self._cond.wait()
                    continue
                now = time.monotonic()
                for ticket in [t for t, (deadline, _) in self._pending.items() if deadline <= now]:
                    self._pending.pop(ticket)[1].interrupt()
                earliest = min((d for d, _ in self._pending.values()), default=None)
                self._cond.wait(None if earliest is None else max(0.0, earliest - now))


_WATCHDOG = _Watchdog()


@dataclass
class Warehouse:
    """A read-only connection; `frame(sql, **params)` runs one bound query."""

    url: str
    timeout_s: float = STATEMENT_TIMEOUT_S

    def __post_init__(self) -> None:
        self._lock = threading.Condition()
        self._active = 0  # DuckDB queries running now: close() waits for them
        self._closed = False
        self.engine = dialect.engine_of(self.url)
        self._ch = None
        if self.engine == dialect.CLICKHOUSE:
            from queries import clickhouse

            try:
                self._ch = clickhouse.Reader(self.url, self.timeout_s)
            except (clickhouse.ClickHouseError, ValueError) as exc:
                if getattr(exc, "code", "") == "UNKNOWN_DATABASE":
                    raise WarehouseError(
                        f"找不到数据仓库 {self.url}。请先导入数据：python -m data.importer 数据目录 --warehouse {self.url}"
                    ) from exc
                raise WarehouseError(f"无法打开 ClickHouse 数据仓库：{exc}") from exc
            self._duck = self._engine = None
        elif is_postgres(self.url):
            import sqlalchemy as sa

            options = (
                f"-c default_transaction_read_only=on -c statement_timeout={int(self.timeout_s * 1000)}"
                f" -c search_path={PG_SCHEMA}"
            )
            self._engine = sa.create_engine(
                self.url, connect_args={"options": options}, pool_pre_ping=True
            )
            try:
                with self._engine.connect() as con:
                    con.exec_driver_sql("SELECT 1")
            except Exception as exc:
                raise WarehouseError(f"无法连接 PostgreSQL 数据仓库：{exc}") from exc
            self._duck = None
        else:
            path = Path(self.url)
            if not path.exists():
                raise WarehouseError(
                    f"找不到数据仓库文件 {path}。请先导入数据：python -m data.importer 数据目录 --warehouse {path}"
                )
            try:
                self._duck = duckdb.connect(str(path), read_only=True)
                # A SET, not connect(config=...): another connection to the file in this process (the
                # importer's checks, tests) would then refuse to open with a different configuration.
                self._duck.execute(f"SET threads = {DUCKDB_THREADS:d}")
                if not _MEMORY.fullmatch(DUCKDB_MEMORY_LIMIT.strip()):
                    raise WarehouseError(f"环境变量 DUCKDB_MEMORY_LIMIT 须为如 256MB、1GB 的大小：{DUCKDB_MEMORY_LIMIT!r}")
                self._duck.execute(f"SET memory_limit = '{DUCKDB_MEMORY_LIMIT.strip()}'")  # checked just above
                spill = Path(tempfile.gettempdir()) / f"canlian-duckdb-{os.getpid()}"  # the warehouse's folder may be read-only
                self._duck.execute(f"SET temp_directory = '{str(spill).replace(chr(39), chr(39) * 2)}'")
            except duckdb.Error as exc:
                raise WarehouseError(f"无法以只读方式打开数据仓库 {path}：{exc}") from exc
            self._engine = None
        self._check_version()

    def _check_version(self) -> None:
        """Refuse a warehouse built by an older importer (its tables differ from what the queries read)."""
        try:
            frame = self.frame("SELECT value FROM meta_import WHERE key = 'schema_version'")
            version = str(frame["value"].iloc[0]) if len(frame) else "?"
        except Exception as exc:
            if not _missing_table(exc):  # a damaged file or a lost server is said as such, not as an old version
                self.close()
                raise
            version = "?"  # no meta_import at all: not a warehouse of this importer
        if version != SCHEMA_VERSION:
            self.close()
            raise WarehouseError(
                f"数据仓库 {self.url} 的版本为 {version}，本程序需要版本 {SCHEMA_VERSION}（汇总表有变）。"
                "请重新导入：python -m data.importer 数据目录 --warehouse 目标")

    def import_id(self) -> str:
        """The import this warehouse holds: meta_import's import_id (its imported_at for older importers)."""
        frame = self.frame("SELECT key, value FROM meta_import WHERE key IN ('import_id', 'imported_at')")
        meta = dict(zip(frame["key"], frame["value"], strict=True))
        return str(meta.get("import_id") or f"imported_at:{meta.get('imported_at', '')}")

    def frame(self, sql: str, **params: object) -> pd.DataFrame:
        """Run one SELECT with bound `:name` parameters; return a DataFrame."""
        sql = dialect.statement_text(self.engine, sql)
        used = {name: params[name] for name in dialect.parameters(sql)}
        if self._duck is not None:
            return self._duck_frame(dialect.duckdb_sql(sql), used)
        if self._ch is not None:
            return self._ch_frame(sql, used)
        import sqlalchemy as sa

        if self._closed:
            raise WarehouseRetired("数据仓库已被新的导入替换，请重试。")

        try:
            with self._engine.connect() as con:
                result = con.execute(sa.text(sql), used)
                return pd.DataFrame(result.fetchall(), columns=list(result.keys()))
        except sa.exc.OperationalError as exc:  # server down, or the statement timeout cancelled it
            raise WarehouseError(f"PostgreSQL 查询失败：{exc.orig}") from exc

    def _duck_frame(self, sql: str, params: dict) -> pd.DataFrame:
        """DuckDB: a cursor per query (thread-safe), interrupted past the timeout by the watchdog."""
        with self._lock:
            if self._closed:
                raise WarehouseRetired("数据仓库已被新的导入替换，请重试。")
            cursor = self._duck.cursor()
            self._active += 1
        ticket = _WATCHDOG.watch(cursor, self.timeout_s)
        try:
            return cursor.execute(sql, params).df()
        except duckdb.InterruptException as exc:
            raise WarehouseError(f"查询超过 {self.timeout_s:g} 秒被中止") from exc
        finally:
            _WATCHDOG.release(ticket)
            cursor.close()
            with self._lock:
                self._active -= 1
                self._lock.notify_all()

    def _ch_frame(self, sql: str, params: dict) -> pd.DataFrame:
        """ClickHouse: one query; a swap by the importer (its database renamed away for a moment) is waited out."""
        from queries import clickhouse

        for attempt in range(20):
            if self._closed:
                raise WarehouseRetired("数据仓库已被新的导入替换，请重试。")
            try:
                return self._ch.frame(sql, params)
            except clickhouse.ClickHouseError as exc:
                if exc.code == "UNKNOWN_DATABASE" and attempt < 19:
                    time.sleep(0.1)  # RENAME DATABASE warehouse_new TO warehouse is under way
                    continue
                if exc.code in ("TIMEOUT_EXCEEDED", "QUERY_WAS_CANCELLED"):
                    raise WarehouseError(f"查询超过 {self.timeout_s:g} 秒被中止") from exc
                raise WarehouseError(f"ClickHouse 查询失败：{exc}") from exc
        raise AssertionError("unreachable")

    def execute_unsafe(self, sql: str) -> None:
        """Run a statement as-is on the app's own connection (used only by the read-only tests)."""
        if self._ch is not None:
            self._ch.command(sql)
            return
        if self._duck is not None:
            self._duck.execute(sql)
            return
        with self._engine.begin() as con:
            con.exec_driver_sql(sql)

    def close(self) -> None:
        """Release the connection, once the queries running on it have ended (closing a DuckDB connection
        ends its cursors; the watchdog stops any query by its deadline)."""
        with self._lock:
            self._closed = True
            self._lock.wait_for(lambda: self._active == 0, timeout=self.timeout_s + 1)
        if self._duck is not None:
            self._duck.close()
        if self._engine is not None:
            self._engine.dispose()
        if self._ch is not None:
            self._ch.close()


def connect(url: str | None = None) -> Warehouse:
    """Open the warehouse read-only (default: WAREHOUSE_URL or the demo file)."""
    return Warehouse(url or warehouse_url())


def _missing_table(exc: BaseException) -> bool:
    """Whether an error says a table does not exist (DuckDB's CatalogException, PostgreSQL's undefined_table)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, duckdb.CatalogException) or getattr(seen, "sqlstate", None) == "42P01":
            return True
        if getattr(seen, "code", None) in ("UNKNOWN_TABLE", "UNKNOWN_DATABASE"):  # ClickHouse
            return True
        seen = seen.__cause__ or getattr(seen, "orig", None)
    return False
