"""The audit log: one JSON line per sign-in, failed sign-in, sign-out and export, outside the warehouse.

The file is `var/audit.log` (env `AUDIT_LOG`), rotated at 5 MB with 10 old files kept, mode 0600.
A detail whose key contains "pass" is dropped, so a password can never reach the log.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable
from datetime import datetime
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_LOG = ROOT / "var" / "audit.log"
MAX_BYTES = 5 * 1024 * 1024
BACKUPS = 10
MAX_TEXT = 200  # a hostile user name or filter value cannot bloat the log
EVENTS = ("sign_in", "sign_in_failed", "sign_out", "export")

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


def audit(event: str, user: str, **details: Any) -> None:
    """Append one JSON line: local time with offset, event, user and details (never a password)."""
    record = {"time": datetime.now().astimezone().isoformat(timespec="seconds"), "event": event,
              "user": str(user)[:MAX_TEXT], "details": _clean(details)}
    line = json.dumps(record, ensure_ascii=False, sort_keys=False)
    with _lock:
        _handler()
        _logger.info(line)


def audited_export(make: Callable[[], bytes], user: str, view: str, filters: dict[str, Any], file: str
                   ) -> Callable[[], bytes]:
    """Wrap an export's content maker so the export is audited when it is made.

    For `st.download_button(label, audited_export(...), file_name=file)`: Streamlit calls a callable `data`
    only when the button is clicked, so the line records a real download, not a page view."""

    def made() -> bytes:
        content = make()
        audit("export", user, view=view, filters=filters, file=file)
        return content

    return made
