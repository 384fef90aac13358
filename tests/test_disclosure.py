"""Small-number suppression over a whole Publication: no withheld count has a single feasible value given
everything shown and every stated relation (checked independently with integer programming)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp

from queries import disclosure
from queries.common import Filters
from queries.dashboard import unit_table
from queries.db import connect
from queries.publish import AMOUNT, COUNT, PRIMARY, SECONDARY, WITHHELD, Publication, add_units, cell_text

_SOLVED: dict = {}


def feasible_range(pub: Publication, cell: str, at: int | None = None, base: bool = False) -> tuple[int, int]:
    """`_feasible_range`, remembered by the system it solves (pages of one view share their unit table)."""
    lines = _system_of(pub, cell)
    state = tuple((k, pub.cells[k].value, pub.cells[k].mark, pub.cells[k].known)
                  for k in sorted({k for t, parts in lines for k in (t, *parts)} | {cell}))  # (a cell in no sum too)
    memo = (cell, at, base, tuple(lines), state)
    if memo not in _SOLVED:
        _SOLVED[memo] = _feasible_range(pub, cell, lines, at, base)
    return _SOLVED[memo]


def feasible_values(pub: Publication, cell: str, values: range, base: bool = False) -> list[int]:
    """Which of `values` the cell can take given everything shown and every stated sum: its smallest and
    largest value, and each value between them held fixed, is the system still feasible (one integer
    program each); with `base`, were every number withheld but those the reader knows from elsewhere."""
    lo, hi = feasible_range(pub, cell, base=base)
    return [v for v in values if v in (lo, hi) or (lo < v < hi and feasible_range(pub, cell, v, base) is not None)]


def _feasible_range(pub: Publication, cell: str, lines: list, at: int | None = None,
                    base: bool = False) -> tuple[int, int] | None:
    """The smallest and largest value a reader can give `cell`: every shown count and amount exact, '<5'
    in 1..4, '×' any non-negative integer, every stated sum holding (ALL sums, each on its own too),
    rates and means shown exactly (numerator = rate × denominator is then known: such rates may only
    stand over shown parts, which the test checks separately)."""
    keys = sorted({k for t, parts in lines for k in (t, *parts)} | {cell})
    index = {k: i for i, k in enumerate(keys)}
    low, high = np.zeros(len(keys)), np.zeros(len(keys))
    for k, i in index.items():
        c = pub.cells[k]
        scaled = round(c.value * 100) if c.kind == AMOUNT else int(c.value)
        low[i], high[i] = (1, 4) if c.mark == PRIMARY else ((0, np.inf) if c.mark else (scaled, scaled))
        if base and not c.known:  # every number withheld but what the reader knows elsewhere (1-4 as "<5")
            low[i], high[i] = (1, 4) if c.kind == COUNT and 0 < c.value < 5 else (0, np.inf)
    if at is not None:  # held at one value: None when that is infeasible
        low[index[cell]] = high[index[cell]] = at
    matrix = np.zeros((max(len(lines), 1), len(keys)))
    for r, (total, parts) in enumerate(lines):
        for p in parts:
            matrix[r, index[p]] += 1
        matrix[r, index[total]] -= 1
    c = np.zeros(len(keys))
    c[index[cell]] = 1
    kw = {"constraints": LinearConstraint(matrix, 0, 0), "bounds": Bounds(low, high), "integrality": np.ones(len(keys))}
    if at is not None:  # held at one value: is the system feasible (None when not)
        found = milp(np.zeros(len(keys)), **kw)
        return None if found.status == 2 else (at, at)
    lo, hi = milp(c, **kw), milp(-c, **kw)
    assert lo.status == 0, (cell, "the true values must be feasible")
    return round(lo.fun), (10**15 if hi.status != 0 else round(-hi.fun))


def _system_of(pub: Publication, cell: str) -> list[tuple[str, tuple[str, ...]]]:
    """The stated sums linked to `cell` through shared cells (the only ones that can bear on it)."""
    lines = [(t, parts) for t, parts in pub.sums if all(pub.cells[k].value is not None for k in (t, *parts))]
    by_cell: dict[str, list[int]] = {}
    for i, (t, parts) in enumerate(lines):
        for k in (t, *parts):
            by_cell.setdefault(k, []).append(i)
    seen, todo, cells = set(), [cell], {cell}
    while todo:
        for i in by_cell.get(todo.pop(), []):
            if i not in seen:
                seen.add(i)
                for k in (lines[i][0], *lines[i][1]):
                    if k not in cells:
                        cells.add(k)
                        todo.append(k)
    return [lines[i] for i in sorted(seen)]


def assert_nothing_recoverable(pub: Publication) -> None:
    """Every small count is withheld; every withheld count keeps its protection interval (a "<5" can take
    each value 1-4, a "×" of persons or households ranges over max − min ≥ 5 unless it is truly 0, a hidden
    amount is not pinned: docs/decisions/disclosure.md); every shown rate and mean stands over shown parts
    with a denominator of at least 5."""
    for name, cell in pub.cells.items():
        if cell.known:  # the reader sees it in another view (a township's total in the county view)
            continue
        if cell.kind == COUNT and cell.value is not None and 0 < cell.value < 5:
            assert cell.mark in (PRIMARY, SECONDARY), name
        if cell.mark == PRIMARY:
            assert 0 < cell.value < 5, name  # "<5" never lies
        if cell.kind in ("rate", "mean") and cell.value is not None and not cell.mark:
            numerator, denominator = (pub.cells[p] for p in cell.parts)
            assert not numerator.mark and not denominator.mark and (denominator.value >= 5 or denominator.known), name
        if cell.kind == AMOUNT and cell.parts and not cell.mark:
            assert not pub.cells[cell.parts[0]].mark, name
        if cell.mark == PRIMARY:
            values = feasible_values(pub, name, range(1, 5))
            if values != [1, 2, 3, 4]:  # only what numbers known from elsewhere exclude anyway
                base = feasible_values(pub, name, range(1, 5), base=True)
                assert set(base) <= set(values), (name, "'<5' narrowed", values, base)
        elif cell.mark == SECONDARY and cell.kind in (COUNT, AMOUNT) and cell.value != 0:
            lo, hi = feasible_range(pub, name)  # (a true 0 is "nobody": no count to protect)
            need = 5 if cell.kind == COUNT else 1
            if hi - lo < need:
                base_lo, base_hi = feasible_range(pub, name, base=True)
                assert hi - lo >= min(need, base_hi - base_lo), (name, lo, hi, "'×' narrowed", base_lo, base_hi)


tables = st.integers(min_value=2, max_value=6).flatmap(lambda n: st.lists(
    st.tuples(*[st.integers(min_value=0, max_value=12)] * 3), min_size=n, max_size=n))


@pytest.mark.slow  # many integer programs: the quick set leaves it to CI
@settings(max_examples=120, deadline=None)
@given(tables)
def test_rows_and_columns_together_give_nothing_away(rows):
    """A small table with row sums and column sums (a 2-D margin, which a per-line check cannot make
    safe on its own): the disclosure leaves no withheld cell with a single feasible value."""
    pub = Publication()
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            pub.count(f"c{c}@{r}", v, "户")
        pub.count(f"row@{r}", sum(row), "户")
        pub.total(f"row@{r}", [f"c{c}@{r}" for c in range(3)])
    for c in range(3):
        pub.count(f"c{c}@total", sum(row[c] for row in rows), "户")
        pub.total(f"c{c}@total", [f"c{c}@{r}" for r in range(len(rows))])
    pub.count("row@total", sum(map(sum, rows)), "户")
    pub.total("row@total", [f"row@{r}" for r in range(len(rows))])
    pub.total("row@total", [f"c{c}@total" for c in range(3)])
    assert_nothing_recoverable(disclosure.apply(pub, True))


def test_amounts_rates_and_gaps_follow_their_counts():
    pub = Publication()
    pub.count("paid@a", 2, "人")
    pub.count("paid@b", 30, "人")
    pub.count("paid@c", 40, "人")
    pub.count("paid@total", 72, "人")
    pub.total("paid@total", ["paid@a", "paid@b", "paid@c"])
    for unit, persons in (("a", 2), ("b", 30), ("c", 40)):
        pub.amount(f"amount@{unit}", persons * 1320.0, f"paid@{unit}")
        pub.count(f"eligible@{unit}", persons + 1, "人")
        pub.rate(f"rate@{unit}", f"paid@{unit}", f"eligible@{unit}")
    pub.amount("amount@total", 72 * 1320.0, "paid@total")
    pub.total("amount@total", ["amount@a", "amount@b", "amount@c"])
    disclosure.apply(pub, True)
    assert pub.text("paid@a") == "<5人" and pub.hidden("paid@b")  # 72 - 40 would give 2 away
    # and 40 too: "×" 30 alone would be 72 - 40 - (1..4) = 28..31, a range of 3 (the protection interval is 5)
    assert pub.hidden("paid@c") and pub.text("paid@total") == "72人"
    assert pub.hidden("amount@a") and pub.hidden("amount@b")  # 2640 ÷ 1320 would give 2 away
    assert pub.text("rate@a") == WITHHELD and pub.text("rate@b") == WITHHELD and pub.text("rate@c") == WITHHELD
    assert_nothing_recoverable(pub)


def test_a_small_gap_withholds_what_gives_it_away():
    pub = Publication()
    pub.count("served", 25, "人")
    pub.count("need", 30, "人")
    pub.derived("short", 1, "人", ("served", "need"))  # ceil(0.85 × 30) - 25 = 1
    disclosure.apply(pub, True)
    assert pub.text("short") == "<5人" and pub.hidden("served")


def test_nothing_is_withheld_where_the_view_may_show_everything():
    pub = Publication()
    pub.count("a", 3, "人")
    assert disclosure.apply(pub, False).text("a") == "3人"


def test_texts():
    pub = Publication()
    assert cell_text(pub.cells[pub.count("n", 12345, "人")]) == "12,345人"
    assert cell_text(pub.cells[pub.amount("m", 1234567.8, "n")]) == "123.46万元"
    pub.count("d", 0, "人")
    assert cell_text(pub.cells[pub.rate("r", "n", "d")]) == "—"  # no denominator: empty, never 0 or nan
    assert cell_text(pub.cells[pub.count("x", None, "人", missing="2026年暂无补贴发放数据")]) == "—"


@pytest.mark.slow  # many integer programs: the quick set leaves it to CI
@pytest.mark.parametrize("town", ["", "990101002000"])
@pytest.mark.parametrize("cat,level", [(0, 0), (4, 2)])
def test_unit_table_of_the_test_county(duck_url, town, cat, level):
    """The whole unit table (every column, its totals, the sums within rows, amounts, rates and gaps) of
    the test county, at county level and drilled into a township, with and without a filter."""
    wh = connect(duck_url)
    towns = unit_table(wh, Filters(scope=""), 2024)
    town = town and towns["unit_code"].iloc[1]
    units = unit_table(wh, Filters(scope="", township=town, category=cat, level=level), 2024)
    pub = Publication()
    add_units(pub, units)
    disclosure.apply(pub, True)
    assert disclosure.legend_needed(pub)
    assert_nothing_recoverable(pub)


def test_linked_sums_pin_a_small_count_at_its_floor():
    # a+b=7, b+e=10, e+a=5: each sum alone leaves every cell open (each "×" ranges over 0..7, 0..10, 0..5),
    # together they give a=1, b=6, e=4: all three are found.
    pub = Publication()
    for k, value in {"a": 1, "b": 6, "e": 4, "ab": 7, "be": 10, "ea": 5}.items():
        pub.count(k, value, "人")
    for total, parts in {"ab": ["a", "b"], "be": ["b", "e"], "ea": ["e", "a"]}.items():
        pub.total(total, parts)
    pub.cells["a"].mark, pub.cells["b"].mark, pub.cells["e"].mark = SECONDARY, SECONDARY, SECONDARY
    assert all(disclosure.line_is_safe([pub.cells[p].value for p in (*parts, total)],
                                       [pub.cells[p].mark for p in (*parts, total)])
               for total, parts in {"ab": ["a", "b"], "be": ["b", "e"], "ea": ["e", "a"]}.items())
    assert disclosure.determined(pub) == ["a", "b", "e"]
    pub.cells["ea"].mark = SECONDARY  # one sum less: a, b, e can move together (a in 0..7, e in 3..10)
    assert disclosure.determined(pub) == []
    pub.cells["a"].mark = PRIMARY  # a in 1..4: b = 7 - a in 3..6, e = 3 + a in 4..7: ranges of 3, not 5;
    # e (4) is a small count itself: as "×" it need range only as wide as its "<5" would (1..4), b must reach 5
    assert disclosure.determined(pub) == ["b"]


def test_a_total_stays_shown_when_freeing_a_part_is_enough():
    """12 households in three townships of 4: the three "<5" pin each other to 4 under a shown total.
    One part turned "×" frees them; the county's 12 stays on the slide."""
    pub = Publication()
    pub.line("monitored", [("a", 4), ("b", 4), ("c", 4)], COUNT, "户")
    disclosure.apply(pub, True)
    assert pub.text("monitored@total") == "12户"
    assert sorted(pub.cells[f"monitored@{u}"].mark for u in "abc") == [PRIMARY, PRIMARY, SECONDARY]
    assert_nothing_recoverable(pub)


