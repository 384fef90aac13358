"""Shared fixtures: a small generated county, its DuckDB warehouse, and a real PostgreSQL on loopback."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pytest

from bench import pgserver
from data.generate import generate
from data.importer import Importer

# The app's tests run signed in as the demo's read-only analyst unless a test signs in otherwise.
os.environ.setdefault("DEMO_MODE", "1")
os.environ.setdefault("KEEP_PUBLISHED", "1")  # each run's publication in its session state, for the tests to read
os.environ.setdefault("AUDIT_LOG", str(Path(tempfile.gettempdir()) / "canlian-test-audit.log"))
os.environ.setdefault("SIGNIN_DB", str(Path(tempfile.mkdtemp(prefix="canlian-signin-")) / "signin.sqlite"))
os.environ.setdefault("SESSION_KEY_FILE", str(Path(tempfile.mkdtemp(prefix="canlian-session-")) / "session.key"))
os.environ.setdefault("CASES_DB", str(Path(tempfile.mkdtemp(prefix="canlian-cases-")) / "cases.sqlite"))  # 预警 cases
# Each import solves the public set (≈15 s of CPU for the test county): the same tables, solved once for every
# worker and run (queries.public_set._cache_file; keyed by the tables and the disclosure's code).
os.environ.setdefault("PUBLIC_SET_CACHE", str(Path(tempfile.gettempdir()) / "canlian-test-public-set"))

SEED, PERSONS, UNTIL = 11, 3000, "2024-12"
KEY = b"test-pseudonym-key"


@pytest.fixture(scope="session")
def extracts(tmp_path_factory) -> Path:
    """A small county's extracts folder, made by the demo generator (with planted bad rows)."""
    folder = tmp_path_factory.mktemp("extracts")
    generate(folder, seed=SEED, persons=PERSONS, until=UNTIL)
    return folder


def import_to(folder: Path, target: str) -> dict:
    """Run the real importer quietly; return its summary."""
    return Importer(folder, target, UNTIL, KEY, log=lambda *_: None).run()


def import_shared(folder: Path, target: str) -> dict:
    """`import_to` for the session's shared warehouses: imported as a federation's are (the public set
    solved), whatever the environment of the test that first asks for one (tests/test_importer.py turns the
    solve off for its own imports; a shared warehouse made then would lack its marks on one engine only)."""
    saved = os.environ.pop("PUBLIC_SET_LINKED", None)
    try:
        return import_to(folder, target)
    finally:
        if saved is not None:
            os.environ["PUBLIC_SET_LINKED"] = saved


@pytest.fixture(scope="session")
def duck_import(extracts, tmp_path_factory) -> tuple[str, dict]:
    """The extracts imported into a DuckDB file: (path, importer summary)."""
    path = str(tmp_path_factory.mktemp("wh") / "county.duckdb")
    return path, import_shared(extracts, path)


@pytest.fixture(scope="session")
def duck_url(duck_import) -> str:
    """Path of the test DuckDB warehouse."""
    return duck_import[0]


@pytest.fixture(scope="session")
def hostile_url(extracts, tmp_path_factory) -> str:
    """The test county with hostile region names (tests/hostile.py), imported into its own DuckDB warehouse."""
    from tests.hostile import make_hostile

    folder = make_hostile(extracts, tmp_path_factory.mktemp("hostile") / "extracts")
    path = str(tmp_path_factory.mktemp("hostile-wh") / "hostile.duckdb")
    import_shared(folder, path)
    return path


@pytest.fixture(scope="session")
def pg_server():
    """A throw-away PostgreSQL server on 127.0.0.1 (Debian's binaries; as postgres when root)."""
    try:
        server = pgserver.pg_server()
        url = server.__enter__()
    except RuntimeError as exc:
        pytest.fail(str(exc))
    try:
        yield url
    finally:
        server.__exit__(None, None, None)


@pytest.fixture(scope="session")
def pg_url(extracts, pg_server) -> str:
    """The same extracts imported into the PostgreSQL server."""
    import_shared(extracts, pg_server)
    return pg_server


@pytest.fixture(scope="session")
def ch_url(extracts, tmp_path_factory) -> str:
    """The same extracts imported into an embedded ClickHouse (chDB) directory, once per session.

    chDB runs one directory per process: every chDB test of the session uses this one (a test needing
    another database of its own names it with ?database=…)."""
    url = f"chdb://{tmp_path_factory.mktemp('ch') / 'county'}"
    import_shared(extracts, url)
    return url


ENGINE_URLS = {"duckdb": "duck_url", "postgresql": "pg_url", "chdb": "ch_url"}


@pytest.fixture(params=list(ENGINE_URLS))
def any_url(request) -> str:
    """Each test using this runs on the three engines: DuckDB, PostgreSQL and ClickHouse (embedded chDB)."""
    return request.getfixturevalue(ENGINE_URLS[request.param])


def pytest_collection_modifyitems(items) -> None:
    """Tests on PostgreSQL (the `any_url` postgresql case, or a pg fixture) are slow: `pytest -m "not slow"`
    runs them on DuckDB and chDB only; the default run (CI) runs all three."""
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if {"pg_url", "pg_server"} & set(item.fixturenames) or {"postgresql", "pg_url"} & set(map(str, params.values())):
            item.add_marker(pytest.mark.slow)


APP = str(Path(__file__).resolve().parent.parent / "app.py")


def open_app(page: str = "overview", params: dict[str, str] | None = None, user=None):
    """A fresh AppTest session opened on a URL with these parameters (signed in as `user` if given),
    then switched to the page."""
    from streamlit.testing.v1 import AppTest

    from ui import auth

    at = AppTest.from_file(APP, default_timeout=60)
    if user is not None:
        at.session_state[auth.SESSION_KEY] = user
    for key, value in (params or {}).items():
        at.query_params[key] = value
    at.run()
    if page != "overview":
        at.switch_page(f"pages/{page}.py").run()
    return at


def shown_text(at) -> str:
    """Every text the page shows (Markdown, HTML cards and legends, captions, text, code, alerts, titles,
    tables)."""
    parts = [e.value for kind in ("markdown", "html", "caption", "text", "code", "info", "warning", "success",
                                  "error", "title", "subheader") for e in getattr(at, kind)]
    parts += [df.value.to_string() for df in at.dataframe]
    return "\n".join(str(p) for p in parts)


# What a leader, an analyst or a press officer never reads: files, settings, commands of the installation.
DEVELOPER_TEXT = re.compile(r"docs/|config/|\.ya?ml\b|python -m|[A-Z]{3,}_[A-Z]{3,}|queries/|var/")


def developer_text(at) -> list[str]:
    """The file names, settings and commands a page shows as text (markup and styles aside); the 数据说明
    page's 技术信息 part, for administrators, is left out."""
    text = re.sub(r"<(style|script)\b.*?</\1>|<[^>]+>", "", shown_text(at), flags=re.S)
    return [text[max(0, m.start() - 40):m.end() + 20] for m in DEVELOPER_TEXT.finditer(text.split("技术信息")[0])]


def card_html(at, label: str) -> str:
    """The HTML of the KPI card with this label."""
    return next(h.value for h in at.html if f"{label}</div>" in h.value)


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium from Debian (no browser download)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Debian chromium is not installed: run scripts/setup.sh")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()
