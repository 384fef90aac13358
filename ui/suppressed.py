"""The unit table (annual counts per township or village, with derived metrics) as it may leave the
analysts' screen: small counts hidden, rates over small or hidden counts withheld."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from queries.metrics import RATES
from queries.suppression import SMALL, suppressed_numbers

BASE_COUNTS = [
    "persons", "living_eligible", "nursing_eligible", "monitored_unstable", "monitored_marginal",
    "monitored_sudden", "enrolled", "eliminated", "without_measure", "living_persons", "living_eligible_paid",
    "nursing_persons", "nursing_eligible_paid", "rehab_need", "rehab_served", "base_placed",
    "modification_planned", "modification_completed",
]
# Derived columns and what they are made of: hidden when any part is hidden.
DERIVED = {
    "monitored": ["monitored_unstable", "monitored_marginal", "monitored_sudden"],
    "living_unpaid": ["living_eligible", "living_eligible_paid"],
    "nursing_unpaid": ["nursing_eligible", "nursing_eligible_paid"],
    "unpaid_eligible": ["living_eligible", "living_eligible_paid", "nursing_eligible", "nursing_eligible_paid"],
    "rehab_short": ["rehab_need", "rehab_served"],
}


@st.cache_data(show_spinner=False, ttl=3600, max_entries=1000)
def suppressed_units(units: pd.DataFrame) -> pd.DataFrame:
    """Hidden values as NaN: base counts suppressed per column with their total, derived ones hidden
    with any part (or when themselves 1-4), rates withheld over denominators under 5 or hidden counts.
    Cached by the table's content: hashing it costs a fifth of suppressing it, and a page asks more than
    once (map, ranking, press PNG)."""
    counts = [c for c in BASE_COUNTS if c in units.columns]
    out = suppressed_numbers(units, counts, {k: v for k, v in RATES.items() if k in units.columns})
    for column, parts in DERIVED.items():
        if column in out.columns:
            hidden = out[parts].isna().any(axis=1) | ((out[column] > 0) & (out[column] < SMALL))
            out[column] = out[column].where(~hidden)
    return out
