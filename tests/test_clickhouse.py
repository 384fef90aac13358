"""The ClickHouse warehouse (embedded chDB here; a server takes the same SQL): the dialect layer, the importer's
MergeTree tables and database swap, read-only access, one process per chDB directory, and the same numbers
and pages as DuckDB. The query tests of the other files run on chDB too (conftest `any_url`)."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from data import chwriter
from data.importer import Importer
from queries import clickhouse, dialect
from queries.common import Filters, sql_text
from queries.db import Warehouse, WarehouseError, connect
from queries.report import annual_table
from tests.conftest import ENGINE_URLS, KEY, import_to, open_app, shown_text

PAGES = {
    "overview": "总览", "monitoring": "防返贫监测", "subsidies": "两项补贴", "rehabilitation": "康复服务",
    "employment": "就业帮扶", "accessibility": "无障碍与托养", "explore": "指标分析", "about": "数据说明",
}


# --- the dialect layer ---------------------------------------------------------------------------------------

def test_parameters_become_typed_placeholders():
    sql, params = dialect.clickhouse_bind(
        "SELECT 1 WHERE a = :township AND b = :category AND c <= :month AND d = :flag AND '10:30' <> ''",
        {"township": "x' OR 1=1", "category": 4, "month": dt.date(2024, 5, 1), "flag": True})
    assert sql == ("SELECT 1 WHERE a = {township:String} AND b = {category:Int64} AND c <= {month:Date32} "
                   "AND d = {flag:Bool} AND '10:30' <> ''")
    assert params["township"] == "x' OR 1=1"  # bound, never spliced into the text


def test_spelling_rewrites_only_what_clickhouse_writes_otherwise():
    text = dialect.clickhouse_spelling(
        "SELECT CAST(NULL AS DECIMAL(18, 2)), CAST(NULL AS VARCHAR), CAST(x AS DATE), "
        "percentile_cont(0.5) WITHIN GROUP (ORDER BY persons)")
    assert text == ("SELECT CAST(NULL AS Nullable(DECIMAL(18, 2))), CAST(NULL AS Nullable(VARCHAR)), CAST(x AS DATE), "
                    "quantileExactInclusive(0.5)(persons)")


def test_results_take_duckdbs_types_and_names():
    frame = pd.DataFrame({"y.year": pd.Series([2024], dtype="uint16"), "n": pd.Series([3], dtype="uint64"),
                          "d": pd.Series(pd.to_datetime(["2024-01-01"])).astype("datetime64[s]")})
    out = dialect.normalise(frame)
    assert list(out.columns) == ["year", "n", "d"]
    assert str(out["n"].dtype) == "int64" and str(out["d"].dtype) == "datetime64[us]"


def test_a_named_statement_runs_its_engines_own_file_even_when_wrapped():
    shared = sql_text("warning_monitored_without_measure")
    own = dialect.statement_text(dialect.CLICKHOUSE, shared)
    assert "string_agg(CAST" in shared and "string_agg(CAST" not in own and "arraySort(groupArray" in own
    wrapped = f"SELECT count(*) FROM ({shared}) c"
    assert dialect.statement_text(dialect.CLICKHOUSE, wrapped) == f"SELECT count(*) FROM ({own}) c"
    assert dialect.statement_text(dialect.DUCKDB, wrapped) == wrapped


def test_urls_name_their_engine():
    assert dialect.engine_of("chdb:///srv/wh") == dialect.CLICKHOUSE
    assert dialect.engine_of("clickhousedb://dash:pw@10.0.0.5:8123/warehouse?cluster=c3") == dialect.CLICKHOUSE
    assert dialect.engine_of("postgresql+psycopg://u@h/db") == dialect.POSTGRESQL
    assert dialect.engine_of("var/demo.duckdb") == dialect.DUCKDB
    target = clickhouse.parse("clickhousedb://dash:p%40ss@10.0.0.5:8123/wh?cluster=c3")
    assert (target.username, target.password, target.host, target.port, target.database, target.cluster) == (
        "dash", "p@ss", "10.0.0.5", 8123, "wh", "c3")
    with pytest.raises(ValueError, match="绝对路径"):
        clickhouse.parse("chdb://relative/dir")


# --- the importer's tables ----------------------------------------------------------------------------------

def test_tables_are_mergetree_ordered_by_the_keys_pages_filter_on(ch_url):
    wh = connect(ch_url)
    try:
        tables = wh.frame("SELECT name, engine, sorting_key FROM system.tables WHERE database = currentDatabase()")
    finally:
        wh.close()
    keys = dict(zip(tables["name"], tables["sorting_key"], strict=True))
    assert set(tables["engine"]) == {"MergeTree"}
    assert keys["mart_subsidy_month"] == "township_code, village_code, pay_month"  # a drill-down: its township
    assert keys["mart_subsidy_month_town"].startswith("pay_month, township_code")  # the county: a month range
    assert keys["mart_annual_town"] == "year, category_code, level_code, township_code"


def test_cluster_ddl_is_replicated_shards_under_distributed_tables():
    columns = [("township_code", "VARCHAR", False), ("year", "INTEGER", False), ("persons", "HUGEINT", False),
               ("eliminated_month", "DATE", True)]
    (local,) = chwriter.table_ddl("mart_x", columns, ["year", "township_code"], "warehouse_shard_new", "c3")
    assert local.startswith("CREATE TABLE warehouse_shard_new.mart_x ON CLUSTER c3 (")
    assert "`eliminated_month` Nullable(Date32)" in local and "`persons` Int64" in local
    assert "ReplicatedMergeTree('/clickhouse/tables/{uuid}/{shard}', '{replica}') ORDER BY (year, township_code)" in local
    dist = chwriter.distributed_ddl("mart_x", columns, "warehouse", "warehouse_shard", "c3")
    assert dist.endswith("ENGINE = Distributed(c3, warehouse_shard, mart_x, cityHash64(township_code))")
    # a nullable column ends the sorting key (ClickHouse keys are not Nullable)
    (cut,) = chwriter.table_ddl("t", columns, ["township_code", "eliminated_month", "year"], "db")
    assert cut.endswith("ENGINE = MergeTree ORDER BY (township_code)")


# --- same numbers, same pages -------------------------------------------------------------------------------

def test_annual_table_is_duckdbs(duck_url, ch_url):
    duck, ch = connect(duck_url), connect(ch_url)
    try:
        for year in (2022, 2024):
            county = annual_table(duck, year, Filters(scope=""))
            pd.testing.assert_frame_equal(annual_table(ch, year, Filters(scope="")), county, check_dtype=False)
            town = county.iloc[2]["区划代码"]
            drilled = Filters(scope="", township=town, category=4)
            pd.testing.assert_frame_equal(annual_table(ch, year, drilled), annual_table(duck, year, drilled),
                                          check_dtype=False)
    finally:
        duck.close()
        ch.close()


@pytest.fixture(scope="module")
def duck_pages(duck_url):
    """The text each page shows on DuckDB (compared with chDB's)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("WAREHOUSE_URL", duck_url)
    try:
        return {page: shown_text(open_app(page, {"year": "2024"})) for page in PAGES}
    finally:
        mp.undo()


@pytest.mark.parametrize("engine", ["chdb", pytest.param("postgresql", marks=pytest.mark.slow)])
@pytest.mark.parametrize("page", PAGES)
def test_every_page_opens_with_duckdbs_text(page, engine, duck_url, duck_pages, monkeypatch, request):
    url = request.getfixturevalue(ENGINE_URLS[engine])
    monkeypatch.setenv("WAREHOUSE_URL", url)
    at = open_app(page, {"year": "2024"})
    assert not at.exception, at.exception
    assert at.title[0].value == PAGES[page]
    assert not at.error, [e.value for e in at.error]
    assert same_import(shown_text(at).replace(url, duck_url)) == same_import(duck_pages[page])


def same_import(text: str) -> str:
    """A page's text without the import's own time (the two warehouses were imported seconds apart)."""
    return re.sub(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?", "<imported_at>", text)


@pytest.fixture(scope="module")
def holdout_ch(ch_url, tmp_path_factory) -> tuple[Path, str]:
    """test_holdout's county imported with --warehouse chdb:///…: its own database in the session's chDB directory
    (one directory per process)."""
    from test_holdout import make_holdout

    folder = make_holdout(tmp_path_factory.mktemp("holdout-ch"))
    url = f"{ch_url}?database=holdout"
    Importer(folder, url, "2026-10", KEY, log=lambda *_: None).run()
    return folder, url


@pytest.mark.slow
@pytest.mark.parametrize("year", range(2021, 2027))
def test_holdout_county_on_chdb_equals_pandas(holdout_ch, year):
    from test_holdout import assert_year_equals_pandas

    assert_year_equals_pandas(*holdout_ch, year)


# --- read-only, one process per directory, the swap -----------------------------------------------------------

def test_the_dashboards_connection_cannot_write(ch_url):
    wh = connect(ch_url)
    try:
        for statement in ("INSERT INTO meta_import VALUES ('x', 'y')", "DROP TABLE meta_import",
                          "CREATE TABLE t (x Int64) ENGINE = Memory"):
            with pytest.raises(clickhouse.ClickHouseError, match=r"READONLY|readonly"):
                wh.execute_unsafe(statement)
        assert len(wh.frame("SELECT key FROM meta_import")) == 5
        assert wh.frame("SELECT toString(getSetting('readonly')) AS r")["r"].iloc[0] == "1"
        with pytest.raises(WarehouseError, match="READONLY"):  # nor can a query change the dialect's settings
            wh.frame("SELECT 1 AS x SETTINGS join_use_nulls = 0")
    finally:
        wh.close()


def test_a_failed_import_leaves_the_old_warehouse_untouched(extracts, ch_url, monkeypatch):
    wh = connect(ch_url)
    before = wh.import_id()
    loaded = []
    real_load = chwriter._Server.load

    def load_then_fail(self, database, table, parquet):
        real_load(self, database, table, parquet)
        loaded.append(table)
        if len(loaded) == 12:  # half-way: the new database has some tables
            raise RuntimeError("disk full")

    monkeypatch.setattr(chwriter._Server, "load", load_then_fail)
    try:
        with pytest.raises(RuntimeError, match="disk full"):
            import_to(extracts, ch_url)
        assert wh.import_id() == before
        assert int(wh.frame("SELECT sum(persons) AS n FROM mart_person_town")["n"].iloc[0]) > 0
        databases = set(wh.frame("SELECT name FROM system.databases")["name"])
        assert "warehouse" in databases and "warehouse_new" not in databases
    finally:
        wh.close()


@pytest.mark.slow
def test_a_new_import_swaps_in_under_an_open_connection(extracts, ch_url):
    wh = connect(ch_url)
    try:
        before, persons = wh.import_id(), wh.frame("SELECT sum(persons) AS n FROM mart_person_town")
        import_to(extracts, ch_url)
        assert wh.import_id() != before  # the same connection reads the new database
        pd.testing.assert_frame_equal(wh.frame("SELECT sum(persons) AS n FROM mart_person_town"), persons)
        assert {"warehouse_new", "warehouse_old"}.isdisjoint(wh.frame("SELECT name FROM system.databases")["name"])
    finally:
        wh.close()


@pytest.mark.slow
def test_a_second_process_is_refused_the_chdb_directory(ch_url):
    wh = connect(ch_url)  # this process holds the directory
    try:
        code = f"from queries.db import Warehouse\nWarehouse({ch_url!r})"
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
        assert done.returncode != 0
        assert "正被另一个进程" in done.stderr and "ClickHouse 服务器" in done.stderr, done.stderr[-2000:]
    finally:
        wh.close()


def test_missing_chdb_directory_says_import_first(tmp_path):
    with pytest.raises(WarehouseError, match="请先导入"):
        Warehouse(f"chdb://{tmp_path / 'none'}")


# --- the standard's answers on every engine ------------------------------------------------------------------

def test_sql_gives_the_standards_answers_on_every_engine(any_url):
    """What ClickHouse answers otherwise by default: a sum over no rows, an outer join's missing side, a
    rolled-up key, an exact distinct count, a shadowing alias; the same on the three engines."""
    wh = connect(any_url)
    try:
        empty = wh.frame("SELECT sum(persons) AS s, count(*) AS n FROM mart_person_town WHERE township_code = :t",
                         t="none")
        assert pd.isna(empty["s"].iloc[0]) and int(empty["n"].iloc[0]) == 0
        joined = wh.frame("SELECT r.region_code, p.persons FROM dim_region r "
                          "LEFT JOIN mart_person_town p ON p.township_code = :t WHERE r.level = 'county'", t="none")
        assert len(joined) == 1 and pd.isna(joined["persons"].iloc[0])
        rolled = wh.frame("SELECT sex, sum(persons) AS persons FROM mart_person_town GROUP BY ROLLUP (sex) "
                          "ORDER BY sex NULLS LAST")
        assert list(rolled["sex"].iloc[:2]) == ["F", "M"] and pd.isna(rolled["sex"].iloc[2])
        assert int(rolled["persons"].iloc[2]) == int(rolled["persons"].iloc[:2].sum())
        distinct = wh.frame("SELECT count(DISTINCT person_id) AS n, count(*) AS rows FROM fact_subsidy_payment")
        persons = wh.frame("SELECT person_id FROM fact_subsidy_payment")["person_id"].nunique()
        assert int(distinct["n"].iloc[0]) == persons
        shadow = wh.frame("SELECT township_code, sum(persons) AS persons FROM mart_person_town "
                          "GROUP BY township_code HAVING sum(persons) > 0 ORDER BY township_code LIMIT 1")
        assert int(shadow["persons"].iloc[0]) > 0
    finally:
        wh.close()


def test_a_profile_without_the_dialects_settings_is_refused(ch_url, monkeypatch):
    wh = connect(ch_url)
    try:
        wrong = {**dialect.CLICKHOUSE_SETTINGS, "count_distinct_implementation": "uniq"}
        monkeypatch.setattr(clickhouse, "CLICKHOUSE_SETTINGS", wrong)  # as if the server's profile said uniqExact
        with pytest.raises(clickhouse.ClickHouseError, match="count_distinct_implementation=uniqExact（应为 uniq）"):
            wh._ch.check_settings()
    finally:
        wh.close()
