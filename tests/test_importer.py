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

from data.importer import Importer, main
from queries.db import connect
from tests.conftest import KEY, UNTIL, import_to
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


@pytest.fixture(autouse=True)
def no_public_set_solve(monkeypatch):
    """The importer's own rules, not the public set: its imports skip the solve (tests/test_public_set.py
    imports with it, on every engine)."""
    monkeypatch.setenv("PUBLIC_SET_LINKED", "0")


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


def test_a_ragged_csv_row_is_named_by_file_and_row_without_its_text(extracts, tmp_path, capsys):
    """pyarrow's message ends with the offending line, whose first field is a 残疾人证号."""
    folder = copy_extracts(extracts, tmp_path)
    path = folder / "康复服务.csv"  # GB18030, as a federation's export
    frame = pd.read_csv(path, dtype=str, encoding="gb18030", keep_default_na=False)
    lines = path.read_bytes().decode("gb18030").splitlines()
    cert = frame["残疾人证号"].iloc[4]
    lines[5] = lines[5] + ",多余的一列"  # data row 5
    path.write_bytes(("\n".join(lines) + "\n").encode("gb18030"))
    assert main([str(folder), "--warehouse", str(tmp_path / "x.duckdb"), "--as-of", UNTIL]) == 2
    captured = capsys.readouterr()
    err = captured.err
    assert "康复服务.csv" in err and "第 5 行" in err and f"{len(frame.columns) + 1} 列" in err, err
    assert cert not in captured.err + captured.out and cert[:18] not in captured.err + captured.out
    assert "多余的一列" not in captured.err + captured.out


def test_a_formula_without_a_computed_value_is_rejected(extracts, tmp_path):
    """就业基地.xlsx written by a program: 扶持资金 as a formula nobody computed reads as an empty cell."""
    import openpyxl

    folder = copy_extracts(extracts, tmp_path)
    path = folder / "就业基地.xlsx"
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    column = next(i for i, h in enumerate(header, 1) if str(h).startswith("扶持资金"))
    base_id = sheet.cell(row=3, column=header.index("基地编号") + 1).value
    sheet.cell(row=3, column=column, value="=12.5*2")  # data row 2; openpyxl stores no computed value
    book.save(path)
    summary = import_to(folder, str(tmp_path / "x.duckdb"))
    rejects = summary["rejects"]
    assert ("就业基地.xlsx", 2, "formula_no_value") in set(zip(rejects["file"], rejects["row"], rejects["reason"],
                                                             strict=True))
    wh = connect(str(tmp_path / "x.duckdb"))
    reasons = wh.frame("SELECT reason, reason_text FROM meta_reject WHERE reason = 'formula_no_value'")
    assert len(reasons) == 1 and "公式" in reasons["reason_text"][0]
    loaded = set(wh.frame("SELECT base_id FROM dim_employment_base")["base_id"])
    assert loaded and str(base_id) not in loaded  # not loaded with an empty amount


def leftovers(folder: Path) -> list[Path]:
    """The import's temporary files beside a warehouse: staging folders and half-built warehouses."""
    return sorted(p for p in folder.iterdir() if ".staging-" in p.name or ".building-" in p.name)


