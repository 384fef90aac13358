"""Spreadsheet cells that stay data: every CSV and XLSX writer passes its values through here.

A text that starts with =, +, -, @, a tab or a carriage return is read by Excel, WPS and LibreOffice as a
formula (CSV/DDE injection). As OWASP advises, such a text gets a leading apostrophe, so it is shown
as text; a number written as text ("-12.5") is left alone. Nothing here imports streamlit.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
# xlsxwriter would otherwise write a text starting with "=" as a formula and a URL as a live link.
XLSXWRITER_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}


def safe_cell(value: Any) -> Any:
    """The value as a spreadsheet may hold it: a formula-like text gets a leading apostrophe."""
    if not isinstance(value, str) or not value.startswith(FORMULA_START):
        return value
    if value[0] in "+-" and _NUMBER.match(value):
        return value
    return "'" + value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of the table with every text cell and column name made safe; numbers stay numbers."""
    out = frame.rename(columns=lambda c: safe_cell(c) if isinstance(c, str) else c)
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(safe_cell)
    return out


def write_xlsx(frame: pd.DataFrame, target: Any, sheet_name: str, startrow: int = 0) -> None:
    """One table to an XLSX file or buffer, cells made safe, no formula or link from a text."""
    with pd.ExcelWriter(target, engine="xlsxwriter", engine_kwargs={"options": XLSXWRITER_OPTIONS}) as writer:
        safe_frame(frame).to_excel(writer, sheet_name=sheet_name, index=False, startrow=startrow)


def write_csv(frame: pd.DataFrame, target: Any, **kwargs: Any) -> None:
    """One table to CSV (kwargs go to pandas), cells made safe."""
    safe_frame(frame).to_csv(target, index=False, **kwargs)
