"""An identity provider's claims → role and area (ui.auth.user_or_refusal), and the OIDC gate's refusals
through AppTest's simulated st.user. The real provider and browser are in test_oidc_browser.py."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ui import audit as audit_module
from ui import auth

APP = str(Path(__file__).resolve().parent / "apps" / "signin_app.py")
TOWN = "990101002000"  # 城东街道 of the test county


@pytest.fixture(autouse=True)
def oidc_env(tmp_path, monkeypatch, duck_url):
    """Own audit log, the test warehouse, no demo mode, default claim names, no role map."""
    monkeypatch.setenv("AUDIT_LOG", str(tmp_path / "audit.log"))
    monkeypatch.setenv("WAREHOUSE_URL", duck_url)
    for name in ("DEMO_MODE", "OIDC_ROLE_CLAIM", "OIDC_AREA_CLAIM", "OIDC_ROLE_MAP"):
        monkeypatch.delenv(name, raising=False)
    audit_module.configure()


@pytest.mark.parametrize("value, role", [
    ("领导", "leader"), ("分析", "analyst"), ("宣传", "press"),
    ("leader", "leader"), ("Analyst", "analyst"), (" PRESS ", "press"),
    (["员工", "宣传"], "press"),  # a list: the first known name counts
])
def test_role_by_chinese_label_or_english_key(value, role):
    assert auth.user_or_refusal({"name": "甲", "role": value}) == auth.User("甲", role)


def test_township_needs_a_12_digit_area():
    assert auth.user_or_refusal({"name": "乙", "role": "乡镇", "area": TOWN}) == auth.User("乙", "township", TOWN)
    assert auth.user_or_refusal({"name": "乙", "role": "乡镇"}) == auth.NO_AREA
    assert auth.user_or_refusal({"name": "乙", "role": "乡镇", "area": "9901010020"}) == auth.NO_AREA
    # A county-wide role ignores an area claim rather than narrowing or widening by it.
    assert auth.user_or_refusal({"name": "丙", "role": "领导", "area": TOWN}) == auth.User("丙", "leader")


@pytest.mark.parametrize("claims", [
    {"name": "丁"}, {"name": "丁", "role": "管理员"}, {"name": "丁", "role": ["staff"]}, {"name": "丁", "role": 3},
    {"name": "丁", "role": "领导者"},
])
def test_no_known_role_is_refused(claims):
    assert auth.user_or_refusal(claims) == auth.NO_ROLE
    assert auth.user_from_claims(claims) is None


def test_no_name_is_refused():
    assert auth.user_or_refusal({"role": "领导"}) == auth.NO_NAME
    assert auth.user_or_refusal({"sub": "u-17", "role": "领导"}) == auth.User("u-17", "leader")


def test_claim_names_and_dotted_paths(monkeypatch):
    monkeypatch.setenv("OIDC_ROLE_CLAIM", "realm_access.roles")
    monkeypatch.setenv("OIDC_AREA_CLAIM", "org.division_code")
    claims = {"preferred_username": "z01", "realm_access": {"roles": ["offline_access", "乡镇"]},
              "org": {"division_code": TOWN}}
    assert auth.user_or_refusal(claims) == auth.User("z01", "township", TOWN)
    assert auth.user_or_refusal({"name": "戊", "realm_access": "乡镇"}) == auth.NO_ROLE  # not a mapping


def test_role_map_names_the_providers_own_groups(monkeypatch):
    monkeypatch.setenv("OIDC_ROLE_MAP", "县残联领导=领导；统计科=analyst, 乡镇专干 = 乡镇")
    assert auth.role_map() == {"县残联领导": "leader", "统计科": "analyst", "乡镇专干": "township"}
    assert auth.user_or_refusal({"name": "己", "role": ["职工", "县残联领导"]}) == auth.User("己", "leader")
    assert auth.user_or_refusal({"name": "庚", "role": "乡镇专干", "area": TOWN}) == auth.User("庚", "township", TOWN)
    assert auth.user_or_refusal({"name": "辛", "role": "宣传"}) == auth.User("辛", "press")  # labels still work
    monkeypatch.setenv("OIDC_ROLE_MAP", "县残联领导=局长")
    with pytest.raises(auth.UserError):
        auth.role_map()


def oidc_session(claims: dict) -> AppTest:
    """The sign-in app with an [auth] section and this provider user."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["auth"] = {"redirect_uri": "https://dash.example/oauth2callback", "cookie_secret": "x" * 32,
                          "client_id": "dashboard", "client_secret": "s", "server_metadata_url": "https://idp/.well-known"}
    at.user = claims
    return at.run()


def audit_records(tmp_path: Path) -> list[dict]:
    """The audit log's records."""
    path = tmp_path / "audit.log"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def test_unknown_township_refused_and_audited_once(tmp_path):
    at = oidc_session({"is_logged_in": True, "sub": "s-9", "name": "某镇干部", "role": "乡镇", "area": "990199999000"})
    assert not at.exception, at.exception
    assert at.error and "990199999000" in at.error[0].value and "不在本驾驶舱的数据中" in at.error[0].value
    assert not any("signed in" in m.value for m in at.markdown)
    assert at.button(key="oidc_logout")
    at.run()  # a rerun of the same session is not a second attempt
    records = audit_records(tmp_path)
    assert [(r["event"], r["user"], r["details"]["reason"]) for r in records] == [
        ("sign_in_failed", "某镇干部", "unknown township in claims")]
    assert records[0]["details"]["sub"] == "s-9" and records[0]["details"]["area_claim"] == "990199999000"


def test_known_township_signs_in(tmp_path):
    at = oidc_session({"is_logged_in": True, "name": "镇干部", "role": "乡镇", "area": TOWN})
    assert not at.exception, at.exception
    assert any(m.value == "signed in: 镇干部 township" for m in at.markdown)
    assert [r["event"] for r in audit_records(tmp_path)] == ["sign_in"]


def test_bad_role_map_says_so(monkeypatch):
    monkeypatch.setenv("OIDC_ROLE_MAP", "县残联领导=局长")
    at = oidc_session({"is_logged_in": True, "name": "甲", "role": "县残联领导"})
    assert not at.exception, at.exception
    assert at.error and "OIDC_ROLE_MAP" in at.error[0].value


def test_identity_older_than_the_limit_must_sign_in_again(tmp_path, monkeypatch):
    now = time.time()
    assert auth.identity_is_fresh({"iat": int(now - 11 * 3600)}, now)
    assert not auth.identity_is_fresh({"iat": int(now - 13 * 3600)}, now)  # default 12 hours
    assert auth.identity_is_fresh({}, now)  # cannot be dated
    monkeypatch.setenv("OIDC_MAX_AGE_HOURS", "1")
    assert not auth.identity_is_fresh({"iat": int(now - 2 * 3600)}, now)
    monkeypatch.setenv("OIDC_MAX_AGE_HOURS", "0")  # no limit
    assert auth.identity_is_fresh({"iat": 0}, now)
    monkeypatch.delenv("OIDC_MAX_AGE_HOURS")

    stale = oidc_session({"is_logged_in": True, "name": "甲", "role": "领导", "iat": int(now - 13 * 3600)})
    assert not stale.exception, stale.exception
    assert stale.button(key="oidc_relogin") and "重新登录" in stale.info[0].value
    assert not any("signed in" in m.value for m in stale.markdown) and audit_records(tmp_path) == []
    fresh = oidc_session({"is_logged_in": True, "name": "甲", "role": "领导", "iat": int(now - 60)})
    assert any(m.value == "signed in: 甲 leader" for m in fresh.markdown)
