"""Staying signed in with the users file: a browser session that tabs, reloads and the presenter window share.

**The record is the session.** A successful password sign-in creates a record in the sign-in store every
process shares (`ui/signin_store.py`: user, role, area, the user's generation, created, last action, ended).
The browser keeps only a cookie that *names* the record: `v1.<id>.<HMAC-SHA256(secret, "v1.<id>")>`, HttpOnly
(page scripts never see it), SameSite=Strict, Path=/, Secure behind TLS, no expiry (gone when the browser
closes). The store keeps a hash of the id, never the id: a copy of the store cannot be turned into a cookie,
and without the secret no cookie can be made or altered.

**The secret**: env `SESSION_SECRET` (at least 32 characters), else the file `var/session.key` (env
`SESSION_KEY_FILE`, 32 random bytes made 0600 on first use, outside the warehouse; `*.key` is not in git).
Every process behind nginx must read the same one. A new secret signs everyone out.

**Setting the cookie.** Streamlit's scripts cannot set an HttpOnly cookie, so the sign-in hands the browser a
one-time token (60 seconds, used once, only its hash stored) that the page posts to `/_canlian/session`;
`ui/server_guard.py` answers that route with the cookie. The session id itself never reaches a page.

**Ending.** 退出登录 ends the record (every tab of that browser is out at its next action), 退出全部设备 and
`ui.users reset/disable/signout` end every record of the user (`signin_store.bump`), a changed role or
township ends it, and so does `IDLE_TIMEOUT_MIN` without an action in any tab of the browser, or
`SESSION_MAX_HOURS` (default 12) after the sign-in. Nothing here imports streamlit.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from ui import signin_store

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_KEY_FILE = ROOT / "var" / "session.key"
COOKIE = "canlian_session"
ROUTE = "/_canlian/session"  # POST token=…: set the cookie; POST clear=1: remove it
VERSION = "v1"
HANDOFF_TTL_S = 60.0
TOUCH_EVERY_S = 30.0  # a record's last action is written at most this often (the idle clock's resolution)
MIN_SECRET = 32


@dataclass(frozen=True)
class Record:
    """A browser's sign-in, as the store keeps it."""

    key: str  # the hash of the session id
    user: str
    role: str
    area: str
    generation: int
    created: float
    seen: float
    ended: float  # 0 while it holds


# ---------------------------------------------------------------- the secret and the signature


_KEY_CACHE: dict[str, tuple[tuple[int, int], bytes]] = {}  # the key file's bytes while it is unchanged


def key_path() -> Path:
    """The secret's file."""
    return Path(os.environ.get("SESSION_KEY_FILE") or DEFAULT_KEY_FILE)


def secret() -> bytes:
    """The signing secret: env SESSION_SECRET, else the key file (made on first use, atomically: two processes
    starting together read the same key)."""
    text = os.environ.get("SESSION_SECRET", "")
    if text:
        if len(text) < MIN_SECRET:
            raise ValueError(f"SESSION_SECRET 至少{MIN_SECRET}个字符。 SESSION_SECRET needs {MIN_SECRET}+ characters.")
        return text.encode("utf-8")
    path = key_path()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, secrets.token_hex(32).encode("ascii"))
        finally:
            os.close(fd)
        try:
            os.link(tmp, path)  # fails if another process made it first: then theirs is the key
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
    stat = path.stat()
    cached = _KEY_CACHE.get(str(path))
    if cached and cached[0] == (stat.st_mtime_ns, stat.st_size):
        return cached[1]
    value = path.read_bytes().strip()
    _KEY_CACHE[str(path)] = ((stat.st_mtime_ns, stat.st_size), value)
    if len(value) < MIN_SECRET:
        raise ValueError(f"{path} 中的密钥太短。 The session key file is too short.")
    return value