# --- protection intervals and failing closed (issue 26, docs/decisions/disclosure.md) ----------------------

def test_a_small_count_narrowed_to_two_values_is_widened():
    """7 = 3 + 4, both "<5": each is then 3 or 4 (7 minus the other's 1-4): not exactly recoverable, yet a
    reader learns more than "<5". Both must keep every value 1-4, so the line is widened."""
    assert not disclosure.line_is_safe([3, 4, 7], [PRIMARY, PRIMARY, None])
    assert disclosure.line_is_safe([3, 4, 7], [PRIMARY, PRIMARY, SECONDARY])
    pub = Publication()
    pub.line("n", [("a", 3), ("b", 4)], COUNT, "人")
    narrowed = Publication({k: replace(c) for k, c in pub.cells.items()}, list(pub.sums), suppressed=True)
    narrowed.cells["n@a"].mark = narrowed.cells["n@b"].mark = PRIMARY
    with pytest.raises(AssertionError, match="narrowed"):  # the independent check sees it too
        assert_nothing_recoverable(narrowed)
    disclosure._MEMO.clear()
    disclosure.apply(pub, True)
    assert_nothing_recoverable(pub)
    assert pub.hidden("n@a") and pub.hidden("n@b") and pub.text("n@total") == "7人"  # each "×" in 0..7


