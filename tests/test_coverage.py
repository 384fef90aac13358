"""A county whose datasets end in different years: every page opens on its own data, and no page shows
nan, None, inf, a 同比 against nothing or a target "met" over no data (issue 12)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from conftest import card_html, import_to, open_app, shown_text

PAGES = ["overview", "monitoring", "subsidies", "rehabilitation", "employment", "accessibility", "about"]
BAD = re.compile(r"\bnan\b|\bNone\b|\binf\b|-100\.0%|NaN")


def _rewrite(path: Path, keep) -> list[bool]:
    """Keep the rows of a CSV extract for which keep(frame) holds, in the file's own encoding; returns which."""
    for encoding in ("utf-8-sig", "gbk"):
        try:
            frame = pd.read_csv(path, dtype=str, encoding=encoding, keep_default_na=False)
            break
        except UnicodeDecodeError:
            continue
    mask = keep(frame)
    frame[mask].to_csv(path, index=False, encoding=encoding)
    return mask.tolist()


@pytest.fixture(scope="module")
def ragged(extracts, tmp_path_factory) -> str:
    """The test county (to 2024-12) with payments, rehab and modifications ending in 2023."""
    folder = tmp_path_factory.mktemp("ragged")
    shutil.copytree(extracts, folder, dirs_exist_ok=True)
    for path in folder.glob("两项补贴发放_2024*"):
        path.unlink()
    _rewrite(folder / "康复服务.csv", lambda f: f["年度"] < "2024")
    _rewrite(folder / "无障碍改造.csv", lambda f: f["计划年度"] < "2024")
    target = str(tmp_path_factory.mktemp("ragged_wh") / "ragged.duckdb")
    import_to(folder, target)
    return target


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES)
def test_every_page_opens_on_its_data(ragged, page, monkeypatch):
    monkeypatch.setenv("WAREHOUSE_URL", ragged)
    for params in ({}, {"year": "2024"}, {"year": "2024", "town": "990101002000"}, {"year": "2021", "cat": "3"}):
        at = open_app(page, params)
        assert not at.exception, (page, params)
        text = shown_text(at)
        assert not BAD.search(text), (page, params, BAD.search(text).group(0))
        if page == "subsidies" and params.get("year") == "2024":
            assert "2024年暂无补贴发放数据，数据截至2023年12月" in text
            assert "同比 " not in text and "0.00万元" not in text
        if page == "rehabilitation" and params.get("year") == "2024":
            assert "2024年暂无康复服务数据" in text and "已达到85%目标" not in text


@pytest.mark.slow
def test_pages_open_on_the_latest_year_of_their_own_data(ragged, monkeypatch):
    monkeypatch.setenv("WAREHOUSE_URL", ragged)
    subsidies = open_app("subsidies")
    assert "2023年1–12月累计" in shown_text(subsidies)
    monitoring = open_app("monitoring")
    assert "2024年末在监测户" in shown_text(monitoring)


EMPTY_TOWN = "990101003000"  # 城西街道 of the test county


@pytest.fixture(scope="module")
def empty_town(extracts, tmp_path_factory) -> str:
    """The test county with every person, household and base of one township taken out (its villages and
    boundaries stay): a township with no certificate holders."""
    folder = tmp_path_factory.mktemp("empty-town")
    shutil.copytree(extracts, folder, dirs_exist_ok=True)
    prefix = EMPTY_TOWN[:9]
    path = folder / "持证残疾人.csv"
    persons = pd.read_csv(path, dtype=str, encoding=_encoding(path), keep_default_na=False)
    gone = persons[persons["村社区代码"].str.startswith(prefix)]
    ids, households = set(gone["残疾人证号"]), set(gone["户编号"])
    for path in folder.iterdir():
        if path.suffix not in (".csv", ".xlsx") or path.name in ("行政区划.csv", "planted_errors.csv"):
            continue
        def keep(f: pd.DataFrame) -> pd.Series:
            out = pd.Series(True, index=f.index)
            for column, values in (("残疾人证号", ids), ("户编号", households)):
                if column in f:
                    out &= ~f[column].isin(values)
            if "村社区代码" in f:
                out &= ~f["村社区代码"].astype(str).str.startswith(prefix)
            return out
        if path.suffix == ".xlsx":
            frame = pd.read_excel(path, dtype=str, keep_default_na=False)
            frame[keep(frame)].to_excel(path, index=False)
        else:
            _rewrite(path, keep)
    target = str(tmp_path_factory.mktemp("empty_wh") / "empty.duckdb")
    import_to(folder, target)
    return target


