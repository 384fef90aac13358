"""From the attacker's side, against two real dashboard processes (scripts/serve.py, production flags, password
sign-in, one shared sign-in store): raw websockets guessing passwords across sessions and processes; a session
that never signs in sending clear_cache; /_stcore/metrics; an exported file's URL fetched without the session."""

from __future__ import annotations

import asyncio
import json
import math
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

from queries.common import Filters
from queries.db import connect
from queries.report import annual_table
from tests.hostile import TOWNSHIP_NAMES
from tests.test_names_are_data import markdown_problems
from tests.test_serving import PROD, _free_port, _stop, flags
from tests.wsclient import Client, xsrf_cookie
from ui import auth, signin_store

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse 42"
COLLEAGUES = [f"同事{i}" for i in range(10)]
ENDERS = {"signout": "导出甲", "disable": "导出乙", "reset": "导出丙"}  # how a session is ended → whose


def _wait_health(port: int, proc: subprocess.Popen, seconds: float = 90) -> None:
    """Wait until /_stcore/health answers (or the process died)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"serve.py exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"serve.py did not answer on {port}")


@pytest.fixture(scope="module")
def servers(duck_url, tmp_path_factory):
    """Two processes on one users file, audit log and sign-in store; the warehouse is a copy this module may swap."""
    tmp = tmp_path_factory.mktemp("side-doors")
    warehouse = tmp / "county.duckdb"
    shutil.copy(duck_url, warehouse)
    env = {k: v for k, v in os.environ.items() if k not in ("DEMO_MODE", "TRUSTED_PROXIES", "IDLE_TIMEOUT_MIN")}
    env.update(USERS_FILE=str(tmp / "users.yaml"), AUDIT_LOG=str(tmp / "audit.log"), SIGNIN_DB=str(tmp / "signin.sqlite"),
               WAREHOUSE_URL=str(warehouse), BRIEFING_FILE=str(tmp / "briefing.yaml"))
    saved = {k: os.environ.get(k) for k in ("USERS_FILE", "SIGNIN_DB")}
    os.environ.update(USERS_FILE=env["USERS_FILE"], SIGNIN_DB=env["SIGNIN_DB"])
    auth.add_user("分析员", "分析", PASSWORD)
    auth.add_user("目标", "领导", PASSWORD)
    auth.add_user("领导", "领导", PASSWORD)
    first = annual_table(connect(duck_url), 2024, Filters(scope="")).iloc[0]
    town, town_name = str(first["区划代码"]), str(first["名称"])
    auth.add_user("镇干部", "乡镇", PASSWORD, area=town)
    for name in [*COLLEAGUES, "主讲"]:
        auth.add_user(name, "领导", PASSWORD)
    for name in ENDERS.values():
        auth.add_user(name, "分析", PASSWORD)
    ports = [_free_port(), _free_port()]
    procs = [subprocess.Popen([sys.executable, "scripts/serve.py", *flags(PROD), "--server.allowedHosts", "127.0.0.1",
                               "--server.port", str(port)], cwd=ROOT, env=env, stdout=(tmp / f"{port}.log").open("w"),
                              stderr=subprocess.STDOUT) for port in ports]
    try:
        for port, proc in zip(ports, procs, strict=True):
            _wait_health(port, proc)
        yield {"ports": ports, "tmp": tmp, "warehouse": warehouse, "town": town,
               "town_name": town_name}
    finally:
        for proc in procs:
            _stop(proc)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def audit_records(tmp: Path) -> list[dict]:
    """The servers' audit log."""
    path = tmp / "audit.log"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def signed_in(run) -> bool:
    """Whether a run drew the dashboard rather than the sign-in form."""
    return not run.of("text_input") or "密码" not in {e.text_input.label for e in run.of("text_input")}


# ---------------------------------------------------------------- clear_cache from a session that never signed in


def _townships_offered(run) -> list[str]:
    """The sidebar's township options (they come from the cached context of the cached connection)."""
    return [o for e in run.of("selectbox") if e.selectbox.label == "乡镇（街道）" for o in e.selectbox.options]


