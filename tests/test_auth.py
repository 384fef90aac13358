"""Sign-in and audit: the users file (argon2, 0600, no plaintext), its command line, the audit log (JSON lines,
no password, rotation), and the Streamlit gate through AppTest (password form, demo mode, first run)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from streamlit.testing.v1 import AppTest

from ui import audit as audit_module
from ui import auth
from ui.audit import audit

ROOT = Path(__file__).resolve().parent.parent
APP = str(Path(__file__).resolve().parent / "apps" / "signin_app.py")
TOWN = "990101002000"
PASSWORD = "correct horse 42"


@pytest.fixture(autouse=True)
def private_files(tmp_path, monkeypatch):
    """Each test gets its own users file and audit log; no demo mode or OIDC from the environment."""
    monkeypatch.setenv("USERS_FILE", str(tmp_path / "users.yaml"))
    monkeypatch.setenv("AUDIT_LOG", str(tmp_path / "audit.log"))
    monkeypatch.delenv("DEMO_MODE", raising=False)
    yield
    audit_module.configure()  # back to the default rotation, file closed


def audit_lines(tmp_path: Path) -> list[dict]:
    """The audit log's records."""
    path = tmp_path / "audit.log"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


# ---------------------------------------------------------------- the users file


def test_add_verify_disable_enable_reset_list(tmp_path):
    auth.add_user("分析员", "分析", PASSWORD)
    auth.add_user("镇干部", "township", PASSWORD, area=TOWN)
    assert auth.verify("分析员", PASSWORD) == auth.User("分析员", "analyst")
    assert auth.verify("镇干部", PASSWORD) == auth.User("镇干部", "township", TOWN)
    assert auth.verify("分析员", "wrong password") is None
    assert auth.verify("无此人", PASSWORD) is None

    auth.disable_user("分析员")
    assert auth.verify("分析员", PASSWORD) is None
    auth.enable_user("分析员")
    assert auth.verify("分析员", PASSWORD) is not None

    auth.reset_password("分析员", "a new password")
    assert auth.verify("分析员", PASSWORD) is None
    assert auth.verify("分析员", "a new password") is not None
    assert [(u.name, u.role, u.area, u.disabled) for u in auth.list_users()] == [
        ("分析员", "analyst", "", False), ("镇干部", "township", TOWN, False)]


def test_refusals():
    with pytest.raises(auth.UserError, match="未知的角色"):
        auth.add_user("a", "boss", PASSWORD)
    with pytest.raises(auth.UserError, match="12位"):
        auth.add_user("a", "乡镇", PASSWORD, area="123")
    with pytest.raises(auth.UserError, match="--area"):
        auth.add_user("a", "领导", PASSWORD, area=TOWN)
    with pytest.raises(auth.UserError, match="至少"):
        auth.add_user("a", "领导", "short")
    auth.add_user("a", "宣传", PASSWORD)
    with pytest.raises(auth.UserError, match="已存在"):
        auth.add_user("a", "宣传", PASSWORD)
    with pytest.raises(auth.UserError, match="没有用户"):
        auth.disable_user("nobody")


def test_hashes_salted_file_private_no_plaintext(tmp_path):
    auth.add_user("甲", "领导", PASSWORD)
    auth.add_user("乙", "领导", PASSWORD)
    path = tmp_path / "users.yaml"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text(encoding="utf-8")
    assert PASSWORD not in text and "horse" not in text
    users = yaml.safe_load(text)["users"]
    assert users["甲"]["hash"].startswith("$argon2id$")
    assert users["甲"]["hash"] != users["乙"]["hash"]  # same password, different salt
    auth.reset_password("甲", PASSWORD)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # still private after a rewrite
    assert yaml.safe_load(path.read_text(encoding="utf-8"))["users"]["甲"]["hash"] != users["甲"]["hash"]


def test_claims_map_to_role_and_area(monkeypatch):
    assert auth.user_from_claims({"email": "a@x", "role": "分析"}) == auth.User("a@x", "analyst")
    assert auth.user_from_claims({"name": "b", "role": "township", "area": TOWN}) == auth.User("b", "township", TOWN)
    assert auth.user_from_claims({"name": "b", "role": "township"}) is None  # no area
    assert auth.user_from_claims({"name": "c", "role": "admin"}) is None
    assert auth.user_from_claims({"name": "c"}) is None
    monkeypatch.setenv("OIDC_ROLE_CLAIM", "groups")
    monkeypatch.setenv("OIDC_AREA_CLAIM", "town")
    assert auth.user_from_claims({"sub": "d", "groups": ["staff", "乡镇"], "town": TOWN}) == auth.User("d", "township", TOWN)


