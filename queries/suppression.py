"""Small-number suppression for what leaves the analysts' screen (projector, press, exports, villages).

Rules (issue 4): a count of 1-4 persons or households prints as "<5" (primary suppression); wherever
a shown total would let a reader subtract back to a suppressed cell, more cells are withheld ("×",
secondary suppression) until no suppressed cell has a single possible value; a rate over a
denominator under 5, or over a suppressed count, is withheld.

What a reader knows: a shown number exactly; "<5" is 1-4; "×" is any count (withheld: usually a larger
cell hidden to protect a small one, sometimes a small one whose "<5" would still give it away); each
column sums to its total row. `line_is_safe` checks one column exactly with interval arithmetic.
"""

from __future__ import annotations

import pandas as pd

SMALL = 5
PRIMARY, SECONDARY = "<5", "×"
INF = 10**12


def primary(value: float) -> bool:
    """A count that may point at a person: 1 to 4."""
    return 0 < value < SMALL


def _domain(mark: str) -> list[tuple[int, int]]:
    """Values a reader must allow for a suppressed cell, as integer intervals."""
    return [(1, SMALL - 1)] if mark == PRIMARY else [(0, INF)]


def _sumset(domains: list[list[tuple[int, int]]]) -> list[tuple[int, int]]:
    """All sums of one value from each domain, as merged, sorted intervals."""
    sums = [(0, 0)]
    for domain in domains:
        combined = sorted((a + c, b + d) for a, b in sums for c, d in domain)
        merged: list[tuple[int, int]] = []
        for lo, hi in combined:
            if merged and lo <= merged[-1][1] + 1:
                merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
            else:
                merged.append((lo, hi))
        sums = merged
    return sums


def _negated(domain: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The domain of -x."""
    return sorted((-b, -a) for a, b in domain)


def line_is_safe(values: list[int], marks: list[str | None]) -> bool:
    """Exactly, for one line (its cells, then its total last): no suppressed member has a single
    possible value given the shown ones and the equation sum(cells) = total."""
    signs = [1] * (len(values) - 1) + [-1]
    hidden = [i for i, m in enumerate(marks) if m]
    known = -sum(sign * v for sign, v, m in zip(signs, values, marks, strict=True) if not m)
    for i in hidden:
        parts = [_domain(marks[j]) if signs[j] > 0 else _negated(_domain(marks[j])) for j in hidden if j != i]
        others = _sumset(parts)
        # signs[i] * x_i = known - (sum of the others), so x_i lies in signs[i] * (known - others).
        targets = sorted((signs[i] * (known - hi), signs[i] * (known - lo)) for lo, hi in others)
        targets = [(min(a, b), max(a, b)) for a, b in targets]
        possible = 0
        for lo, hi in _domain(marks[i]):
            for tlo, thi in targets:
                possible += max(0, min(hi, thi) - max(lo, tlo) + 1)
        if possible <= 1:
            return False
    return True


def suppress_grid(values: pd.DataFrame) -> pd.DataFrame:
    """Marks (None, '<5', '×') for a grid of counts whose last row is the column totals.

    Each column is one line (cells + total). Tables published suppressed carry column totals only:
    a row-total column would tie the columns together, which a per-line check cannot make safe."""
    grid = values.astype("int64").to_numpy()
    n_rows, n_cols = grid.shape
    marks = [[PRIMARY if primary(grid[r, c]) else None for c in range(n_cols)] for r in range(n_rows)]
    lines = [[(r, c) for r in range(n_rows)] for c in range(n_cols)]  # each column, its total last
    changed = True
    while changed:
        changed = False
        for line in lines:
            line_values = [int(grid[x]) for x in line]
            while not line_is_safe(line_values, [marks[r][c] for r, c in line]):
                r, c = line[_next_to_withhold(line_values, [marks[r][c] for r, c in line])]
                marks[r][c] = SECONDARY
                changed = True
    return pd.DataFrame(marks, index=values.index, columns=values.columns)


def _next_to_withhold(values: list[int], marks: list[str | None]) -> int:
    """Which member of an unsafe line to withhold next: the smallest shown cell of at least 5, else
    the total, else a shown zero, else turn a '<5' (the total first) into '×'."""
    total = len(values) - 1
    shown = [i for i, m in enumerate(marks) if not m]
    big = [i for i in shown if i < total and values[i] >= SMALL]
    if big:
        return min(big, key=lambda i: values[i])
    if total in shown:
        return total
    if shown:
        return shown[0]
    primaries = [i for i, m in enumerate(marks) if m == PRIMARY]
    return total if total in primaries else primaries[0]


def suppress_table(table: pd.DataFrame, counts: list[str],
                   rates: dict[str, tuple[str, str]] | None = None) -> pd.DataFrame:
    """A display copy of a table whose last row is its total: suppressed counts as '<5' / '×', rates
    withheld ('—') over a denominator under 5 or over a suppressed count. Other columns unchanged."""
    marks = suppress_grid(table[counts].fillna(0))
    out = table.copy().astype({c: "object" for c in counts})
    for column in counts:
        hidden = marks[column].notna()
        out.loc[hidden, column] = marks.loc[hidden, column]
    for column, (numerator, denominator) in (rates or {}).items():
        none = pd.Series(None, index=table.index)
        withheld = ((table[denominator].fillna(0) < SMALL) | marks.get(numerator, none).notna()
                    | marks.get(denominator, none).notna())
        out[column] = out[column].astype("object")
        out.loc[withheld, column] = "—"
    return out


def count_text(value: float, unit: str = "") -> str:
    """A single headline count: '<5' for 1-4, else the number with its unit."""
    return PRIMARY + unit if primary(value) else f"{int(value):,}{unit}"


def rate_shown(denominator: float) -> bool:
    """A rate may be shown only over a denominator of at least 5."""
    return denominator >= SMALL


def suppressed_numbers(units: pd.DataFrame, counts: list[str], rates: dict[str, tuple[str, str]]) -> pd.DataFrame:
    """Units (no total row) with hidden counts and withheld rates as NaN, suppressed together with the
    total of each column, for charts and maps that leave the analysts' screen."""
    if units.empty:
        return units.copy()
    total = units[counts].sum().to_frame().T
    marks = suppress_grid(pd.concat([units[counts], total], ignore_index=True).fillna(0)).iloc[:-1]
    marks.index = units.index
    out = units.copy()
    for column in counts:
        out[column] = out[column].where(marks[column].isna())
    for column, (numerator, denominator) in rates.items():
        keep = (units[denominator].fillna(0) >= SMALL) & out[numerator].notna() & out[denominator].notna()
        out[column] = out[column].where(keep)
    return out