def test_clear_cache_from_a_session_that_never_signed_in_is_ignored(servers):
    port = servers["ports"][1]

    async def scenario() -> tuple[list[str], list[str]]:
        async with Client(port) as user:
            await user.sign_in("分析员", PASSWORD)
            before = _townships_offered(await user.rerun("", query="year=2024"))
            # (A swapped warehouse file is no longer a witness of a flushed cache: since issue 12 every
            # process reopens a replaced file by itself. The ignored command is shown by the audit line.)
            async with Client(port) as attacker:  # never reruns, never signs in
                msg = BackMsg()
                msg.clear_cache = True
                await attacker.send(msg)
                await attacker.heartbeat()  # the clear_cache has been handled
            after = _townships_offered(await user.rerun("", query="year=2023&cat=2"))
            return before, after

    before, after = asyncio.run(scenario())
    assert before and not set(TOWNSHIP_NAMES) & set(before)
    assert after == before  # the signed-in session goes on working after the attacker's command
    ignored = [r for r in audit_records(servers["tmp"]) if r["event"] == "ignored_command"]
    assert ignored and ignored[-1]["details"]["command"] == "clear_cache"
    assert len(ignored[-1]["session"]) == 16 and ignored[-1]["client"] == "127.0.0.1"  # whose, from where


# ---------------------------------------------------------------- metrics


def test_metrics_endpoint_is_closed(servers):
    for port in servers["ports"]:
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/metrics", timeout=10)
        assert refused.value.code == 404
        assert b"cache" not in refused.value.read()


# ---------------------------------------------------------------- exported files


def test_an_exported_file_is_served_only_to_the_browser_that_made_it(servers):
    port = servers["ports"][0]
    cookie = xsrf_cookie(port)
    assert cookie  # production flags: XSRF protection on

    async def export() -> str:
        async with Client(port, cookie) as user:
            await user.sign_in("分析员", PASSWORD)
            run = await user.rerun("", query="year=2024")
            button = next(e.download_button for e in run.of("download_button") if e.download_button.deferred_file_id)
            url = await user.deferred_download(button.deferred_file_id)
            return url or f"error: {user.last_error} sid={user.session_id}"

    url = asyncio.run(export())
    assert url.startswith("/media/"), url

    def fetch(cookie_value: str | None) -> int:
        request = urllib.request.Request(f"http://127.0.0.1:{port}{url}")
        if cookie_value:
            request.add_header("Cookie", f"_streamlit_xsrf={cookie_value}")
        try:
            with urllib.request.urlopen(request, timeout=20) as response:
                body = response.read()
                assert body[:2] == b"PK"  # an XLSX
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code

    assert fetch(None) == 404  # a leaked URL alone downloads nothing
    assert fetch(xsrf_cookie(port)) == 404  # another browser's cookie neither
    assert fetch(cookie) == 200  # the browser that made it gets it


# ---------------------------------------------------------------- the shared briefing

TITLE = "全县总览 [登录](http://127.0.0.1:9/p) ![](http://127.0.0.1:9/b)"
NOTE = "内部意见 <img src=http://127.0.0.1:9/n.png> ![](http://127.0.0.1:9/n.png)"


def _widget(run, kind: str, label: str) -> str:
    """The id of the widget of this kind whose label starts with `label`."""
    return next(getattr(e, kind).id for e in run.of(kind) if getattr(e, kind).label.startswith(label))


def _table_text(run) -> str:
    """Every cell of every dataframe the run drew (Arrow IPC), as text."""
    import pyarrow as pa

    cells = []
    for element in run.of("dataframe"):
        table = pa.ipc.open_stream(element.dataframe.arrow_data.data).read_all()
        cells += [f"{name}={value}" for name in table.column_names for value in table.column(name).to_pylist()]
    return "\n".join(cells)