# ---------------------------------------------------------------- the command line


def cli(*args: str, password: str | None = None) -> subprocess.CompletedProcess:
    """`python -m ui.users ...` with the password on stdin (not a TTY)."""
    return subprocess.run([sys.executable, "-m", "ui.users", *args], cwd=ROOT, env=os.environ.copy(),
                          input=None if password is None else password + "\n", capture_output=True, text=True,
                          timeout=60)


@pytest.mark.slow  # subprocesses
def test_cli(tmp_path):
    done = cli("add", "管理员", "--role", "分析", password=PASSWORD)
    assert done.returncode == 0, done.stderr
    assert "管理员" in done.stdout and PASSWORD not in done.stdout
    assert auth.verify("管理员", PASSWORD) == auth.User("管理员", "analyst")
    assert cli("add", "镇", "--role", "乡镇", "--area", TOWN, password=PASSWORD).returncode == 0

    bad_role = cli("add", "x", "--role", "老板", password=PASSWORD)
    assert bad_role.returncode == 2 and "未知的角色" in bad_role.stderr
    no_area = cli("add", "x", "--role", "乡镇", password=PASSWORD)
    assert no_area.returncode == 2 and "12位" in no_area.stderr
    unknown = cli("disable", "nobody")
    assert unknown.returncode == 2 and "没有用户" in unknown.stderr
    assert cli("reset", "nobody", password=PASSWORD).returncode == 2
    assert cli("add", "x", "--role", "分析", password="short").returncode == 2

    assert cli("disable", "管理员").returncode == 0
    assert auth.verify("管理员", PASSWORD) is None
    assert cli("enable", "管理员").returncode == 0
    assert cli("reset", "管理员", password="another password").returncode == 0
    assert auth.verify("管理员", "another password") is not None
    listing = cli("list")
    assert listing.returncode == 0 and "管理员" in listing.stdout and TOWN in listing.stdout
    assert "$argon2" not in listing.stdout

    helptext = cli("--help")
    assert helptext.returncode == 0 and "添加用户" in helptext.stdout and "add a user" in helptext.stdout
    assert "--area" in cli("add", "--help").stdout


# ---------------------------------------------------------------- the audit log


def test_audit_lines_are_json_without_password(tmp_path):
    audit("sign_in", "甲", method="password", password=PASSWORD, nested={"Passwd": PASSWORD, "ok": 1})
    audit("export", "甲", view="康复服务", filters={"year": 2024, "town": TOWN}, file="康复服务.xlsx")
    records = audit_lines(tmp_path)
    assert [r["event"] for r in records] == ["sign_in", "export"]
    assert records[0]["details"] == {"method": "password", "nested": {"ok": 1}}
    assert records[1]["details"]["filters"] == {"year": 2024, "town": TOWN}
    assert {"time", "event", "user", "details"} <= set(records[1])
    assert PASSWORD not in (tmp_path / "audit.log").read_text(encoding="utf-8")
    assert stat.S_IMODE((tmp_path / "audit.log").stat().st_mode) == 0o600


def test_audit_rotates(tmp_path):
    audit_module.configure(max_bytes=2000, backups=3)
    for i in range(200):
        audit("export", "甲", view="总览", file=f"总览{i}.xlsx")
    files = sorted(p.name for p in tmp_path.glob("audit.log*"))
    assert files == ["audit.log", "audit.log.1", "audit.log.2", "audit.log.3"]
    for path in tmp_path.glob("audit.log*"):
        assert path.stat().st_size <= 2000
        for line in path.read_text(encoding="utf-8").splitlines():
            json.loads(line)


# ---------------------------------------------------------------- the gate in Streamlit


def sign_in(at: AppTest, name: str, password: str) -> AppTest:
    """Fill the form and submit it."""
    at.text_input(key="signin_name").input(name)
    at.text_input(key="signin_password").input(password)
    at.button[0].click()
    return at.run()