def _signature(body: str, key: bytes | None = None) -> str:
    mac = hmac.new(secret() if key is None else key, body.encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode("ascii").rstrip("=")


def sign(session_id: str, key: bytes | None = None) -> str:
    """The cookie's value for a session id."""
    body = f"{VERSION}.{session_id}"
    return f"{body}.{_signature(body, key)}"


def verify(value: str | None) -> str | None:
    """The session id a cookie names, if its signature is right; None for anything else."""
    if not value or len(value) > 200:
        return None
    parts = value.split(".")
    if len(parts) != 3 or parts[0] != VERSION or not parts[1]:
        return None
    body = f"{parts[0]}.{parts[1]}"
    if not hmac.compare_digest(parts[2].encode("ascii", "replace"), _signature(body).encode("ascii")):
        return None
    return parts[1]


def _session_id(token: str) -> str:
    """The session id a one-time token stands for: derived with the secret, so the store never holds an id
    (only hashes of the id and of the token)."""
    mac = hmac.new(secret(), f"session:{token}".encode("ascii", "replace"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:24]).decode("ascii")


def record_key(session_id: str) -> str:
    """What the store keeps of a session id."""
    return hashlib.sha256(session_id.encode("ascii", "replace")).hexdigest()


def cookie_header(value: str, secure: bool) -> str:
    """The Set-Cookie header that gives the browser its session (HttpOnly, SameSite=Strict, no expiry)."""
    return f"{COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict" + ("; Secure" if secure else "")


def clear_header(secure: bool) -> str:
    """The Set-Cookie header that removes it."""
    return f"{COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict" + ("; Secure" if secure else "")


# ---------------------------------------------------------------- records


def max_age_s() -> float:
    """How long after the sign-in a browser session ends whatever happens: env SESSION_MAX_HOURS (default 12)."""
    try:
        return max(0.01, float(os.environ.get("SESSION_MAX_HOURS") or 12)) * 3600
    except ValueError:
        return 12 * 3600.0


def _write(work):
    return signin_store._write(signin_store._connect(), work)


def create(user: str, role: str, area: str, generation: int, now: float | None = None) -> tuple[str, str]:
    """A new browser session for a user who has just signed in: (its record key, a one-time token for the
    browser to exchange for the cookie)."""
    now = time.time() if now is None else now
    token = secrets.token_urlsafe(24)
    key = record_key(_session_id(token))

    def work(con) -> None:
        con.execute("DELETE FROM web_sessions WHERE ended > 0 AND ended < ?", (now - 86400,))
        con.execute("DELETE FROM web_sessions WHERE created < ?", (now - max_age_s() - 86400,))
        con.execute("DELETE FROM handoffs WHERE expires < ?", (now,))
        con.execute("INSERT INTO web_sessions VALUES (?, ?, ?, ?, ?, ?, ?, 0)",
                    (key, user, role, area, generation, now, now))
        con.execute("INSERT INTO handoffs VALUES (?, ?, ?)", (record_key(token), key, now + HANDOFF_TTL_S))

    _write(work)
    return key, token


def redeem(token: str, now: float | None = None) -> str | None:
    """The cookie's value for a one-time token (then the token is spent), or None: unknown, spent, expired, or
    its session already ended."""
    now = time.time() if now is None else now
    if not token or len(token) > 100:
        return None

    def work(con) -> str | None:
        row = con.execute("SELECT session, expires FROM handoffs WHERE key=?", (record_key(token),)).fetchone()
        if row is None:
            return None
        con.execute("DELETE FROM handoffs WHERE key=?", (record_key(token),))
        ended = con.execute("SELECT ended FROM web_sessions WHERE key=?", (row[0],)).fetchone()
        if row[1] < now or ended is None or ended[0]:
            return None
        session_id = _session_id(token)
        return session_id if record_key(session_id) == row[0] else None

    session_id = _write(work)
    return sign(session_id) if session_id else None


def pending(token: str, now: float | None = None) -> bool:
    """Whether a one-time token has still to be exchanged (and can be)."""
    now = time.time() if now is None else now
    con = signin_store._connect()
    try:
        row = con.execute("SELECT expires FROM handoffs WHERE key=?", (record_key(token),)).fetchone()
    finally:
        con.close()
    return row is not None and row[0] >= now


def record(key: str | None) -> Record | None:
    """A browser session's record by its key (None if there is none)."""
    if not key:
        return None
    con = signin_store._connect()
    try:
        row = con.execute("SELECT key, user, role, area, generation, created, seen, ended FROM web_sessions WHERE key=?",
                          (key,)).fetchone()
    finally:
        con.close()
    return Record(*row) if row else None


def touch(key: str, now: float | None = None) -> None:
    """An action in one of the browser's tabs: the session's idle clock starts again."""
    now = time.time() if now is None else now
    _write(lambda con: con.execute("UPDATE web_sessions SET seen = max(seen, ?) WHERE key=? AND ended = 0", (now, key)))


def end(key: str | None, now: float | None = None) -> None:
    """End one browser session (退出登录, idle, an account changed): no tab of it stays or comes back in."""
    if not key:
        return
    now = time.time() if now is None else now
    _write(lambda con: con.execute("UPDATE web_sessions SET ended = ? WHERE key=? AND ended = 0", (now, key)))


def why_ended(rec: Record | None, generation: int, idle_s: float, now: float | None = None) -> str:
    """Why a browser session no longer holds ('' while it does): ended (退出登录 in a tab of it), the user's
    sessions ended (the generation moved on: reset, disable, 退出全部设备), idle, or too old."""
    now = time.time() if now is None else now
    if rec is None or rec.ended:
        return "signed out"
    if rec.generation != generation:
        return "sessions ended (reset, disable or sign-out everywhere)"
    if idle_s > 0 and now - rec.seen > idle_s:
        return "idle"
    if now - rec.created > max_age_s():
        return "expired"
    return ""
