"""A county unlike the test county, as the audit that found 338 wrong numbers built it: another seed and size,
data to 2026-10, and datasets ending in different months (payments 2026-08, monitoring 2026-10, rehab and
modifications 2025). The annual table of every year equals the independent pandas computation, on the
rows the extracts hold after the cut (planted bad rows stay rejected)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import KEY
from test_coverage import _rewrite

from data.generate import generate
from data.importer import Importer
from queries.common import Filters
from queries.db import connect
from queries.report import annual_table, rate
from tests.expected import expected_annual

COUNTS = ["持证残疾人数", "在监测户数_脱贫不稳定户", "在监测户数_边缘易致贫户", "在监测户数_突发严重困难户",
          "年内新纳入户数", "年内风险消除户数", "无帮扶措施户数", "生活补贴_人数", "护理补贴_人数",
          "康复需求人数", "康复已服务人数", "就业基地数", "基地安置人数", "无障碍改造_计划户数", "无障碍改造_完成户数"]
YEARS = range(2021, 2027)


def _cut(folder: Path, name: str, keep) -> None:
    """Keep the rows of one CSV extract for which keep(frame) holds (test_coverage._rewrite), and renumber the
    planted bad rows of that file (a removed planted row leaves the list)."""
    mask = _rewrite(folder / name, keep)
    planted = pd.read_csv(folder / "planted_errors.csv", dtype={"row": int})
    new_row = {old: new for new, old in enumerate((i + 1 for i in range(len(mask)) if mask[i]), 1)}
    mine = planted["file"] == name
    kept = planted[~mine | planted["row"].isin(new_row)].copy()
    kept.loc[kept["file"] == name, "row"] = kept.loc[kept["file"] == name, "row"].map(new_row)
    kept.to_csv(folder / "planted_errors.csv", index=False)


@pytest.fixture(scope="module")
def holdout(tmp_path_factory) -> tuple[Path, str]:
    """The hold-out county's extracts and its DuckDB warehouse."""
    folder = make_holdout(tmp_path_factory.mktemp("holdout"))
    target = str(tmp_path_factory.mktemp("holdout-wh") / "holdout.duckdb")
    Importer(folder, target, "2026-10", KEY, log=lambda *_: None).run()  # its own as-of month, not the test county's
    return folder, target


def make_holdout(folder: Path) -> Path:
    """The hold-out county's extracts in `folder` (another seed and size, datasets ending in different months)."""
    generate(folder, seed=23, persons=2500, until="2026-10")
    for path in sorted(folder.glob("两项补贴发放_2026*.csv")):
        _cut(folder, path.name, lambda f: f["发放年月"] <= "2026-08")
    _cut(folder, "康复服务.csv", lambda f: f["年度"].str[:4] < "2026")
    _cut(folder, "无障碍改造.csv", lambda f: f["计划年度"].str[:4] < "2026")
    return folder


@pytest.mark.slow  # imports a whole other county (and solves its public set): the quick set leaves it to CI
@pytest.mark.parametrize("year", YEARS)
def test_every_year_of_the_holdout_county_equals_pandas(holdout, year):
    assert_year_equals_pandas(*holdout, year)


def assert_year_equals_pandas(folder: Path, target: str, year: int) -> None:
    """The annual table of `year` read from the warehouse at `target` equals the independent computation."""
    want = expected_annual(folder, year)
    wh = connect(target)
    try:
        table = annual_table(wh, year, Filters(scope="")).set_index("区划代码").iloc[:-1]
    finally:
        wh.close()
    assert list(table.index) == list(want.index)
    for column in COUNTS:
        assert table[column].tolist() == want[column].astype(int).tolist(), (year, column)
    for label in ("生活补贴", "护理补贴"):
        assert table[f"{label}_金额"].tolist() == pytest.approx(want[f"{label}_金额"].tolist(), abs=0.005)
        got = table[f"{label}_覆盖率"].tolist()
        assert got == [rate(n, d) for n, d in zip(want[f"{label}_覆盖率_num"], want[f"{label}_覆盖率_den"], strict=True)]
        assert all(v is None or v != v or v <= 100 for v in got), (year, label)
    assert table["康复服务率"].tolist() == [rate(n, d) for n, d in
                                         zip(want["康复已服务人数"], want["康复需求人数"], strict=True)]


@pytest.mark.slow
@pytest.mark.parametrize("page", ["overview", "monitoring", "subsidies", "rehabilitation", "explore"])
def test_pages_of_the_holdout_county_show_no_impossible_number(holdout, page, monkeypatch):
    """Every page of every year opens, with no nan/None/inf, no coverage above 100% and no negative 应享未享."""
    import re

    from conftest import open_app, shown_text

    monkeypatch.setenv("WAREHOUSE_URL", holdout[1])
    for year in YEARS:
        at = open_app(page, {"year": str(year)})
        assert not at.exception, (page, year)
        text = shown_text(at)
        assert not re.search(r"\bnan\b|\bNone\b|\binf\b|NaN", text), (page, year)
        assert not [v for v in re.findall(r"覆盖率[^0-9<×—]{0,12}(\d+\.\d)%", text) if float(v) > 100], (page, year)
        assert not re.search(r"应享未享\s*-\d", text), (page, year)
