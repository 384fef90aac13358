"""A throw-away PostgreSQL server on 127.0.0.1 (Debian's binaries), the same recipe as tests/conftest.py.

`initdb` refuses root, so as root the server runs as the `postgres` user. The data directory is
deleted when the context ends.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pg_bindir() -> Path:
    """Where initdb and pg_ctl are (the newest Debian PostgreSQL, else PATH)."""
    initdb = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if initdb:
        return Path(initdb[-1]).parent
    found = shutil.which("initdb")
    if not found:
        raise RuntimeError("PostgreSQL is not installed: run scripts/setup.sh (apt-get install postgresql)")
    return Path(found).parent


@contextmanager
def pg_server(extra_options: str = "") -> Iterator[str]:
    """Start a private server; yield its SQLAlchemy URL; stop it and delete its files at the end."""
    bindir = pg_bindir()
    datadir = Path(tempfile.mkdtemp(prefix="pgbench-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        pg = pwd.getpwnam("postgres")
        os.chown(datadir, pg.pw_uid, pg.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    port = free_port()
    subprocess.run([*as_user, bindir / "initdb", "-D", datadir, "-A", "trust", "-U", "postgres", "-E", "UTF8"],
                   check=True, capture_output=True)
    options = f"-p {port} -k {datadir} -c listen_addresses=127.0.0.1 -c fsync=off {extra_options}".strip()
    subprocess.run([*as_user, bindir / "pg_ctl", "-D", datadir, "-o", options, "-w", "-l", datadir / "log", "start"],
                   check=True, capture_output=True)
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*as_user, bindir / "pg_ctl", "-D", datadir, "-m", "fast", "-w", "stop"], capture_output=True)
        shutil.rmtree(datadir, ignore_errors=True)
