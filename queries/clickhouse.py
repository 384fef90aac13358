"""The ClickHouse warehouse: a server or cluster through clickhouse-connect (`clickhousedb://…`), or the same
engine embedded in the process by chDB (`chdb:///absolute/dir`). Reading only; the importer writes it
(data/chwriter.py). What differs from DuckDB and PostgreSQL in the SQL is in queries/dialect.py.

chDB runs one engine per process, on one directory, and the directory is locked by the process that opened
it: several dashboard processes cannot share one chDB directory (the second is refused with a message), nor
can the importer write it while a dashboard process has it open. A deployment with several processes, or an
import beside running dashboards, uses a ClickHouse server (docs/clickhouse.md)."""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pandas as pd

from queries.dialect import CHDB_SCHEME, CLICKHOUSE_SETTINGS, clickhouse_bind, clickhouse_value, normalise

DEFAULT_DATABASE = "warehouse"
_CODE = re.compile(r"\(([A-Z_]+)\)\s*$")


class ClickHouseError(RuntimeError):
    """A ClickHouse error with its code name (UNKNOWN_TABLE, TIMEOUT_EXCEEDED, …) when the message has one."""

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Target:
    """Where a ClickHouse warehouse is: a chDB directory or a server, and the database holding its tables."""

    url: str
    database: str
    path: Path | None = None  # chDB
    host: str = ""
    port: int = 8123
    username: str = "default"
    password: str = ""
    secure: bool = False
    cluster: str = ""  # on a server: the cluster whose shards hold the tables (DDL ON CLUSTER, Distributed)

    @property
    def embedded(self) -> bool:
        return self.path is not None


def parse(url: str) -> Target:
    """`chdb:///abs/dir[?database=name]` or `clickhousedb://user:password@host:8123/db[?cluster=name&secure=1]`."""
    if url.startswith(CHDB_SCHEME):
        rest, _, query = url[len(CHDB_SCHEME):].partition("?")
        options = {k: v[-1] for k, v in parse_qs(query).items()}
        path = Path(unquote(rest))
        if not path.is_absolute():
            raise ValueError(f"chDB 数据仓库须写绝对路径，如 chdb:///srv/canlian/warehouse（收到 {url}）")
        return Target(url, options.get("database", DEFAULT_DATABASE), path=path)
    parts = urlsplit(url)
    options = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    secure = parts.scheme == "clickhousedbs" or options.get("secure", "") in ("1", "true")
    return Target(url, (parts.path or "").strip("/") or DEFAULT_DATABASE, host=parts.hostname or "localhost",
                  port=parts.port or (8443 if secure else 8123), username=unquote(parts.username or "default"),
                  password=unquote(parts.password or ""), secure=secure, cluster=options.get("cluster", ""))


def error_code(exc: BaseException) -> str:
    """The ClickHouse code name at the end of an error message ('UNKNOWN_TABLE'), '' if none."""
    code = getattr(exc, "code", "")
    if isinstance(code, str) and code:
        return code
    match = _CODE.search(str(exc).strip())
    return match.group(1) if match else ""


def holder_pid(path: Path) -> str:
    """The process that holds a chDB directory, from the status file ClickHouse writes there ('' if unknown)."""
    try:
        text = (path / "status").read_text(errors="replace")
    except OSError:
        return ""
    match = re.search(r"PID:\s*(\d+)", text)
    return match.group(1) if match else ""


_CHDB_LOCK = threading.Lock()


