"""Sign-in and audit: the users file (argon2, 0600, no plaintext), its command line, the audit log (JSON lines,
no password, rotation), and the Streamlit gate through AppTest (password form, demo mode, first run)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
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
    monkeypatch.setenv("SIGNIN_DB", str(tmp_path / "signin.sqlite"))
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
def test_cli(tmp_path, duck_url, monkeypatch):
    monkeypatch.setenv("WAREHOUSE_URL", duck_url)  # a township account's code is checked against the warehouse
    done = cli("add", "管理员", "--role", "分析", password=PASSWORD)
    assert done.returncode == 0, done.stderr
    assert "管理员" in done.stdout and PASSWORD not in done.stdout
    assert auth.verify("管理员", PASSWORD) == auth.User("管理员", "analyst")
    assert cli("add", "镇", "--role", "乡镇", "--area", TOWN, password=PASSWORD).returncode == 0
    unknown_town = cli("add", "外镇", "--role", "乡镇", "--area", "990101099000", password=PASSWORD)
    assert unknown_town.returncode == 2 and "不是数据仓库中的乡镇" in unknown_town.stderr
    assert not auth.is_user("外镇")
    monkeypatch.setenv("WAREHOUSE_URL", str(tmp_path / "none.duckdb"))
    no_warehouse = cli("add", "外镇", "--role", "乡镇", "--area", TOWN, password=PASSWORD)
    assert no_warehouse.returncode == 2 and "--unchecked-area" in no_warehouse.stderr
    assert cli("add", "外镇", "--role", "乡镇", "--area", TOWN, "--unchecked-area", password=PASSWORD).returncode == 0

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
    assert [e.value for e in at.error] == ["用户名或密码不正确，或账号已停用。"]
    assert not any("signed in" in m.value for m in at.markdown)
    sign_in(at, "无此人", PASSWORD)
    assert [e.value for e in at.error] == ["用户名或密码不正确，或账号已停用。"]  # same words: no user probing

    sign_in(at, "分析员", PASSWORD)
    assert not at.exception, at.exception
    assert any(m.value == "signed in: 分析员 analyst" for m in at.markdown)
    assert not at.error
    events = [(r["event"], r["user"]) for r in audit_lines(tmp_path)]
    assert events == [("sign_in_failed", "分析员"), ("sign_in_failed", "(未知用户)"), ("sign_in", "分析员")]
    assert "无此人" not in (tmp_path / "audit.log").read_text(encoding="utf-8")  # an unknown name is not logged
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


def test_oidc_maps_claims_to_role_and_area(tmp_path, duck_url, monkeypatch):
    monkeypatch.setenv("WAREHOUSE_URL", duck_url)  # a township user's area is checked against the warehouse
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
    from ui.exports import audited_export

    make = audited_export(lambda: b"xlsx", "甲", "康复服务", {"year": "2024", "town": TOWN}, "康复.xlsx")
    assert audit_lines(tmp_path) == []  # nothing until the download is made
    assert make() == b"xlsx"
    record = audit_lines(tmp_path)[0]
    assert (record["event"], record["user"]) == ("export", "甲")
    assert record["details"] == {"view": "康复服务", "filters": {"year": "2024", "town": TOWN}, "file": "康复.xlsx"}


def test_audited_export_is_not_made_once_the_session_ended(tmp_path, monkeypatch):
    from ui import exports

    monkeypatch.setattr(exports, "session_id", lambda: "session-1")
    sessions = {"session-1": auth.User("甲", "analyst")}
    # A server that knows the session: its sign-in holds while the user is there (reset, disable, idle end it).
    monkeypatch.setattr(exports, "session_ended", lambda sid: sessions.get(sid) is None)
    make = exports.audited_export(lambda: b"xlsx", "甲", "康复服务", {}, "康复.xlsx")
    assert make() == b"xlsx"
    del sessions["session-1"]  # signed out, reset, disabled, idle
    with pytest.raises(PermissionError):
        make()
    assert [(r["event"], r["details"].get("reason")) for r in audit_lines(tmp_path)] == [
        ("export", None), ("ignored_command", "session ended")]


def test_broken_users_file_refuses_sign_in_with_a_message(tmp_path):
    (tmp_path / "users.yaml").write_text("- not\n- a mapping\n", encoding="utf-8")
    assert auth.verify("a", PASSWORD) is None
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception, at.exception
    assert at.error and "无法读取" in at.error[0].value


# ---------------------------------------------------------------- guessing, ending sessions, idle (issue 13)

from ui import signin_store  # noqa: E402


def test_delay_grows_then_locks_and_the_right_password_is_refused(monkeypatch):
    t = 1000.0
    verdicts = []
    for _ in range(signin_store.LIMITS["account"] + 2):
        verdict = signin_store.begin("甲", "10.0.0.1", now=t)
        verdicts.append(verdict)
        if not verdict.allowed:
            t += verdict.wait_s if verdict.reason == "throttled" else 0
            verdict = signin_store.begin("甲", "10.0.0.1", now=t)
            verdicts.append(verdict)
    allowed = [v for v in verdicts if v.allowed]
    assert len(allowed) == signin_store.LIMITS["account"]
    assert [round(signin_store.delay_after(n)) for n in range(1, 8)] == [0, 0, 1, 2, 4, 8, 16]
    locked = signin_store.begin("甲", "10.0.0.2", now=t + 1)  # another address: the account itself is locked
    assert not locked.allowed and locked.reason == "locked" and locked.wait_s > 60
    later = signin_store.begin("甲", "10.0.0.2", now=t + signin_store.lock_seconds() + 1)
    assert later.allowed  # the lockout is time-limited


def _spray(address: str, now: float, accounts: int = 200) -> tuple[float, int]:
    """Wrong passwords for many accounts from one address, waiting out each delay, until the address is locked:
    (the time then, how many passwords were checked)."""
    checked, start = 0, now
    for i in range(accounts):
        name = f"用户{i}@{address}@{start:.0f}"  # an account of its own each time: the address is what is counted
        verdict = signin_store.begin(name, address, now=now)
        if not verdict.allowed and verdict.reason == "throttled":
            now += verdict.wait_s
            verdict = signin_store.begin(name, address, now=now)
        if not verdict.allowed:
            assert verdict.reason == "locked"
            return now, checked
        checked += 1
        signin_store.failed(address, verdict.ticket, now=now)
    raise AssertionError("never locked")


def test_one_address_guessing_many_accounts_is_locked():
    now, checked = _spray("10.0.0.9", 5000.0)
    # Failures fade (one per DECAY_S) while the address waits its delays, so a few more than the limit are checked.
    assert signin_store.LIMITS["client"] <= checked <= signin_store.LIMITS["client"] + 5, checked
    verdict = signin_store.begin("另一个", "10.0.0.9", now=now + 1)
    assert not verdict.allowed and verdict.reason == "locked"  # the right password of an untried account too
    assert signin_store.begin("另一个", "10.0.0.8", now=now + 1).allowed  # another address is not


def test_an_address_counts_failures_not_attempts():
    # 20 colleagues behind one office address sign in within the same second with their right passwords.
    for i in range(20):
        verdict = signin_store.begin(f"同事{i}", "10.7.7.7", now=100.0 + i / 20)
        assert verdict.allowed, (i, verdict)
        signin_store.succeeded(f"同事{i}", "10.7.7.7", verdict.ticket, now=100.0 + i / 20)
    assert signin_store.address_failures("10.7.7.7", now=101.0) == 0
    # Ten at the very same moment, each still being checked: all go ahead; an eleventh waits a second.
    held = [signin_store.begin(f"同事{i}", "10.7.7.7", now=200.0) for i in range(signin_store.MAX_PENDING)]
    assert all(v.allowed for v in held)
    assert signin_store.begin("又一个", "10.7.7.7", now=200.0).reason == "throttled"
    for i, verdict in enumerate(held):
        signin_store.succeeded(f"同事{i}", "10.7.7.7", verdict.ticket, now=200.1)
    assert signin_store.begin("又一个", "10.7.7.7", now=200.2).allowed


def test_an_offices_typos_fade_and_do_not_refuse_later_arrivals():
    t = 10_000.0
    for i in range(9):  # 9 typos in 40 minutes
        verdict = signin_store.begin(f"打错{i}", "10.8.8.8", now=t + i * 300)
        assert verdict.allowed
        signin_store.failed("10.8.8.8", verdict.ticket, now=t + i * 300)
    t += 40 * 60
    assert signin_store.address_failures("10.8.8.8", now=t) < 2  # faded
    for i in range(20):  # 20 later arrivals, while others keep signing in: every one gets in
        verdict = signin_store.begin(f"后到{i}", "10.8.8.8", now=t + i)
        assert verdict.allowed, (i, verdict)
        signin_store.succeeded(f"后到{i}", "10.8.8.8", verdict.ticket, now=t + i)
    # Failures fade whoever signs in meanwhile: 25 failures are forgotten after 25 × DECAY_S.
    for i in range(25):
        verdict = signin_store.begin(f"错{i}", "10.8.8.9", now=t)
        if not verdict.allowed:
            t += verdict.wait_s
            verdict = signin_store.begin(f"错{i}", "10.8.8.9", now=t)
        signin_store.failed("10.8.8.9", verdict.ticket, now=t)
    assert signin_store.address_failures("10.8.8.9", now=t) > 20
    verdict = signin_store.begin("对", "10.8.8.9", now=t + 60)
    signin_store.succeeded("对", "10.8.8.9", verdict.ticket, now=t + 60)
    assert signin_store.address_failures("10.8.8.9", now=t + 25 * signin_store.DECAY_S) == 0


def test_unlock_and_reset_lift_the_address_lock(tmp_path):
    auth.add_user("辛", "领导", PASSWORD)
    now = time.time()
    for address in ("10.3.3.1", "10.3.3.2", "10.3.3.3"):
        now, _ = _spray(address, now)
        assert signin_store.begin("辛", address, now=now).reason == "locked"  # 辛 tries, is refused
    assert signin_store.unlock_address("10.3.3.1")  # the administrator's command for one address
    assert signin_store.begin("辛", "10.3.3.1", now=now).allowed
    assert signin_store.unlock("辛", now=now) >= 1  # unlocking 辛 lifts the addresses 辛 was tried from
    verdict = signin_store.begin("辛", "10.3.3.2", now=now)
    assert verdict.allowed
    signin_store.succeeded("辛", "10.3.3.2", verdict.ticket, now=now)
    now, _ = _spray("10.3.3.2", now)
    assert signin_store.begin("辛", "10.3.3.2", now=now).reason == "locked"
    auth.reset_password("辛", "a brand new password")  # reset does too (it unlocks the account)
    assert signin_store.begin("辛", "10.3.3.2").allowed


GUESSER = """
import sys, threading
from ui import signin_store
allowed = []
def guess():
    for _ in range(5):
        allowed.append(signin_store.begin("乙", "10.0.0." + sys.argv[1], now=float(sys.argv[2])).allowed)
