"""Every difference between the three warehouse engines (DuckDB, PostgreSQL, ClickHouse), in one place.

The statements in queries/sql/ are written once, in the SQL the three engines share, with `:name`
parameters. What differs is settled here, not in the query modules:

- which engine a URL names (`engine_of`): a DuckDB file path, `postgresql+psycopg://…`, or ClickHouse:
  `clickhousedb://user:password@host:8123/db` (a server or cluster, through clickhouse-connect) and
  `chdb:///absolute/dir` (the same engine embedded in the process: tests, CI, one-process demos);
- parameters: DuckDB `$name`, PostgreSQL `:name` (SQLAlchemy), ClickHouse `{name:Type}` with the type
  taken from the bound value (`bind`);
- ClickHouse's defaults that would change a number are switched to the SQL standard by SETTINGS, sent
  with every query (or, for a read-only user that may not send them, required of its profile): outer
  joins fill NULL (not 0 or ''), a sum over no rows is NULL, ROLLUP / GROUPING SETS give NULL for a
  rolled-up key, `count(DISTINCT …)` is exact (uniqExact; never uniq, which estimates), UNION without
  ALL is DISTINCT;
- result types: ClickHouse's unsigned counts become int64, its Decimal sums float64, its dates
  datetime64[us] like DuckDB's (`normalise`);
- a statement that cannot be shared has a per-engine file beside the shared one:
  queries/sql/clickhouse/NAME.sql (`statement_text`).
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from pathlib import Path

import pandas as pd

SQL_DIR = Path(__file__).with_name("sql")
DUCKDB, POSTGRESQL, CLICKHOUSE = "duckdb", "postgresql", "clickhouse"
CHDB_SCHEME, CLICKHOUSE_SCHEMES = "chdb://", ("clickhousedb://", "clickhousedbs://", "clickhouse://")
_PARAM = re.compile(r"(?<![:\w]):([a-z_][a-z0-9_]*)")
_QUALIFIED = re.compile(r"^[A-Za-z_]\w*\.[A-Za-z_]\w*$")

# ClickHouse settings that make its answers those of the SQL standard (and so of DuckDB and PostgreSQL).
CLICKHOUSE_SETTINGS: dict[str, object] = {
    "join_use_nulls": 1,  # LEFT/FULL JOIN: NULL for a missing row, not the type's default (0, '')
    "aggregate_functions_null_for_empty": 1,  # sum/min/max over no rows: NULL, as in SQL
    "group_by_use_nulls": 1,  # ROLLUP / CUBE / GROUPING SETS: NULL for a rolled-up key, not 0 or ''
    "count_distinct_implementation": "uniqExact",  # count(DISTINCT x) exact: never uniq (an estimate)
    "union_default_mode": "DISTINCT",  # a bare UNION removes duplicates, as in SQL
    "allow_experimental_correlated_subqueries": 1,  # NOT EXISTS (… WHERE inner.x = outer.x)
    # sum(x) AS x, then sum(x) elsewhere: the column, as in SQL. (So an ORDER BY of an alias that shadows a
    # column reads the column too: the shared SQL never orders by such an alias; name it otherwise.)
    "prefer_column_name_to_alias": 1,
    # On a cluster: a JOIN or IN over two Distributed tables sends the right side to every shard (exact
    # whatever the sharding; the default refuses such a query). No effect on one server or chDB.
    "distributed_product_mode": "global",
}


_NAMED: dict[str, str] = {}  # every named statement read so far: name -> shared text


class Statement(str):
    """A statement read from queries/sql/NAME.sql: the shared text, carrying its name so an engine that needs
    its own version (queries/sql/ENGINE/NAME.sql) can find it. Text derived from it is a plain str."""

    name: str

    def __new__(cls, text: str, name: str) -> Statement:
        obj = super().__new__(cls, text)
        obj.name = name
        _NAMED.setdefault(name, text)
        return obj


def engine_of(url: str) -> str:
    """Which engine a warehouse URL names."""
    if url.startswith(("postgresql:", "postgresql+", "postgres:")):
        return POSTGRESQL
    if url.startswith((CHDB_SCHEME, *CLICKHOUSE_SCHEMES)):
        return CLICKHOUSE
    return DUCKDB


@lru_cache(maxsize=256)
def _override(engine: str, name: str) -> str | None:
    path = SQL_DIR / engine / f"{name}.sql"
    return path.read_text(encoding="utf-8") if path.exists() else None


def statement_text(engine: str, sql: str) -> str:
    """The text to run on this engine: its own file for a named statement that has one, else the shared text.
    A statement built around a named one (`SELECT … FROM (<warning_x>) c`) has the named one's text replaced."""
    name = getattr(sql, "name", None)
    if name is not None:
        return _override(engine, name) or sql
    return _wrapped(engine, sql, len(_NAMED))


