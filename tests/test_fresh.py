"""A new import reaches running dashboards without a restart: caches are keyed by the warehouse's import id,
a DuckDB file replaced by an import is reopened (the old connection closed), and a PostgreSQL schema swap is
seen within IMPORT_CHECK_S. Tested in-process on both engines and against two real server processes."""

from __future__ import annotations

import re
import shutil
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

import psycopg
import pytest

from bench.load import start_server
from bench.pgserver import free_port
from data.importer import Importer
from queries import dashboard
from queries.common import Filters
from queries.db import Warehouse, WarehouseRetired
from tests.client import Tab, wait_for
from tests.conftest import KEY, open_app
from ui import data

FIRST, SECOND = "2024-12", "2024-06"  # the re-import cuts the data at an earlier month: other numbers


@pytest.fixture
def extracts(extracts, tmp_path) -> Path:
    """A copy of the session's extracts: an import writes rejects.csv into its folder, which other tests read."""
    return Path(shutil.copytree(extracts, tmp_path / "extracts"))


def reimport(extracts: Path, target: str, as_of: str) -> None:
    """The real importer, quietly, to the same target (its atomic swap)."""
    Importer(extracts, target, as_of, KEY, log=lambda *_: None).run()


def meta(target: str) -> dict[str, str]:
    """meta_import of the warehouse, read on a connection of this test's own (closed again)."""
    wh = Warehouse(target)
    try:
        frame = wh.frame("SELECT key, value FROM meta_import")
        rows = wh.frame("SELECT sum(rows_loaded) AS n FROM meta_file")
    finally:
        wh.close()
    return {**dict(zip(frame["key"], frame["value"], strict=True)), "rows_loaded": str(int(rows["n"].iloc[0]))}


def test_duckdb_reimport_renews_connection_and_cache_key(extracts, tmp_path, monkeypatch):
    monkeypatch.setenv("PUBLIC_SET_LINKED", "0")  # not about the public set: the imports skip its solve
    target = str(tmp_path / "county.duckdb")
    reimport(extracts, target, FIRST)
    monkeypatch.setenv("WAREHOUSE_URL", target)
    old_wh, old_id = data.current()
    assert old_id == meta(target)["import_id"]
    assert data.context("").months[-1] == FIRST
    before = data.q(dashboard.subsidy_by_month, Filters(scope=""), "2024-01", FIRST)

    reimport(extracts, target, SECOND)
    new_wh, new_id = data.current()  # no wait: every call compares the file's identity
    assert new_id == meta(target)["import_id"] != old_id
    assert new_wh is not old_wh
    with pytest.raises(WarehouseRetired):  # the old connection is closed, not left open beside the new
        old_wh.frame("SELECT 1 AS x")
    assert data.context("").months[-1] == SECOND
    after = data.q(dashboard.subsidy_by_month, Filters(scope=""), "2024-01", FIRST)
    assert after["pay_month"].max() < before["pay_month"].max()  # not the cached result of the old import


def test_postgres_schema_swap_changes_the_cache_key(extracts, pg_server, monkeypatch):
    name = f"fresh_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_server.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as con:
        con.execute(f"CREATE DATABASE {name}")
    url = pg_server.rsplit("/", 1)[0] + f"/{name}"
    reimport(extracts, url, FIRST)
    monkeypatch.setenv("WAREHOUSE_URL", url)
    monkeypatch.setattr(data, "IMPORT_CHECK_S", 0.5)
    old_wh, old_id = data.current()
    assert old_id == meta(url)["import_id"]
    assert data.context("").months[-1] == FIRST

    reimport(extracts, url, SECOND)  # the importer swaps schema warehouse in one transaction
    new_id = wait_for(lambda: data.current()[1] != old_id and data.current()[1], 10, "new import id seen")
    assert new_id == meta(url)["import_id"]
    assert data.current()[0] is not old_wh
    assert data.context("").months[-1] == SECOND  # the context is keyed by the new id: not the cached one
    months = data.q(dashboard.data_months)
    assert str(months["last_month"].max())[:7] == SECOND


# ---------------------------------------------------------------- two real server processes


def shown(drawn_text: str, label: str) -> str:
    """The value of a 数据说明 KPI card."""
    found = re.search(rf"{label}</div><div class='kpi-value'[^>]*>([^<]*)</div>", drawn_text)
    assert found, f"no KPI {label}"
    return found.group(1)


@pytest.mark.slow
def test_reimport_reaches_running_servers(extracts, tmp_path):
    target = str(tmp_path / "county.duckdb")
    reimport(extracts, target, FIRST)
    first = meta(target)
    ports, procs, stack = [free_port(), free_port()], [], ExitStack()
    try:
        for i, port in enumerate(ports):
            procs.append(start_server(target, port, tmp_path / f"serve-{i}.log", env={"DEMO_MODE": "1"}))
        tabs = [stack.enter_context(Tab(port)) for port in ports]
        overview_before = []
        for tab in tabs:
            about = tab.rerun("about")
            assert about.finished and not about.exceptions
            assert shown(about.text, "数据截止月") == FIRST
            assert shown(about.text, "最近一次导入") == first["imported_at"].replace("T", " ")
            assert shown(about.text, "导入行数") == f"{int(first['rows_loaded']):,}行"
            overview_before.append(tab.rerun("").text)

        reimport(extracts, target, SECOND)
        second = meta(target)
        assert second["rows_loaded"] != first["rows_loaded"]
        start = time.monotonic()
        for tab, before in zip(tabs, overview_before, strict=True):
            about = wait_for(lambda tab=tab: (d := tab.rerun("about")) and SECOND in d.text and d, 10,
                             "the new import on 数据说明")
            assert not about.exceptions
            assert shown(about.text, "数据截止月") == SECOND
            assert shown(about.text, "最近一次导入") == second["imported_at"].replace("T", " ")
            assert shown(about.text, "导入行数") == f"{int(second['rows_loaded']):,}行"
            overview = tab.rerun("")
            assert overview.finished and not overview.exceptions and overview.text != before
        print(f"new import seen by both processes after {time.monotonic() - start:.2f} s")
    finally:
        stack.close()
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=20)


def test_open_session_survives_a_reimport_that_drops_its_year(extracts, tmp_path, monkeypatch):
    monkeypatch.setenv("PUBLIC_SET_LINKED", "0")  # not about the public set: the imports skip its solve
    target = str(tmp_path / "county.duckdb")
    reimport(extracts, target, FIRST)
    monkeypatch.setenv("WAREHOUSE_URL", target)
    at = open_app("subsidies", {"year": "2024", "from": "2024-01", "to": "2024-12"})
    assert not at.exception and at.session_state["view_state"].year == 2024
    reimport(extracts, target, "2023-12")  # 2024 is no longer in the data
    at.run()
    assert not at.exception, at.exception
    view = at.session_state["view_state"]
    assert view.year == 0 and view.month_to == "2023-12"  # 0: the page opens on its latest year, now 2023
    assert any("2023年1–12月累计" in s.value for s in at.subheader)
    assert any("2024" in w.value for w in at.warning)  # said, not silently changed
