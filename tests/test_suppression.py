"""Small-number suppression: no suppressed value can be recovered from the totals shown beside it."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from queries.suppression import PRIMARY, SECONDARY, count_text, suppress_grid, suppress_table


def with_totals(rows: list[list[int]]) -> pd.DataFrame:
    """A grid with a column-total row."""
    frame = pd.DataFrame(rows, columns=[f"c{i}" for i in range(len(rows[0]))])
    frame.loc[len(frame)] = frame.sum()
    return frame


def feasible_values(frame: pd.DataFrame, marks: pd.DataFrame) -> dict[tuple, set[int]]:
    """Every value each suppressed cell can take in some solution consistent with what is shown
    (shown cells exact, '<5' in 1..4, '×' any count, each column summing to its total),
    by plain enumeration of reachable sums, column by column (columns share no equation)."""
    grid = frame.to_numpy().astype(int)
    n_rows, n_cols = grid.shape
    bound = 3 * int(grid.max()) + 10  # a reader does not know how large a withheld value is

    def domain(cell: tuple) -> list[int]:
        if not isinstance(marks.iat[cell], str):
            return [int(grid[cell])]
        return list(range(1, 5)) if marks.iat[cell] == PRIMARY else list(range(bound + 1))

    seen: dict[tuple, set[int]] = {}
    for c in range(n_cols):
        cells, total = [(r, c) for r in range(n_rows - 1)], (n_rows - 1, c)
        for target in [*cells, total]:
            if not isinstance(marks.iat[target], str):
                continue
            others = [x for x in cells if x != target]
            sums = {0}
            for cell in others:
                sums = {s + v for s in sums for v in domain(cell) if s + v <= bound}
            if target == total:
                seen[target] = {t for t in domain(total) if t in sums}
            else:
                seen[target] = {v for v in domain(target) for t in domain(total) if t - v in sums}
    return seen


grids = st.integers(min_value=2, max_value=6).flatmap(lambda n_rows: st.integers(min_value=1, max_value=3).flatmap(
    lambda n_cols: st.lists(st.lists(st.integers(min_value=0, max_value=9), min_size=n_cols, max_size=n_cols),
                            min_size=n_rows, max_size=n_rows)))


@settings(max_examples=200, deadline=None)
@given(grids)
def test_no_suppressed_value_is_recoverable(rows):
    frame = with_totals(rows)
    marks = suppress_grid(frame)
    grid = frame.to_numpy()
    for r in range(grid.shape[0]):
        for c in range(grid.shape[1]):
            value, mark = grid[r, c], marks.iat[r, c]
            if 1 <= value <= 4:
                assert mark in (PRIMARY, SECONDARY)  # every small count is hidden
            if mark == PRIMARY:
                assert 1 <= value <= 4  # "<5" never lies
    for cell, values in feasible_values(frame, marks).items():
        assert len(values) >= 2, (cell, values, frame.to_dict(), marks.to_dict())
        assert frame.iat[cell] in values


def test_single_small_cell_gets_a_partner():
    frame = with_totals([[3], [12], [40], [0]])
    shown = suppress_table(frame, ["c0"])
    assert shown["c0"].tolist() == [PRIMARY, SECONDARY, 40, 0, 55]


def test_rates_withheld_over_small_or_suppressed_counts():
    frame = pd.DataFrame({"served": [3, 40, 30, 73], "need": [4, 50, 40, 94], "rate": [75.0, 80.0, 75.0, 77.7]})
    shown = suppress_table(frame, ["served", "need"], rates={"rate": ("served", "need")})
    assert shown["served"].tolist() == ["<5", 40, "×", 73]  # 30 withheld so 73 - 40 does not give 3 away
    assert shown["rate"].tolist() == ["—", 80.0, "—", 77.7]
    assert count_text(3, "人") == "<5人" and count_text(12, "人") == "12人" and count_text(0, "人") == "0人"
