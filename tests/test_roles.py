"""Each role sees what it should: township staff only their own township (another in the URL is refused),
press only suppressed numbers; table exports in 内部版 and 对外版 for leaders and analysts, 对外版 for the press."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from queries.common import Filters
from queries.db import connect
from queries.report import annual_table
from tests.conftest import card_html, open_app
from ui import auth


@pytest.fixture(autouse=True)
def signed_in_env(duck_url, monkeypatch):
    """The test warehouse, and no demo mode: each test signs in as its role."""
    monkeypatch.setenv("WAREHOUSE_URL", duck_url)
    monkeypatch.delenv("DEMO_MODE", raising=False)


def open_as(user: auth.User, page: str = "overview", **params: str) -> AppTest:
    """A session signed in as `user`, opened on a URL."""
    return open_app(page, params, user)


def persons_card(at: AppTest) -> str:
    """The 持证残疾人 card's HTML."""
    return card_html(at, "持证残疾人")


def test_township_user_sees_only_own_township(duck_url):
    table = annual_table(connect(duck_url), 2024, Filters(scope=""))
    own, other = table.iloc[1], table.iloc[4]
    user = auth.User("乡镇员", "township", area=own["区划代码"])
    at = open_as(user, year="2024", town=other["区划代码"])
    assert not at.exception
    assert any("只能查看" in w.value for w in at.warning)
    assert at.session_state["view_state"].township == own["区划代码"]
    at.run()  # a rerun (the one right after signing in) says it still
    assert any("只能查看" in w.value for w in at.warning)
    assert f">{int(own['持证残疾人数']):,}人<" in persons_card(at)
    assert at.selectbox(key="w_town_1").options == [own["名称"]]
    assert at.button(key="crumb_county").disabled
    county = table.iloc[-1]
    assert any(f"全县合计：持证残疾人{int(county['持证残疾人数']):,}人" in c.value for c in at.caption)
    at.selectbox(key="w_cat_1").set_value(4).run()  # the reader's own choice: the link's story is over
    assert not any("只能查看" in w.value for w in at.warning) and not at.exception
    at = open_as(user, "rehabilitation", year="2024")
    assert at.session_state["view_state"].township == own["区划代码"] and not at.exception


def test_press_sees_suppressed_tables():
    at = open_as(auth.User("宣传员", "press"), year="2024", town="990101002000", cat="4")
    assert not at.exception
    at.run()
    assert any("宣传账号只能查看全县" in w.value for w in at.warning)  # why the link's township is not shown
    annual = at.dataframe[-1].value
    assert annual.isin(["<5", "×"]).any().any()  # small counts of the test county are hidden
    analyst = open_as(auth.User("分析员", "analyst"), year="2024").dataframe[-1].value
    assert not analyst.isin(["<5", "×"]).any().any()  # analysts see full numbers at township level


# Issue 24: 领导 and 分析 choose 内部版 (exact) or 对外版 (suppressed); 宣传 gets the 对外版 only (what its own
# screen shows, cell for cell); 乡镇 has no table exports (before: analysts only).
@pytest.mark.parametrize("role, versions", [("analyst", {"内部版", "对外版"}), ("leader", {"内部版", "对外版"}),
                                            ("press", {"对外版"}), ("township", set())])
def test_table_exports_by_version(role, versions, duck_url):
    area = annual_table(connect(duck_url), 2024, Filters(scope="")).iloc[1]["区划代码"] if role == "township" else ""
    at = open_as(auth.User("某人", role, area=area), year="2024")
    labels = [str(b.proto.label) for b in at.get("download_button") if "Excel" in str(b.proto.label)]
    assert {v for v in ("内部版", "对外版") if any(v in label for label in labels)} == versions


def test_a_township_account_outside_the_warehouse_is_told_so():
    """Not "数据仓库是空的": the warehouse has townships, just not this account's."""
    at = open_as(auth.User("外镇干部", "township", "990101099000"))
    text = "\n".join(e.value for e in [*at.error, *at.warning, *at.info])
    assert not at.exception and "990101099000" in text and "不在当前数据仓库中" in text, text
    assert "数据仓库是空的" not in text