@lru_cache(maxsize=256)
def _wrapped(engine: str, sql: str, _named: int) -> str:
    for name, shared in _NAMED.items():
        own = _override(engine, name)
        if own is not None and shared in sql:
            sql = sql.replace(shared, own)
    return sql


def parameters(sql: str) -> frozenset[str]:
    """The `:name` parameters a statement uses."""
    return _names(sql)


@lru_cache(maxsize=512)
def _names(sql: str) -> frozenset[str]:
    return frozenset(_PARAM.findall(sql))


@lru_cache(maxsize=256)
def duckdb_sql(sql: str) -> str:
    """DuckDB's form of a statement: `$name`."""
    return _PARAM.sub(r"$\1", sql)


def clickhouse_type(value: object) -> str:
    """The ClickHouse type of a bound value (bool before int: a bool is an int in Python)."""
    if isinstance(value, bool):
        return "Bool"
    if isinstance(value, int):
        return "Int64"
    if isinstance(value, float):
        return "Float64"
    if isinstance(value, dt.datetime):
        return "DateTime64(6)"
    if isinstance(value, dt.date):
        return "Date32"
    if value is None:
        return "Nullable(String)"
    return "String"


# Spellings of the shared SQL that ClickHouse writes otherwise (the whole list: a statement needing more
# has its own file in queries/sql/clickhouse/).
_CAST_NULL = re.compile(r"CAST\(NULL AS ((?:[A-Za-z]+)(?:\(\s*\d+\s*(?:,\s*\d+\s*)?\))?)\)", re.IGNORECASE)
_PERCENTILE = re.compile(r"percentile_cont\(([\d.]+)\)\s+WITHIN GROUP\s*\(ORDER BY ([\w.]+)\)", re.IGNORECASE)


def clickhouse_spelling(sql: str) -> str:
    """The shared SQL in ClickHouse's spelling: a typed NULL is Nullable(type) (a plain type has no NULL), and
    percentile_cont(p) WITHIN GROUP (ORDER BY x) is quantileExactInclusive(p)(x): the same interpolation
    between the two nearest values (exact, not the sampled quantile)."""
    sql = _CAST_NULL.sub(r"CAST(NULL AS Nullable(\1))", sql)
    return _PERCENTILE.sub(r"quantileExactInclusive(\1)(\2)", sql)


@lru_cache(maxsize=512)
def _clickhouse_sql(sql: str, types: tuple[tuple[str, str], ...]) -> str:
    kinds = dict(types)
    sql = clickhouse_spelling(sql)
    return _PARAM.sub(lambda m: f"{{{m.group(1)}:{kinds[m.group(1)]}}}", sql)


def clickhouse_bind(sql: str, params: dict[str, object]) -> tuple[str, dict[str, object]]:
    """ClickHouse's form of a statement (`{name:Type}`) and its parameters."""
    types = tuple(sorted((name, clickhouse_type(value)) for name, value in params.items()))
    return _clickhouse_sql(sql, types), params


def clickhouse_value(value: object) -> str:
    """A bound value as ClickHouse reads a query parameter's text (chDB takes them as text)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "\\N"
    return str(value)


def normalise(frame: pd.DataFrame) -> pd.DataFrame:
    """ClickHouse's result types as DuckDB's: unsigned and nullable integers as int64 (float64 with NULLs,
    as a count never has them), Decimal as float64, dates as datetime64[us]; and an unaliased `t.col` named
    `col` (the SQL standard's name; ClickHouse keeps the qualifier)."""
    names = [c.rsplit(".", 1)[-1] if _QUALIFIED.match(c) else c for c in frame.columns]
    if names != list(frame.columns) and len(set(names)) == len(names):
        frame.columns = names
    for column in frame.columns:
        series = frame[column]
        kind = series.dtype
        if pd.api.types.is_unsigned_integer_dtype(kind):
            frame[column] = series.astype("float64" if series.hasnans else "int64")
        elif isinstance(kind, pd.api.extensions.ExtensionDtype) and pd.api.types.is_integer_dtype(kind):
            frame[column] = series.astype("Int64")
        elif pd.api.types.is_datetime64_any_dtype(kind) and getattr(kind, "tz", None) is None:
            frame[column] = series.astype("datetime64[us]")
        elif pd.api.types.is_object_dtype(kind) and len(series) and _decimal(series):
            frame[column] = pd.to_numeric(series).astype("float64")
    return frame


def _decimal(series: pd.Series) -> bool:
    from decimal import Decimal

    first = series.dropna()
    return bool(len(first)) and isinstance(first.iloc[0], Decimal)
