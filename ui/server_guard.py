"""Closes four side doors of Streamlit 1.67's server and serves the session cookie; `scripts/serve.py` calls
`install()` before it starts.

Streamlit has no setting for any of them, so each is a small patch of its runtime, checked by
tests/test_side_doors.py against a running server:

1. **Client commands from sessions that have not signed in** (or whose sign-in has ended: reset, disable,
   退出登录, 退出全部设备, idle — `ui.auth.ended_reason`, asked before the page has rerun). Any websocket may
   send `clear_cache` (it empties `st.cache_data` and `st.cache_resource` for every user), `set_run_on_save`,
   `load_git_info`, `file_urls_request` or `backend_operation_request` (deferred downloads: 下载 Excel, 下载初稿
   make their file only then). They are ignored and audited with the session and client (a deferred download
   is answered with an error, so the browser does not wait) unless the session's sign-in holds;
   `clear_cache` (a whole process's caches) only from an analyst
   who is not the public demo's read-only user (the dashboard's own controls never send it).
   `rerun_script`, `stop_script` and heartbeats still work: the sign-in form needs them.
2. **`/_stcore/metrics`** names the caches and their sizes to anyone: it answers 404 (deploy/nginx.conf also
   denies it, for a server started without this patch).
3. **Exported files** (`st.download_button`: PNG, XLSX) are served from `/media/<id>` to whoever has the URL.
   Each downloadable file now belongs to the browser of the session that made it — the request must carry the
   same XSRF cookie token as that session's websocket (the cookie is HttpOnly-less but same-origin only, and a
   leaked URL in a log, proxy or history carries no cookie) — and is served for `DOWNLOAD_TTL_S` (300 s)
   after it was made, then dropped, and only while the session that made it is still signed in. Without XSRF
   protection (a development server) there is no cookie, and only the time and session rules apply.
4. **X-Forwarded-For from loopback.** uvicorn believes the header from 127.0.0.1 whatever TRUSTED_PROXIES
   says; its proxy handling is turned off, so only ui.audit.client_of decides (from TRUSTED_PROXIES).
5. **The session cookie** (ui/session_cookie.py): `POST /_canlian/session` exchanges a sign-in's one-time token
   for the HttpOnly cookie that Streamlit's scripts cannot set, and removes it after 退出登录.
"""

from __future__ import annotations

import contextvars
import logging
import threading
import time
from typing import Any

from ui import auth, session_cookie
from ui.audit import UNKNOWN_USER, audit, context_of

_LOGGER = logging.getLogger("canlian.guard")
GUARDED_COMMANDS = {"clear_cache", "set_run_on_save", "load_git_info", "file_urls_request", "backend_operation_request"}
ADMIN_COMMANDS = {"clear_cache"}  # analysts only, and not the public demo's read-only one
DOWNLOAD_TTL_S = 300.0
XSRF_COOKIE = "_streamlit_xsrf"

# Set only while the server answers a /media/ request (get_file is also called to build URLs): (token,).
_request_token: contextvars.ContextVar[tuple[bytes | None] | None] = contextvars.ContextVar("canlian_media_token",
                                                                                          default=None)
# media file id → {(owner browser's XSRF token (None: no cookie, a development server), session id): made at}.
# Two browsers exporting identical bytes share one file id, so a file may have several owners.
_owners: dict[str, dict[tuple[bytes | None, str], float]] = {}
_owners_lock = threading.Lock()
_installed = False


def _token(cookie: str | None) -> bytes | None:
    """The XSRF token inside a cookie value (its mask changes per response, the token does not)."""
    if not cookie:
        return None
    from streamlit.web.server.starlette import starlette_app_utils

    try:
        token, _ = starlette_app_utils.decode_xsrf_token_string(cookie)
    except Exception:  # a forged or broken cookie is no cookie
        return None
    return token or None


def _session_token(session_id: str) -> bytes | None:
    """The XSRF token of the browser behind a session (from its websocket's cookies)."""
    from streamlit.runtime import Runtime

    try:
        info = Runtime.instance()._session_mgr.get_session_info(session_id)
        context = info.client.client_context if info and info.client else None
        return _token(context.cookies.get(XSRF_COOKIE)) if context else None
    except Exception:
        return None


