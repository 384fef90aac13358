"""Cached access to the warehouse for the pages: one connection per process, results keyed by arguments."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import streamlit as st

from queries import dashboard
from queries.common import Filters, county
from queries.coverage import coverage
from queries.db import Warehouse, is_postgres, warehouse_url
from ui.state import Context


def _stamp(url: str) -> float:
    """Changes when the warehouse file is replaced by a new import (so caches and connection renew)."""
    if is_postgres(url):
        return 0.0
    path = Path(url)
    return path.stat().st_mtime if path.exists() else -1.0


@st.cache_resource(show_spinner=False, max_entries=2)
def _warehouse(url: str, stamp: float) -> Warehouse:
    """The process's read-only connection for this version of the warehouse."""
    return Warehouse(url)


def warehouse() -> Warehouse:
    """The current connection (reopened when the file was swapped by an import)."""
    url = warehouse_url()
    return _warehouse(url, _stamp(url))


@st.cache_data(show_spinner=False, ttl=3600, max_entries=4000)
def _cached(module: str, name: str, url: str, stamp: float, args: tuple, kwargs: tuple) -> pd.DataFrame | dict:
    """Run MODULE.NAME (a query of queries/); Filters travel as tuples so the cache key is plain data."""
    args = tuple(Filters(*a[1]) if isinstance(a, tuple) and a and a[0] == "filters" else a for a in args)
    return getattr(importlib.import_module(module), name)(_warehouse(url, stamp), *args, **dict(kwargs))


def q(fn: Callable, *args, **kwargs):
    """Call a query function of queries/ (its first argument the warehouse) through the cache."""
    if not fn.__module__.startswith("queries."):
        raise ValueError(f"{fn.__qualname__} is not a query of queries/")
    url = warehouse_url()
    packed = tuple(("filters", tuple(a.params().values())) if isinstance(a, Filters) else a for a in args)
    return _cached(fn.__module__, fn.__name__, url, _stamp(url), packed, tuple(sorted(kwargs.items())))


@st.cache_data(show_spinner=False, ttl=3600)
def _context(url: str, stamp: float, scope: str) -> Context:
    """Years, months and regions that a view may name."""
    wh = _warehouse(url, stamp)
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
    return _context(url, _stamp(url), scope)


def data_until(ctx: Context) -> str:
    """'2024年12月': the latest month of data, for every chart's 截至 line."""
    return ctx.covered().until()
