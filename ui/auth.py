"""The Streamlit sign-in gate: who is signed in in this session, until when, and the sign-in page (users file
or the office's identity provider). The accounts themselves are ui/accounts.py, the identity provider's
claims ui/oidc_claims.py; their names are re-exported here for the pages and tests that ask `auth.X`.
Streamlit is imported only inside the gate functions.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from typing import Any

from ui import session_cookie, signin_store
from ui.accounts import (  # re-exported: auth.User, auth.add_user, …  # the sign-in page checks that the users file reads
    _UNREADABLE,
    AREA,
    DEFAULT_USERS,
    DEMO_NAME,
    DEMO_USER,
    FIRST_USER_COMMAND,
    MAX_NAME,
    MIN_PASSWORD,
    ROLE_SCOPE,
    ROLES,
    ROOT,
    User,
    UserError,
    _load,
    add_user,
    check_area,
    check_area_known,
    check_name,
    check_password,
    current_record,
    disable_user,
    enable_user,
    end_sessions,
    has_users,
    is_user,
    list_users,
    parse_role,
    reset_password,
    set_disabled,
    users_path,
    verify,
    warehouse_townships,
)
from ui.audit import UNKNOWN_USER, audit
from ui.oidc_claims import (  # re-exported: auth.user_or_refusal, auth.NO_ROLE, …
    DEFAULT_OIDC_MAX_AGE_HOURS,
    NO_AREA,
    NO_NAME,
    NO_ROLE,
    Refusal,
    claim,
    identity_is_fresh,
    role_map,
    role_of,
    unknown_area,
    user_from_claims,
    user_or_refusal,
)

SESSION_KEY = "auth_user"
GEN_KEY = SESSION_KEY + "_generation"  # the user's session generation when this session signed in
SEEN_KEY = SESSION_KEY + "_seen"  # the session's last action (time.time())
WEB_KEY = SESSION_KEY + "_web"  # the browser session (ui/session_cookie.py) this session belongs to: its record key
HANDOFF_KEY = SESSION_KEY + "_handoff"  # the one-time token the page still has to exchange for the cookie
TOUCHED_KEY = SESSION_KEY + "_touched"  # when this session last wrote the browser session's last action
CLEAR_COOKIE_KEY = SESSION_KEY + "_clear_cookie"  # signed out: the sign-in form removes the cookie
SIGNIN_ERROR_KEY = "signin_error"  # a refused sign-in's words, said under the form
DEFAULT_CONTACT = "县残联负责驾驶舱的管理员"


# ---------------------------------------------------------------- the Streamlit gate


def idle_timeout_s() -> float:
    """Idle time after which a session is signed out: env IDLE_TIMEOUT_MIN (default 30 minutes; 0 = never)."""
    try:
        return float(os.environ.get("IDLE_TIMEOUT_MIN") or 30) * 60
    except ValueError:
        return 1800.0


def demo_mode() -> bool:
    """The public demo: env DEMO_MODE=1."""
    return os.environ.get("DEMO_MODE", "").strip().lower() in ("1", "true", "yes", "on")


def _oidc_configured() -> bool:
    """Whether st.secrets has an [auth] section (Streamlit's OIDC sign-in)."""
    import streamlit as st

    try:
        return bool(st.secrets.load_if_toml_exists()) and "auth" in st.secrets
    except Exception:  # a broken secrets file must not take the sign-in page down
        return False


def _signed_in(user: User, source: str, web: session_cookie.Record | None = None) -> User:
    """Keep the user in the session and audit the sign-in. A password sign-in starts a browser session (its
    record, and a one-time token the page exchanges for the HttpOnly cookie); `web`: the browser session this
    new tab or reload resumed from its cookie."""
    import streamlit as st

    st.session_state[SESSION_KEY] = user
    st.session_state[SOURCE_KEY] = source
    st.session_state.pop(ENDED_KEY, None)
    st.session_state.pop(CLEAR_COOKIE_KEY, None)
    now = time.time()
    st.session_state[GEN_KEY] = web.generation if web else signin_store.generation(user.name) if source != "demo" else 0
    st.session_state[SEEN_KEY] = now
    if web is not None:
        st.session_state[WEB_KEY], st.session_state[TOUCHED_KEY] = web.key, now
    elif source == "password":
        try:
            key, token = session_cookie.create(user.name, user.role, user.area, st.session_state[GEN_KEY], now)
        except (OSError, ValueError) as exc:  # no secret (e.g. var/ not writable): signed in in this tab only
            _log_cookie_problem(exc)
        else:
            st.session_state[WEB_KEY], st.session_state[HANDOFF_KEY], st.session_state[TOUCHED_KEY] = key, token, now
    audit("sign_in", user.name, role=user.role, area=user.area, method="cookie" if web else source)
    return user


def _log_cookie_problem(exc: Exception) -> None:
    import logging

    logging.getLogger("canlian.auth").warning("browser session not kept (%s): sign-in holds in this tab only", exc)


SOURCE_KEY = SESSION_KEY + "_source"
ENDED_KEY = SESSION_KEY + "_ended"  # why the session's sign-in just ended: said above the sign-in form
LIVE_KEY = "briefing_live"  # ui.briefing_ui's playing of this session (ended with the session)
ENDED_MESSAGES = {
    "account changed or disabled": "您的账号已停用或角色、乡镇已变更，请重新登录。",
    "sessions ended (reset, disable or sign-out everywhere)":
        "您的登录已失效（密码已重设、账号已停用或已在其他设备“退出全部设备”），请重新登录。",
    "signed out": "您已在本浏览器的另一个窗口退出登录，请重新登录。",
    "expired": "登录已超过规定时长，请重新登录。",
}


def _forget() -> None:
    """Drop the session's user, and end the briefing this session was playing (the presenter view following
    it stops showing the notes, and its 下一页 turns nothing)."""
    import streamlit as st

    live = st.session_state.get(LIVE_KEY)
    if live:
        from ui import briefing

        briefing.live_end(str(live))
    for key in (SESSION_KEY, SOURCE_KEY, GEN_KEY, SEEN_KEY, WEB_KEY, HANDOFF_KEY, TOUCHED_KEY):
        st.session_state.pop(key, None)


def ended_reason(state: Any, now: float | None = None) -> str:
    """Why a session's sign-in no longer holds ('' while it does), from its session state alone — so the
    server can ask it outside a page run too (a deferred download, an exported file; ui/server_guard.py):
    no user; a file user disabled, removed or with another role or area; the user's sessions ended (reset,
    disable, 退出全部设备: the generation moved on); its browser session ended (退出登录 in another tab of the
    browser) or too old (SESSION_MAX_HOURS); idle longer than IDLE_TIMEOUT_MIN — without an action in any tab
    of its browser session. The public demo's user never ends. (An OIDC sign-out clears the user from the
    session, see `_session_user`.)"""
    user = state[SESSION_KEY] if SESSION_KEY in state else None
    if not isinstance(user, User):
        return "not signed in"
    source = state[SOURCE_KEY] if SOURCE_KEY in state else None
    if source == "demo":
        return ""
    if source == "password":
        record = current_record(user)
        if record is None or record.disabled or (record.role, record.area) != (user.role, user.area):
            return "account changed or disabled"
    if signin_store.generation(user.name) != (state[GEN_KEY] if GEN_KEY in state else 0):
        return "sessions ended (reset, disable or sign-out everywhere)"
    seen, idle = state[SEEN_KEY] if SEEN_KEY in state else None, idle_timeout_s()
    now = time.time() if now is None else now
    web = state[WEB_KEY] if WEB_KEY in state else None
    if web:
        record = session_cookie.record(web)
        if record is None or record.ended:
            return "signed out"
        if now - record.created > session_cookie.max_age_s():
            return "expired"
        seen = max(seen or 0.0, record.seen)  # an action in another tab of the browser counts too
    if idle > 0 and seen is not None and now - seen > idle:
        return "idle"
    return ""


def _end(user: User, reason: str, now: float) -> None:
    """End the session's sign-in: audit why, forget the user, keep the words for the sign-in form."""
    import streamlit as st

    if reason == "idle":
        seen = st.session_state.get(SEEN_KEY) or now
        audit("sign_out", user.name, reason="idle", idle_minutes=round((now - seen) / 60))
        message = f"超过{idle_timeout_s() / 60:.0f}分钟未操作，已自动退出登录，请重新登录。"
    else:
        audit("sign_out", user.name, reason=reason)
        message = ENDED_MESSAGES.get(reason, "")
    session_cookie.end(st.session_state.get(WEB_KEY), now)  # no tab or reload of this browser comes back in
    _forget()
    if message:
        st.session_state[ENDED_KEY] = message


def _session_user(touch: bool = True) -> User | None:
    """The session's user if still valid: OIDC still logged in, a file user still enabled with the same role,
    sessions not ended, not idle. `touch`: this run is the user's action (not a fragment's timer)."""
    import streamlit as st

    user = st.session_state.get(SESSION_KEY)
    if not isinstance(user, User):
        return None
    if st.session_state.get(SOURCE_KEY) == "oidc" and not st.user.is_logged_in:
        _forget()
        return None
    now = time.time()
    reason = ended_reason(st.session_state, now)
    if reason:
        _end(user, reason, now)
        return None
    if touch:
        _touch(now)
    return user


def _touch(now: float) -> None:
    """An action: this session's idle clock, and (at most every TOUCH_EVERY_S) its browser session's."""
    import streamlit as st

    st.session_state[SEEN_KEY] = now
    web = st.session_state.get(WEB_KEY)
    every = min(session_cookie.TOUCH_EVERY_S, idle_timeout_s() / 10 or session_cookie.TOUCH_EVERY_S)
    if web and now - st.session_state.get(TOUCHED_KEY, 0.0) >= every:
        st.session_state[TOUCHED_KEY] = now
        session_cookie.touch(web, now)


def fragment_user() -> User:
    """The first call of every `st.fragment` body: a fragment reruns without the page (every second, or on its
    own buttons), so without `require_user`. While the session's sign-in holds, its user (a fragment's timer is
    not an action: the idle clock goes on); once it has ended, the whole page reruns — to the sign-in form,
    saying why — and nothing of the fragment is drawn or done."""
    import streamlit as st

    if demo_mode():
        user = st.session_state.get(SESSION_KEY)
        return user if isinstance(user, User) else DEMO_USER
    user = _session_user(touch=False)
    if user is None:
        st.rerun()  # the app, not the fragment
    return user


def touch() -> None:
    """A fragment's own button was pressed: that is an action (the idle clock starts again)."""
    import streamlit as st

    if SEEN_KEY in st.session_state:
        _touch(time.time())


def _demo_user() -> User:
    """The public demo's read-only analyst, with a banner saying so."""
    import streamlit as st

    # In a container of its own: a projector slide hides it (ui.page.PRESENT_CSS).
    st.container(key="demo_banner").info(f"演示模式：已以只读分析员“{DEMO_NAME}”身份登录（仅供演示）。")
    if st.session_state.get(SESSION_KEY) != DEMO_USER:
        _signed_in(DEMO_USER, "demo")
    return DEMO_USER


OIDC_REFUSED_KEY = "oidc_refused"


def _known_townships() -> dict[str, str]:
    """The warehouse's townships by code. An unreadable warehouse raises: the app's failure page says why,
    since neither admitting nor refusing an area that cannot be checked would be right."""
    from ui import data

    return data.context("").townships


def _oidc_refused(claims: Mapping[str, Any], refusal: Refusal) -> None:
    """Say why the provider's account gets no dashboard role, audit it once per session, offer sign-out."""
    import streamlit as st

    if st.session_state.get(OIDC_REFUSED_KEY) != refusal.reason:  # once per session, not on every rerun
        st.session_state[OIDC_REFUSED_KEY] = refusal.reason
        who = next((str(claims[k]) for k in ("preferred_username", "email", "name", "sub") if claims.get(k)), "")
        audit("sign_in_failed", who, method="oidc", reason=refusal.reason, sub=str(claims.get("sub") or ""),
              role_claim=claim(claims, os.environ.get("OIDC_ROLE_CLAIM") or "role"),
              area_claim=claim(claims, os.environ.get("OIDC_AREA_CLAIM") or "area"))
    st.title("残联数据驾驶舱")
    st.error(refusal.message)
    st.caption("退出后可换用其他账号登录。")
    if st.button("退出登录", key="oidc_logout"):
        st.logout()  # Streamlit also ends the provider's session through its end_session_endpoint
    st.stop()


def _oidc_user() -> User:
    """Sign in through the office's identity provider and map its claims to a role and area."""
    import streamlit as st

    if not st.user.is_logged_in:
        st.title("残联数据驾驶舱")
        st.write("请使用单位统一身份认证登录。")
        if st.button("登录", key="oidc_login", type="primary"):
            st.login(os.environ.get("OIDC_PROVIDER") or None)
        st.stop()
    claims = st.user.to_dict()
    if not identity_is_fresh(claims):
        st.title("残联数据驾驶舱")
        st.info("统一身份认证的登录已超过规定时长，请重新登录，以便按您当前的角色和乡镇显示。")
        if st.button("重新登录", key="oidc_relogin", type="primary"):
            st.login(os.environ.get("OIDC_PROVIDER") or None)
        st.stop()
    try:
        user = user_or_refusal(claims)
    except UserError as exc:  # a bad OIDC_ROLE_MAP: the administrator's to fix, said plainly
        st.error(f"服务器设置 OIDC_ROLE_MAP 有误，暂时无法登录，请联系管理员。{exc}")
        st.stop()
        raise AssertionError("unreachable") from exc
    if isinstance(user, User) and user.role == "township" and user.area not in _known_townships():
        user = unknown_area(user.area)
    if isinstance(user, Refusal):
        _oidc_refused(claims, user)
        raise AssertionError("unreachable")  # st.stop() raises
    st.session_state.pop(OIDC_REFUSED_KEY, None)
    return _signed_in(user, "oidc")


def _password_user() -> User:
    """The username/password form; explains how to add the first user when there is none."""
    import streamlit as st

    st.title("残联数据驾驶舱")
    try:
        _load(users_path())
    except _UNREADABLE as exc:
        st.error(f"用户文件 `{users_path()}` 无法读取（{type(exc).__name__}），暂时无法登录。请管理员检查该文件。")
        st.stop()
    if not has_users():
        st.warning("尚未创建任何用户，无法登录。")
        st.markdown(f"请管理员在服务器上的项目目录中运行以下命令添加第一个用户（按提示输入密码），然后刷新本页：\n\n"
                    f"```bash\n{FIRST_USER_COMMAND}\n```\n\n"
                    f"角色可选：领导、分析、乡镇（需 `--area` 12位乡镇代码）、宣传。用户文件：`{users_path()}`。")
        st.stop()
    if st.session_state.pop(CLEAR_COOKIE_KEY, False):  # signed out: this browser forgets its session cookie
        _cookie_script("clear=1")
    with st.form("signin", clear_on_submit=False):  # a refused attempt keeps the name (the callback empties the password)
        st.text_input("用户名", key="signin_name", max_chars=MAX_NAME)
        st.text_input("密码", type="password", key="signin_password", max_chars=256)
        st.form_submit_button("登录", type="primary", on_click=_submit)
    if error := st.session_state.pop(SIGNIN_ERROR_KEY, None):
        st.error(error)
    st.caption(forgotten_text())
    st.stop()
    raise AssertionError("unreachable")  # st.stop() raises; keeps type checkers honest


def contact() -> str:
    """Whom to ask for a forgotten password: env SIGNIN_CONTACT (e.g. '县残联办公室 王老师，电话 1234567')."""
    return " ".join((os.environ.get("SIGNIN_CONTACT") or DEFAULT_CONTACT).split())[:120]


def forgotten_text() -> str:
    """Under the sign-in form: what to do when the password is forgotten (plain text: the contact is config)."""
    from ui.labels import md_escape

    return f"忘记密码或账号被锁定，请联系{md_escape(contact())}重设密码或解锁。"


def _submit() -> None:
    """The form's callback (it runs before the page): try the name and password; a refusal keeps the name in the
    form, empties the password and leaves its words for under the form."""
    import streamlit as st

    name, password = str(st.session_state.get("signin_name") or ""), str(st.session_state.get("signin_password") or "")
    st.session_state["signin_password"] = ""
    error = _password_attempt(name.strip(), password)
    if error:
        st.session_state[SIGNIN_ERROR_KEY] = error
    else:
        st.session_state.pop("signin_name", None)


def _password_attempt(name: str, password: str) -> str:
    """One sign-in attempt, counted in the shared store first: refused while the account or the address
    must wait or is locked; a wrong password is a failure of the address; audited under the user's name, or
    as unknown (never the typed text). The words of a refusal ('' when signed in)."""
    from ui.audit import session_context

    if not name or not password:
        return "请输入用户名和密码。"
    who = name if is_user(name) else UNKNOWN_USER
    client = session_context()[1]
    verdict = signin_store.begin(name, client)
    if not verdict.allowed:
        audit("sign_in_refused", who, method="password", reason=verdict.reason, wait_s=round(verdict.wait_s))
        if verdict.reason == "locked":
            return (f"尝试次数过多，该账号或本机地址已暂时锁定，请{max(1, round(verdict.wait_s / 60))}分钟后再试，"
                    "或请管理员解锁。")
        return f"尝试过于频繁，请{max(1, round(verdict.wait_s))}秒后再试。"
    user = None
    try:
        user = verify(name, password)
    finally:
        if user is None:  # a wrong password (or a check that failed) is a failure of the address
            signin_store.failed(client, verdict.ticket)
    if user is None:
        audit("sign_in_failed", who, method="password")
        return "用户名或密码不正确，或账号已停用。"
    signin_store.succeeded(name, client, verdict.ticket)
    _signed_in(user, "password")
    return ""


def _cookie_script(body: str) -> None:
    """Post `body` to the session route from this page (same origin, so the browser keeps or drops the HttpOnly
    cookie the answer sets). Hidden: it draws nothing."""
    import json

    import streamlit as st
    from streamlit import config

    base = str(config.get_option("server.baseUrlPath") or "").strip("/")
    url = "/" + "/".join(p for p in (base, session_cookie.ROUTE.strip("/")) if p)
    st.html("<style>[data-testid=stLayoutWrapper]:has(> .st-key-canlian_session_cookie), .st-key-canlian_session_cookie"
            "{display:none}</style>")  # no gap either (the wrapper would keep the column's spacing)
    st.container(key="canlian_session_cookie").html(
        f"<script>fetch({json.dumps(url)}, {{method: 'POST', credentials: 'same-origin', cache: 'no-store', "
        f"headers: {{'Content-Type': 'application/x-www-form-urlencoded'}}, body: {json.dumps(body)}}})"
        f".catch(function () {{}});</script>", unsafe_allow_javascript=True)


def _hand_over_cookie() -> None:
    """Right after a password sign-in: the page exchanges the one-time token for the session cookie (asked again
    on each run until it has been exchanged or has expired)."""
    import streamlit as st

    token = st.session_state.get(HANDOFF_KEY)
    if not token:
        return
    if session_cookie.pending(token):
        _cookie_script(f"token={token}")
    else:
        st.session_state.pop(HANDOFF_KEY, None)


REFUSED_COOKIE_KEY = SESSION_KEY + "_cookie_refused"


def _cookie_user() -> User | None:
    """A new tab, a reload or the presenter window: the browser session its cookie names, while it holds (signed
    cookie, record not ended, same generation, not idle, not too old, the account unchanged). Otherwise None
    (the form), with the reason said when the browser session has just run out."""
    import streamlit as st

    value = st.context.cookies.get(session_cookie.COOKIE)
    if not isinstance(value, str) or not value:  # (AppTest's context is a mock)
        return None
    try:
        session_id = session_cookie.verify(value)
    except (OSError, ValueError) as exc:
        _log_cookie_problem(exc)
        return None
    if session_id is None:  # forged or altered: refused, audited once per session
        if not st.session_state.get(REFUSED_COOKIE_KEY):
            st.session_state[REFUSED_COOKIE_KEY] = True
            audit("sign_in_refused", UNKNOWN_USER, method="cookie", reason="bad signature")
        return None
    record = session_cookie.record(session_cookie.record_key(session_id))
    if record is None:
        return None
    why = session_cookie.why_ended(record, signin_store.generation(record.user), idle_timeout_s())
    user = User(record.user, record.role, record.area)
    if not why:
        current = current_record(user)
        if current is None or current.disabled or (current.role, current.area) != (user.role, user.area):
            why = "account changed or disabled"
    if why:
        if not record.ended:  # it ran out just now: end it, say why (once; a later tab finds it ended)
            session_cookie.end(record.key)
            audit("sign_out", user.name, reason=why, method="cookie")
            if why == "idle":
                st.info(f"超过{idle_timeout_s() / 60:.0f}分钟未操作，已自动退出登录，请重新登录。")
            elif why in ENDED_MESSAGES:
                st.info(ENDED_MESSAGES[why])
        return None
    return _signed_in(user, "password", web=record)


def require_user() -> User:
    """The signed-in user; otherwise draw the sign-in (demo, OIDC or password form) and st.stop()."""
    if demo_mode():
        return _demo_user()
    user = _session_user()
    if user is not None:
        _hand_over_cookie()
        return user
    import streamlit as st

    ended = st.session_state.pop(ENDED_KEY, None)
    if ended:
        st.info(ended)
    if _oidc_configured():
        return _oidc_user()
    if not ended and _cookie_user() is not None:
        st.rerun()  # app.py again, now with the user (its navigation depends on the role)
    return _password_user()


def sign_out_button() -> None:
    """Sidebar: who is signed in, and 退出登录 (not in demo mode)."""
    import streamlit as st

    user = st.session_state.get(SESSION_KEY)
    if not isinstance(user, User):
        return
    area = f"，{user.area}" if user.area else ""
    # The name comes from the users file or the provider's `name` claim: plain text, never Markdown (a
    # name like "![](http://…)" or "www.…" would otherwise be an image to fetch or a link).
    st.sidebar.text(f"已登录：{user.name}（{user.role_label}{area}）")
    if user.read_only and demo_mode():
        return
    if st.sidebar.button("退出登录", key="sign_out"):
        source = st.session_state.get(SOURCE_KEY)
        audit("sign_out", user.name, method=source)
        session_cookie.end(st.session_state.get(WEB_KEY))  # every tab of this browser, the presenter window too
        _forget()
        st.session_state[CLEAR_COOKIE_KEY] = source == "password"
        if source == "oidc":
            # st.logout clears st.user and sends the browser to /auth/logout, which redirects to the provider's
            # end_session_endpoint (its session ends too). Stop, not rerun: a rerun drops that redirect.
            st.logout()
            st.stop()
        st.rerun()
    if st.sidebar.button("退出全部设备", key="sign_out_all", help="结束本账号在所有浏览器和设备上的登录"):
        source = st.session_state.get(SOURCE_KEY)
        end_sessions(user.name)
        audit("sign_out_all", user.name, method=source)
        _forget()
        st.session_state[CLEAR_COOKIE_KEY] = source == "password"
        if source == "oidc":
            st.logout()
        st.rerun()


# ---------------------------------------------------------------- any session, by the server


def session_user(app_session: Any) -> Any:
    """The signed-in user of an AppSession (ui.auth's session key) while that sign-in holds, or None: a session
    whose sign-in has ended (reset, disable, 退出全部设备, idle — ui.ended_reason) counts as not signed in,
    before its page has rerun to say so."""
    try:
        state = app_session._session_state
        user = state[SESSION_KEY] if SESSION_KEY in state else None
        if not isinstance(user, User) or ended_reason(state):
            return None
    except Exception:
        return None
    return user


def session_user_of(session_id: str | None) -> Any:
    """`session_user` of a session by its id, connected or kept after its websocket closed (None once gone)."""
    from streamlit.runtime import Runtime

    if not session_id:
        return None
    try:
        info = Runtime.instance()._session_mgr.get_session_info(session_id)
    except Exception:
        return None
    return session_user(info.session) if info is not None else None


def session_ended(session_id: str | None) -> bool:
    """Whether the server knows this session and says its sign-in no longer holds (reset, disable, sign-out, idle).
    A session the server does not know (AppTest, the command line) has nothing to ask; a request from a closed
    session is refused before it gets here (ui/server_guard.py)."""
    from streamlit.runtime import Runtime

    if not session_id or not Runtime.exists():
        return False
    try:
        info = Runtime.instance()._session_mgr.get_session_info(session_id)
    except Exception:
        return False
    return info is not None and session_user(info.session) is None
