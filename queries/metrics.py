"""Metrics derived from the annual counts, in one place (rates, gaps to target), for pages and exports."""

from __future__ import annotations

import math

import pandas as pd

from queries.report import rate

# Metric key → how to get it from a row of annual counts.
RATES = {
    "rehab_rate": ("rehab_served", "rehab_need"),
    "living_coverage": ("living_eligible_paid", "living_eligible"),
    "nursing_coverage": ("nursing_eligible_paid", "nursing_eligible"),
    "modification_rate": ("modification_completed", "modification_planned"),
}


def shortfall(numerator: float, denominator: float, target_pct: float) -> int:
    """Persons (or households) still needed to reach the target rate; 0 when met or no denominator."""
    if not denominator:
        return 0
    return max(0, math.ceil(round(target_pct * denominator / 100, 9)) - int(numerator))


def with_metrics(counts: pd.DataFrame) -> pd.DataFrame:
    """Add rates, monitored households, unpaid eligible persons to a frame of annual counts."""
    out = counts.copy()
    for key, (num, den) in RATES.items():
        out[key] = [rate(n, d) for n, d in zip(out[num], out[den], strict=True)]
        out[key] = out[key].astype("float64")
    out["monitored"] = out["monitored_unstable"] + out["monitored_marginal"] + out["monitored_sudden"]
    out["living_unpaid"] = out["living_eligible"] - out["living_eligible_paid"]
    out["nursing_unpaid"] = out["nursing_eligible"] - out["nursing_eligible_paid"]
    out["unpaid_eligible"] = out["living_unpaid"] + out["nursing_unpaid"]
    out["rehab_short"] = [shortfall(s, n, 85) for s, n in zip(out["rehab_served"], out["rehab_need"], strict=True)]
    return out


def totals(counts: pd.DataFrame) -> pd.Series:
    """One row of metrics for the whole of the given units (rates from the summed counts)."""
    summed = counts.drop(columns=["unit_code", "name"]).sum().to_frame().T
    summed.insert(0, "unit_code", "")
    summed.insert(1, "name", "合计")
    return with_metrics(summed).iloc[0]
