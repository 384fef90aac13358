"""Staying signed in (issue 29 §1): the browser session of a users-file sign-in (ui/session_cookie.py).

Fast: the cookie's signature, the one-time token, the record's ends, the form (密码, the name kept, whom to ask).
Slow: two real `scripts/serve.py` processes on one users file, sign-in store and secret, driven by raw websockets
(a reload or a new tab is a new websocket carrying the cookie), and a real Chromium: sign in, reload, new tab,
a shared link from another site, the presenter window, 退出登录 in one tab, disable, a forged cookie.
"""

from __future__ import annotations

import asyncio
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from streamlit.proto.WidgetStates_pb2 import WidgetState
from streamlit.testing.v1 import AppTest

from ui import auth, session_cookie, signin_store

ROOT = Path(__file__).resolve().parent.parent
APP = str(Path(__file__).resolve().parent / "apps" / "signin_app.py")
PASSWORD = "correct horse 42"


@pytest.fixture()
def store(tmp_path, monkeypatch):
    """A private users file, sign-in store, audit log and secret."""
    monkeypatch.setenv("USERS_FILE", str(tmp_path / "users.yaml"))
    monkeypatch.setenv("AUDIT_LOG", str(tmp_path / "audit.log"))
    monkeypatch.setenv("SIGNIN_DB", str(tmp_path / "signin.sqlite"))
    monkeypatch.setenv("SESSION_KEY_FILE", str(tmp_path / "session.key"))
    monkeypatch.delenv("SESSION_SECRET", raising=False)
    monkeypatch.delenv("DEMO_MODE", raising=False)
    monkeypatch.delenv("IDLE_TIMEOUT_MIN", raising=False)
    return tmp_path


def _audit(path: Path) -> list[dict]:
    log = path / "audit.log"
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()] if log.exists() else []


# ---------------------------------------------------------------- the cookie and the store


def test_only_a_cookie_signed_with_the_secret_names_a_session(store):
    value = session_cookie.sign("abcDEF-_123")
    assert session_cookie.verify(value) == "abcDEF-_123"
    version, session_id, signature = value.split(".")
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    assert session_cookie.verify(f"{version}.{session_id}.{flipped}") is None  # the signature altered
    assert session_cookie.verify(f"{version}.abcDEF-_124.{signature}") is None  # the id altered
    assert session_cookie.verify(session_cookie.sign("abcDEF-_123", key=b"x" * 64)) is None  # another secret
    for junk in ("", "v1", "v1..", f"v2.{session_id}.{signature}", "v1.a.b.c", "é" * 50, "v1.a." + "b" * 300):
        assert session_cookie.verify(junk) is None, junk
    key = (store / "session.key").read_bytes()
    assert len(key) >= 32 and (store / "session.key").stat().st_mode & 0o777 == 0o600


def test_the_secret_from_the_environment(store, monkeypatch):
    monkeypatch.setenv("SESSION_SECRET", "s" * 40)
    value = session_cookie.sign("id1")
    assert not (store / "session.key").exists()
    monkeypatch.setenv("SESSION_SECRET", "t" * 40)  # a new secret signs everyone out
    assert session_cookie.verify(value) is None
    monkeypatch.setenv("SESSION_SECRET", "short")
    with pytest.raises(ValueError):
        session_cookie.sign("id1")


def test_the_one_time_token_gives_the_cookie_once(store):
    now = time.time()
    key, token = session_cookie.create("甲", "leader", "", 0, now)
    value = session_cookie.redeem(token, now + 1)
    assert value and session_cookie.record_key(session_cookie.verify(value)) == key
    assert session_cookie.redeem(token, now + 2) is None  # spent
    raw = (store / "signin.sqlite").read_bytes() + b"".join(p.read_bytes() for p in store.glob("signin.sqlite-*"))
    assert token.encode() not in raw and session_cookie.verify(value).encode() not in raw  # only hashes stored

    _, late = session_cookie.create("甲", "leader", "", 0, now)
    assert session_cookie.redeem(late, now + session_cookie.HANDOFF_TTL_S + 1) is None  # expired
    ended, token = session_cookie.create("甲", "leader", "", 0, now)
    session_cookie.end(ended)
    assert session_cookie.redeem(token, now + 1) is None  # its session already ended
    assert session_cookie.redeem("made-up", now) is None and session_cookie.redeem("", now) is None


