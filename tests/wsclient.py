"""A raw Streamlit client for attacker-side tests: the websocket a browser opens, Streamlit's protobuf messages,
no browser. It reruns pages, fills and submits the sign-in form by widget id, and sends any BackMsg."""

from __future__ import annotations

import asyncio
import urllib.request
from dataclasses import dataclass, field

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import connect

TIMEOUT = 60


def xsrf_cookie(port: int) -> str:
    """A browser's first contact: the health check, where Streamlit sets its XSRF cookie ('' when protection is off)."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=30) as response:
        for header in response.headers.get_all("Set-Cookie") or []:
            if header.startswith("_streamlit_xsrf="):
                return header.split(";", 1)[0].split("=", 1)[1]
    return ""


@dataclass
class Run:
    """What one rerun drew."""

    elements: list = field(default_factory=list)  # (type, element proto)
    status: int = -1

    def of(self, kind: str) -> list:
        """Elements of one type."""
        return [e for t, e in self.elements if t == kind]

    def texts(self) -> str:
        """Every Markdown, alert and heading body, joined."""
        bodies = []
        for kind, element in self.elements:
            proto = getattr(element, kind)
            if hasattr(proto, "body"):
                bodies.append(proto.body)
        return "\n".join(bodies)


class Client:
    """One browser tab's websocket."""

    def __init__(self, port: int, cookie: str = "", headers: dict[str, str] | None = None):
        self.port, self.cookie, self.headers = port, cookie, dict(headers or {})
        self.session_id = ""
        self.hashes: dict[str, str] = {}
        self.page = ""
        self.query = ""
        self.ws = None
        self.pending: list[ForwardMsg] = []
        self.fragments: list[str] = []  # fragments the server asked to rerun on a timer (st.fragment(run_every))

    async def __aenter__(self) -> Client:
        headers = {**self.headers, **({"Cookie": f"_streamlit_xsrf={self.cookie}"} if self.cookie else {})} or None
        self.ws = await connect(f"ws://127.0.0.1:{self.port}/_stcore/stream", subprotocols=["streamlit"],
                                additional_headers=headers, max_size=None, open_timeout=TIMEOUT, ping_interval=None)
        return self

    async def __aexit__(self, *exc) -> None:
        await self.ws.close()

    async def send(self, msg: BackMsg) -> None:
        """Send any BackMsg."""
        await self.ws.send(msg.SerializeToString())

    async def receive(self) -> ForwardMsg:
        """The next ForwardMsg."""
        fwd = ForwardMsg()
        fwd.ParseFromString(await asyncio.wait_for(self.ws.recv(), timeout=TIMEOUT))
        kind = fwd.WhichOneof("type")
        if kind == "new_session" and fwd.new_session.initialize.session_id:
            self.session_id = fwd.new_session.initialize.session_id
        elif kind == "auto_rerun" and fwd.auto_rerun.fragment_id not in self.fragments:
            self.fragments.append(fwd.auto_rerun.fragment_id)
        elif kind == "navigation":
            for page in fwd.navigation.app_pages:
                self.hashes[page.url_pathname] = page.page_script_hash
                if page.is_default:
                    self.hashes[""] = page.page_script_hash
        return fwd

    async def rerun(self, page: str | None = None, query: str = "", widgets: list[WidgetState] | None = None,
                    fragment: str = "") -> Run:
        """Rerun a page (the current one by default), or only one of its fragments (as the browser does on the
        fragment's timer or button), and read until a run finishes without a rerun request."""
        self.page = self.page if page is None else page
        self.query = query if not fragment else self.query
        msg = BackMsg()
        msg.rerun_script.query_string = self.query
        msg.rerun_script.page_name = self.page
        msg.rerun_script.page_script_hash = self.hashes.get(self.page, "")
        if fragment:
            msg.rerun_script.fragment_id = fragment
            msg.rerun_script.is_auto_rerun = not widgets
        for widget in widgets or []:
            msg.rerun_script.widget_states.widgets.append(widget)
        await self.send(msg)
        run = Run()
        while True:
            fwd = await self.receive()
            kind = fwd.WhichOneof("type")
            if kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                element = fwd.delta.new_element
                run.elements.append((element.WhichOneof("type"), element))
            elif kind == "script_finished":
                if fwd.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    run = Run()  # st.rerun(): the next run is the one that counts
                    continue
                run.status = fwd.script_finished
                return run

    async def sign_in(self, name: str, password: str) -> Run:
        """Open the app, fill the sign-in form and submit it, as a browser does."""
        form = await self.rerun("")
        inputs = {e.text_input.label: e.text_input.id for e in form.of("text_input")}
        submit = next(e.button.id for e in form.of("button") if e.button.is_form_submitter)
        widgets = [WidgetState(id=inputs["用户名"], string_value=name),
                   WidgetState(id=inputs["密码"], string_value=password),
                   WidgetState(id=submit, trigger_value=True)]
        return await self.rerun("", widgets=widgets)

    async def heartbeat(self) -> None:
        """Send a heartbeat and wait for its answer: every message sent before it has been handled."""
        msg = BackMsg()
        msg.app_heartbeat = True
        await self.send(msg)
        while (await self.receive()).WhichOneof("type") != "heartbeat_ack":
            pass

    async def deferred_download(self, file_id: str, request_id: str = "r1") -> str:
        """Ask for a deferred download (st.download_button with a callable) and return its URL ('' if refused)."""
        msg = BackMsg()
        msg.backend_operation_request.request_id = request_id
        msg.backend_operation_request.session_id = self.session_id
        msg.backend_operation_request.deferred_file.file_id = file_id
        await self.send(msg)
        while True:
            fwd = await self.receive()
            if fwd.WhichOneof("type") == "backend_operation_response":
                response = fwd.backend_operation_response
                self.last_error = response.error_msg
                return response.deferred_file.url
