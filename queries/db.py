"""Read-only access to the warehouse, on DuckDB (a file) or PostgreSQL (a URL)."""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
DEMO_WAREHOUSE = ROOT / "var" / "demo.duckdb"
STATEMENT_TIMEOUT_S = float(os.environ.get("STATEMENT_TIMEOUT_S", "10"))
PG_SCHEMA = "warehouse"
# Bump when the importer changes a table the queries read; the app refuses older warehouses.
SCHEMA_VERSION = "1"

_PARAM = re.compile(r"(?<![:\w]):([a-z_][a-z0-9_]*)")


class WarehouseError(RuntimeError):
    """The warehouse cannot be opened or answered; the message says what to do."""


def warehouse_url() -> str:
    """Where the warehouse is: env WAREHOUSE_URL, else the demo DuckDB file."""
    return os.environ.get("WAREHOUSE_URL") or str(DEMO_WAREHOUSE)


def is_postgres(url: str) -> bool:
    """True for a SQLAlchemy PostgreSQL URL, False for a DuckDB file path."""
    return url.startswith(("postgresql:", "postgresql+", "postgres:"))


@dataclass
class Warehouse:
    """A read-only connection; `frame(sql, **params)` runs one bound query."""

    url: str
    timeout_s: float = STATEMENT_TIMEOUT_S

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        if is_postgres(self.url):
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
            except duckdb.Error as exc:
                raise WarehouseError(f"无法以只读方式打开数据仓库 {path}：{exc}") from exc
            self._engine = None

    def frame(self, sql: str, **params: object) -> pd.DataFrame:
        """Run one SELECT with bound `:name` parameters; return a DataFrame."""
        used = {name: params[name] for name in set(_PARAM.findall(sql))}
        if self._duck is not None:
            return self._duck_frame(_PARAM.sub(r"$\1", sql), used)
        import sqlalchemy as sa

        try:
            with self._engine.connect() as con:
                result = con.execute(sa.text(sql), used)
                return pd.DataFrame(result.fetchall(), columns=list(result.keys()))
        except sa.exc.OperationalError as exc:  # server down, or the statement timeout cancelled it
            raise WarehouseError(f"PostgreSQL 查询失败：{exc.orig}") from exc

    def _duck_frame(self, sql: str, params: dict) -> pd.DataFrame:
        """DuckDB: a cursor per query (thread-safe), interrupted past the timeout."""
        with self._lock:
            cursor = self._duck.cursor()
        timer = threading.Timer(self.timeout_s, cursor.interrupt)
        timer.start()
        try:
            return cursor.execute(sql, params).df()
        except duckdb.InterruptException as exc:
            raise WarehouseError(f"查询超过 {self.timeout_s:g} 秒被中止") from exc
        finally:
            timer.cancel()
            cursor.close()

    def execute_unsafe(self, sql: str) -> None:
        """Run a statement as-is on the app's own connection (used only by the read-only tests)."""
        if self._duck is not None:
            self._duck.execute(sql)
            return
        with self._engine.begin() as con:
            con.exec_driver_sql(sql)

    def close(self) -> None:
        """Release the connection."""
        if self._duck is not None:
            self._duck.close()
        if self._engine is not None:
            self._engine.dispose()


def connect(url: str | None = None) -> Warehouse:
    """Open the warehouse read-only (default: WAREHOUSE_URL or the demo file)."""
    return Warehouse(url or warehouse_url())
