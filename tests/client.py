"""A browser tab without a browser: Streamlit's websocket protocol (as bench/load.py speaks it), synchronous,
returning what a rerun drew (text, alerts, exceptions, widgets) so tests can read a running server's pages."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.sync.client import connect

WIDGET_TYPES = ("selectbox", "slider", "checkbox", "button", "multiselect", "radio", "text_input")


@dataclass
class Drawn:
    """What one rerun put on the page."""

    texts: list[str] = field(default_factory=list)  # markdown and alert bodies, in order
    alerts: list[str] = field(default_factory=list)  # warning, error and info bodies
    exceptions: list[str] = field(default_factory=list)
    widgets: dict[str, tuple[str, str]] = field(default_factory=dict)  # user key → (widget id, element type)
    finished: bool = False

    @property
    def text(self) -> str:
        """Every text, one per line."""
        return "\n".join(self.texts)


class Tab:
    """One websocket session with a dashboard on 127.0.0.1 (`with Tab(port) as tab:`)."""

    def __init__(self, port: int) -> None:
        self._connect = connect(f"ws://127.0.0.1:{port}/_stcore/stream", subprotocols=["streamlit"],
                                max_size=None, open_timeout=60)
        self.hashes: dict[str, str] = {}

    def __enter__(self) -> Tab:
        self.ws = self._connect.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self._connect.__exit__(*exc)

    def rerun(self, page: str = "", query: str = "", widgets: list[WidgetState] | None = None,
              timeout_s: float = 60) -> Drawn:
        """Run a page (url path, '' = 总览) with a query string and widget states; wait for script_finished."""
        msg = BackMsg()
        msg.rerun_script.query_string = query
        msg.rerun_script.page_name = page
        msg.rerun_script.page_script_hash = self.hashes.get(page, "")
        msg.rerun_script.widget_states.widgets.extend(widgets or [])
        self.ws.send(msg.SerializeToString())
        drawn = Drawn()
        deadline = time.monotonic() + timeout_s
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no script_finished within {timeout_s} s for page {page!r}")
            fwd = ForwardMsg()
            fwd.ParseFromString(self.ws.recv(timeout=left))
            kind = fwd.WhichOneof("type")
            if kind == "navigation":
                for p in fwd.navigation.app_pages:
                    self.hashes[p.url_pathname] = p.page_script_hash
                    if p.is_default:
                        self.hashes[""] = p.page_script_hash
            elif kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                _record(fwd.delta.new_element, drawn)
            elif kind == "script_finished":
                drawn.finished = fwd.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY
                return drawn


def _record(element, drawn: Drawn) -> None:
    """Keep an element's text, or its widget id under its user key."""
    kind = element.WhichOneof("type")
    if kind == "markdown":
        drawn.texts.append(element.markdown.body)
    elif kind == "html":
        drawn.texts.append(element.html.body)
    elif kind == "alert":
        drawn.texts.append(element.alert.body)
        drawn.alerts.append(element.alert.body)
    elif kind == "exception":
        drawn.exceptions.append(f"{element.exception.type}: {element.exception.message}")
    elif kind in WIDGET_TYPES:
        widget_id = getattr(element, kind).id
        # A user key ends the id ("$$ID-<hash>-<key>"): the tests name widgets by their keys.
        drawn.widgets[widget_id.split("-", 2)[-1]] = (widget_id, kind)


def wait_for(condition, timeout_s: float, what: str, every_s: float = 0.2):
    """Call `condition` until it returns something truthy (returned); raise TimeoutError at the deadline."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{what}: not within {timeout_s} s")
        time.sleep(every_s)