def test_a_browser_session_ends_like_a_tabs(store, monkeypatch):
    monkeypatch.setenv("IDLE_TIMEOUT_MIN", "30")
    now = time.time()
    key, _ = session_cookie.create("乙", "analyst", "", signin_store.generation("乙"), now)
    other, _ = session_cookie.create("丙", "analyst", "", signin_store.generation("丙"), now)

    def why(k: str, at: float) -> str:
        rec = session_cookie.record(k)
        return session_cookie.why_ended(rec, signin_store.generation(rec.user), 1800, at)

    assert why(key, now + 60) == ""
    assert why(key, now + 1801) == "idle"
    session_cookie.touch(key, now + 1000)  # an action in one of its tabs
    assert why(key, now + 1801) == ""
    monkeypatch.setenv("SESSION_MAX_HOURS", "0.5")
    assert why(key, now + 1801) == "expired"
    monkeypatch.delenv("SESSION_MAX_HOURS")
    signin_store.bump("乙")  # reset, disable, 退出全部设备
    assert why(key, now + 60) == "signed out" and why(other, now + 60) == ""
    session_cookie.end(other)
    assert why(other, now + 60) == "signed out"


def test_a_tab_ends_with_its_browser_session(store, monkeypatch):
    """ended_reason — asked by every page run, fragment, deferred download and exported file — follows the
    browser session: 退出登录 in another tab ends this one; an action in another tab keeps it from idling."""
    monkeypatch.setenv("IDLE_TIMEOUT_MIN", "5")
    auth.add_user("丁", "分析", PASSWORD)
    now = time.time()
    key, _ = session_cookie.create("丁", "analyst", "", signin_store.generation("丁"), now - 6 * 60)
    state = {auth.SESSION_KEY: auth.User("丁", "analyst"), auth.SOURCE_KEY: "password",
             auth.GEN_KEY: signin_store.generation("丁"), auth.SEEN_KEY: now - 6 * 60, auth.WEB_KEY: key}
    assert auth.ended_reason(state, now) == "idle"
    session_cookie.touch(key, now - 60)  # another tab of the browser acted a minute ago
    assert auth.ended_reason(state, now) == ""
    session_cookie.end(key)  # 退出登录 there
    assert auth.ended_reason(state, now) == "signed out"


def test_origin_of_a_cookie_request():
    from ui.server_guard import same_origin

    host = {"host": "127.0.0.1:8501"}
    assert same_origin({**host, "sec-fetch-site": "same-origin", "origin": "http://127.0.0.1:8501"})
    assert same_origin(host)  # not a browser: the one-time token is the proof
    assert not same_origin({**host, "sec-fetch-site": "cross-site"})
    assert not same_origin({**host, "sec-fetch-site": "same-site"})
    assert not same_origin({**host, "origin": "http://evil.example:8501"})
    assert not same_origin({**host, "origin": "http://127.0.0.1:8502"})


def test_the_form_says_password_keeps_the_name_and_whom_to_ask(store, monkeypatch):
    monkeypatch.setenv("SIGNIN_CONTACT", "县残联办公室 王老师（电话 0000-1234567）")
    auth.add_user("戊", "领导", PASSWORD)
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert [t.label for t in at.text_input] == ["用户名", "密码"]
    assert any("忘记密码" in c.value and "王老师（电话 0000-1234567）" in c.value.replace("\\", "") for c in at.caption)
    at.text_input(key="signin_name").input("戊")
    at.text_input(key="signin_password").input("wrong password")
    at.button[0].click().run()
    assert [e.value for e in at.error] == ["用户名或密码不正确，或账号已停用。"]
    assert at.text_input(key="signin_name").value == "戊"  # kept
    assert at.text_input(key="signin_password").value == ""  # never kept
    at.text_input(key="signin_password").input(PASSWORD)
    at.button[0].click().run()
    assert any(m.value == "signed in: 戊 leader" for m in at.markdown)
    assert at.session_state[auth.WEB_KEY] and at.session_state[auth.HANDOFF_KEY]  # the browser session, its token
    monkeypatch.delenv("SIGNIN_CONTACT")
    assert auth.DEFAULT_CONTACT in auth.forgotten_text()


