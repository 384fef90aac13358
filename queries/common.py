"""What every query shares: the filters, loading a named SQL file, the county's own row."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
from pandas.api.types import is_object_dtype

from queries.db import Warehouse
from queries.dialect import Statement

SQL_DIR = Path(__file__).with_name("sql")


class ScopeError(PermissionError):
    """A query asked for an area outside the signed-in user's scope."""


@dataclass(frozen=True)
class Filters:
    """What every query is called with: the user's scope (a township code, '' for the whole county), then
    the sidebar's filters: area (township and village codes, '' for all), category and level (0 = all).

    The scope has no default, so no query can be called without one; it becomes the bound township
    predicate of every query, and an area outside it is refused, not quietly widened."""

    scope: str
    township: str = ""
    village: str = ""
    category: int = 0
    level: int = 0

    def params(self) -> dict[str, object]:
        """As bound parameters of every query (the township is the scope's when one is set)."""
        township = self.township or self.scope
        if self.scope and township != self.scope:
            raise ScopeError(f"区划 {self.township} 不在当前账号的查看范围内")
        if self.village and self.village[:9] != township[:9]:
            raise ScopeError(f"村（社区）{self.village} 不在乡镇 {township} 内")
        return asdict(self) | {"township": township}


@cache
def sql_text(name: str) -> str:
    """The statement in queries/sql/NAME.sql (an engine with its own queries/sql/ENGINE/NAME.sql runs that)."""
    return Statement((SQL_DIR / f"{name}.sql").read_text(encoding="utf-8"), name)


def numeric_columns(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The columns as numbers, NULL as 0 (PostgreSQL returns NUMERIC as Decimal objects; DuckDB's are
    numeric already, so only object columns are converted and only float columns with NULLs are filled).
    The dtypes are read once and only float columns looked at: a small result's cost here is pandas'
    per-call overhead, not the data."""
    dtypes = dict(zip(frame.columns, frame.dtypes, strict=True))
    for c in columns:
        if is_object_dtype(dtypes[c]):
            frame[c] = column = pd.to_numeric(frame[c])
            dtypes[c] = column.dtype
    for c in columns:
        if not isinstance(dtypes[c], np.dtype):  # a nullable extension type (chDB's Int64 with <NA>)
            if frame[c].hasnans:
                frame[c] = frame[c].fillna(0)
        elif dtypes[c].kind == "f" and np.isnan(values := frame[c].to_numpy()).any():
            frame[c] = np.nan_to_num(values, nan=0.0, posinf=np.inf, neginf=-np.inf)
    return frame


def run_sql(wh: Warehouse, name: str, **params: object) -> pd.DataFrame:
    """Run a named query with bound parameters."""
    return wh.frame(sql_text(name), **params)


def county(wh: Warehouse) -> dict:
    """The county's row of dim_region (code, name)."""
    frame = wh.frame("SELECT region_code, name FROM dim_region WHERE level = 'county' ORDER BY region_code LIMIT 1")
    if frame.empty:
        return {"region_code": "", "name": "全县"}
    return frame.iloc[0].to_dict()
