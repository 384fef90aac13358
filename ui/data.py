"""Cached access to the warehouse for the pages: one connection per process, results keyed by arguments
and by the import they come from, so a new import reaches every running process within seconds.

One page run reads one import: the first query of a run pins the import it finds (its id), and every later
query and context of that run is asked of that import. When an import replaces the warehouse during the run
(the importer's atomic swap), a query that would have to read the new one restarts the run instead, so a page
never shows its sidebar and text from one import and its cards from another."""

from __future__ import annotations

import importlib
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from queries import dashboard
from queries.common import Filters, county
from queries.coverage import coverage
from queries.db import Warehouse, WarehouseError, WarehouseRetired, is_duckdb, warehouse_url
from ui.state import Context

# How often a process asks PostgreSQL (or ClickHouse) which import it holds (one small SELECT); a DuckDB file is checked on
# every call (one stat), since an import swaps in a new file.
IMPORT_CHECK_S = float(os.environ.get("IMPORT_CHECK_S", "2"))

Identity = tuple[int, int, int, int]


def file_identity(path: str) -> Identity | None:
    """(inode, device, mtime in ns, size) of a file, None if absent: an import's rename changes it."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_ino, info.st_dev, info.st_mtime_ns, info.st_size


@dataclass(frozen=True)
class _Open:
    """An open connection, the import it holds and (DuckDB) the identity of the file it opened."""

    wh: Warehouse
    import_id: str
    identity: Identity | None


class ImportChanged(WarehouseRetired):
    """The import this run pinned was replaced: the run starts again on the new one."""


class Live:
    """The process's connection to one warehouse, replaced when a new import is seen: the old one is closed
    first (DuckDB hands back an already-open instance for the same path until it is closed)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.duck = is_duckdb(url)
        self._lock = threading.Lock()
        self._open: _Open | None = None
        self._checked = 0.0  # monotonic time PostgreSQL's import id was last read

    def current(self) -> tuple[Warehouse, str]:
        """The connection to the warehouse's current import, and that import's id."""
        held = self._open
        if held is not None and self._unchanged(held, locked=False):
            return held.wh, held.import_id
        with self._lock:
            held = self._open
            if held is None or not self._unchanged(held, locked=True):
                held = self._renew(held)
            return held.wh, held.import_id

    def _unchanged(self, held: _Open, locked: bool) -> bool:
        """Whether `held` still is the current import (PostgreSQL: asked only under the lock, every few s)."""
        if self.duck:
            return file_identity(self.url) == held.identity
        if time.monotonic() - self._checked < IMPORT_CHECK_S:
            return True
        if not locked:
            return False
        self._checked = time.monotonic()
        return held.wh.import_id() == held.import_id

    def _renew(self, old: _Open | None) -> _Open:
        """Close the old connection, open the current warehouse and read its import id."""
        self._open = None
        if old is not None:
            old.wh.close()
            _forget_results()
        for _ in range(3):
            before = file_identity(self.url) if self.duck else None
            wh = Warehouse(self.url)
            try:
                import_id = wh.import_id()
            except Exception:
                wh.close()
                raise
            after = file_identity(self.url) if self.duck else None
            if before == after:
                break
            wh.close()  # the file was replaced while it was being opened: open the new one
        else:
            raise WarehouseError(f"数据仓库 {self.url} 在打开时一直被替换（导入正在进行？），请稍后重试。")
        if self.duck and import_id.startswith("imported_at:"):  # an older importer's file: no import_id
            import_id += f"|{after}"
        self._open = _Open(wh, import_id, after)
        self._checked = time.monotonic()
        return self._open

    def close(self) -> None:
        """Release the connection (the cache entry was dropped)."""
        with self._lock:
            if self._open is not None:
                self._open.wh.close()
                self._open = None


@st.cache_resource(show_spinner=False, max_entries=4, on_release=lambda live: live.close())
def _live(url: str) -> Live:
    """The process's one Live connection holder for this warehouse URL."""
    return Live(url)


def current(url: str | None = None) -> tuple[Warehouse, str]:
    """The current warehouse connection and its import id (reopened when a new import is seen)."""
    return _live(url or warehouse_url()).current()


def warehouse() -> Warehouse:
    """The current connection (reopened when an import swapped the warehouse)."""
    return current()[0]


def import_id() -> str:
    """The id of the import the pages are reading (what every cached result is keyed by)."""
    return current()[1]


def _forget_results() -> None:
    """Drop the results of older imports (they are never asked for again: the key holds the import id)."""
    _cached.clear()
    _context.clear()