@pytest.mark.slow  # an importer process, then a second import
@pytest.mark.parametrize("phase", ["staging", "building"])
def test_killed_import_leaves_previous_warehouse(extracts, duck_url, tmp_path, phase):
    """Killed while staging and spilling under a tight memory limit, or while writing the new warehouse."""
    target = tmp_path / "wh.duckdb"
    shutil.copy(duck_url, target)
    before = digest(target)
    # 80MB leaves DuckDB 40 MB: this county's staging goes through the spill folder.
    env = {**os.environ, "PSEUDONYM_KEY": "k", "IMPORT_MEMORY_LIMIT": "80MB"}
    proc = subprocess.Popen([sys.executable, "-m", "data.importer", str(extracts), "--warehouse", str(target),
                             "--as-of", UNTIL], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    pattern = "wh.duckdb.staging-*/spill/*" if phase == "staging" else "wh.duckdb.building-*"
    seen: list[str] = []
    deadline = time.monotonic() + 120
    while not list(tmp_path.glob(pattern)) and proc.poll() is None:
        assert time.monotonic() < deadline, "the import never reached the phase to kill it in"
        time.sleep(0.005)
    assert proc.poll() is None, f"import finished before it could be killed ({phase})"
    proc.send_signal(signal.SIGKILL)
    seen.append(proc.communicate()[0])
    assert "内存上限 80 MB（DuckDB 40 MB）" in seen[0]
    assert digest(target) == before
    assert leftovers(tmp_path), "a killed import cannot clean up: its files stay until the next import"
    # The next import removes the killed one's staging folder and half-built file, and completes.
    import_to(extracts, str(target))
    assert leftovers(tmp_path) == []
    assert digest(target) != before


def test_import_under_tight_memory_limit_spills_and_gives_same_warehouse(extracts, duck_url, tmp_path,
                                                                       monkeypatch):
    monkeypatch.delenv("PUBLIC_SET_LINKED")  # compared table by table with the test county's, public_marks too
    from bench.compare import compare
    from data import importer

    spilled: list[int] = []
    publish = importer.publish

    def watching_publish(con, target, building):
        spilled.append(con.execute("SELECT count(*) FROM duckdb_temporary_files()").fetchone()[0])
        publish(con, target, building)

    monkeypatch.setattr(importer, "publish", watching_publish)
    monkeypatch.setattr(importer, "OUTSIDE_DUCKDB", 0)  # the whole budget to DuckDB
    target = tmp_path / "tight.duckdb"
    Importer(extracts, str(target), UNTIL, KEY, log=lambda *_: None, memory_limit="40MB").run()
    assert spilled[0] > 0, "DuckDB never used its spill folder: the limit did not bind"
    assert compare(duck_url, str(target), log=lambda *_: None) == []
    assert leftovers(tmp_path) == []


def test_temporary_files_removed_after_success_and_failure(extracts, duck_url, tmp_path):
    assert leftovers(Path(duck_url).parent) == []
    folder = copy_extracts(extracts, tmp_path)
    path = next(folder.glob("康复服务*.csv"))
    path.write_text("残疾人证号,年度\n1,2024\n", encoding="utf-8")  # fails in the sixth table, mid-import
    target = tmp_path / "wh.duckdb"
    assert main([str(folder), "--warehouse", str(target), "--as-of", UNTIL]) == 2
    assert leftovers(tmp_path) == [] and not target.exists()


def test_short_disk_stops_before_anything_is_written(extracts, duck_url, tmp_path, monkeypatch, capsys):
    from data import importer

    target = tmp_path / "wh.duckdb"
    shutil.copy(duck_url, target)
    before = digest(target)
    need = importer.extracts_bytes(extracts) * importer.DISK_FACTOR + importer.DISK_MARGIN
    monkeypatch.setattr(importer, "free_bytes", lambda _: int(need) - 1)
    assert main([str(extracts), "--warehouse", str(target), "--as-of", UNTIL]) == 2
    err = capsys.readouterr().err
    assert "磁盘空间不足" in err and str(tmp_path) in err
    assert digest(target) == before and leftovers(tmp_path) == []
    monkeypatch.setattr(importer, "free_bytes", lambda _: int(need))
    assert main([str(extracts), "--warehouse", str(target), "--as-of", UNTIL]) == 0


def test_memory_setting(monkeypatch, capsys):
    from data import importer

    assert importer.parse_size("4GB") == importer.parse_size("4 GiB") == importer.parse_size("4g") == 4 << 30
    assert importer.parse_size("3500MB") == 3500 << 20 and importer.parse_size("1024") == 1024
    with pytest.raises(ValueError):
        importer.parse_size("four gigabytes")
    monkeypatch.setenv("IMPORT_MEMORY_LIMIT", "6GB")
    assert importer.memory_budget() == 6 << 30 and importer.memory_budget("2GB") == 2 << 30
    monkeypatch.delenv("IMPORT_MEMORY_LIMIT")
    monkeypatch.setattr(importer, "machine_memory", lambda: 16 << 30)
    assert importer.memory_budget() == 4 << 30  # a quarter of the machine by default
    assert importer.duckdb_memory(4 << 30) == (4 << 30) - importer.OUTSIDE_DUCKDB
    assert main(["/", "--warehouse", "x.duckdb", "--memory-limit", "lots"]) == 2
    assert "lots" in capsys.readouterr().err


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


@pytest.mark.parametrize("key", [b"k", b"x" * 64, b"long-key" * 20])
def test_pseudonyms_are_hmac_sha256(key):
    import hmac

    from data.importer import pseudonyms

    values = pd.Series(["110105194912310020", "户-0001", ""])
    expected = [int.from_bytes(hmac.new(key, b"person:" + v.encode(), hashlib.sha256).digest()[:8], "big",
                               signed=True) for v in values]
    assert pseudonyms(values, key, b"person:").tolist() == expected