def test_a_complementary_cell_keeps_a_range_of_five():
    """12 = 2 + 10: the 10 withheld alone would be 12 - (1..4) = 8..11, a range of 3: a reader knows it to
    within 4 people. One more member goes (here the total: there is no other part)."""
    assert not disclosure.line_is_safe([2, 10, 12], [PRIMARY, SECONDARY, None])
    assert disclosure.line_is_safe([2, 10, 12], [PRIMARY, SECONDARY, SECONDARY])
    pub = Publication()
    pub.line("n", [("a", 2), ("b", 10), ("c", 30)], COUNT, "人")
    disclosure._MEMO.clear()
    disclosure.apply(pub, True)
    assert_nothing_recoverable(pub)
    lo, hi = feasible_range(pub, "n@b")
    assert hi - lo >= 5


def test_what_a_known_total_tells_is_not_asked_of_the_view():
    """A township's total of 3 households, known from the county view: its villages are 0-3 whatever is
    withheld. The "<5" must keep 1, 2 and 3 (all the known total allows), and the view is not given up."""
    pub = Publication()
    pub.line("n", [("a", 3), ("b", 0), ("c", 0)], COUNT, "户")
    pub.know(["n@total"])
    disclosure._MEMO.clear()
    disclosure.apply(pub, True)
    assert not pub.unproven and pub.text("n@total") == "3户"
    assert pub.text("n@a") == "<5户" and pub.hidden("n@b")  # a = 3 - b: b is withheld, a in 1..3
    assert feasible_values(pub, "n@a", range(1, 5)) == [1, 2, 3]
    assert_nothing_recoverable(pub)


