"""Metrics derived from the annual counts, in one place (rates, gaps to target), for pages and exports."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd

from queries.catalog import METRICS, RATES

# Columns with_metrics adds (totals recomputes them from the summed counts).
_DERIVED = {*RATES, "monitored", "living_unpaid", "nursing_unpaid", "unpaid_eligible", "rehab_short"}


def shortfall(numerator: float, denominator: float, target_pct: float) -> int:
    """Persons (or households) still needed to reach the target rate; 0 when met or no denominator."""
    if not denominator:
        return 0
    return max(0, math.ceil(round(target_pct * denominator / 100, 9)) - int(numerator))


def rate(numerator: float, denominator: float) -> float | None:
    """The one rate rule: percent to one decimal, half rounded up, in integer arithmetic
    (floor(1000·n/d + 1/2) tenths); None when the denominator is 0. Pages, the annual table, the draft and
    指标分析 all use it (or `rates`, its twin for whole columns)."""
    n, d = int(numerator), int(denominator)
    return ((2000 * n + d) // (2 * d)) / 10 if d else None


def shortfalls(numerators: np.ndarray, denominators: np.ndarray, target_pct: float) -> np.ndarray:
    """`shortfall` for each unit of whole columns (the same function, not a second rule)."""
    pairs = zip(np.asarray(numerators).tolist(), np.asarray(denominators).tolist(), strict=True)
    return np.array([shortfall(n, d, target_pct) for n, d in pairs], dtype="int64")


def rates(numerators: np.ndarray, denominators: np.ndarray) -> np.ndarray:
    """`rate` for each unit of whole columns (the same function, not a second rule); NaN where the
    denominator is 0."""
    pairs = zip(np.asarray(numerators).tolist(), np.asarray(denominators).tolist(), strict=True)
    return np.array([np.nan if (r := rate(n, d)) is None else r for n, d in pairs], dtype="float64")


def _derived(column: Callable[[str], np.ndarray]) -> dict[str, np.ndarray]:
    """Rates, monitored households, unpaid eligible persons and the rehab shortfall from the counts
    (`column(name)` gives a count column as an array)."""
    out = {key: rates(column(num), column(den)) for key, (num, den) in RATES.items()}
    out["monitored"] = column("monitored_unstable") + column("monitored_marginal") + column("monitored_sudden")
    out["living_unpaid"] = column("living_eligible") - column("living_eligible_paid")
    out["nursing_unpaid"] = column("nursing_eligible") - column("nursing_eligible_paid")
    out["unpaid_eligible"] = out["living_unpaid"] + out["nursing_unpaid"]
    out["rehab_short"] = shortfalls(column("rehab_served"), column("rehab_need"), METRICS["rehab_rate"].target)
    return out


def with_metrics(counts: pd.DataFrame) -> pd.DataFrame:
    """Add rates, monitored households, unpaid eligible persons to a frame of annual counts."""
    derived = _derived(lambda name: counts[name].to_numpy())
    again = [c for c in derived if c in counts.columns]  # counts that already had them: recomputed
    kept = counts.drop(columns=again) if again else counts
    return pd.concat([kept, pd.DataFrame(derived, index=counts.index)], axis=1)


def totals(counts: pd.DataFrame) -> pd.Series:
    """One row of metrics for the whole of the given units (rates from the summed counts)."""
    columns = [c for c in counts.columns if c not in ("unit_code", "name") and c not in _DERIVED]
    sums = dict(zip(columns, counts[columns].to_numpy(dtype="float64").sum(axis=0, keepdims=True).T, strict=True))
    derived = _derived(sums.__getitem__)
    return pd.Series({"unit_code": "", "name": "合计", **{k: v[0] for k, v in (sums | derived).items()}})