def open_chdb(path: Path, database: str | None, read_only: bool, timeout_s: float | None = None):
    """A chDB session on the directory (read-only: readonly mode, the dialect's settings as start-up
    arguments); a clear message when another process holds the directory or this process has another."""
    import chdb.session

    args = {}
    if read_only:
        args["mode"] = "ro"
        args["readonly"] = 1  # readonly=1, as the server's dashboard profile: no writes, no setting changed by a query
        args.update({k: v for k, v in CLICKHOUSE_SETTINGS.items()})
        if timeout_s:
            args["max_execution_time"] = f"{timeout_s:g}"
    if database:
        args["database"] = database
    conn = str(path) + ("?" + "&".join(f"{k}={v}" for k, v in args.items()) if args else "")
    with _CHDB_LOCK:
        try:
            return chdb.session.Session(conn)
        except RuntimeError as exc:
            text = str(exc)
            if "already initialized with path" in text:
                raise ClickHouseError(
                    f"本进程已打开另一个 chDB 目录，不能再打开 {path}（chDB 每个进程只能使用一个目录）。"
                    f" chDB runs one directory per process: {text}", "BAD_ARGUMENTS") from exc
            if "initializing EmbeddedServer" in text:
                pid = holder_pid(path)
                holder = f"另一个进程（PID {pid}）" if pid and pid != str(os.getpid()) else "另一个进程"
                raise ClickHouseError(
                    f"chDB 目录 {path} 正被{holder}使用：chDB 是嵌入式引擎，一个目录同时只能由一个进程打开。"
                    "多个看板进程或边运行看板边导入，请改用 ClickHouse 服务器（clickhousedb://…，见 docs/clickhouse.md）。"
                    " The chDB directory is held by another process; several processes need a ClickHouse server."
                    f" ({text})", "DIRECTORY_LOCKED") from exc
            raise ClickHouseError(text, error_code(exc)) from exc


class Reader:
    """Read-only queries on a ClickHouse warehouse; `frame(sql, params)` with `:name` parameters."""

    def __init__(self, url: str, timeout_s: float) -> None:
        self.target = parse(url)
        self.timeout_s = timeout_s
        self._session = None
        self._client = None
        if self.target.embedded:
            if not (self.target.path / "metadata").is_dir():
                raise ClickHouseError(f"找不到 chDB 数据仓库目录 {self.target.path}", "UNKNOWN_DATABASE")
            self._session = open_chdb(self.target.path, self.target.database, read_only=True, timeout_s=timeout_s)
        else:
            import clickhouse_connect

            try:
                self._client = clickhouse_connect.get_client(
                    host=self.target.host, port=self.target.port, username=self.target.username,
                    password=self.target.password, database=self.target.database, secure=self.target.secure,
                    autogenerate_session_id=False, query_limit=0,
                    settings={**CLICKHOUSE_SETTINGS, "max_execution_time": int(timeout_s) or 1})
            except Exception as exc:
                raise ClickHouseError(f"无法连接 ClickHouse：{exc}", error_code(exc)) from exc
        self.check_settings()

    def check_settings(self) -> None:
        """The dialect's settings are in force (a read-only user's profile must set them: it may not send them)."""
        names = list(CLICKHOUSE_SETTINGS)
        frame = self.frame("SELECT " + ", ".join(f"toString(getSetting('{n}')) AS {n}" for n in names), {})
        def expected(value: object) -> str:
            return {1: "true", 0: "false"}.get(value, str(value).lower()) if isinstance(value, int) else str(value).lower()

        wrong = [n for n in names if str(frame[n].iloc[0]).lower() != expected(CLICKHOUSE_SETTINGS[n])]
        if wrong:
            raise ClickHouseError(
                "ClickHouse 看板账号的设置不符合要求（结果会与 DuckDB/PostgreSQL 不同）："
                + "、".join(f"{n}={frame[n].iloc[0]}（应为 {CLICKHOUSE_SETTINGS[n]}）" for n in wrong)
                + "。请在该账号的 profile 中设置（见 docs/clickhouse.md）", "SETTINGS")

    def frame(self, sql: str, params: dict[str, object]) -> pd.DataFrame:
        """Run one SELECT; unsigned counts, decimals and dates come back as DuckDB's types."""
        text, bound = clickhouse_bind(sql, params)
        try:
            if self._session is not None:
                result = self._session.query(text, "DataFrame",
                                             params={k: clickhouse_value(v) for k, v in bound.items()} or None)
            else:
                result = self._client.query_df(text, parameters=bound or None)
        except Exception as exc:
            raise ClickHouseError(str(exc), error_code(exc)) from exc
        return normalise(result)

    def command(self, sql: str) -> None:
        """Run a statement as-is (the read-only tests: it must be refused)."""
        try:
            if self._session is not None:
                self._session.query(sql, "CSV")
            else:
                self._client.command(sql)
        except Exception as exc:
            code = error_code(exc)
            said = "数据仓库连接为只读（read-only）：" if code == "READONLY" else ""
            raise ClickHouseError(said + str(exc), code) from exc

    def close(self) -> None:
        if self._session is not None:
            with _CHDB_LOCK:
                self._session.close()
            self._session = None
        if self._client is not None:
            self._client.close()
            self._client = None
