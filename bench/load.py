"""Concurrent sessions against `scripts/serve.py` on loopback, speaking Streamlit's own protocol.

Each client opens the websocket a browser opens (`/_stcore/stream`, subprotocol `streamlit`) and sends
the `BackMsg.rerun_script` a browser sends when the URL changes (a `ClientState` with the query string
and the page), then reads `ForwardMsg`s until `script_finished`. It reruns every page in turn with
different filters (year, township, category) until the time is up. No browser, no rendering: this
measures the server's cost per rerun.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import connect

from bench.pgserver import free_port

ROOT = Path(__file__).resolve().parent.parent
# url_path of each page in app.py ("" = the default page, 总览).
PAGE_PATHS = ["", "monitoring", "subsidies", "rehabilitation", "employment", "accessibility", "about", "briefing"]


@dataclass
class LoadResult:
    """What the clients saw."""

    sessions: int
    seconds: float
    processes: int = 1
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    exceptions: int = 0
    elements: int = 0  # elements drawn over all reruns (a page stopped at a sign-in form draws few)

    @property
    def reruns_per_s(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        if len(self.latencies) == 1:
            return self.latencies[0]
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[int(q) - 1]


def view_query(session: int, step: int, years: list[int], townships: list[str]) -> str:
    """A different filter for each session and step: year, sometimes a township, sometimes a category."""
    params: dict[str, str] = {"year": str(years[(session + step) % len(years)])}
    if townships and (session + step) % 3 != 0:
        params["town"] = townships[(session * 7 + step) % len(townships)]
    if (session + step) % 4 == 1:
        params["cat"] = str(1 + (session + step) % 7)
    return urlencode(params)


async def one_session(port: int, session: int, deadline: float, max_reruns: int, years: list[int],
                      townships: list[str], result: LoadResult) -> None:
    """One simulated browser tab: rerun page after page until the deadline or max_reruns."""
    url = f"ws://127.0.0.1:{port}/_stcore/stream"
    hashes: dict[str, str] = {}
    async with connect(url, subprotocols=["streamlit"], max_size=None, open_timeout=60,
                       ping_interval=None) as ws:
        step = 0
        while time.monotonic() < deadline and step < max_reruns:
            path = PAGE_PATHS[step % len(PAGE_PATHS)]
            msg = BackMsg()
            msg.rerun_script.query_string = view_query(session, step, years, townships)
            msg.rerun_script.page_name = path
            msg.rerun_script.page_script_hash = hashes.get(path, "")
            start = time.perf_counter()
            await ws.send(msg.SerializeToString())
            while True:
                try:
                    raw = await asyncio.wait_for(ws.recv(), timeout=120)
                except TimeoutError:
                    result.errors += 1
                    return
                fwd = ForwardMsg()
                fwd.ParseFromString(raw)
                kind = fwd.WhichOneof("type")
                if kind == "navigation":
                    for page in fwd.navigation.app_pages:
                        hashes[page.url_pathname] = page.page_script_hash
                        if page.is_default:
                            hashes[""] = page.page_script_hash
                elif kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                    result.elements += 1
                    if fwd.delta.new_element.WhichOneof("type") == "exception":
                        result.exceptions += 1
                elif kind == "script_finished":
                    if fwd.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY:
                        result.latencies.append(time.perf_counter() - start)
                    else:
                        result.errors += 1
                    break
            step += 1


async def _run_clients(ports: list[int], sessions: int, seconds: float, max_reruns: int, years: list[int],
                       townships: list[str]) -> LoadResult:
    """Session i talks to ports[i % len(ports)] for its whole life, as behind deploy/nginx.conf's sticky
    upstream (one browser tab keeps its websocket to one process)."""
    result = LoadResult(sessions=sessions, seconds=0.0, processes=len(ports))
    start = time.monotonic()
    deadline = start + seconds
    outcomes = await asyncio.gather(*(one_session(ports[i % len(ports)], i, deadline, max_reruns, years, townships,
                                                  result) for i in range(sessions)), return_exceptions=True)
    result.errors += sum(isinstance(o, BaseException) for o in outcomes)
    result.seconds = time.monotonic() - start
    return result


def start_server(warehouse: str, port: int, log: Path, env: dict[str, str] | None = None) -> subprocess.Popen:
    """scripts/serve.py on 127.0.0.1:port against the warehouse; returns once /_stcore/health answers."""
    env = {**os.environ, **(env or {}), "WAREHOUSE_URL": warehouse}
    cmd = [sys.executable, str(ROOT / "scripts" / "serve.py"), "--server.port", str(port),
           "--server.address", "127.0.0.1", "--server.headless", "true"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"serve.py exited with {proc.returncode}; see {log}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return proc
        except OSError:
            time.sleep(0.3)
    proc.terminate()
    raise RuntimeError(f"serve.py did not answer on port {port}; see {log}")


def run_load(warehouse: str, sessions: int, seconds: float, years: list[int], townships: list[str],
             log: Path, max_reruns: int = 10_000, warmup: bool = True,
             env: dict[str, str] | None = None, processes: int = 1) -> LoadResult:
    """Start `processes` servers (as scripts/serve_many.sh does), warm each with one session through
    every page, then run the sessions spread over them."""
    procs: list[subprocess.Popen] = []
    ports: list[int] = []
    try:
        for i in range(processes):
            ports.append(free_port())
            procs.append(start_server(warehouse, ports[-1], log.with_name(f"{log.stem}-{i}{log.suffix}"), env))
        if warmup:  # module imports and the context: what a server does once, not per user
            for port in ports:
                asyncio.run(_run_clients([port], 1, 60, len(PAGE_PATHS), years, townships))
        return asyncio.run(_run_clients(ports, sessions, seconds, max_reruns, years, townships))
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
