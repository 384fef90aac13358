"""The importer under a memory limit (issue 17): time, peak memory and peak disk of a province import for
each IMPORT_MEMORY_LIMIT asked for, written into bench/RESULTS.md.

    .venv/bin/python -m bench.import_memory --persons 2000000 --limits 4GB,8GB

The first limit is the target's (≤ 4 GB peak, ≤ 5 minutes). `bench.run` measures the same as part of the
whole benchmark; this module alone re-measures only the import and replaces its section and target row in
an existing RESULTS.md. Each import runs in its own process (`bench.peak`: VmHWM of the process, and the
largest child's peak); a watchdog samples its resident memory and the import's disk use (the staging
folder and the half-built warehouse beside the target) and kills it above --kill-above, so a runaway import
cannot take a shared machine down.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from bench.common import machine
from data.importer import duckdb_memory, extracts_bytes, parse_size

ROOT = Path(__file__).resolve().parent.parent
KEY = "bench-pseudonym-key"  # the benchmark's fictional data only
IMPORT_S = 300
IMPORT_PEAK_MB = 4096
SECTION = "## Province import under a memory limit"
TARGET_ROW = "| Province: import peak memory ≤ 4 GB"
# The importer before issue 17 (in-memory staging), measured by bench.run on 2026-11-25 on this machine.
BEFORE = {"seconds": 159.4, "peak_mb": 19_868}


@dataclass
class ImportRun:
    """One measured import."""

    limit: str
    seconds: float
    peak_mb: float
    disk_peak_mb: float
    extracts_mb: float
    rows_loaded: int = 0
    warehouse_mb: float = 0.0
    load: float = 0.0  # the machine's mean 1-minute load average during the import (2 cores: 2 is full)
    cpu_s: float = 0.0  # CPU seconds of the import process, all threads (user + system)

    @property
    def duckdb_mb(self) -> float:
        """The memory_limit the importer gives DuckDB for this budget."""
        return duckdb_memory(parse_size(self.limit)) / 2**20

    @property
    def disk_factor(self) -> float:
        """Peak disk of the import as a multiple of the extracts' size."""
        return self.disk_peak_mb / self.extracts_mb


def import_disk_mb(warehouse: Path) -> float:
    """Disk the running import holds beside the target: its staging folder and its half-built warehouse."""
    total = 0
    for path in warehouse.parent.glob(warehouse.name + ".*"):
        if ".staging-" in path.name:
            total += sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
        elif ".building-" in path.name:
            total += path.stat().st_size
    return total / 2**20