# ---------------------------------------------------------------- two real processes


@pytest.fixture(scope="module")
def servers(duck_url, tmp_path_factory):
    """Two serve.py processes with production flags on one users file, sign-in store, audit log and secret."""
    from tests.test_serving import PROD, _free_port, _stop, flags
    from tests.test_side_doors import _wait_health

    tmp = tmp_path_factory.mktemp("session-cookie")
    warehouse = tmp / "county.duckdb"
    shutil.copy(duck_url, warehouse)
    env = {k: v for k, v in os.environ.items()
           if k not in ("DEMO_MODE", "TRUSTED_PROXIES", "IDLE_TIMEOUT_MIN", "SESSION_SECRET")}
    env.update(USERS_FILE=str(tmp / "users.yaml"), AUDIT_LOG=str(tmp / "audit.log"), SIGNIN_DB=str(tmp / "signin.sqlite"),
               SESSION_KEY_FILE=str(tmp / "session.key"), WAREHOUSE_URL=str(warehouse),
               BRIEFING_FILE=str(tmp / "briefing.yaml"))
    names = ("USERS_FILE", "SIGNIN_DB", "SESSION_KEY_FILE", "AUDIT_LOG")
    saved = {k: os.environ.get(k) for k in names}
    os.environ.update({k: env[k] for k in names})
    for name in ("领导甲", "领导乙", "分析丙", "浏览器"):
        auth.add_user(name, "领导", PASSWORD)
    ports = [_free_port(), _free_port()]
    procs = [subprocess.Popen([sys.executable, "scripts/serve.py", *flags(PROD), "--server.allowedHosts", "127.0.0.1",
                               "--server.allowedHosts", "localhost", "--server.port", str(port)], cwd=ROOT, env=env,
                              stdout=(tmp / f"{port}.log").open("w"), stderr=subprocess.STDOUT) for port in ports]
    try:
        for port, proc in zip(ports, procs, strict=True):
            _wait_health(port, proc)
        yield {"ports": ports, "tmp": tmp}
    finally:
        for proc in procs:
            _stop(proc)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _token(run) -> str:
    """The one-time token the signed-in page posts to the session route (drawn as a hidden script)."""
    bodies = [e.html.body for e in run.of("html") if session_cookie.ROUTE in e.html.body]
    assert bodies, "no session cookie script on the page after signing in"
    return re.search(r"token=([A-Za-z0-9_-]+)", bodies[0]).group(1)