def test_a_township_user_cannot_reach_the_leaders_briefing(servers):
    port, town = servers["ports"][0], servers["town"]
    briefing_dir = servers["tmp"]

    async def scenario():
        async with Client(port) as township:
            page = await township.sign_in("镇干部", PASSWORD)
            title, note = _widget(page, "text_input", "本页标题"), _widget(page, "text_area", "讲稿")
            add = _widget(page, "button", "加入汇报脚本")
            added = await township.rerun("", widgets=[WidgetState(id=title, string_value=TITLE),
                                                      WidgetState(id=note, string_value=NOTE),
                                                      WidgetState(id=add, trigger_value=True)])
            own_page = await township.rerun("briefing")
        async with Client(port) as leader:
            await leader.sign_in("领导", PASSWORD)
            page = await leader.rerun("briefing")
            choose = _widget(page, "selectbox", "汇报脚本")
            option = f"{servers['town_name']}的汇报"
            assert option in [o for e in page.of("selectbox") if e.selectbox.id == choose for o in e.selectbox.options]
            chosen = WidgetState(id=choose, string_value=option)
            page = await leader.rerun("briefing", widgets=[chosen])
            go = _widget(page, "button", "开始汇报")
            slide = await leader.rerun("briefing", widgets=[chosen, WidgetState(id=go, trigger_value=True)])
        return added, own_page, page, slide

    added, own_page, leader_list, slide = asyncio.run(scenario())
    assert any("已加入" in e.alert.body for e in added.of("alert"))
    county = (briefing_dir / "briefing.yaml").read_text(encoding="utf-8")
    assert "127.0.0.1:9" not in county and "内部意见" not in county  # the county's script is not theirs
    assert "127.0.0.1:9" in (briefing_dir / f"briefing-{town}.yaml").read_text(encoding="utf-8")
    assert not [e for e in own_page.of("selectbox") if e.selectbox.label == "汇报脚本"]  # no other script offered
    assert "先讲持证残疾人总数" not in _table_text(own_page)  # the county's notes never reach them
    assert "内部意见" not in _table_text(leader_list)  # a leader does not edit a township's script: no notes
    bodies = [(getattr(e, k).body, getattr(getattr(e, k), "allow_html", False)) for k, e in slide.elements
              if hasattr(getattr(e, k), "body")]
    problems = [p for body, allow in bodies for p in markdown_problems(body, allow)]
    assert any("全县总览" in body for body, _ in bodies) and not problems, problems
    assert not [b for b, _ in bodies if "内部意见" in b]
    # The projected slide's subtitle names the area actually on screen (the briefing bar is hidden).
    shown = [b for b, _ in bodies if "<div class='slide-page'>" in b]
    assert shown and servers["town_name"] in shown[0] and "示范县" not in shown[0], shown


# ---------------------------------------------------------------- sessions that end (issue 23, item 5)


def _end(how: str, name: str) -> None:
    """End a user's sessions the way an administrator does (the shared users file and sign-in store)."""
    if how == "signout":
        auth.end_sessions(name)
    elif how == "disable":
        auth.disable_user(name)
    else:
        auth.reset_password(name, "a brand new password 1")


@pytest.mark.parametrize("how", list(ENDERS))
def test_an_ended_session_gets_no_download(servers, how):
    """下载 Excel / 下载初稿 make their file only when asked (a deferred download) and the file is then served
    from /media/: after the session ended neither serves anything."""
    port, name = servers["ports"][0], ENDERS[how]
    cookie = xsrf_cookie(port)

    async def scenario() -> tuple[str, str, str]:
        async with Client(port, cookie) as user:
            await user.sign_in(name, PASSWORD)
            run = await user.rerun("", query="year=2024")
            buttons = {e.download_button.label: e.download_button.deferred_file_id for e in run.of("download_button")
                       if e.download_button.deferred_file_id}
            assert {"下载 Excel（内部版）", "下载初稿（内部版）"} <= set(buttons), buttons
            url = await user.deferred_download(buttons["下载 Excel（内部版）"])
            assert url.startswith("/media/"), user.last_error
            assert _fetch(port, url, cookie) == 200  # while signed in
            _end(how, name)
            after = await user.deferred_download(buttons["下载初稿（内部版）"], "r2")
            return url, after, user.last_error

    url, after, error = asyncio.run(scenario())
    assert after == "" and "登录已失效" in error  # the draft is not made
    assert _fetch(port, url, cookie) == 404  # the Excel file made before is no longer served
    records = audit_records(servers["tmp"])
    export = [r for r in records if r["event"] == "export" and r["user"] == name]
    ignored = [r for r in records if r["event"] == "ignored_command" and r["user"] == name]
    assert len(export) == 1 and ignored and ignored[-1]["details"]["command"] == "backend_operation_request"
    for record in (export[0], ignored[-1]):  # both written outside a page run, both say whose session and where
        assert len(record["session"]) == 16 and record["client"] == "127.0.0.1", record
    assert export[0]["session"] == ignored[-1]["session"]


def _fetch(port: int, url: str, cookie: str) -> int:
    """GET a /media/ URL with the browser's cookie: the status."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}{url}", headers={"Cookie": f"_streamlit_xsrf={cookie}"})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def _notes(servers) -> tuple[str, str]:
    """The speaker notes of the county script's first two slides (the servers' script, as started)."""
    from ui import briefing

    path = servers["tmp"] / "briefing.yaml"
    script, _ = briefing.load(path if path.exists() else briefing.EXAMPLE)  # the servers start it from the example
    assert len(script.slides) >= 2 and script.slides[0].note and script.slides[1].note
    return script.slides[0].note, script.slides[1].note


def _live(servers, live_id: str) -> dict | None:
    """A playing's state file as the servers keep it (None once ended)."""
    path = servers["tmp"] / f".live-{live_id}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


