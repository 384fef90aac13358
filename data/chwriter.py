"""The importer's ClickHouse writer: the warehouse built in DuckDB (data/build.sql) copied into a new
ClickHouse database, then swapped in by renaming databases, so a failed import leaves the old one untouched.

Tables are MergeTree, ordered by the keys the pages filter on: build.sql's ORDER BY of each table (the
village marts by township, village, time; the township marts by time, township), cut before the first column
that holds a NULL (a sorting key is not Nullable). A column is Nullable only if it holds a NULL.

On a cluster (`clickhousedb://…/warehouse?cluster=NAME`) the data lives in `<db>_shard` on every node, as
ReplicatedMergeTree tables, and `<db>` holds Distributed tables of the same names over them (the names the
queries read). The importer builds `<db>_shard_new` ON CLUSTER and swaps it in by RENAME DATABASE ON CLUSTER;
the Distributed tables name `<db>_shard`, so they read the new data once it is renamed (they are recreated
when the columns change). docs/clickhouse.md shows the DDL.
"""

from __future__ import annotations

import re
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

from data import registers
from queries.clickhouse import ClickHouseError, Target, error_code, open_chdb, parse

BUILD_SQL = Path(__file__).with_name("build.sql")
_TABLE = re.compile(r"CREATE TABLE (\w+) AS(.*?);", re.DOTALL)
_ORDER = re.compile(r"\bORDER BY ([\w.,\s]+?)\s*$", re.DOTALL)
TYPES = {"BIGINT": "Int64", "INTEGER": "Int32", "SMALLINT": "Int16", "TINYINT": "Int8", "HUGEINT": "Int64",
         "UBIGINT": "UInt64", "UINTEGER": "UInt32", "VARCHAR": "String", "DATE": "Date32", "BOOLEAN": "Bool",
         "DOUBLE": "Float64", "FLOAT": "Float32", "TIMESTAMP": "DateTime64(6)"}
# What DuckDB must cast a column to before Parquet, for ClickHouse to read it as the type above.
CASTS = {"HUGEINT": "BIGINT"}
SHARD_KEYS = ("person_id", "household_id", "township_code")  # the first a table has shards it


def sort_keys() -> dict[str, list[str]]:
    """Each warehouse table's ORDER BY in build.sql (and the registers' SQL), without table aliases."""
    keys = {}
    for sql in (BUILD_SQL.read_text(encoding="utf-8"), registers.BUILD_SQL):
        sql = re.sub(r"--[^\n]*", "", sql)
        for name, body in _TABLE.findall(sql):
            match = _ORDER.search(body)
            if match:
                keys[name] = [c.strip().split(".")[-1] for c in match.group(1).split(",")]
    return keys


def column_type(duck_type: str, nullable: bool) -> str:
    """ClickHouse's type for a DuckDB column type."""
    if duck_type.startswith("DECIMAL"):
        kind = duck_type.replace("DECIMAL", "Decimal")
    else:
        kind = TYPES.get(duck_type, "String")
    return f"Nullable({kind})" if nullable else kind


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str, bool]]:
    """(name, DuckDB type, holds a NULL) of each column of a warehouse table."""
    described = [(name, kind) for name, kind, *_ in con.execute(f"DESCRIBE {table}").fetchall()]
    nulls = con.execute("SELECT " + ", ".join(f'count(*) - count("{c}")' for c, _ in described)
                        + f" FROM {table}").fetchone()
    return [(name, kind, bool(n)) for (name, kind), n in zip(described, nulls, strict=True)]


def table_ddl(table: str, columns: list[tuple[str, str, bool]], keys: list[str], database: str,
              cluster: str = "") -> list[str]:
    """CREATE TABLE statement(s) for one table: MergeTree ordered by its keys (cut at the first nullable one);
    on a cluster a ReplicatedMergeTree in `database` (the shard database) ON CLUSTER."""
    nullable = {name for name, _, has_null in columns if has_null}
    order = []
    for key in keys:
        if key in nullable or key not in {c for c, _, _ in columns}:
            break
        order.append(key)
    body = ", ".join(f"`{name}` {column_type(kind, has_null)}" for name, kind, has_null in columns)
    order_by = f"({', '.join(order)})" if order else "tuple()"
    if cluster:
        engine = "ReplicatedMergeTree('/clickhouse/tables/{uuid}/{shard}', '{replica}')"
        return [f"CREATE TABLE {database}.{table} ON CLUSTER {cluster} ({body}) ENGINE = {engine} ORDER BY {order_by}"]
    return [f"CREATE TABLE {database}.{table} ({body}) ENGINE = MergeTree ORDER BY {order_by}"]