def _rss_mb(pid: int) -> float:
    """Current resident memory of a process (0 once it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def measure_import(extracts: Path, warehouse: Path, as_of: str, limit: str, log_file: Path,
                   kill_above_mb: float) -> ImportRun:
    """Run the real importer under IMPORT_MEMORY_LIMIT=limit; raises if it fails or is killed."""
    with tempfile.NamedTemporaryFile(suffix=".peak", delete=False) as fh:
        peak_file = Path(fh.name)
    cmd = [sys.executable, "-m", "bench.peak", str(peak_file), "data.importer", str(extracts),
           "--warehouse", str(warehouse), "--as-of", as_of]
    env = {**os.environ, "PSEUDONYM_KEY": KEY, "IMPORT_MEMORY_LIMIT": limit}
    disk_peak, killed, loads = 0.0, [], []
    start = time.perf_counter()
    with log_file.open("w") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)

        def watch() -> None:
            nonlocal disk_peak
            while proc.poll() is None:
                disk_peak = max(disk_peak, import_disk_mb(warehouse))
                loads.append(os.getloadavg()[0])
                if _rss_mb(proc.pid) > kill_above_mb:
                    killed.append(True)
                    proc.kill()
                time.sleep(0.5)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        proc.wait()
        watcher.join()
    seconds = time.perf_counter() - start
    text = peak_file.read_text().split() if peak_file.exists() else []
    peak_file.unlink(missing_ok=True)
    if killed:
        raise RuntimeError(f"import under {limit} killed: resident memory above {kill_above_mb:,.0f} MB")
    if proc.returncode != 0:
        raise RuntimeError(f"import under {limit} failed ({proc.returncode}): see {log_file}")
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    rows = int(con.execute("SELECT sum(rows_loaded) FROM meta_file").fetchone()[0])
    con.close()
    return ImportRun(limit, seconds, float(text[0]) if text else float("nan"), disk_peak,
                     extracts_bytes(extracts) / 2**20, rows, warehouse.stat().st_size / 2**20,
                     sum(loads) / max(len(loads), 1), float(text[1]) if len(text) > 1 else float("nan"))


def target_row(run: ImportRun) -> str:
    """The Targets table's row for issue 17, judged on the run under the target's limit."""
    ok = run.peak_mb <= IMPORT_PEAK_MB and run.seconds <= IMPORT_S
    return (f"{TARGET_ROW} and ≤ 5 min (IMPORT_MEMORY_LIMIT={run.limit}) | {run.peak_mb:,.0f} MB peak, "
            f"{run.seconds:.0f} s | {'met' if ok else '**NOT met**'} |")


def section(runs: list[ImportRun], machine: str) -> str:
    """Markdown: one row per limit, the in-memory importer before it, and how to read them."""
    lines = [
        SECTION, "",
        f"{machine} The same extracts each time ({runs[0].extracts_mb:,.0f} MB, {runs[0].rows_loaded:,} rows "
        "loaded); each import in its own process. Peak memory is the process's VmHWM (it starts no children; "
        "`bench.peak` would also count the largest child). Peak disk is the staging folder (staging database "
        "and DuckDB's spill files) plus the half-built warehouse beside the target, sampled every 0.5 s. Load is "
        "the machine's mean 1-minute load average during the import (it has 2 cores and is shared: above 2, "
        "other work was taking CPU time from the import). CPU s is the import's own CPU time over all its threads "
        "(user + system), which other work on the machine changes much less than the wall time.", "",
        "| IMPORT_MEMORY_LIMIT | DuckDB memory_limit | import s | rows/s | peak memory MB | peak disk MB | "
        "disk / extracts | warehouse MB | load | CPU s |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in runs:
        lines.append(f"| {r.limit} | {r.duckdb_mb:,.0f} MB | {r.seconds:.1f} | {r.rows_loaded / r.seconds:,.0f} | "
                     f"**{r.peak_mb:,.0f}** | {r.disk_peak_mb:,.0f} | {r.disk_factor:.2f}× | {r.warehouse_mb:,.0f} | "
                     f"{r.load:.1f} | {r.cpu_s:.0f} |")
    lines.append(f"| (before issue 17: in-memory staging, no limit) | — | {BEFORE['seconds']} | — | "
                 f"{BEFORE['peak_mb']:,} | — | — | — | — | — |")
    lines.append("")
    return "\n".join(lines)


def replace_section(text: str, new_section: str, row: str) -> str:
    """RESULTS.md with the import section replaced (or added before the notes) and the target row set."""
    lines = text.splitlines()
    if SECTION in lines:
        start = lines.index(SECTION)
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
        lines[start:end] = [*new_section.splitlines(), ""]
    else:
        at = next((i for i, line in enumerate(lines) if line.startswith("## Province: each page")), len(lines))
        lines[at:at] = [*new_section.splitlines(), ""]
    rows = [i for i, line in enumerate(lines) if line.startswith(TARGET_ROW)]
    if rows:
        lines[rows[0]] = row
    else:
        header = lines.index("## Targets")
        last = next(i for i in range(header + 3, len(lines)) if not lines[i].startswith("|"))
        lines.insert(last, row)
    return "\n".join(lines) + "\n"


def run_limits(extracts: Path, work: Path, as_of: str, limits: list[str], kill_above_mb: float,
               log=print) -> list[ImportRun]:
    """One import per limit into a throw-away warehouse under `work` (removed after)."""
    runs = []
    for limit in limits:
        target = work / f"import-{limit}.duckdb"
        log(f"  导入（IMPORT_MEMORY_LIMIT={limit}）…")
        try:
            runs.append(measure_import(extracts, target, as_of, limit, work / f"import-{limit}.log", kill_above_mb))
        finally:
            target.unlink(missing_ok=True)
        r = runs[-1]
        log(f"    {r.seconds:.1f} s，内存峰值 {r.peak_mb:,.0f} MB，磁盘峰值 {r.disk_peak_mb:,.0f} MB")
    return runs


def main(argv: list[str] | None = None) -> int:
    from data.generate import default_until

    parser = argparse.ArgumentParser(prog="python -m bench.import_memory", description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=2_000_000)
    parser.add_argument("--limits", default="4GB,8GB", help="IMPORT_MEMORY_LIMIT values; the first is the target's")
    parser.add_argument("--work", type=Path, default=ROOT / "var" / "bench")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "RESULTS.md")
    parser.add_argument("--until", default=default_until())
    parser.add_argument("--kill-above", default="10GB", help="kill an import whose resident memory passes this")
    args = parser.parse_args(argv)
    extracts = args.work / f"extracts-{args.persons}"
    if not (extracts / "planted_errors.csv").exists():
        print(f"先生成数据：.venv/bin/python -m data.generate {extracts} --persons {args.persons} --until {args.until}")
        return 2
    free = shutil.disk_usage(args.work).free / 2**30
    info = machine()
    print(f"bench.import_memory: {extracts}，空闲磁盘 {free:.0f} GB")
    runs = run_limits(extracts, args.work, args.until, args.limits.split(","), parse_size(args.kill_above) / 2**20)
    where = (f"Run {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC by `.venv/bin/python -m bench.import_memory "
             f"{' '.join(argv or sys.argv[1:])}` on {info['cores']} cores, {info['memory_gib']:.1f} GiB, DuckDB "
             f"{info['duckdb']} (the rest of this file is from the run dated at its top).")
    text = section(runs, where)
    empty = "## Targets\n\n| target | measured | |\n|---|---|---|\n\n"
    old = args.out.read_text(encoding="utf-8") if args.out.exists() else empty
    args.out.write_text(replace_section(old, text, target_row(runs[0])), encoding="utf-8")
    print("\n" + text + "\n" + target_row(runs[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