def _encoding(path: Path) -> str:
    """The CSV extract's encoding (the generator mixes UTF-8 with BOM and GBK)."""
    try:
        path.read_text(encoding="utf-8-sig")
        return "utf-8-sig"
    except UnicodeDecodeError:
        return "gbk"


@pytest.mark.slow
def test_a_township_without_persons_has_reached_no_target(empty_town, monkeypatch):
    """Nothing to measure is not a target met: no "已达到85%目标" or "应补尽补" in green over no one."""
    monkeypatch.setenv("WAREHOUSE_URL", empty_town)
    view = {"year": "2024", "town": EMPTY_TOWN}
    overview = open_app("overview", view)
    assert not overview.exception
    text = shown_text(overview)
    assert not BAD.search(text)
    for words in ("已达到85%目标", "应补尽补", "全部已落实帮扶措施"):
        assert words not in text, words
    assert "没有康复需求记录" in card_html(overview, "康复服务率")
    assert "没有符合条件的对象" in card_html(overview, "生活补贴覆盖率")
    assert "无在监测户" in card_html(overview, "在监测户（2024年末）")
    subsidies = open_app("subsidies", view)
    for card in ("生活补贴应享未享", "护理补贴应享未享"):
        assert "应补尽补" not in card_html(subsidies, card) and "没有符合条件的对象" in card_html(subsidies, card)
    monitoring = shown_text(open_app("monitoring", view))
    assert "已全部落实" not in monitoring and "无在监测户" in monitoring
    rehab = open_app("rehabilitation", view)
    assert "没有康复需求记录" in card_html(rehab, "康复服务率")
    # the county's other townships still reach or miss their targets as before
    county = shown_text(open_app("overview", {"year": "2024"}))
    assert "没有康复需求记录" not in county and "没有符合条件的对象" not in county


def test_monitoring_says_the_other_datasets_end_earlier_not_that_nobody_is_severe(ragged, extracts, monkeypatch):
    """防返贫监测 at 2024, with payments and rehab ending 2023: the severe persons of monitored households are
    counted (the independent computation's number) and the page says why their subsidy and rehab cannot be
    checked, never "期末在监测户中没有重度残疾人"."""
    from expected import expected_gap

    monkeypatch.setenv("WAREHOUSE_URL", ragged)
    severe = int(expected_gap(extracts, 2024)["severe_persons"].sum())
    assert severe > 0
    text = shown_text(open_app("monitoring", {"year": "2024"}))
    assert "没有重度残疾人" not in text
    assert f"2024年末在监测户中有重度残疾人{severe:,}人；2024年暂无补贴发放数据" in text
    assert "暂不能核对其护理补贴和康复服务" in text


def test_each_output_says_when_its_own_data_ends():
    """A page, image or export of rehab says when rehab data ends (2025-12), not the newest dataset's month;
    the persons' register (a snapshot) stands as of the latest month, never "2026年末" for a year in progress."""
    from queries.coverage import Coverage

    months = [f"2025-{m:02d}" for m in range(1, 13)] + [f"2026-{m:02d}" for m in range(1, 11)]
    cov = Coverage(years=[2025, 2026], months=months,
                   datasets={"subsidy": ("2025-01", "2026-10"), "rehab": ("2025-01", "2025-12")})
    assert cov.until(("rehab",)) == "2025年12月"
    assert cov.until(("rehab", "subsidy")) == "2026年10月"
    assert cov.until() == cov.until(("employment",)) == "2026年10月"  # no data of its own: the latest month
    assert cov.year_end("persons", 2026) == "2026年10月末"
    assert cov.year_end("persons", 2025) == "2025年末"


@pytest.mark.slow
def test_rehab_exports_carry_the_rehab_data_end(ragged, monkeypatch):
    """On the ragged county (rehab to 2023-12, monitoring to 2024-12) the rehab page's 截至 line is 2023年12月."""
    monkeypatch.setenv("WAREHOUSE_URL", ragged)
    at = open_app("rehabilitation", {"year": "2023"})
    assert at.session_state["page_datasets"] == ("rehab",)
