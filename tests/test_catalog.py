"""The catalogue names every published number (issue 26 §2): the unit table's columns, the annual table's,
the draft's and 指标分析's all come from queries/catalog.NUMBERS; a cell the catalogue does not name is
found (tests/test_pages.py checks every page's publication with `uncatalogued`); one rate and one gap rule."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd
import pytest
from test_pages import uncatalogued

from queries import catalog, draft, explore, publish, report
from queries.metrics import rate, rates, shortfall, shortfalls
from queries.publish import Publication


def test_unit_table_columns_are_catalogue_numbers():
    columns = {*publish.UNIT_COUNTS, *publish.UNIT_AMOUNTS, *publish.UNIT_TALLIES, *publish.UNIT_RATES,
               *publish.SHORTFALLS}
    assert columns == set(catalog.UNIT_NUMBERS)
    for column in columns:
        number = catalog.NUMBERS[column]
        assert number.label and number.definition and number.where and number.kind in catalog.KINDS
    for column, unit in publish.UNIT_COUNTS.items():
        assert unit == {"persons": "人", "households": "户"}[catalog.NUMBERS[column].kind]
    for rate_key, (numerator, denominator) in publish.UNIT_RATES.items():  # a rate names its parts
        assert (catalog.NUMBERS[rate_key].numerator, catalog.NUMBERS[rate_key].denominator) == (numerator, denominator)
        assert numerator in publish.UNIT_COUNTS and denominator in publish.UNIT_COUNTS
    for total, parts in publish.ROW_SUMS.items():
        assert {catalog.NUMBERS[p].unit for p in parts} == {catalog.NUMBERS[total].unit}


def test_annual_table_columns_are_catalogue_numbers():
    assert report.REPORT_COLUMNS[2:] == [catalog.NUMBERS[k].report for k in report.REPORT_KEYS]
    assert len(set(report.REPORT_COLUMNS)) == len(report.REPORT_COLUMNS) == 22
    assert report.RATE_COLUMNS == {"生活补贴_覆盖率": ("living_eligible_paid", "living_eligible"),
                                   "护理补贴_覆盖率": ("nursing_eligible_paid", "nursing_eligible"),
                                   "康复服务率": ("rehab_served", "rehab_need")}


def test_explore_measures_are_catalogue_numbers():
    for metric in catalog.METRICS.values():
        for column in explore.measures(metric):
            assert column in catalog.NUMBERS, (metric.key, column)
        if metric.numerator:
            assert catalog.NUMBERS[metric.numerator].unit == catalog.GRAINS[metric.grain]


def test_a_cell_without_entry_is_found():
    pub = Publication()
    publish.add_units(pub, pd.DataFrame({"unit_code": ["1"], "name": ["甲"], "persons": [9], "rehab_need": [8],
                                         "rehab_served": [7]}))
    assert not uncatalogued(pub)
    pub.count("made_up@total", 3, "人")
    pub.count("persons@2", 3, "户")  # a known family with another unit
    assert [k.split(":")[0] for k in uncatalogued(pub)] == ["made_up@total", "persons@2"]
    with pytest.raises(KeyError, match="目录中没有"):
        draft.describe("made_up@total")


def test_draft_describes_cells_from_the_catalogue():
    assert draft.describe("prev:rehab_rate@330102001000")[0] == catalog.METRICS["rehab_rate"].label
    assert draft.describe("cat_rate@视力") == (catalog.NUMBERS["cat_rate"].label, catalog.NUMBERS["cat_rate"].definition,
                                              catalog.NUMBERS["cat_rate"].where)
    assert catalog.family("change_rehab_rate@total") == "change"
    assert catalog.family("cat_eligible_paid_nursing@一级") == "cat_eligible_paid"


def _independent_rate(n: int, d: int) -> float | None:
    return None if not d else float((Decimal(n) * 100 / Decimal(d)).quantize(Decimal("0.1"), ROUND_HALF_UP))


def test_one_rate_and_one_gap_rule():
    """The column twins are the row functions applied to each row (no second rule), and the rule is half up."""
    rng = np.random.default_rng(7)
    d = rng.integers(0, 400, 500)
    n = (d * rng.random(500)).astype(int)
    got = rates(n, d)
    for a, b, r in zip(n, d, got, strict=True):
        want = _independent_rate(int(a), int(b))
        assert (math.isnan(r) and want is None) or r == want == rate(a, b)
    for target in (80, 85, 90, 100):
        gaps = shortfalls(n, d, target)
        for a, b, g in zip(n, d, gaps, strict=True):
            want = max(0, math.ceil(Decimal(target) * Decimal(int(b)) / 100) - int(a)) if b else 0
            assert g == want == shortfall(a, b, target)
    assert rate(1, 8) == 12.5 and rate(1, 16) == 6.3  # 6.25 → 6.3, not banker's 6.2