def distributed_ddl(table: str, columns: list[tuple[str, str, bool]], database: str, shard_database: str,
                    cluster: str) -> str:
    """The Distributed table the queries read on a cluster, over the shard tables of the same name."""
    names = {c for c, _, _ in columns}
    key = next((f"cityHash64({k})" for k in SHARD_KEYS if k in names), "rand()")
    body = ", ".join(f"`{name}` {column_type(kind, has_null)}" for name, kind, has_null in columns)
    return (f"CREATE OR REPLACE TABLE {database}.{table} ON CLUSTER {cluster} ({body}) "
            f"ENGINE = Distributed({cluster}, {shard_database}, {table}, {key})")


class _Server:
    """Statements and inserts on the target: a chDB session, or a clickhouse-connect client."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.session = self.client = None
        if target.embedded:
            target.path.mkdir(parents=True, exist_ok=True)
            self.session = open_chdb(target.path, None, read_only=False)
        else:
            import clickhouse_connect

            self.client = clickhouse_connect.get_client(
                host=target.host, port=target.port, username=target.username, password=target.password,
                secure=target.secure, autogenerate_session_id=False, query_limit=0)

    def command(self, sql: str) -> str:
        try:
            if self.session is not None:
                return str(self.session.query(sql, "TabSeparated")).strip()
            return str(self.client.command(sql))
        except Exception as exc:
            raise ClickHouseError(f"ClickHouse: {exc} [{sql[:200]}]", error_code(exc)) from exc

    def load(self, database: str, table: str, parquet: Path) -> None:
        """Insert a Parquet file's rows (chDB reads the file; a server is sent Arrow batches)."""
        if self.session is not None:
            self.command(f"INSERT INTO {database}.{table} SELECT * FROM file('{parquet}', Parquet)")
            return
        import pyarrow.parquet as pq

        for batch in pq.ParquetFile(parquet).iter_batches(batch_size=1_000_000):
            import pyarrow as pa

            self.client.insert_arrow(table, pa.Table.from_batches([batch]), database=database)

    def close(self) -> None:
        if self.session is not None:
            self.session.close()
        if self.client is not None:
            self.client.close()


def write_clickhouse(con: duckdb.DuckDBPyConnection, url: str, tables: list[str],
                     log: Callable[[str], None] = lambda _: None) -> None:
    """Copy every warehouse table into a new ClickHouse database, then swap it in (RENAME DATABASE).

    Until the swap nothing the dashboard reads is touched; on any error the new database is dropped."""
    target = parse(url)
    cluster = target.cluster
    data_db = f"{target.database}_shard" if cluster else target.database
    new, old = f"{data_db}_new", f"{data_db}_old"
    on = f" ON CLUSTER {cluster}" if cluster else ""
    keys = sort_keys()
    server = _Server(target)
    started = time.monotonic()
    described = {}
    try:
        server.command(f"DROP DATABASE IF EXISTS {new}{on} SYNC")
        server.command(f"CREATE DATABASE {new}{on}")
        with tempfile.TemporaryDirectory(prefix="canlian-ch-") as tmp:
            for table in tables:
                columns = described[table] = table_columns(con, table)
                for ddl in table_ddl(table, columns, keys.get(table, []), new, cluster):
                    server.command(ddl)
                parquet = Path(tmp) / f"{table}.parquet"
                select = ", ".join(f'CAST("{c}" AS {CASTS[k]}) AS "{c}"' if k in CASTS else f'"{c}"'
                                   for c, k, _ in columns)
                con.execute(f"COPY (SELECT {select} FROM {table}) TO '{parquet}' (FORMAT parquet)")
                server.load(new, table, parquet)
                parquet.unlink()
        for table in tables:  # every row arrived
            want = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            got = int(server.command(f"SELECT count() FROM {new}.{table}") or 0)
            if got != want:
                raise RuntimeError(f"ClickHouse {new}.{table}: {got} rows written, {want} built")
        exists = server.command(f"SELECT count() FROM system.databases WHERE name = '{data_db}'") == "1"
        server.command(f"DROP DATABASE IF EXISTS {old}{on} SYNC")
        if exists:  # the window between the two renames: readers wait for the database (queries/db.py)
            server.command(f"RENAME DATABASE {data_db} TO {old}{on}")
        server.command(f"RENAME DATABASE {new} TO {data_db}{on}")
        if cluster:
            server.command(f"CREATE DATABASE IF NOT EXISTS {target.database}{on}")
            for table in tables:
                server.command(distributed_ddl(table, described[table], target.database, data_db, cluster))
        server.command(f"DROP DATABASE IF EXISTS {old}{on} SYNC")
        log(f"  ClickHouse：{len(tables)} 张表写入 {target.database}（{time.monotonic() - started:.1f} s）")
    except BaseException:
        try:
            server.command(f"DROP DATABASE IF EXISTS {new}{on} SYNC")
        finally:
            server.close()
        raise
    server.close()
