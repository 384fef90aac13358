"""The publication model: every number a page (or slide, image, export, sentence) publishes, typed and
related to the others, before anything draws it.

A page puts its query results into a `Publication` — counts of persons or households, tallies (bases,
townships: not about persons), amounts tied to a count, rates with numerator and denominator, means
with their count — and states how they relate (a total is the sum of its parts). `disclosure.apply`
then withholds what must be withheld, once, for the whole page; renderers draw the result and
`text()` is the only place a number becomes a string ("1,234人", "86.4%", "12.34万元", "<5", "×", "—").
Nothing here imports streamlit.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from queries.catalog import METRICS, RATES, UNIT_NUMBERS
from queries.metrics import rate, shortfall

COUNT, TALLY, AMOUNT, RATE, MEAN, CHANGE = "count", "tally", "amount", "rate", "mean", "change"
# A link: a number no view shows, that only ties others by an identity the reader knows (stock(t−1) + in(t) =
# stock(t) + out(t) = a link; persons(t+1) = persons(t) + a link ≥ 0). Always withheld, never protected itself.
LINK = "link"
PRIMARY, SECONDARY, WITHHELD = "<5", "×", "—"
LEGEND = "<5：人数少于5；×：为防推算隐去；—：无法计算（分母不足5，或所需人数已隐去）"
HIDDEN_CLASS = "已隐去"


@dataclass
class Cell:
    """One published number. `value` is None when there is nothing to show (`missing` says why);
    `parts` are the keys it is made of (rate: numerator, denominator; mean: total, count; amount: its
    count; a derived count: its inputs, numerator first); `mark` is set by the disclosure."""

    value: float | None
    kind: str
    unit: str = ""
    parts: tuple[str, ...] = ()
    missing: str = ""
    mark: str | None = None
    digits: int = 0  # decimals of a mean
    known: bool = False  # the reader sees this number in another view (never withheld here)
    fixed: bool = False  # its mark was settled with the unit table's (disclosure.apply): not changed after


@dataclass
class Publication:
    """The cells of one view and the sums that tie them, plus whether the view must be suppressed."""

    cells: dict[str, Cell] = field(default_factory=dict)
    sums: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    suppressed: bool = False
    # The unit table's cells (`add_units`): withheld first and on their own, so the same table gets the
    # same marks in every view that shows it (a township's and each of its villages').
    table: set[str] = field(default_factory=set)
    joint: bool = False  # set by the disclosure when the table could not be withheld on its own (see apply)
    unproven: str = ""  # set by the disclosure when it could not prove the view safe: all of it withheld (why)

    # --- building -------------------------------------------------------------------------------
    def add(self, key: str, value: float | None, kind: str, unit: str = "", parts: Iterable[str] = (),
            missing: str = "", digits: int = 0) -> str:
        """Put one cell in (NaN counts as no value); returns its key."""
        if value is not None and isinstance(value, float) and math.isnan(value):
            value = None
        if value is not None and kind in (COUNT, TALLY):
            value = round(float(value))
        self.cells[key] = Cell(None if missing else value, kind, unit, tuple(parts), missing, digits=digits)
        return key

    def count(self, key: str, value: float | None, unit: str, missing: str = "") -> str:
        """Persons or households with an attribute (small ones are withheld)."""
        return self.add(key, value, COUNT, unit, missing=missing)

    def tally(self, key: str, value: float | None, unit: str, missing: str = "") -> str:
        """A count of things, not of persons (bases, townships): never withheld for being small."""
        return self.add(key, value, TALLY, unit, missing=missing)

    def amount(self, key: str, yuan: float | None, count_key: str, unit: str = "万元", missing: str = "") -> str:
        """Money paid to the persons of `count_key` (hidden with them: amount ÷ standard gives the count)."""
        return self.add(key, yuan, AMOUNT, unit, (count_key,), missing)

    def rate(self, key: str, numerator: str, denominator: str, missing: str = "") -> str:
        """numerator ÷ denominator in %, one decimal, half up; None without a denominator."""
        n, d = self.value(numerator), self.value(denominator)
        value = None if not d or n is None else rate(n, d)  # the one rate rule (queries.metrics)
        return self.add(key, value, RATE, "%", (numerator, denominator), missing)

    def mean(self, key: str, total: str, count: str, unit: str, digits: int = 0, missing: str = "") -> str:
        """total ÷ count (a mean over units of `count`)."""
        t, c = self.value(total), self.value(count)
        return self.add(key, None if not c or t is None else t / c, MEAN, unit, (total, count), missing, digits)

    def derived(self, key: str, value: float | None, unit: str, parts: Iterable[str], missing: str = "") -> str:
        """A count computed from others (a gap to target): hidden with any part; when itself 1-4 its
        first part is withheld too, since the others would give it away."""
        return self.add(key, value, COUNT, unit, parts, missing)

    def change(self, key: str, now: str, before: str, relative: bool = False, missing: str = "") -> str:
        """now − before (较上年: persons, households, 万元, or percentage points between two rates), or with
        `relative` its percent of before (同比); withheld when either is. The text is the size of the
        change; its sign says 增加 or 减少 (`direction`)."""
        a, b, base = self.value(now), self.value(before), self.cells.get(now)
        if a is None or b is None or base is None or (relative and not b):
            value = None
        else:
            value = (change_pct(a, b) if relative else
                     (float(half_up(a - b, 1)) if base.kind == RATE else a - b))
        unit = "%" if relative else ("个百分点" if base is not None and base.kind == RATE else
                                     (base.unit if base is not None else ""))
        digits = 1 if relative or (base is not None and base.kind == RATE) else 0
        return self.add(key, value, CHANGE, unit, (now, before), missing, digits)

    def total(self, total_key: str, parts: Iterable[str]) -> None:
        """State that `total_key` is the sum of `parts` (a reader can add and subtract)."""
        parts = tuple(parts)
        if parts:
            self.sums.append((total_key, parts))

    def line(self, key: str, values: Iterable[tuple[str, float | None]], kind: str, unit: str,
             missing: str = "") -> list[str]:
        """Cells `key@name` for each (name, value), and `key@total` as their sum: one series."""
        keys = [self.add(f"{key}@{name}", value, kind, unit, missing=missing) for name, value in values]
        total = sum(self.value(k) or 0 for k in keys)
        self.add(f"{key}@total", total, kind, unit, missing=missing)
        self.total(f"{key}@total", keys)
        return keys

    # --- reading --------------------------------------------------------------------------------
    def value(self, key: str) -> float | None:
        """The cell's true value (for building only: renderers use `shown`)."""
        cell = self.cells.get(key)
        return None if cell is None else cell.value

    def shown(self, key: str) -> float | None:
        """The value a reader may see: None when hidden or missing."""
        cell = self.cells[key]
        return None if cell.mark or cell.value is None else cell.value

    def hidden(self, key: str) -> bool:
        """Withheld by the disclosure."""
        return self.cells[key].mark is not None

    def text(self, key: str, unit: bool = True) -> str:
        """The cell as a reader sees it: the one place a number becomes text."""
        return cell_text(self.cells[key], unit)

    def know(self, keys: Iterable[str]) -> None:
        """Mark cells the reader already knows from another view they may open (a township's total in the
        county view): they stay shown, and what is withheld around them assumes they are known."""
        for k in keys:
            if k in self.cells:
                self.cells[k].known = True

    def has(self, key: str) -> bool:
        """Whether the cell exists."""
        return key in self.cells