def _post(port: int, body: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    """POST to the session route: (status, Set-Cookie)."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}{session_cookie.ROUTE}", data=body.encode(),
                                     headers={"Content-Type": "application/x-www-form-urlencoded", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, response.headers.get("Set-Cookie") or ""
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Set-Cookie") or ""


def _signed_in(run) -> bool:
    """Whether a run drew the dashboard rather than the sign-in form."""
    return "密码" not in {e.text_input.label for e in run.of("text_input")}


def _cookie_of(set_cookie: str) -> str:
    return set_cookie.split(";", 1)[0].split("=", 1)[1]


async def _sign_in(port: int, name: str):
    """A tab that signs in, and the cookie its page gets from the session route (posted to the other process)."""
    from tests.wsclient import Client

    tab = Client(port)
    await tab.__aenter__()
    form = await tab.rerun("about")  # a light page: the sign-in is what is tested
    inputs = {e.text_input.label: e.text_input.id for e in form.of("text_input")}
    submit = next(e.button.id for e in form.of("button") if e.button.is_form_submitter)
    run = await tab.rerun("about", widgets=[WidgetState(id=inputs["用户名"], string_value=name),
                                            WidgetState(id=inputs["密码"], string_value=PASSWORD),
                                            WidgetState(id=submit, trigger_value=True)])
    assert _signed_in(run)
    return tab, run


def _tab(port: int, cookie: str):
    """A new tab or a reload of the browser holding this session cookie (a new websocket carrying it)."""
    from tests.wsclient import Client

    return Client(port, headers={"Cookie": f"{session_cookie.COOKIE}={cookie}"})


@pytest.mark.slow
def test_the_cookie_is_set_once_httponly_and_strict_and_only_for_the_dashboards_pages(servers):
    a, b = servers["ports"]

    async def scenario():
        tab, run = await _sign_in(a, "领导甲")
        await tab.__aexit__(None, None, None)
        return _token(run)

    token = asyncio.run(scenario())
    assert _post(b, f"token={token}", {"Sec-Fetch-Site": "cross-site"})[0] == 403  # another site's page
    assert _post(b, f"token={token}", {"Origin": "http://evil.example"})[0] == 403
    status, header = _post(b, f"token={token}", {"Sec-Fetch-Site": "same-origin", "Origin": f"http://127.0.0.1:{b}"})
    assert status == 204  # on the other process: the store and the secret are shared
    attributes = {part.strip().split("=")[0].lower() for part in header.split(";")[1:]}
    assert {"httponly", "samesite", "path"} <= attributes and "samesite=strict" in header.lower()
    assert "max-age" not in attributes and "expires" not in attributes  # gone when the browser closes
    assert "secure" not in attributes  # plain http here; behind TLS (X-Forwarded-Proto: https) it is Secure
    assert _post(b, f"token={token}")[0] == 403  # once only
    status, cleared = _post(a, "clear=1", {"Sec-Fetch-Site": "same-origin"})
    assert status == 204 and "max-age=0" in cleared.lower()


@pytest.mark.slow
def test_reload_new_tab_and_presenter_resume_until_sign_out_in_one_tab(servers):
    a, b = servers["ports"]

    async def scenario():
        first, run = await _sign_in(a, "领导乙")
        cookie = _cookie_of(_post(a, f"token={_token(run)}")[1])
        async with _tab(b, cookie) as reload, _tab(a, cookie) as presenter:
            reloaded = await reload.rerun("rehabilitation")
            assert _signed_in(reloaded), reloaded.texts()
            assert not [e for e in reloaded.of("html") if session_cookie.ROUTE in e.html.body]  # no new token
            view = await presenter.rerun("briefing", query="presenter=abcdef0123456789")
            assert _signed_in(view) and "等待开始" in view.texts()  # the presenter view, no second sign-in
            out = await first.rerun()
            sign_out = next(e.button.id for e in out.of("button") if e.button.label == "退出登录")
            await first.rerun(widgets=[WidgetState(id=sign_out, trigger_value=True)])
            after_reload = await reload.rerun()  # the other tab's next action
            after_presenter = await presenter.rerun(fragment=presenter.fragments[0]) if presenter.fragments else None
        async with _tab(b, cookie) as again:
            reopened = await again.rerun("about")
        await first.__aexit__(None, None, None)
        return after_reload, after_presenter, reopened

    after_reload, after_presenter, reopened = asyncio.run(scenario())
    assert not _signed_in(after_reload) and "另一个窗口退出登录" in after_reload.texts()
    assert after_presenter is not None and not _signed_in(after_presenter)
    assert not _signed_in(reopened)  # the cookie names an ended session
    events = [(r["event"], r["details"].get("method")) for r in _audit(servers["tmp"]) if r["user"] == "领导乙"]
    assert ("sign_in", "password") in events and ("sign_in", "cookie") in events


@pytest.mark.slow
@pytest.mark.parametrize("how", ["disable", "reset", "signout"])
def test_disable_reset_and_signout_end_the_browser_session(servers, how):
    a, b = servers["ports"]
    name = f"{how}用户"
    auth.add_user(name, "分析", PASSWORD)

    async def scenario():
        first, run = await _sign_in(a, name)
        cookie = _cookie_of(_post(a, f"token={_token(run)}")[1])
        async with _tab(b, cookie) as tab:
            assert _signed_in(await tab.rerun("about"))
            if how == "disable":
                auth.disable_user(name)
            elif how == "reset":
                auth.reset_password(name, "a brand new password 1")
            else:
                auth.end_sessions(name)
            after = await tab.rerun("about")
        async with _tab(b, cookie) as again:
            reopened = await again.rerun("about")
        await first.__aexit__(None, None, None)
        return after, reopened

    after, reopened = asyncio.run(scenario())
    assert not _signed_in(after) and not _signed_in(reopened)


@pytest.mark.slow
def test_a_browser_idle_too_long_is_asked_to_sign_in(servers):
    """No action in any tab for IDLE_TIMEOUT_MIN (30): a reload shows the form, saying why, and ends the record."""
    a, b = servers["ports"]
    auth.add_user("闲置", "分析", PASSWORD)

    async def scenario():
        first, run = await _sign_in(a, "闲置")
        cookie = _cookie_of(_post(a, f"token={_token(run)}")[1])
        await first.__aexit__(None, None, None)
        con = signin_store._connect()
        try:  # the browser's last action 31 minutes ago
            con.execute("UPDATE web_sessions SET seen = seen - 31 * 60 WHERE user = ?", ("闲置",))
        finally:
            con.close()
        async with _tab(b, cookie) as tab:
            reloaded = await tab.rerun("about")
        async with _tab(a, cookie) as tab:
            again = await tab.rerun("about")
        return reloaded, again

    reloaded, again = asyncio.run(scenario())
    assert not _signed_in(reloaded) and "超过30分钟未操作" in reloaded.texts()
    assert not _signed_in(again) and "未操作" not in again.texts()  # ended once, said once
    idle = [r for r in _audit(servers["tmp"]) if r["user"] == "闲置" and r["event"] == "sign_out"]
    assert len(idle) == 1 and idle[0]["details"]["reason"] == "idle"


@pytest.mark.slow
def test_a_forged_or_altered_cookie_is_refused(servers):
    a, b = servers["ports"]

    async def scenario():
        first, run = await _sign_in(a, "分析丙")
        cookie = _cookie_of(_post(a, f"token={_token(run)}")[1])
        version, session_id, signature = cookie.split(".")
        other_secret = session_cookie.sign(session_id, key=b"not the server's secret, 32+ chars long")
        flipped = f"{version}.{session_id}.{signature[:-1]}{'A' if signature[-1] != 'A' else 'B'}"
        runs = {}
        for label, value in (("genuine", cookie), ("altered signature", flipped), ("other secret", other_secret),
                             ("made up", session_cookie.sign("madeup", key=b"y" * 40))):
            async with _tab(b, value) as tab:
                runs[label] = await tab.rerun("about")
        await first.__aexit__(None, None, None)
        return runs

    runs = asyncio.run(scenario())
    assert _signed_in(runs["genuine"])
    for label in ("altered signature", "other secret", "made up"):
        assert not _signed_in(runs[label]), label
    refused = [r for r in _audit(servers["tmp"]) if r["event"] == "sign_in_refused" and r["details"].get("method") == "cookie"]
    assert len(refused) >= 3 and all(r["details"]["reason"] == "bad signature" for r in refused)


@pytest.mark.slow
def test_a_resumed_press_tab_is_not_offered_warnings(servers):
    """app.py builds the navigation from the session's role before the page resumes the browser session: the
    resumed tab runs again, so a press user's new tab never lists 预警 (cases about persons) in its menu."""
    a, b = servers["ports"]
    auth.add_user("宣传丁", "宣传", PASSWORD)

    async def scenario():
        first, run = await _sign_in(a, "宣传丁")
        cookie = _cookie_of(_post(a, f"token={_token(run)}")[1])
        tab = _tab(b, cookie)
        navigations: list[list[str]] = []
        receive = tab.receive

        async def recording():
            fwd = await receive()
            if fwd.WhichOneof("type") == "navigation":
                navigations.append([page.url_pathname for page in fwd.navigation.app_pages  # the menu's
                                    if not page.is_hidden])  # (a typed /warnings is refused by the page)
            return fwd

        tab.receive = recording
        async with tab:
            resumed = await tab.rerun("about")
        await first.__aexit__(None, None, None)
        return resumed, navigations

    resumed, navigations = asyncio.run(scenario())
    assert _signed_in(resumed) and navigations
    assert "warnings" not in navigations[-1] and "about" in navigations[-1], navigations


# ---------------------------------------------------------------- a real browser


def _settle(page) -> None:
    from tests.test_browser import settle

    settle(page)


def _in(page) -> bool:
    return page.get_by_text("已登录：").count() > 0


@pytest.mark.slow
def test_in_a_real_browser(servers):
    """Chromium: sign in once; reload, a new tab, a shared link clicked on another site's page and the presenter
    window are in; the cookie is HttpOnly and SameSite=Strict; 退出登录 in one tab takes the presenter window out
    at its next tick and the other tab at its next action, and the browser no longer holds the cookie."""
    from playwright.sync_api import sync_playwright

    base = f"http://127.0.0.1:{servers['ports'][0]}"
    other_site = servers["tmp"] / "other-site"
    other_site.mkdir()
    (other_site / "index.html").write_text(f'<a id="shared" href="{base}/about?year=2024">分享的链接</a>',
                                           encoding="utf-8")
    handler = lambda *args: http.server.SimpleHTTPRequestHandler(*args, directory=str(other_site))  # noqa: E731
    site = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=site.serve_forever, daemon=True).start()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 900})
            page = context.new_page()
            page.goto(base + "/about")  # light pages: the sign-in is what is tested
            _settle(page)
            page.get_by_label("用户名").fill("浏览器")
            page.get_by_label("密码").fill(PASSWORD)
            page.get_by_role("button", name="登录").click()
            _settle(page)
            assert _in(page)
            cookie = next(c for c in context.cookies() if c["name"] == session_cookie.COOKIE)
            assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["expires"] == -1
            assert page.evaluate("document.cookie").find(session_cookie.COOKIE) == -1  # page scripts never see it

            page.reload()
            _settle(page)
            assert _in(page), "reload"
            tab = context.new_page()
            tab.goto(base + "/about")
            _settle(tab)
            assert _in(tab), "new tab"
            # A shared link clicked on a page of another site (localhost is another site than 127.0.0.1): the page
            # itself is fetched without the Strict cookie, but its websocket is same-site and carries it.
            linked = context.new_page()
            linked.goto(f"http://localhost:{site.server_address[1]}/index.html")
            linked.click("#shared")
            linked.wait_for_url(re.compile(r"127\.0\.0\.1.*about"))
            _settle(linked)
            assert _in(linked), "shared link from another site"

            page.goto(base + "/briefing")
            _settle(page)
            with context.expect_page() as opened:
                page.get_by_text("打开演示者视图").click()
            presenter = opened.value
            presenter.wait_for_selector("text=等待开始", timeout=60_000)  # the presenter view, no second sign-in
            assert presenter.get_by_label("密码").count() == 0

            page.get_by_role("button", name="退出登录").click()
            _settle(page)
            page.get_by_label("密码").wait_for(timeout=30_000)  # the sign-in form, once its run has drawn
            presenter.wait_for_selector("text=另一个窗口退出登录", timeout=30_000)  # its next tick
            presenter.get_by_label("密码").wait_for(timeout=30_000)  # the sign-in form, once its run has drawn
            tab.get_by_role("link", name="汇报").first.click()  # the other tab's next action
            tab.wait_for_selector("text=另一个窗口退出登录", timeout=30_000)
            tab.get_by_label("密码").wait_for(timeout=30_000)  # the sign-in form, once its run has drawn
            _settle(page)
            assert not [c for c in context.cookies() if c["name"] == session_cookie.COOKIE]  # removed
            fresh = context.new_page()
            fresh.goto(base + "/about")
            _settle(fresh)
            fresh.get_by_label("密码").wait_for(timeout=30_000)
            assert not _in(fresh)
        finally:
            browser.close()
            site.shutdown()