async def _start_briefing(port: int) -> tuple[Client, str]:
    """主讲 signs in on one process and starts the county's briefing (projector mode): (that tab, playing id)."""
    projector = Client(port)
    await projector.__aenter__()
    await projector.sign_in("主讲", PASSWORD)
    page = await projector.rerun("briefing")
    link = next(e.link_button.url for e in page.of("link_button") if "presenter=" in e.link_button.url)
    await projector.rerun("briefing", widgets=[WidgetState(id=_widget(page, "button", "开始汇报"), trigger_value=True)])
    return projector, link.split("presenter=", 1)[1]


async def _open_presenter(port: int, live_id: str) -> tuple[Client, object]:
    """主讲's presenter view of that playing on the other process: (that tab, what it drew)."""
    presenter = Client(port)
    await presenter.__aenter__()
    await presenter.sign_in("主讲", PASSWORD)
    return presenter, await presenter.rerun("briefing", query=f"presenter={live_id}")


def test_an_ended_session_reaches_the_presenter_view(servers):
    """The presenter view is a fragment that reruns every second without the page: once the session has ended
    (here: 退出全部设备 of the same account elsewhere) it shows no note and its 下一页 turns nothing."""
    a, b = servers["ports"]
    first, second = _notes(servers)

    async def scenario():
        projector, live_id = await _start_briefing(a)
        presenter, view = await _open_presenter(b, live_id)
        try:
            assert first in view.texts() and presenter.fragments, view.texts()
            body = presenter.fragments[0]
            ticking = await presenter.rerun(fragment=body)  # the fragment's timer
            assert first in ticking.texts()
            auth.end_sessions("主讲")  # e.g. 退出全部设备 on another computer, or `ui.users signout 主讲`
            after_timer = await presenter.rerun(fragment=body)
            pressed = await presenter.rerun(fragment=body, widgets=[
                WidgetState(id=_widget(view, "button", "下一页"), trigger_value=True)])
            return live_id, after_timer, pressed
        finally:
            await presenter.__aexit__(None, None, None)
            await projector.__aexit__(None, None, None)

    live_id, after_timer, pressed = asyncio.run(scenario())
    for run in (after_timer, pressed):
        assert first not in run.texts() and second not in run.texts()
        assert not signed_in(run)  # the sign-in form instead, saying why
    assert "登录已失效" in after_timer.texts()
    assert _live(servers, live_id)["at"] == 0  # 下一页 did not turn the live presentation


def test_signing_out_of_the_projected_page_ends_its_presenter_view(servers):
    """退出登录 on the projecting computer ends the playing: the presenter view (another window, another
    process) stops showing the notes and its 下一页 is gone."""
    a, b = servers["ports"]
    first, _ = _notes(servers)

    async def scenario():
        projector, live_id = await _start_briefing(a)
        presenter, view = await _open_presenter(b, live_id)
        try:
            assert first in view.texts() and _live(servers, live_id) is not None
            slide = await projector.rerun()
            await projector.rerun(widgets=[WidgetState(id=_widget(slide, "button", "退出登录"), trigger_value=True)])
            return live_id, await presenter.rerun(fragment=presenter.fragments[0])
        finally:
            await presenter.__aexit__(None, None, None)
            await projector.__aexit__(None, None, None)

    live_id, after = asyncio.run(scenario())
    assert _live(servers, live_id) is None
    assert first not in after.texts() and "等待开始" in after.texts()
    assert not [e for e in after.of("button") if "下一页" in e.button.label]


# ---------------------------------------------------------------- addresses (issue 23, items 6 and 10)


def test_ten_colleagues_behind_one_address_sign_in_at_once(servers):
    """One office address (127.0.0.1), two processes, ten right passwords submitted at the same moment."""
    ports = servers["ports"]

    async def colleague(i: int, ready: list[int], go: asyncio.Event) -> object:
        async with Client(ports[i % 2]) as tab:
            form = await tab.rerun("about")  # a light page: the sign-in is what is measured
            inputs = {e.text_input.label: e.text_input.id for e in form.of("text_input")}
            submit = next(e.button.id for e in form.of("button") if e.button.is_form_submitter)
            ready.append(i)
            if len(ready) == len(COLLEAGUES):  # the last form is open: everyone submits now
                go.set()
            await go.wait()
            return await tab.rerun("about", widgets=[WidgetState(id=inputs["用户名"], string_value=COLLEAGUES[i]),
                                                WidgetState(id=inputs["密码"], string_value=PASSWORD),
                                                WidgetState(id=submit, trigger_value=True)])

    async def scenario():
        ready: list[int] = []
        go = asyncio.Event()
        return await asyncio.gather(*(colleague(i, ready, go) for i in range(len(COLLEAGUES))))

    runs = asyncio.run(scenario())
    refused = [COLLEAGUES[i] for i, run in enumerate(runs) if not signed_in(run)]
    assert not refused, refused
    assert signin_store.address_failures("127.0.0.1") < signin_store.CLIENT_FREE


