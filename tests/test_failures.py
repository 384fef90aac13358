"""A missing, locked, corrupt or empty warehouse, or a PostgreSQL server that is down: each gives a page
that says what is wrong and what to do, never a traceback; the page recovers once the cause is gone."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def run_app(monkeypatch, url: str) -> AppTest:
    """The overview page against this warehouse location."""
    monkeypatch.setenv("WAREHOUSE_URL", url)
    return AppTest.from_file(APP, default_timeout=60).run()


def messages(at: AppTest) -> str:
    """All error, warning and info text on the page."""
    return "\n".join(e.value for e in [*at.error, *at.warning, *at.info])


def test_missing_then_recovers(monkeypatch, tmp_path, duck_url):
    target = tmp_path / "county.duckdb"
    at = run_app(monkeypatch, str(target))
    assert not at.exception and "找不到数据仓库" in messages(at) and "data.importer" in messages(at)
    shutil.copy(duck_url, target)
    at.button(key="retry_failure").click().run()
    assert not at.exception and not at.error and at.title[0].value == "总览"


def test_corrupt_file(monkeypatch, tmp_path):
    target = tmp_path / "county.duckdb"
    target.write_bytes(b"this is not a database" * 1000)
    at = run_app(monkeypatch, str(target))
    assert not at.exception and "数据仓库不可用" in messages(at)


@pytest.mark.parametrize("block", [0, 1])  # the catalog (found on opening), a table's data (found by a query)
def test_a_damaged_block_is_not_taken_for_a_lock(monkeypatch, tmp_path, duck_url, block):
    """DuckDB's checksum error names the "block at location …": the file is damaged, not held by a writer."""
    target = tmp_path / "county.duckdb"
    shutil.copy(duck_url, target)
    size = target.stat().st_size
    with target.open("r+b") as fh:  # three 4 KiB headers, then blocks of 256 KiB
        # the catalog's block, or every data block (whichever of them the page reads first is damaged)
        for b in ([0] if block == 0 else range(1, (size - 12288) // 262144)):
            fh.seek(12288 + b * 262144 + 100)
            fh.write(b"\xff" * 4096)
    at = run_app(monkeypatch, str(target))
    text = messages(at)
    assert not at.exception and "block" in text and "已损坏" in text, text
    assert "占用" not in text


def test_locked_file(monkeypatch, tmp_path, duck_url):
    target = tmp_path / "county.duckdb"
    shutil.copy(duck_url, target)
    writer = duckdb.connect(str(target))  # an import still holding the file read-write
    try:
        at = run_app(monkeypatch, str(target))
        assert not at.exception and "数据仓库不可用" in messages(at) and "占用" in messages(at)
    finally:
        writer.close()


def test_warehouse_without_tables(monkeypatch, tmp_path):
    target = tmp_path / "county.duckdb"
    duckdb.connect(str(target)).close()
    at = run_app(monkeypatch, str(target))
    assert not at.exception and "数据仓库不可用" in messages(at) and "重新导入" in messages(at)


def test_postgres_down(monkeypatch):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    at = run_app(monkeypatch, f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres")
    assert not at.exception and "PostgreSQL" in messages(at)


@pytest.mark.parametrize("page", ["monitoring", "about"])
def test_failure_on_other_pages(monkeypatch, tmp_path, page):
    monkeypatch.setenv("WAREHOUSE_URL", str(tmp_path / "absent.duckdb"))
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception and "找不到数据仓库" in messages(at)


def test_duckdb_memory_is_bounded_and_a_bad_setting_is_said(monkeypatch, duck_url):
    """The dashboard's DuckDB reads run under DUCKDB_MEMORY_LIMIT (spilling to a folder of the process's own);
    a value that is not a size stops with a message naming the variable."""
    from queries import db

    wh = db.connect(duck_url)
    try:
        limit = wh.frame("SELECT current_setting('memory_limit') AS v")["v"].iloc[0]
        assert limit.replace(" ", "").upper().startswith(("244.1MIB", "256.0MIB", "256MB", "244MB")), limit
        assert "canlian-duckdb-" in wh.frame("SELECT current_setting('temp_directory') AS v")["v"].iloc[0]
    finally:
        wh.close()
    monkeypatch.setattr(db, "DUCKDB_MEMORY_LIMIT", "lots'; DROP")
    with pytest.raises(db.WarehouseError, match="DUCKDB_MEMORY_LIMIT"):
        db.connect(duck_url)