def half_up(value: float, digits: int = 0, scale: int = 1) -> Decimal:
    """value ÷ scale rounded half away from zero at `digits` decimals, from the exact decimal the value stands
    for (yuan to the fen, rates to 0.1): the one rounding rule of every number shown (113,850元 → 11.39万元,
    6.25% → 6.3%), where float formatting would round 11.385 down."""
    exact = Decimal(repr(round(float(value), 6))) / scale
    return exact.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def change_pct(now: float, before: float) -> float:
    """(now − before) ÷ before in %, one decimal, half up, computed in decimals (同比, 环比)."""
    exact = lambda x: Decimal(repr(round(float(x), 6)))  # noqa: E731
    ratio = (exact(now) - exact(before)) * 100 / exact(before)
    return float(ratio.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def cell_text(cell: Cell, with_unit: bool = True) -> str:
    """'1,234人', '86.4%', '12.34万元', '3.2个月'; '<5人', '×', '—' when withheld; '—' without a value."""
    unit = cell.unit if with_unit else ""
    if cell.mark == PRIMARY:
        return PRIMARY + unit if cell.kind != RATE else WITHHELD
    if cell.mark:
        return cell.mark
    if cell.value is None:
        return WITHHELD
    if cell.kind == RATE:
        return f"{half_up(cell.value, 1)}" + ("%" if with_unit else "")
    value = abs(cell.value) if cell.kind == CHANGE else cell.value  # a change's sign is a word (`direction`)
    if cell.kind in (AMOUNT, CHANGE) and cell.unit == "万元":
        return f"{half_up(value, 2, 10_000):,}{unit}"
    if cell.kind == AMOUNT:
        return f"{half_up(value):,}{unit}"
    if cell.kind in (MEAN, CHANGE):
        return f"{half_up(value, cell.digits):,}{unit}"
    return f"{int(cell.value):,}{unit}"


def direction(pub: Publication, key: str, up: str = "增加", down: str = "减少") -> str:
    """The word for a change cell's sign ('' when it is withheld, missing or zero)."""
    value = pub.shown(key)
    return "" if not value else (up if value > 0 else down)


def number_text(value: float, unit: str = "", digits: int = 0) -> str:
    """A plain number that is not a cell (a year, a target, a count of townships listed)."""
    return f"{half_up(value, digits):,}{unit}"


# --- the unit table: what most pages publish -------------------------------------------------------
# Its columns and their relations, all from the catalogue (queries/catalog.NUMBERS, `by="unit"`).
UNIT_COUNTS = {k: n.unit for k, n in UNIT_NUMBERS.items()  # column → unit; persons or households with an attribute
               if n.kind in ("persons", "households") and not n.gap}
UNIT_AMOUNTS = {k: n.count for k, n in UNIT_NUMBERS.items() if n.kind == "amount"}  # amount → the persons paid
UNIT_TALLIES = {k: n.unit for k, n in UNIT_NUMBERS.items() if n.kind == "tally"}
# Sums within a unit's row: total = parts (in the order of their first part).
ROW_SUMS = dict(sorted(((k, n.parts) for k, n in UNIT_NUMBERS.items() if n.parts),
                       key=lambda item: list(UNIT_NUMBERS).index(item[1][0])))
UNIT_RATES = dict(RATES)  # the catalogue's rates: key → (numerator, denominator)
# Gaps to a rate's target: column → (numerator, denominator, target, unit).
SHORTFALLS = {k: (*RATES[n.gap], METRICS[n.gap].target, n.unit) for k, n in UNIT_NUMBERS.items() if n.gap}


_TABLE_COLUMNS = {*UNIT_COUNTS, *UNIT_AMOUNTS, *UNIT_TALLIES, *UNIT_RATES, *SHORTFALLS}


def key(column: str, unit: str, block: str = "") -> str:
    """The key of a unit table cell: 'rehab_rate@330102001000' ('…@total' for the whole area)."""
    return f"{block}{column}@{unit}"


def unit_totals() -> list[str]:
    """The keys of the unit table's total row (the area's own numbers)."""
    return [key(c, "total") for c in [*UNIT_COUNTS, *UNIT_AMOUNTS, *UNIT_TALLIES, *UNIT_RATES, *SHORTFALLS]]


def add_units(pub: Publication, units: pd.DataFrame, block: str = "", missing: dict[str, str] | None = None) -> list[str]:
    """Every cell of the unit table (one row per township or village) and of its total, with every
    relation between them: column sums, the sums within a row, amounts tied to persons, rates, gaps.
    `missing` names columns whose dataset does not cover the period (column → why). Returns the units'
    codes in order."""
    missing = missing or {}
    codes = list(units["unit_code"])
    rows = units.to_dict("records")
    for column, unit in UNIT_COUNTS.items():
        if column not in units.columns:
            continue
        why = missing.get(column, "")
        for row in rows:
            pub.count(key(column, row["unit_code"], block), row[column], unit, why)
        pub.count(key(column, "total", block), float(units[column].sum()), unit, why)
        pub.total(key(column, "total", block), [key(column, c, block) for c in codes])
    for column, unit in UNIT_TALLIES.items():
        if column in units.columns:
            for row in rows:
                pub.tally(key(column, row["unit_code"], block), row[column], unit, missing.get(column, ""))
            pub.tally(key(column, "total", block), float(units[column].sum()), unit, missing.get(column, ""))
    by_code = dict(zip(codes, rows, strict=True))
    for unit_code in [*codes, "total"]:
        for total, parts in ROW_SUMS.items():
            if total in units.columns:
                pub.total(key(total, unit_code, block), [key(p, unit_code, block) for p in parts])
        for column, persons in UNIT_AMOUNTS.items():
            if column in units.columns:
                value = float(units[column].sum()) if unit_code == "total" else float(by_code[unit_code][column])
                pub.amount(key(column, unit_code, block), value, key(persons, unit_code, block),
                           missing=missing.get(column, ""))
        for column, (numerator, denominator) in UNIT_RATES.items():
            if numerator in units.columns:
                pub.rate(key(column, unit_code, block), key(numerator, unit_code, block),
                         key(denominator, unit_code, block), missing.get(numerator, ""))
        for column, (numerator, denominator, target, unit) in SHORTFALLS.items():
            if numerator in units.columns:
                n, d = pub.value(key(numerator, unit_code, block)), pub.value(key(denominator, unit_code, block))
                pub.derived(key(column, unit_code, block), shortfall(n or 0, d or 0, target), unit,
                            (key(numerator, unit_code, block), key(denominator, unit_code, block)),
                            missing.get(numerator, ""))
    for column in UNIT_AMOUNTS:
        if column in units.columns:
            pub.total(key(column, "total", block), [key(column, c, block) for c in codes])
    pub.table |= {k for k in pub.cells if k.startswith(block) and k.rsplit("@", 1)[-1] in {*codes, "total"}
                  and k.removeprefix(block).split("@", 1)[0] in _TABLE_COLUMNS}
    return codes


# The datasets whose coverage decides whether a column of the unit table has a value for a period.
UNIT_DATASETS: dict[str, tuple[str, ...]] = {}
for _column, _number in UNIT_NUMBERS.items():
    if not _number.gap and _number.kind != "rate":
        for _dataset in _number.covered_by:
            UNIT_DATASETS[_dataset] = (*UNIT_DATASETS.get(_dataset, ()), _column)


def unit_missing(missing: Callable[[str], str]) -> dict[str, str]:
    """column → why it has no value for the period, from `missing(dataset)` ('' when covered)."""
    return {column: missing(dataset) for dataset, columns in UNIT_DATASETS.items() for column in columns
            if missing(dataset)}


def add_unit_years(pub: Publication, tables: dict[int, pd.DataFrame], year: int,
                   missing: Callable[[str, int], str]) -> None:
    """This year's unit table, and last year's as block 'prev:' (for 较上年), each with the datasets that do
    not cover its year said (`missing(dataset, year)`)."""
    add_units(pub, tables[year], missing=unit_missing(lambda d: missing(d, year)))
    if year - 1 in tables:
        add_units(pub, tables[year - 1], "prev:", unit_missing(lambda d: missing(d, year - 1)))


def add_below_target(pub: Publication, below: pd.DataFrame, missing: str = "") -> None:
    """The units under the rehab target: how many ('below_units') and the people they lack together
    ('below_short', hidden with any unit's gap)."""
    shorts = [key("rehab_short", c) for c in below["unit_code"]]
    pub.derived("below_short", float(sum(pub.value(s) or 0 for s in shorts)), "人", shorts, missing)
    pub.tally("below_units", len(below), "个", missing)


def ranked(pub: Publication, rows: list[tuple[str, str]], cell: Callable[[str], str]) -> list[tuple[str, str]]:
    """Rows (label, code) ranked by the shown value of `cell(code)`, largest first; rows whose value is
    withheld follow in the order given (code order), so the order says nothing the cells do not (issue 25
    §3: twelve "<5" in falling order beside their column's total pinned them); a 'total' row stays last."""
    body = [r for r in rows if r[1] != "total"]
    shown = [r for r in body if pub.shown(cell(r[1])) is not None]
    shown.sort(key=lambda r: -pub.shown(cell(r[1])))  # stable: ties keep the code order
    return [*shown, *(r for r in body if r not in shown), *(r for r in rows if r[1] == "total")]
