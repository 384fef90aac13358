"""The pages' access to the case store (cases/store.py): one store per process, synchronised with the
warehouse the pages read whenever a new import is seen, and the open/overdue counts of a scope (总览's card,
预警's county picture)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from cases.store import CLOSED_STATES, OPEN_STATES, Store, open_overdue_counts, store_url, sync_warehouse, with_deadlines
from queries.warnings import config
from ui import data


@st.cache_resource(show_spinner=False)
def _store(url: str) -> Store:
    """The store at `url`, opened (and migrated) once per process."""
    return Store(url)


def store() -> Store:
    """The configured case store (env CASES_DB), synchronised with the current import."""
    s = _store(store_url())
    wh, import_id = data.current()
    if s.synced_import() != import_id:  # a new import: open, keep and mark cases (idempotent across processes)
        sync_warehouse(s, wh, import_id)
    return s


def cases(scope: str, today: dt.date | None = None) -> pd.DataFrame:
    """The cases a scope sees ('' = the county), with working days, 期限 and 超期, and the rule's name."""
    frame = with_deadlines(store().cases(township=scope), today)
    names = {r.key: r.name for r in config().rules}
    frame["rule_name"] = frame["rule"].map(names).fillna(frame["rule"]) if len(frame) else pd.Series(dtype=str)
    return frame


def open_overdue(frame: pd.DataFrame) -> tuple[int, int]:
    """(open cases, of them overdue)."""
    if frame.empty:
        return 0, 0
    is_open = frame["state"].isin(OPEN_STATES)
    return int(is_open.sum()), int((is_open & frame["is_overdue"]).sum())


def closed_count(frame: pd.DataFrame) -> int:
    """Cases closed (已处置 or 误报)."""
    return 0 if frame.empty else int(frame["state"].isin(CLOSED_STATES).sum())


def open_overdue_or_none(scope: str, today: dt.date | None = None) -> tuple[int, int] | None:
    """(open, overdue) of a scope for 总览's card; None when the store or the rules cannot be read (the card
    is then left out: 总览 must not fail for the case store)."""
    try:
        return open_overdue_counts(store(), scope, today)
    except Exception:  # a broken CASES_DB or rules file is said on the 预警 page itself
        return None
