"""An export's file made only while the session that asked for it is signed in, and audited when it is made."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ui.audit import audit, session_context, session_id
from ui.auth import session_ended


def audited_export(make: Callable[[], bytes], user: str, view: str, filters: dict[str, Any], file: str,
                   **details: Any) -> Callable[[], bytes]:
    """Wrap an export's content maker so the export is audited when it is made (who, when, which view and
    filters, the file, and `details` such as its version: 内部版 or 对外版).

    For `st.download_button(label, audited_export(...), file_name=file)`: Streamlit calls a callable `data`
    only when the button is clicked, so the line records a real download, not a page view. Streamlit calls it
    outside the page run, so the session and client are taken now, while the page runs. The file is made only
    while that session's sign-in holds (ui/server_guard.py refuses the request before it gets here; this is
    the same rule for a server started without it)."""
    where, owner = session_context(), session_id()

    def made() -> bytes:
        if session_ended(owner):
            audit("ignored_command", user, where=where, command="deferred_download", reason="session ended", file=file)
            raise PermissionError("登录已失效，请刷新页面重新登录。")
        content = make()
        audit("export", user, where=where, view=view, filters=filters, file=file, **details)
        return content

    return made
