"""数据比对 page (/compare): who may reach it, what each role sees, masked names, an audited reveal."""

from __future__ import annotations

import json
import shutil

import pytest
from streamlit.testing.v1 import AppTest

from data import identity
from data.importer import Importer
from queries import compare
from queries.catalog import COMPARE_ITEMS
from queries.common import Filters
from queries.db import connect
from tests.conftest import APP, KEY, UNTIL, developer_text, open_app, shown_text
from ui import audit, auth

IDENTITY_KEY = identity.new_key()


@pytest.fixture(scope="module")
def named_url(extracts, tmp_path_factory) -> str:
    """The test county imported with the identity store's key (the store beside the warehouse)."""
    folder = tmp_path_factory.mktemp("named") / "extracts"
    shutil.copytree(extracts, folder)
    target = str(tmp_path_factory.mktemp("named-wh") / "named.duckdb")
    Importer(folder, target, UNTIL, KEY, log=lambda *_: None, identity_key=IDENTITY_KEY.encode()).run()
    return target


@pytest.fixture
def signed_env(named_url, monkeypatch):
    """The named warehouse, its key, no demo mode."""
    monkeypatch.setenv("WAREHOUSE_URL", named_url)
    monkeypatch.setenv(identity.KEY_ENV, IDENTITY_KEY)
    monkeypatch.delenv(identity.STORE_ENV, raising=False)
    monkeypatch.delenv("DEMO_MODE", raising=False)
    return named_url


def busiest_township(url: str, item: str) -> str:
    """The township with most persons of a 比对项."""
    frame = compare.counts(connect(url), Filters(scope=""), UNTIL)
    return frame[frame["item"] == item].sort_values("persons").iloc[-1]["unit_code"]


def test_press_cannot_reach_compare(signed_env):
    at = open_app("compare", user=auth.User("宣传员", "press"))
    assert not at.exception
    text = shown_text(at)
    assert "无权查看" in text and "kpi-card" not in text and "人（" not in text
    assert not at.dataframe


def test_leader_sees_counts_but_no_people(signed_env):
    at = open_app("compare", user=auth.User("领导", "leader"))
    assert not at.exception
    table = compare.county_table(connect(signed_env), UNTIL)
    county = table[table["乡镇代码"] == "990101000000"].set_index("比对项")["人数"]
    text = shown_text(at)
    for spec in COMPARE_ITEMS.values():
        assert f"{spec.label}</div><div class='kpi-value' style='font-size:2.1rem;font-weight:700;line-height:1.2;" \
               f"white-space:nowrap'>{int(county[spec.label]):,}人<" in text
    assert "需入户核查的人员" not in text


def test_township_user_sees_own_people_masked(signed_env):
    item = "dibao_unpaid"
    own = busiest_township(signed_env, item)
    other = next(c for c in compare.counts(connect(signed_env), Filters(scope=""), UNTIL)["unit_code"] if c != own)
    user = auth.User("乡镇员", "township", area=own)
    at = open_app("compare", {"town": other}, user=user)
    assert not at.exception
    people = next(df.value for df in at.dataframe if "个案编号" in df.value.columns)
    cases = compare.cases(connect(signed_env), Filters(scope=own), UNTIL)
    mine = cases[cases["item"] == item]
    assert len(people) == len(mine)
    store = identity.IdentityStore.open()
    names = store.people(mine["person_id"])
    assert set(people["姓名"]) == {p.masked_name for p in names.values()}
    assert not set(people["姓名"]) & {p.name for p in names.values() if len(p.name) > 1}
    assert all("*" in n for n in people["姓名"]) and all(c.startswith("…") for c in people["证号"])
    every = compare.cases(connect(signed_env), Filters(scope=""), UNTIL)
    others = every[(every["item"] == item) & (every["township_code"] != own)]
    other_names = {p.masked_name for p in store.people(others["person_id"]).values()} - set(people["姓名"])
    assert not other_names & set(people["姓名"])


def test_reveal_is_audited(signed_env, tmp_path, monkeypatch):
    log = tmp_path / "audit.log"
    monkeypatch.setenv("AUDIT_LOG", str(log))
    own = busiest_township(signed_env, "dibao_unpaid")
    user = auth.User("乡镇员", "township", area=own)
    at = open_app("compare", user=user)
    case = at.selectbox(key="w_reveal_case").options[0]
    at.selectbox(key="w_reveal_case").set_value(case).run()
    assert not log.exists() or "reveal" not in log.read_text(encoding="utf-8")  # choosing is not seeing
    at.button(key="reveal_button").click().run()
    assert not at.exception
    lines = [json.loads(x) for x in log.read_text(encoding="utf-8").splitlines()]
    reveal = [x for x in lines if x["event"] == "reveal"]
    assert len(reveal) == 1 and reveal[0]["user"] == "乡镇员" and reveal[0]["details"]["case"] == case
    assert reveal[0]["time"] and reveal[0]["details"]["person_id"]
    person = identity.IdentityStore.open().people([int(reveal[0]["details"]["person_id"])])
    full = next(iter(person.values()))
    assert any(full.name in i.value and full.cert in i.value for i in at.info)
    audit.configure()