def test_x_forwarded_for_is_not_believed_from_loopback(servers):
    """No TRUSTED_PROXIES: a client on 127.0.0.1 naming another address in X-Forwarded-For is logged, and
    counted by the sign-in limit, as 127.0.0.1 (uvicorn alone would have believed the header)."""
    async def scenario():
        async with Client(servers["ports"][0], headers={"X-Forwarded-For": "203.0.113.9"}) as tab:
            await tab.sign_in("分析员", "not the password")

    asyncio.run(scenario())
    failed = [r for r in audit_records(servers["tmp"]) if r["event"] == "sign_in_failed"]
    assert failed[-1]["client"] == "127.0.0.1", failed[-1]
    assert signin_store.address_failures("203.0.113.9") == 0


# ---------------------------------------------------------------- guessing (last: it leaves 127.0.0.1 slowed)


async def _guess(port: int, guesses: int) -> list[str]:
    """One attacker tab: wrong passwords for 目标, as fast as the server answers; the error shown each time."""
    errors = []
    async with Client(port) as tab:
        for i in range(guesses):
            run = await tab.sign_in("目标", f"wrong guess {i}")
            errors.append(" ".join(e.alert.body for e in run.of("alert")))
    return errors


def test_guessing_from_ten_sessions_on_two_processes_is_slowed_and_the_right_password_refused(servers):
    ports = servers["ports"]

    async def right_password_once_throttled() -> object:
        """The owner's own tab, form already open, signs in the moment the store has counted FREE attempts
        (the next one must wait ≥ 1 s): whatever the machine's speed, this lands inside the wait."""
        async with Client(ports[0]) as tab:
            form = await tab.rerun("")
            inputs = {e.text_input.label: e.text_input.id for e in form.of("text_input")}
            submit = next(e.button.id for e in form.of("button") if e.button.is_form_submitter)
            while signin_store.attempts("目标") < signin_store.FREE:
                await asyncio.sleep(0.005)
            return await tab.rerun("", widgets=[WidgetState(id=inputs["用户名"], string_value="目标"),
                                                WidgetState(id=inputs["密码"], string_value=PASSWORD),
                                                WidgetState(id=submit, trigger_value=True)])

    async def attack():
        right = asyncio.create_task(right_password_once_throttled())
        results = await asyncio.gather(*(_guess(ports[i % 2], 3) for i in range(10)))
        return [e for r in results for e in r], await right

    start = time.monotonic()
    errors, right = asyncio.run(attack())
    elapsed = time.monotonic() - start
    assert len(errors) == 30
    refused = [e for e in errors if "频繁" in e or "锁定" in e]
    checked = [r for r in audit_records(servers["tmp"]) if r["event"] == "sign_in_failed" and r["user"] == "目标"]
    # The store counts each attempt before checking it: from 30 parallel guesses only the first few are checked —
    # FREE at once, then one after each delay that has passed (1 s, then 2 s more, …) on a slow machine.
    assert len(checked) <= signin_store.FREE + 1 + int(math.log2(elapsed + 1)), (len(checked), elapsed)
    assert len(refused) >= 30 - len(checked)
    assert not signed_in(right)  # during the attack, even the right password waits
    assert any("频繁" in e.alert.body or "锁定" in e.alert.body for e in right.of("alert"))
    refusals = [r for r in audit_records(servers["tmp"]) if r["event"] == "sign_in_refused"]
    assert refusals and all(r["session"] and r["client"] == "127.0.0.1" for r in refusals)
    print(f"30 guesses from 10 sessions on 2 processes: {time.monotonic() - start:.1f} s, {len(checked)} checked")


def test_command_rules():
    from ui.server_guard import command_allowed

    analyst, township = auth.User("甲", "analyst"), auth.User("乙", "township", "990101002000")
    assert not command_allowed("clear_cache", None) and not command_allowed("backend_operation_request", None)
    assert command_allowed("rerun_script", None) and command_allowed("app_heartbeat", None)  # the sign-in form
    assert command_allowed("clear_cache", analyst) and not command_allowed("clear_cache", township)
    assert not command_allowed("clear_cache", auth.DEMO_USER)
    assert command_allowed("backend_operation_request", township)  # a signed-in user's own downloads