def command_allowed(command: str, user: Any) -> bool:
    """Whether a client command may run for a session whose signed-in user is `user` (None: not signed in)."""
    if command not in GUARDED_COMMANDS:
        return True
    if user is None:
        return False
    if command in ADMIN_COMMANDS:
        return user.role == "analyst" and not user.read_only
    return True


def _guard_backmsgs() -> None:
    """Wrap AppSession.handle_backmsg so guarded commands from unsigned sessions are dropped and audited."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from streamlit.runtime.app_session import AppSession


    original = AppSession.handle_backmsg

    def handle_backmsg(self, msg):
        command = msg.WhichOneof("type")
        if command in GUARDED_COMMANDS:
            user = auth.session_user(self)
            if not command_allowed(command, user):
                where = context_of(self.id)
                _LOGGER.warning("ignored %s from session %s (not signed in, signed out or not allowed)", command,
                                where[0])
                try:
                    state = self._session_state
                    named = state[auth.SESSION_KEY] if auth.SESSION_KEY in state else None
                    why = auth.ended_reason(state) if isinstance(named, auth.User) else "not signed in"
                except Exception:
                    named, why = None, "not signed in"
                who = named.name if isinstance(named, auth.User) else UNKNOWN_USER
                audit("ignored_command", who, where=where, command=command, reason=why or "not allowed")
                if command == "backend_operation_request":  # answer, so the browser does not wait for nothing
                    answer = ForwardMsg()
                    answer.backend_operation_response.request_id = msg.backend_operation_request.request_id
                    answer.backend_operation_response.error_msg = "登录已失效，请刷新页面重新登录。"
                    self._enqueue_forward_msg(answer)
                return None
        return original(self, msg)

    AppSession.handle_backmsg = handle_backmsg


def _own_downloads() -> None:
    """Remember who made each downloadable file; serve it only to that browser, for DOWNLOAD_TTL_S."""
    from streamlit.runtime.media_file_manager import MediaFileManager
    from streamlit.runtime.media_file_storage import MediaFileKind, MediaFileStorageError
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    add, execute_deferred, get_file = MediaFileManager.add, MediaFileManager.execute_deferred, MemoryMediaFileStorage.get_file

    def _file_id(url: str) -> str:
        return url.rsplit("/", 1)[-1].split(".", 1)[0]

    def _own(url: str, session_id: str | None) -> None:
        now = time.monotonic()
        token = _session_token(session_id) if session_id else None
        with _owners_lock:
            for file_id, owners in list(_owners.items()):
                for stale in [t for t, made in owners.items() if now - made > DOWNLOAD_TTL_S]:
                    del owners[stale]
                if not owners:
                    del _owners[file_id]
            _owners.setdefault(_file_id(url), {})[(token, session_id or "")] = now

    def add_owned(self, path_or_data, mimetype, coordinates, file_name=None, is_for_static_download=False):
        url = add(self, path_or_data, mimetype, coordinates, file_name, is_for_static_download)
        if is_for_static_download:
            ctx = get_script_run_ctx(suppress_warning=True)
            _own(url, ctx.session_id if ctx else None)
        return url

    def execute_owned(self, file_id: str) -> str:
        with self._lock:
            session_id = (self._deferred_callables.get(file_id) or {}).get("session_id")
        url = execute_deferred(self, file_id)
        _own(url, session_id)
        return url

    def get_owned(self, filename: str):
        media = get_file(self, filename)
        serving = _request_token.get()
        if serving is None or media.kind != MediaFileKind.DOWNLOADABLE:
            return media
        with _owners_lock:
            owners = dict(_owners.get(_file_id(filename)) or {})
        mine = {session: made for (token, session), made in owners.items() if token == serving[0]}
        if not mine:  # without a cookie on either side (a development server), only the time limit applies
            mine = {session: made for (token, session), made in owners.items() if token is None}
        if not mine:
            raise MediaFileStorageError("download for another browser, or without a known owner")
        now = time.monotonic()
        fresh = [session for session, made in mine.items() if now - made <= DOWNLOAD_TTL_S]
        if not fresh:
            raise MediaFileStorageError("download expired")
        if not any(auth.session_user_of(session) for session in fresh):  # signed out, reset, disabled, idle, gone
            raise MediaFileStorageError("the session that made the download has ended")
        return media

    MediaFileManager.add = add_owned
    MediaFileManager.execute_deferred = execute_owned
    MemoryMediaFileStorage.get_file = get_owned


def _wrap_app() -> None:
    """Wrap the ASGI app: /_stcore/metrics answers 404; a /media/ request's XSRF token is made known to get_file."""
    from streamlit.web.server.starlette import starlette_server

    create = starlette_server.create_starlette_app

    def create_guarded(runtime):
        app = create(runtime)

        async def guarded(scope, receive, send):
            if scope["type"] == "http":
                path = scope.get("path", "")
                if path.rstrip("/").endswith("/_stcore/metrics"):
                    await send({"type": "http.response.start", "status": 404,
                                "headers": [(b"content-type", b"text/plain")]})
                    await send({"type": "http.response.body", "body": b"Not Found"})
                    return
                if path.rstrip("/").endswith(session_cookie.ROUTE):
                    return await _session_route(scope, receive, send)
                if "/media/" in path:
                    from starlette.requests import HTTPConnection

                    reset = _request_token.set((_token(HTTPConnection(scope).cookies.get(XSRF_COOKIE)),))
                    try:
                        return await app(scope, receive, send)
                    finally:
                        _request_token.reset(reset)
            return await app(scope, receive, send)

        guarded.state = getattr(app, "state", None)  # for code that looks at the app's state
        return guarded

    starlette_server.create_starlette_app = create_guarded