def _two_way(rows: list[tuple[int, ...]]) -> Publication:
    pub = Publication()
    for r, row in enumerate(rows):
        pub.line(f"r{r}", [(f"c{c}", v) for c, v in enumerate(row)], COUNT, "户")
    for c in range(len(rows[0])):
        pub.count(f"col@c{c}", sum(row[c] for row in rows), "户")
        pub.total(f"col@c{c}", [f"r{r}@c{c}" for r in range(len(rows))])
    return pub


def _all_withheld(pub: Publication) -> None:
    for name, cell in pub.cells.items():
        if cell.value is not None and not cell.known:
            assert cell.mark, name


def test_a_widening_that_does_not_converge_withholds_the_view(monkeypatch, caplog):
    monkeypatch.setattr(disclosure, "MAX_ROUNDS", 1)
    pub = _two_way([(2, 9, 12), (7, 3, 20), (11, 8, 1)])
    disclosure._MEMO.clear()
    with caplog.at_level("WARNING", logger="queries.disclosure"):
        disclosure.apply(pub, True)
    assert "did not converge" in pub.unproven and "whole view is withheld" in caplog.text
    _all_withheld(pub)
    assert_nothing_recoverable(pub)


@pytest.mark.parametrize("status", [1, 2, 4])  # time limit, infeasible (impossible: a failure), other error
def test_a_solver_failure_withholds_the_view(monkeypatch, caplog, status):
    """The integer programming fails or runs out of time: nothing the solver did not prove safe is shown."""
    from types import SimpleNamespace

    monkeypatch.setattr(disclosure, "_milp", lambda *a, **k: SimpleNamespace(status=status, x=None, message="x"))
    pub = _two_way([(2, 9, 12), (7, 3, 20), (11, 8, 1)])
    disclosure._MEMO.clear()
    with caplog.at_level("WARNING", logger="queries.disclosure"):
        disclosure.apply(pub, True)
    assert pub.unproven.startswith("integer programming") and "whole view is withheld" in caplog.text
    _all_withheld(pub)


def test_a_joint_pass_that_cannot_prove_the_page_safe_withholds_it(monkeypatch):
    """`apply`'s last pass (the page withheld jointly, after the pass around the fixed table failed) used to
    have its answer ignored: a pass that says it could not make the page safe now withholds it whole."""
    pub = Publication()
    add_units(pub, pd.DataFrame({"unit_code": ["u0", "u1", "u2"], "monitored_unstable": [2, 9, 12],
                                 "monitored_marginal": [7, 3, 20], "monitored_sudden": [11, 8, 1]}))
    pub.line("extra", [("x", 1), ("y", 8)], COUNT, "户")  # something beyond the table: two passes
    pub.total("extra@total", ["monitored_unstable@u1"])
    real, passes = disclosure._withhold, []

    def unproven_after_the_table(pub, solved):
        passes.append(1)
        real(pub, solved)
        return len(passes) == 1  # the table's pass succeeds; the page's and the joint pass cannot prove it

    monkeypatch.setattr(disclosure, "_withhold", unproven_after_the_table)
    disclosure._MEMO.clear()
    disclosure.apply(pub, True)
    assert len(passes) == 3 and pub.joint and "joint" in pub.unproven
    _all_withheld(pub)
