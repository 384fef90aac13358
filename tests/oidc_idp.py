"""A local OpenID Connect provider for the tests, standing in for an office's 统一身份认证 platform.

The protocol (discovery, client registration, authorization code with PKCE, signed ID tokens, JWKS,
end-session endpoint) is `oidc-provider-mock`'s. That package has no passwords and no sign-in session,
so a thin WSGI layer in front of it adds what a real platform has and what sign-out must end: its own
sign-in page (用户名 + 密码), a session cookie that lets a second authorization pass without a password,
and an end-session endpoint that ends that session. It serves on 127.0.0.2, a different host from the
dashboard on 127.0.0.1, so the browser keeps the two sites' cookies apart as it would in production.
"""

from __future__ import annotations

import html
import io
import json
import secrets
import threading
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit, urlunsplit

import werkzeug.serving
from werkzeug.wrappers import Request, Response

HOST = "127.0.0.2"
SESSION_COOKIE = "idp_sid"
LOGIN_PATH = "/login"


@dataclass
class Portal:
    """The sign-in layer: passwords by subject, open sessions by cookie, and what it saw (for assertions)."""

    app: Any
    passwords: dict[str, str] = field(default_factory=dict)
    sessions: dict[str, str] = field(default_factory=dict)  # cookie value → subject
    password_sign_ins: list[str] = field(default_factory=list)
    ended: list[dict[str, str]] = field(default_factory=list)  # end-session requests' parameters
    logout_uris: set[str] = field(default_factory=set)  # registered clients' redirect URIs
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, environ: dict, start_response) -> Any:
        """Route: the sign-in page, the gate before /oauth2/authorize, end-session; the rest to the mock."""
        request = Request(environ)
        with self.lock:
            subject = self.sessions.get(request.cookies.get(SESSION_COOKIE, ""))
        if request.path == LOGIN_PATH:
            return self._login(request)(environ, start_response)
        if request.path == "/oauth2/end_session":
            return self._end_session(request)(environ, start_response)
        if request.path == "/oauth2/authorize" and request.method == "GET":
            if subject is None:
                target = request.full_path
                return Response(status=302, headers={"Location": f"{LOGIN_PATH}?next={quote(target)}"})(
                    environ, start_response)
            # A signed-in subject is authorized at once, as the mock's own form would after a click.
            body = urlencode({"sub": subject}).encode()
            environ.update({"REQUEST_METHOD": "POST", "CONTENT_TYPE": "application/x-www-form-urlencoded",
                            "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body)})
        return self.app(environ, start_response)

    def _login(self, request: Request) -> Response:
        """The platform's sign-in page; a right password opens a session and goes on to `next`."""
        target = request.values.get("next", "/")
        if not target.startswith("/oauth2/authorize"):
            target = "/"
        error = ""
        if request.method == "POST":
            name, password = request.form.get("username", ""), request.form.get("password", "")
            if name in self.passwords and secrets.compare_digest(self.passwords[name], password):
                sid = secrets.token_urlsafe(24)
                with self.lock:
                    self.sessions[sid] = name
                    self.password_sign_ins.append(name)
                response = Response(status=302, headers={"Location": target})
                response.set_cookie(SESSION_COOKIE, sid, httponly=True, samesite="Lax")
                return response
            error = "<p class=error>用户名或密码错误。</p>"
        page = f"""<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>统一身份认证</title>
<h1>统一身份认证平台（测试）</h1>{error}
<form method="post" action="{LOGIN_PATH}">
<input type="hidden" name="next" value="{html.escape(target)}">
<label>用户名 <input name="username" autocomplete="username"></label>
<label>密码 <input name="password" type="password" autocomplete="current-password"></label>
<button type="submit">登录</button></form></html>"""
        return Response(page, content_type="text/html; charset=utf-8")

    def _end_session(self, request: Request) -> Response:
        """RP-initiated logout: end the platform session, then back to a registered URI (or a page)."""
        params = {k: request.values[k] for k in request.values}
        with self.lock:
            self.ended.append(params)
            self.sessions.pop(request.cookies.get(SESSION_COOKIE, ""), None)
        back = params.get("post_logout_redirect_uri", "")
        if back in self.logout_uris:
            if params.get("state"):
                parts = urlsplit(back)
                query = {**parse_qs(parts.query), "state": [params["state"]]}
                back = urlunsplit(parts._replace(query=urlencode(query, doseq=True)))
            response = Response(status=302, headers={"Location": back})
        else:
            response = Response("<!doctype html><meta charset=utf-8><h1>已退出统一身份认证</h1>",
                                content_type="text/html; charset=utf-8")
        response.delete_cookie(SESSION_COOKIE)
        return response


@dataclass
class Provider:
    """A running provider: its issuer URL and the sign-in layer (users, sessions, what it saw)."""

    issuer: str
    portal: Portal

    @property
    def metadata_url(self) -> str:
        """The discovery document's URL (`server_metadata_url` in [auth])."""
        return f"{self.issuer}/.well-known/openid-configuration"

    def _call(self, method: str, path: str, payload: Any) -> dict:
        """A JSON request to the provider's own API."""
        request = urllib.request.Request(self.issuer + path, data=json.dumps(payload).encode(), method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else {}

    def add_user(self, subject: str, password: str, claims: Mapping[str, Any]) -> None:
        """A person of the platform with a password and the claims it sends about them."""
        self._call("PUT", f"/users/{quote(subject, safe='')}", dict(claims))
        self.portal.passwords[subject] = password

    def register_client(self, redirect_uri: str) -> tuple[str, str]:
        """Register the dashboard (dynamic client registration): its client id and secret."""
        reply = self._call("POST", "/oauth2/clients", {"redirect_uris": [redirect_uri]})
        self.portal.logout_uris.add(redirect_uri)
        return reply["client_id"], reply["client_secret"]


class _QuietHandler(werkzeug.serving.WSGIRequestHandler):
    """No line per request on the test output."""

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        """Say nothing."""


@contextmanager
def running_provider() -> Iterator[Provider]:
    """The provider on a free port of 127.0.0.2, in a thread, until the block ends."""
    import oidc_provider_mock

    # Registered clients only: the dashboard must present the id and secret it was given.
    portal = Portal(oidc_provider_mock.app(require_client_registration=True, require_nonce=True))
    server = werkzeug.serving.make_server(HOST, 0, portal, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield Provider(f"http://{HOST}:{server.server_port}", portal)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
