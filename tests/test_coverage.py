"""A county whose datasets end in different years: every page opens on its own data, and no page shows
nan, None, inf, a 同比 against nothing or a target "met" over no data (issue 12)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from conftest import import_to, open_app, shown_text

PAGES = ["overview", "monitoring", "subsidies", "rehabilitation", "employment", "accessibility", "about"]
BAD = re.compile(r"\bnan\b|\bNone\b|\binf\b|-100\.0%|NaN")


def _rewrite(path: Path, keep) -> None:
    """Keep the rows of a CSV extract for which keep(frame) holds, in the file's own encoding."""
    for encoding in ("utf-8-sig", "gbk"):
        try:
            frame = pd.read_csv(path, dtype=str, encoding=encoding, keep_default_na=False)
            break
        except UnicodeDecodeError:
            continue
    frame[keep(frame)].to_csv(path, index=False, encoding=encoding)


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