threads = [threading.Thread(target=guess) for _ in range(5)]
[t.start() for t in threads]; [t.join() for t in threads]
print(sum(allowed))
"""


def test_parallel_guesses_from_two_processes_share_one_count(tmp_path):
    now = str(time.time())  # one clock for both: however slowly the machine starts them, no time passes
    procs = [subprocess.Popen([sys.executable, "-c", GUESSER, str(i), now], cwd=ROOT, env=os.environ.copy(),
                              stdout=subprocess.PIPE, text=True) for i in (1, 2)]
    allowed = sum(int(p.communicate(timeout=120)[0]) for p in procs)
    # 50 guesses, no time passing: the first FREE go through, the next waits a second, the rest are refused.
    assert allowed == signin_store.FREE, allowed
    assert signin_store.attempts("乙") == signin_store.FREE


def test_form_refuses_the_right_password_once_locked(tmp_path):

    auth.add_user("丙", "领导", PASSWORD)
    start = time.time() - 700  # someone guessed elsewhere over the last minutes, waiting out each delay
    for i in range(signin_store.LIMITS["account"]):
        assert signin_store.begin("丙", "10.1.1.1", now=start + 61 * i).allowed
    at = AppTest.from_file(APP, default_timeout=30).run()
    sign_in(at, "丙", PASSWORD)
    assert not any("signed in" in m.value for m in at.markdown)
    assert at.error and "锁定" in at.error[0].value
    assert audit_lines(tmp_path)[-1]["event"] == "sign_in_refused"
    auth.reset_password("丙", "a brand new password")  # reset also unlocks
    sign_in(at, "丙", "a brand new password")
    assert any(m.value == "signed in: 丙 leader" for m in at.markdown)


def test_reset_and_sign_out_everywhere_end_open_sessions(tmp_path):
    auth.add_user("丁", "分析", PASSWORD)
    first = sign_in(AppTest.from_file(APP, default_timeout=30).run(), "丁", PASSWORD)
    second = sign_in(AppTest.from_file(APP, default_timeout=30).run(), "丁", PASSWORD)
    assert all(any(m.value == "signed in: 丁 analyst" for m in at.markdown) for at in (first, second))
    first.button(key="sign_out_all").click().run()
    second.run()  # the other device's next action
    assert not any("signed in" in m.value for m in second.markdown)
    assert any("退出全部设备" in i.value for i in second.info)

    third = sign_in(AppTest.from_file(APP, default_timeout=30).run(), "丁", PASSWORD)
    assert any(m.value == "signed in: 丁 analyst" for m in third.markdown)
    assert cli("reset", "丁", password="another password 1").returncode == 0
    third.run()
    assert not any("signed in" in m.value for m in third.markdown)
    events = [r["event"] for r in audit_lines(tmp_path)]
    assert "sign_out_all" in events and events.count("sign_out") >= 2


def _age(at: AppTest, seconds: float) -> None:
    """Move a session's last action back, and its browser session's (every tab of it idle)."""
    at.session_state[auth.SEEN_KEY] = at.session_state[auth.SEEN_KEY] - seconds
    con = signin_store._connect()
    try:
        con.execute("UPDATE web_sessions SET seen = seen - ? WHERE key=?", (seconds, at.session_state[auth.WEB_KEY]))
    finally:
        con.close()


def test_idle_session_is_signed_out(tmp_path, monkeypatch):
    monkeypatch.setenv("IDLE_TIMEOUT_MIN", "5")
    auth.add_user("戊", "领导", PASSWORD)
    at = sign_in(AppTest.from_file(APP, default_timeout=30).run(), "戊", PASSWORD)
    _age(at, 4 * 60)
    at.run()
    assert any(m.value == "signed in: 戊 leader" for m in at.markdown)  # 4 minutes: still in
    _age(at, 6 * 60)
    at.run()
    assert not any("signed in" in m.value for m in at.markdown)
    assert audit_lines(tmp_path)[-1]["details"]["reason"] == "idle"


def test_audit_lines_carry_session_and_client(tmp_path, monkeypatch):
    auth.add_user("己", "领导", PASSWORD)
    at = sign_in(AppTest.from_file(APP, default_timeout=30).run(), "己", "wrong password")
    record = audit_lines(tmp_path)[-1]
    assert {"session", "client"} <= set(record) and len(record["session"]) == 16
    assert audit_module.client_of("198.51.100.7", "1.2.3.4") == "198.51.100.7"  # a client's own header: ignored
    monkeypatch.setenv("TRUSTED_PROXIES", "127.0.0.1")
    assert audit_module.client_of("127.0.0.1", "6.6.6.6, 198.51.100.7") == "198.51.100.7"  # what nginx saw
    assert audit_module.client_of("198.51.100.8", "1.2.3.4") == "198.51.100.8"
    assert at is not None


def test_colleagues_behind_one_address_are_not_slowed_by_signing_in():
    for i in range(10):  # ten people at one office address sign in, one after another
        verdict = signin_store.begin(f"同事{i}", "10.9.9.9", now=100.0 + i)
        assert verdict.allowed
        signin_store.succeeded(f"同事{i}", "10.9.9.9", verdict.ticket, now=100.0 + i)
    for i in range(signin_store.CLIENT_FREE):  # while failures from that address still count
        verdict = signin_store.begin(f"某人{i}", "10.9.9.9", now=200.0 + i)
        assert verdict.allowed
        signin_store.failed("10.9.9.9", verdict.ticket, now=200.0 + i)
    refused = signin_store.begin("别人", "10.9.9.9", now=200.0 + signin_store.CLIENT_FREE - 0.5)
    assert not refused.allowed and refused.reason == "throttled"


def test_cli_signout_and_unlock(tmp_path):
    auth.add_user("庚", "宣传", PASSWORD)
    at = sign_in(AppTest.from_file(APP, default_timeout=30).run(), "庚", PASSWORD)
    assert any(m.value == "signed in: 庚 press" for m in at.markdown)
    assert cli("signout", "庚").returncode == 0
    at.run()
    assert not any("signed in" in m.value for m in at.markdown)
    for _ in range(3):
        signin_store.begin("庚", "10.2.2.2")
    assert signin_store.attempts("庚") == 3
    done = cli("unlock", "庚")
    assert done.returncode == 0 and "已解锁" in done.stdout
    assert signin_store.attempts("庚") == 0
    assert cli("unlock", "nobody").returncode == 2
    _spray("10.4.4.4", time.time())
    assert signin_store.begin("庚", "10.4.4.4").reason == "locked"
    done = cli("unlock-address", "10.4.4.4")
    assert done.returncode == 0 and "已解除" in done.stdout
    assert signin_store.begin("庚", "10.4.4.4").allowed


def test_ended_reason_is_read_from_session_state_alone(monkeypatch):
    """What the server guard asks outside a page run (deferred downloads, exported files) and each fragment asks
    first: whether a session's sign-in still holds."""
    from ui.auth import session_user

    monkeypatch.setenv("IDLE_TIMEOUT_MIN", "5")
    auth.add_user("壬", "分析", PASSWORD)
    now = time.time()
    state = {auth.SESSION_KEY: auth.User("壬", "analyst"), auth.SOURCE_KEY: "password",
             auth.GEN_KEY: signin_store.generation("壬"), auth.SEEN_KEY: now - 60}
    assert auth.ended_reason(state, now) == ""
    assert session_user(type("Session", (), {"_session_state": state})()) == auth.User("壬", "analyst")
    assert auth.ended_reason(state, now + 5 * 60) == "idle"
    assert session_user(type("Session", (), {"_session_state": {**state, auth.SEEN_KEY: now - 6 * 60}})()) is None
    auth.end_sessions("壬")
    assert auth.ended_reason(state, now).startswith("sessions ended")
    state[auth.GEN_KEY] = signin_store.generation("壬")
    auth.disable_user("壬")
    state[auth.GEN_KEY] = signin_store.generation("壬")
    assert auth.ended_reason(state, now) == "account changed or disabled"
    assert auth.ended_reason({}, now) == "not signed in"
    demo = {auth.SESSION_KEY: auth.DEMO_USER, auth.SOURCE_KEY: "demo", auth.GEN_KEY: 0, auth.SEEN_KEY: now - 86400}
    assert auth.ended_reason(demo, now) == ""  # the public demo never ends