def _run(url: str, import_key: str, call: Callable[[Warehouse], object]) -> object:
    """Run `call` on the connection to import `import_key`; ImportChanged when the warehouse now holds another
    import (a file copy of the same import, reopened meanwhile, is asked again)."""
    for _ in range(3):
        wh, now = current(url)
        if now != import_key:
            raise ImportChanged(f"数据仓库已换为新的导入（{now}），本次运行读取的是 {import_key}。")
        try:
            return call(wh)
        except WarehouseRetired:
            continue  # closed by a reopening: the loop asks which import is current now
    raise WarehouseError(f"数据仓库 {url} 一直被替换（导入正在进行？），请稍后重试。")


_PIN = "_canlian_import_pin"


def _script_context():
    """The Streamlit run this thread serves, None outside a run (tests, the command line)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    return get_script_run_ctx(suppress_warning=True)


def pinned(url: str) -> str:
    """The import this page run reads: pinned by the run's first call, the same for every later call. A run is
    told apart by the cursor table Streamlit makes anew for each run (and fragment run); outside a run every
    call reads the current import."""
    run = _script_context()
    if run is None:
        return current(url)[1]
    pin = getattr(run, _PIN, None)
    if pin is not None and pin[0] is run.cursors and pin[1] == url:
        return pin[2]
    key = current(url)[1]
    setattr(run, _PIN, (run.cursors, url, key))
    return key


def _on_import_changed() -> None:
    """The pinned import was replaced during this run: start the run again (it pins the new import)."""
    run = _script_context()
    if run is not None:
        setattr(run, _PIN, None)
        st.rerun()


@st.cache_data(show_spinner=False, ttl=3600, max_entries=4000)
def _cached(module: str, name: str, url: str, import_key: str, args: tuple, kwargs: tuple) -> pd.DataFrame | dict:
    """Run MODULE.NAME (a query of queries/) for import `import_key`; Filters travel as tuples so the cache
    key is plain data."""
    args = tuple(Filters(*a[1]) if isinstance(a, tuple) and a and a[0] == "filters" else a for a in args)
    fn = getattr(importlib.import_module(module), name)
    return _run(url, import_key, lambda wh: fn(wh, *args, **dict(kwargs)))


def q(fn: Callable, *args, **kwargs):
    """Call a query function of queries/ (its first argument the warehouse) through the cache, on the import
    this run reads."""
    if not fn.__module__.startswith("queries."):
        raise ValueError(f"{fn.__qualname__} is not a query of queries/")
    url = warehouse_url()
    packed = tuple(("filters", tuple(a.params().values())) if isinstance(a, Filters) else a for a in args)
    for _ in range(3):
        try:
            return _cached(fn.__module__, fn.__name__, url, pinned(url), packed, tuple(sorted(kwargs.items())))
        except ImportChanged:
            _on_import_changed()  # in a run: restarts it; outside one: the next try reads the current import
    raise WarehouseError(f"数据仓库 {url} 一直被替换（导入正在进行？），请稍后重试。")


@st.cache_data(show_spinner=False, ttl=3600)
def _context(url: str, import_key: str, scope: str) -> Context:
    """Years, months and regions that a view may name, in import `import_key`."""
    return _run(url, import_key, lambda wh: _context_of(wh, scope))


def _context_of(wh: Warehouse, scope: str) -> Context:
    """Years, months and regions that a view may name."""
    cov = coverage(wh)
    regions = dashboard.regions(wh, scope)
    whole = county(wh)
    towns = regions[regions["level"] == "township"]
    villages = regions[regions["level"] == "village"]
    return Context(
        years=cov.years, months=cov.months, coverage=cov.datasets,
        townships=dict(zip(towns["region_code"], towns["name"], strict=True)),
        villages={t: dict(zip(g["region_code"], g["name"], strict=True)) for t, g in villages.groupby("township_code")},
        county_name=whole["name"], county_code=whole["region_code"],
    )


def context(scope: str) -> Context:
    """The current warehouse's Context, within the user's scope ('' = the county)."""
    url = warehouse_url()
    for _ in range(3):
        try:
            return _context(url, pinned(url), scope)
        except ImportChanged:
            _on_import_changed()
    raise WarehouseError(f"数据仓库 {url} 一直被替换（导入正在进行？），请稍后重试。")


PAGE_DATASETS = "page_datasets"  # session key: the datasets of the page being run (page.setup sets it)


def data_until(ctx: Context, datasets: tuple[str, ...] | None = None) -> str:
    """'2025年12月': the latest month of the page's own datasets (or of `datasets`), for every chart's, slide's,
    image's and export's 截至 line."""
    return ctx.covered().until(st.session_state.get(PAGE_DATASETS, ()) if datasets is None else datasets)
