"""The importer: every planted bad row rejected for its reason, clear stops, atomic swap, pseudonyms."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from data.importer import main
from queries.db import connect
from tests.conftest import UNTIL, import_to
from tests.expected import read_extract

ROOT = Path(__file__).resolve().parent.parent
CITIZEN_ID = re.compile(r"(?<!\d)\d{17}[\dX](?!\d)")


def digest(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_rejects_exactly_the_planted_rows(extracts, duck_import):
    _, summary = duck_import
    planted = pd.read_csv(extracts / "planted_errors.csv", dtype={"row": int})
    got = summary["rejects"]
    assert set(zip(got["file"], got["row"], got["reason"], strict=True)) == set(
        zip(planted["file"], planted["row"], planted["reason"], strict=True))
    assert len(planted) >= 15
    written = pd.read_csv(extracts / "rejects.csv", dtype={"row": int})
    assert list(written.columns[:3]) == ["file", "row", "reason"] and len(written) == len(planted)


def test_loaded_row_counts(extracts, duck_url):
    wh = connect(duck_url)
    persons = read_extract(extracts, "持证残疾人")
    planted = pd.read_csv(extracts / "planted_errors.csv")
    bad_persons = planted["file"].str.startswith("持证残疾人").sum()
    assert wh.frame("SELECT count(*) AS n FROM dim_person")["n"][0] == len(persons) - bad_persons
    files = wh.frame("SELECT * FROM meta_file")
    assert (files["rows_read"] == files["rows_loaded"] + files["rows_rejected"]).all()
    assert files["file"].str.endswith(".xlsx").any() and files["file"].str.startswith("两项补贴发放").sum() >= 2


def test_no_name_or_citizen_id_in_warehouse(extracts, duck_url):
    persons = read_extract(extracts, "持证残疾人")
    secrets = set(persons["残疾人证号"].str[:18]) | set(persons["姓名"]) | set(persons["户编号"])
    con = duckdb.connect(duck_url, read_only=True)
    text_columns = con.execute(
        "SELECT table_name, column_name FROM information_schema.columns WHERE data_type = 'VARCHAR'").fetchall()
    assert text_columns
    for table, column in text_columns:
        values = {v for (v,) in con.execute(f'SELECT DISTINCT "{column}" FROM {table}').fetchall() if v}
        leaked = {v for v in values if v in secrets or CITIZEN_ID.search(v)}
        assert not leaked, (table, column, list(leaked)[:3])
    ids = {v for (v,) in con.execute("SELECT DISTINCT CAST(person_id AS VARCHAR) FROM dim_person").fetchall()}
    assert not ids & secrets


def test_boundaries_reprojected_and_issues_reported(duck_url):
    wh = connect(duck_url)
    issues = wh.frame("SELECT * FROM meta_boundary_issue")
    assert "unknown_code" in set(issues["issue"]) and "no_boundary" in set(issues["issue"])
    shapes = wh.frame("SELECT geojson FROM dim_boundary WHERE level = 'township'")
    import shapely

    geoms = shapely.from_geojson(shapes["geojson"].tolist())
    minx, miny, maxx, maxy = shapely.total_bounds(geoms)
    assert 100 < minx < maxx < 130 and 20 < miny < maxy < 50  # WGS84 degrees, not Gauss-Krüger metres
    # Simplified as a coverage: neighbours still meet, no slivers between them.
    union_area = shapely.union_all(geoms).area
    assert abs(union_area - sum(g.area for g in geoms)) / union_area < 1e-6
    assert shapely.union_all(geoms).geom_type == "Polygon"


@pytest.mark.slow  # a second import
def test_pseudonym_key_file_beside_warehouse(extracts, tmp_path, monkeypatch):
    monkeypatch.delenv("PSEUDONYM_KEY", raising=False)
    target = tmp_path / "wh.duckdb"
    assert main([str(extracts), "--warehouse", str(target), "--as-of", UNTIL]) == 0
    key = tmp_path / "wh.key"
    assert key.exists() and stat.S_IMODE(key.stat().st_mode) == 0o600
    first = connect(str(target)).frame("SELECT min(person_id) AS m FROM dim_person")["m"][0]
    assert main([str(extracts), "--warehouse", str(target), "--as-of", UNTIL]) == 0
    assert connect(str(target)).frame("SELECT min(person_id) AS m FROM dim_person")["m"][0] == first
    monkeypatch.setenv("PSEUDONYM_KEY", "another-key")
    assert main([str(extracts), "--warehouse", str(target), "--as-of", UNTIL]) == 0
    assert connect(str(target)).frame("SELECT min(person_id) AS m FROM dim_person")["m"][0] != first


def copy_extracts(extracts: Path, tmp_path: Path) -> Path:
    """A private copy of the extracts folder to break."""
    folder = tmp_path / "extracts"
    shutil.copytree(extracts, folder)
    return folder


def test_missing_required_file_stops_and_keeps_warehouse(extracts, duck_url, tmp_path, capsys):
    folder = copy_extracts(extracts, tmp_path)
    (folder / "持证残疾人.csv").unlink()
    target = tmp_path / "wh.duckdb"
    shutil.copy(duck_url, target)
    before = digest(target)
    assert main([str(folder), "--warehouse", str(target), "--as-of", UNTIL]) == 2
    assert "持证残疾人" in capsys.readouterr().err
    assert digest(target) == before


def test_missing_column_is_named(extracts, tmp_path, capsys):
    folder = copy_extracts(extracts, tmp_path)
    path = next(folder.glob("康复服务*.csv"))
    frame = pd.read_csv(path, dtype=str, encoding="gbk", keep_default_na=False).drop(columns=["服务类型"])
    frame.to_csv(path, index=False, encoding="gbk")
    assert main([str(folder), "--warehouse", str(tmp_path / "x.duckdb"), "--as-of", UNTIL]) == 2
    err = capsys.readouterr().err
    assert path.name in err and "服务类型" in err


def test_undecodable_file_is_named(extracts, tmp_path, capsys):
    folder = copy_extracts(extracts, tmp_path)
    path = folder / "托养服务.csv"
    path.write_bytes("残疾人证号,年度,托养类型\n".encode("gbk") + b"\xff\xfe\xfa\x80\x81,2024,\xff\n")
    assert main([str(folder), "--warehouse", str(tmp_path / "x.duckdb"), "--as-of", UNTIL]) == 2
    assert "托养服务.csv" in capsys.readouterr().err
    assert not (tmp_path / "x.duckdb").exists()


@pytest.mark.slow  # an importer process, then a second import
def test_killed_import_leaves_previous_warehouse(extracts, duck_url, tmp_path):
    target = tmp_path / "wh.duckdb"
    shutil.copy(duck_url, target)
    before = digest(target)
    env = {**os.environ, "PSEUDONYM_KEY": "k"}
    proc = subprocess.Popen([sys.executable, "-m", "data.importer", str(extracts), "--warehouse", str(target),
                             "--as-of", UNTIL], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not list(tmp_path.glob("wh.duckdb.building-*")) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert list(tmp_path.glob("wh.duckdb.building-*")), "no half-built warehouse appeared (within 120 s)"
    assert proc.poll() is None, "import finished before it could be killed mid-write"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert digest(target) == before
    # The next import cleans the half-built file and completes.
    import_to(extracts, str(target))
    assert not list(tmp_path.glob("wh.duckdb.building-*"))
    assert digest(target) != before


def test_read_only_connection_refuses_writes(any_url):
    wh = connect(any_url)
    with pytest.raises(Exception, match=r"(?i)read.only"):
        wh.execute_unsafe("INSERT INTO dim_region VALUES ('1', 'x', 'village', NULL, NULL, '')")
    with pytest.raises(Exception, match=r"(?i)read.only"):
        wh.execute_unsafe("CREATE TABLE intruder (x INTEGER)")


def test_missing_warehouse_gives_clear_message(tmp_path):
    from queries.db import WarehouseError

    with pytest.raises(WarehouseError, match="找不到数据仓库"):
        connect(str(tmp_path / "absent.duckdb"))


def test_statement_timeout_stops_a_slow_query(any_url):
    from queries.db import Warehouse, WarehouseError

    wh = Warehouse(any_url, timeout_s=0.2)
    slow = ("SELECT sum(a.range * b.range) AS n FROM range(100000) a, range(100000) b"
            if not any_url.startswith("postgresql") else "SELECT pg_sleep(5) AS n")
    start = time.monotonic()
    with pytest.raises(WarehouseError):
        wh.frame(slow)
    assert time.monotonic() - start < 3
    assert wh.frame("SELECT 1 AS n")["n"][0] == 1  # the connection is still usable
