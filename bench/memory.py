"""Memory of one dashboard process over rounds of sessions: RSS after each round of S sessions × T seconds,
once the round's sessions have closed. A process that keeps what closed sessions left grows round after
round; a bounded one levels off.

    python -m bench.memory --warehouse var/demo.duckdb [--rounds 5] [--sessions 20] [--seconds 120]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from bench.load import _run_clients, start_server
from queries import dashboard
from queries.coverage import coverage
from queries.db import connect


def rss_mb(pid: int) -> float:
    """The process's resident set (VmRSS) in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.memory", description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", required=True, help="DuckDB file (or PostgreSQL URL) to serve")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=120.0, help="length of each round")
    parser.add_argument("--settle", type=float, default=10.0, help="seconds after a round before measuring")
    args = parser.parse_args(argv)

    wh = connect(args.warehouse)
    years = coverage(wh).years[-3:]
    towns = dashboard.regions(wh, "").query("level == 'township'")["region_code"].tolist()
    wh.close()
    log = Path(tempfile.mkdtemp(prefix="bench-memory-")) / "server.log"
    proc = start_server(args.warehouse, _free_port(), log)
    port = int(proc.args[proc.args.index("--server.port") + 1])
    try:
        asyncio.run(_run_clients([port], 1, 60, 8, years, towns))  # warm: imports, context, first queries
        time.sleep(args.settle)
        print(f"after warm-up: {rss_mb(proc.pid):.0f} MB")
        for n in range(1, args.rounds + 1):
            result = asyncio.run(_run_clients([port], args.sessions, args.seconds, 10_000, years, towns))
            time.sleep(args.settle)
            print(f"round {n}: {args.sessions} sessions × {args.seconds:.0f} s, {len(result.latencies)} reruns, "
                  f"RSS {rss_mb(proc.pid):.0f} MB")
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    return 0


def _free_port() -> int:
    from bench.pgserver import free_port
    return free_port()


if __name__ == "__main__":
    raise SystemExit(main())
