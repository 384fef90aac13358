"""The audit log: one JSON line per sign-in, failed sign-in, sign-out and export, outside the warehouse.

The file is `var/audit.log` (env `AUDIT_LOG`), rotated at 5 MB with 10 old files kept, mode 0600.
A detail whose key contains "pass" is dropped, so a password can never reach the log. A line written
during a page run carries the session (a hash of Streamlit's session id: the id itself could resume a
dropped session) and the client's address: the connection's, or the last X-Forwarded-For entry when the
connection comes from a proxy listed in env `TRUSTED_PROXIES` (comma-separated addresses; default none).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from datetime import datetime
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_LOG = ROOT / "var" / "audit.log"
MAX_BYTES = 5 * 1024 * 1024
BACKUPS = 10
MAX_TEXT = 200  # a hostile user name or filter value cannot bloat the log
EVENTS = ("sign_in", "sign_in_failed", "sign_in_refused", "sign_out", "sign_out_all", "export", "ignored_command",
          "reveal")  # reveal: one person's full name and certificate number shown (pages/compare.py)
UNKNOWN_USER = "(未知用户)"  # what a failed sign-in with a name that is not a user is logged as

_logger = logging.getLogger("canlian.audit")
_logger.setLevel(logging.INFO)
_logger.propagate = False  # audit lines go to their own file only, never to the console
_lock = threading.Lock()
_settings: dict[str, int] = {"max_bytes": MAX_BYTES, "backups": BACKUPS}


class _PrivateRotatingHandler(RotatingFileHandler):
    """A rotating file handler whose files (the current one and each new one after rotation) are 0600."""

    def _open(self):
        """Open the log file and restrict it to its owner."""
        stream = super()._open()
        os.chmod(self.baseFilename, 0o600)
        return stream


def log_path() -> Path:
    """Where the audit log is written."""
    return Path(os.environ.get("AUDIT_LOG") or DEFAULT_LOG)


def configure(max_bytes: int = MAX_BYTES, backups: int = BACKUPS) -> None:
    """Set the rotation size and count (tests use a small size); takes effect on the next line."""
    with _lock:
        _settings.update(max_bytes=max_bytes, backups=backups)
        _close_handlers()


def _close_handlers() -> None:
    """Detach and close the current file handler (the path or the settings changed)."""
    for handler in list(_logger.handlers):
        _logger.removeHandler(handler)
        handler.close()


def _handler() -> None:
    """Make sure the logger writes to the current path (AUDIT_LOG may change between tests)."""
    path = log_path().resolve()
    current = _logger.handlers[0] if _logger.handlers else None
    if current is not None and getattr(current, "baseFilename", None) == str(path):
        return
    _close_handlers()
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = _PrivateRotatingHandler(path, maxBytes=_settings["max_bytes"], backupCount=_settings["backups"],
                                      encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(message)s"))
    _logger.addHandler(handler)


def _clean(value: Any) -> Any:
    """A detail value without any password-like key, strings cut to a sane length."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items() if "pass" not in str(k).lower()}
    if isinstance(value, list | tuple | set):
        return [_clean(v) for v in value]
    if isinstance(value, str):
        return value[:MAX_TEXT]
    if value is None or isinstance(value, bool | int | float):
        return value
    return str(value)[:MAX_TEXT]


def trusted_proxies() -> set[str]:
    """Addresses whose X-Forwarded-For header is believed: env TRUSTED_PROXIES (e.g. "127.0.0.1")."""
    return {a.strip() for a in (os.environ.get("TRUSTED_PROXIES") or "").split(",") if a.strip()}


def client_of(remote: str | None, forwarded_for: str | None) -> str:
    """The client's address: the connection's, or the proxy's last X-Forwarded-For entry (the address the
    proxy itself saw) when the connection comes from a trusted proxy. A client's own header is never believed."""
    remote = remote or ""
    if remote in trusted_proxies() and forwarded_for:
        return forwarded_for.split(",")[-1].strip()[:64] or remote
    return remote[:64]


def session_tag(session_id: str) -> str:
    """What the log says of a session: a hash of Streamlit's session id (the id itself could resume it)."""
    return hashlib.sha256(str(session_id).encode()).hexdigest()[:16] if session_id else ""


def context_of(session_id: str) -> tuple[str, str]:
    """(session tag, client address) of a Streamlit session, from its websocket's connection — also outside a
    page run (a deferred download, a client command the server guard ignores)."""
    if not session_id:
        return "", ""
    remote, forwarded = "", None
    try:
        from streamlit import runtime

        client = runtime.get_instance().get_client(session_id)
        context = client.client_context if client is not None else None
        if context is not None:
            remote = context.remote_ip if isinstance(context.remote_ip, str) else ""
            forwarded = next((v for k, v in context.headers if str(k).lower() == "x-forwarded-for"), None)
            forwarded = forwarded if isinstance(forwarded, str) else None
    except Exception:  # no runtime (AppTest, the command line): no address rather than no audit line
        pass
    return session_tag(session_id), client_of(remote, forwarded)


def session_id() -> str:
    """Streamlit's id of the session whose page run is on this thread ('' outside one)."""
    try:
        from streamlit.runtime.scriptrunner import get_script_run_ctx
    except ImportError:
        return ""
    ctx = get_script_run_ctx(suppress_warning=True)
    return ctx.session_id if ctx is not None else ""


def session_context() -> tuple[str, str]:
    """(session tag, client address) of the page run on this thread; ("", "") outside one (the command line)."""
    return context_of(session_id())


def audit(event: str, user: str, *, where: tuple[str, str] | None = None, **details: Any) -> None:
    """Append one JSON line: local time with offset, event, user, session, client address and details
    (never a password). `where`: (session tag, client) when the line is written outside the session's page run
    (see `context_of`); by default the page run's own."""
    session, client = where if where is not None else session_context()
    record = {"time": datetime.now().astimezone().isoformat(timespec="seconds"), "event": event,
              "user": str(user)[:MAX_TEXT], "session": session, "client": client, "details": _clean(details)}
    line = json.dumps(record, ensure_ascii=False, sort_keys=False)
    with _lock:
        _handler()
        _logger.info(line)