def test_without_key_lists_case_numbers_and_says_why(signed_env, monkeypatch):
    monkeypatch.delenv(identity.KEY_ENV, raising=False)
    monkeypatch.delenv(identity.KEY_FILE_ENV, raising=False)
    at = open_app("compare", {"town": busiest_township(signed_env, "dibao_unpaid")}, user=auth.User("分析", "analyst"))
    assert not at.exception
    people = next(df.value for df in at.dataframe if "个案编号" in df.value.columns)
    assert "姓名" not in people.columns and "证号" not in people.columns
    assert any(identity.USER_NOTICE in w.value for w in at.warning)
    assert not developer_text(at), developer_text(at)  # no setting or file named to the user


def test_not_imported_register_is_said(extracts, tmp_path, monkeypatch):
    folder = tmp_path / "extracts"
    shutil.copytree(extracts, folder)
    for path in folder.glob("民政低保特困*"):
        path.unlink()
    target = str(tmp_path / "w.duckdb")
    Importer(folder, target, UNTIL, KEY, log=lambda *_: None).run()
    monkeypatch.setenv("WAREHOUSE_URL", target)
    at = open_app("compare")
    assert not at.exception
    text = shown_text(at)
    assert "未导入民政低保特困名单" in text
    assert "低保未享生活补贴</div><div class='kpi-value' style='font-size:1.6rem;font-weight:700;line-height:1.2'>未导入" \
        in text


def test_about_lists_registers(signed_env):
    at = open_app("about", user=auth.User("分析", "analyst"))
    assert not at.exception
    table = next(df.value for df in at.dataframe if "名单" in df.value.columns)
    registers = compare.registers(connect(signed_env)).set_index("label")
    assert list(table["名单"]) == list(registers.index) and set(table["导入"]) == {"已导入"}
    assert list(table["匹配到持证残疾人的行数"]) == list(registers["rows_matched"])
    assert list(table["拒绝行数"]) == list(registers["rows_rejected"]) and table["拒绝行数"].gt(0).all()
    assert table["时间范围"].str.match(r"^\d{4}年\d{2}月—\d{4}年\d{2}月$").all()


def test_projector_shows_no_people(signed_env):
    town = busiest_township(signed_env, "dibao_unpaid")
    at = open_app("compare", {"town": town, "mode": "present"}, user=auth.User("分析", "analyst"))
    assert not at.exception
    text = shown_text(at)
    assert "需入户核查的人员" not in text and not any("个案编号" in df.value.columns for df in at.dataframe)
    assert not at.session_state["published"].suppressed  # an internal meeting's slide is exact
    public = open_app("compare", {"town": town, "mode": "public"}, user=auth.User("分析", "analyst"))
    assert "需入户核查的人员" not in shown_text(public)
    pub = public.session_state["published"]  # a public slide withholds small counts, as on every page
    assert pub.suppressed and any(c.mark == "<5" for c in pub.cells.values())


def test_checklist_offered_when_the_shown_item_has_nobody(signed_env):
    # a township with nobody under the 比对项 on screen still downloads its checklist of the others' persons
    frame = compare.counts(connect(signed_env), Filters(scope=""), UNTIL)
    frame = frame[frame["unit_code"] != "990101000000"]
    busy = frame.groupby("unit_code")["persons"].sum()
    by_cell = frame.set_index(["unit_code", "item"])["persons"]
    town, item = next((t, i) for t in busy[busy > 0].index for i in COMPARE_ITEMS
                      if by_cell.get((t, i), 0) == 0)
    at = open_app("compare", {"town": town}, user=auth.User("乡镇员", "township", area=town))
    at.selectbox(key="w_compare_item").set_value(item).run()
    assert not at.exception
    assert any(f"没有{COMPARE_ITEMS[item].label}的人员" in s.value for s in at.success)
    assert any(b.key == "compare_checklist" for b in at.get("download_button"))


def test_unknown_compare_month_in_a_link_is_said(signed_env):
    at = AppTest.from_file(APP, default_timeout=60)  # opened on the link itself (no page before it)
    at.session_state[auth.SESSION_KEY] = auth.User("分析员", "analyst")
    at.query_params["cmonth"] = "2019-01"
    at.switch_page("pages/compare.py").run()
    assert not at.exception
    assert any("比对月份“2019" in w.value and "不在数据范围内" in w.value for w in at.warning)