def same_origin(headers: Any) -> bool:
    """Whether a request comes from the dashboard's own pages: a browser's Sec-Fetch-Site says same-origin, and an
    Origin header names the Host the request was sent to (nginx passes Host through with its port)."""
    site = headers.get("sec-fetch-site")
    if site is not None and site != "same-origin":
        return False
    origin = headers.get("origin")
    if origin is not None:
        from urllib.parse import urlsplit

        if urlsplit(origin).netloc != headers.get("host", ""):
            return False
    return True


async def _session_route(scope, receive, send) -> None:
    """POST /_canlian/session: `token=…` (the one-time token of a sign-in that just succeeded) answers with the
    HttpOnly session cookie; `clear=1` removes it (after 退出登录). Only the dashboard's own pages may ask."""
    from urllib.parse import parse_qs

    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request

    request = Request(scope, receive)

    async def answer(status: int, cookie: str = "") -> None:
        headers = [(b"content-type", b"text/plain"), (b"cache-control", b"no-store")]
        if cookie:
            headers.append((b"set-cookie", cookie.encode("latin-1")))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b""})

    if request.method != "POST":
        return await answer(405)
    if not same_origin(request.headers):
        _LOGGER.warning("session cookie request from another site refused")
        return await answer(403)
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > 1024:
            return await answer(413)
    form = parse_qs(body.decode("ascii", "replace"))
    secure = scope.get("scheme") == "https" or request.headers.get("x-forwarded-proto", "").lower() == "https"
    if form.get("clear"):
        return await answer(204, session_cookie.clear_header(secure))
    value = await run_in_threadpool(session_cookie.redeem, (form.get("token") or [""])[0])
    if value is None:
        return await answer(403)
    return await answer(204, session_cookie.cookie_header(value, secure))


def _no_proxy_headers() -> None:
    """uvicorn believes X-Forwarded-For from any connection on 127.0.0.1 (its `forwarded_allow_ips` default),
    so a process on the server could name any client address — in the audit log and to the per-address
    sign-in limit. Turned off: the connection's address is the client's, and ui.audit.client_of believes the
    header only from TRUSTED_PROXIES."""
    from streamlit.web.server.starlette import starlette_server

    kwargs = starlette_server._get_uvicorn_config_kwargs

    def without_proxy_headers() -> dict[str, Any]:
        return {**kwargs(), "proxy_headers": False}

    starlette_server._get_uvicorn_config_kwargs = without_proxy_headers


def install() -> None:
    """Apply the guards once per process."""
    global _installed
    if _installed:
        return
    _guard_backmsgs()
    _own_downloads()
    _wrap_app()
    _no_proxy_headers()
    _installed = True
