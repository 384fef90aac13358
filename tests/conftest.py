"""Shared fixtures: a small generated county, its DuckDB warehouse, and a real PostgreSQL on loopback."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

from data.generate import generate
from data.importer import Importer

# The app's tests run signed in as the demo's read-only analyst unless a test signs in otherwise.
os.environ.setdefault("DEMO_MODE", "1")
os.environ.setdefault("AUDIT_LOG", str(Path(tempfile.gettempdir()) / "canlian-test-audit.log"))

SEED, PERSONS, UNTIL = 11, 3000, "2024-12"
KEY = b"test-pseudonym-key"


def _free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def extracts(tmp_path_factory) -> Path:
    """A small county's extracts folder, made by the demo generator (with planted bad rows)."""
    folder = tmp_path_factory.mktemp("extracts")
    generate(folder, seed=SEED, persons=PERSONS, until=UNTIL)
    return folder


def import_to(folder: Path, target: str) -> dict:
    """Run the real importer quietly; return its summary."""
    return Importer(folder, target, UNTIL, KEY, log=lambda *_: None).run()


@pytest.fixture(scope="session")
def duck_import(extracts, tmp_path_factory) -> tuple[str, dict]:
    """The extracts imported into a DuckDB file: (path, importer summary)."""
    path = str(tmp_path_factory.mktemp("wh") / "county.duckdb")
    return path, import_to(extracts, path)


@pytest.fixture(scope="session")
def duck_url(duck_import) -> str:
    """Path of the test DuckDB warehouse."""
    return duck_import[0]


@pytest.fixture(scope="session")
def pg_server():
    """A throw-away PostgreSQL server on 127.0.0.1 (Debian's binaries; initdb refuses root, so as postgres)."""
    initdb = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not initdb and not shutil.which("initdb"):
        pytest.fail("PostgreSQL is not installed: run scripts/setup.sh (apt-get install postgresql)")
    bindir = Path(initdb[-1]).parent if initdb else Path(shutil.which("initdb")).parent
    datadir = Path(tempfile.mkdtemp(prefix="pgtest-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        pg = pwd.getpwnam("postgres")
        os.chown(datadir, pg.pw_uid, pg.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    subprocess.run([*as_user, bindir / "initdb", "-D", datadir, "-A", "trust", "-U", "postgres", "-E", "UTF8"],
                   check=True, capture_output=True)
    options = f"-p {port} -k {datadir} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run([*as_user, bindir / "pg_ctl", "-D", datadir, "-o", options, "-w", "-l", datadir / "log", "start"],
                   check=True, capture_output=True)
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*as_user, bindir / "pg_ctl", "-D", datadir, "-m", "fast", "-w", "stop"], capture_output=True)
        shutil.rmtree(datadir, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_url(extracts, pg_server) -> str:
    """The same extracts imported into the PostgreSQL server."""
    import_to(extracts, pg_server)
    return pg_server


@pytest.fixture(params=["duckdb", "postgresql"])
def any_url(request) -> str:
    """Each test using this runs on both engines."""
    return request.getfixturevalue("duck_url" if request.param == "duckdb" else "pg_url")