def test_form_refuses_wrong_password_then_accepts(tmp_path):
    auth.add_user("分析员", "分析", PASSWORD)
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception, at.exception
    assert not any("signed in" in m.value for m in at.markdown)

    sign_in(at, "分析员", "wrong password")
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == ["用户名或口令不正确，或账号已停用。"]
    assert not any("signed in" in m.value for m in at.markdown)
    sign_in(at, "无此人", PASSWORD)
    assert [e.value for e in at.error] == ["用户名或口令不正确，或账号已停用。"]  # same words: no user probing

    sign_in(at, "分析员", PASSWORD)
    assert not at.exception, at.exception
    assert any(m.value == "signed in: 分析员 analyst" for m in at.markdown)
    assert not at.error
    events = [(r["event"], r["user"]) for r in audit_lines(tmp_path)]
    assert events == [("sign_in_failed", "分析员"), ("sign_in_failed", "无此人"), ("sign_in", "分析员")]
    assert PASSWORD not in (tmp_path / "audit.log").read_text(encoding="utf-8")

    at.button(key="sign_out").click().run()
    assert not any("signed in" in m.value for m in at.markdown)
    assert audit_lines(tmp_path)[-1]["event"] == "sign_out"


def test_disabled_user_refused_and_session_ended(tmp_path):
    auth.add_user("甲", "领导", PASSWORD)
    at = sign_in(AppTest.from_file(APP, default_timeout=30).run(), "甲", PASSWORD)
    assert any(m.value == "signed in: 甲 leader" for m in at.markdown)
    auth.disable_user("甲")
    at.run()
    assert not any("signed in" in m.value for m in at.markdown)  # the open session ends on its next rerun
    sign_in(at, "甲", PASSWORD)
    assert at.error and not any("signed in" in m.value for m in at.markdown)


def test_demo_mode_signs_in_read_only_analyst(tmp_path, monkeypatch):
    monkeypatch.setenv("DEMO_MODE", "1")
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception, at.exception
    assert any(m.value == "signed in: 演示 analyst" for m in at.markdown)
    assert any("演示模式" in i.value and "只读" in i.value for i in at.info)
    assert at.session_state[auth.SESSION_KEY].read_only
    at.run()
    assert [r["event"] for r in audit_lines(tmp_path)] == ["sign_in"]  # once per session, not per rerun


def test_first_run_explains_how_to_add_a_user(tmp_path):
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception, at.exception
    text = "\n".join(m.value for m in at.markdown)
    assert "python -m ui.users add 管理员 --role 分析" in text
    assert not at.text_input  # no form to type into
    assert not any("signed in" in m.value for m in at.markdown)


def oidc_app(claims: dict) -> AppTest:
    """The sign-in app with an [auth] secrets section and this identity provider user."""
    at = AppTest.from_file(APP, default_timeout=30)
    at.secrets["auth"] = {"redirect_uri": "https://dash.example/oauth2callback", "cookie_secret": "x" * 32,
                          "client_id": "dashboard", "client_secret": "s", "server_metadata_url": "https://idp/.well-known"}
    at.user = claims
    return at.run()


def test_oidc_maps_claims_to_role_and_area(tmp_path):
    at = oidc_app({"is_logged_in": False})
    assert not at.exception, at.exception
    assert at.button(key="oidc_login") and not at.text_input  # the provider's sign-in, no password form

    at = oidc_app({"is_logged_in": True, "name": "镇干部", "email": "z@x", "role": "乡镇", "area": TOWN})
    assert not at.exception, at.exception
    assert any(m.value == "signed in: 镇干部 township" for m in at.markdown)
    assert at.session_state[auth.SESSION_KEY] == auth.User("镇干部", "township", TOWN)

    at = oidc_app({"is_logged_in": True, "name": "外人", "role": "admin"})
    assert not at.exception, at.exception
    assert at.error and "未分配驾驶舱角色" in at.error[0].value
    assert not any("signed in" in m.value for m in at.markdown)
    assert [(r["event"], r["details"]["method"]) for r in audit_lines(tmp_path)] == [
        ("sign_in", "oidc"), ("sign_in_failed", "oidc")]


def test_audited_export_logs_when_made(tmp_path):
    make = audit_module.audited_export(lambda: b"xlsx", "甲", "康复服务", {"year": "2024", "town": TOWN}, "康复.xlsx")
    assert audit_lines(tmp_path) == []  # nothing until the download is made
    assert make() == b"xlsx"
    record = audit_lines(tmp_path)[0]
    assert (record["event"], record["user"]) == ("export", "甲")
    assert record["details"] == {"view": "康复服务", "filters": {"year": "2024", "town": TOWN}, "file": "康复.xlsx"}


def test_broken_users_file_refuses_sign_in_with_a_message(tmp_path):
    (tmp_path / "users.yaml").write_text("- not\n- a mapping\n", encoding="utf-8")
    assert auth.verify("a", PASSWORD) is None
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception, at.exception
    assert at.error and "无法读取" in at.error[0].value
