"""The province-scale benchmark (issue 5): import, page queries, cold pages, memory, naive baseline,
PostgreSQL at county scale, concurrent sessions. Writes bench/RESULTS.md and prints it.

    .venv/bin/python -m bench.run --persons 2000000

Data goes under var/bench/ (generated once per size and kept; the province set is about 3.7 GB of
extracts and 1.5 GB of warehouse). `--reuse-warehouse` skips the import when the warehouse exists.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from bench import explore as bx
from bench import pages as bp
from bench.common import machine, ms, pct
from bench.import_memory import ImportRun, run_limits, target_row
from bench.import_memory import measure_import as measure_limited_import
from bench.import_memory import section as import_section
from bench.load import LoadResult, run_load
from bench.pgserver import pg_server
from data.generate import default_until
from data.importer import parse_size
from queries import dashboard
from queries.common import Filters
from queries.db import Warehouse, connect

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
KEY = "bench-pseudonym-key"  # a fixed key: the benchmark's warehouses hold fictional data only

# Targets of issue 5 (seconds / MB / ratios).
PROVINCE_PAGE_P50_S = 0.100
PROVINCE_QUERY_P95_S = 0.060
COLD_PAGE_S = 1.0
PEAK_MB = 600
IMPORT_S = 300
BASELINE_RATIO = 20
COUNTY_PAGE_S = 0.030
LOAD_P95_S = 2.0


def log(*args) -> None:
    print(*args, flush=True)


def run_child(module: str, args: list[str], env: dict | None = None,
              log_file: Path | None = None) -> tuple[float, float, str]:
    """Run `python -m MODULE ARGS`; return (seconds, its peak RSS in MB, its output). Raises on failure.

    The peak is the child's own VmHWM (bench.peak), not ru_maxrss, which Linux carries over from the
    benchmark process through fork and exec."""
    with tempfile.NamedTemporaryFile(suffix=".peak", delete=False) as fh:
        peak_file = Path(fh.name)
    cmd = [PY, "-m", "bench.peak", str(peak_file), module, *args]
    start = time.perf_counter()
    out = log_file.open("w") if log_file else subprocess.PIPE
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **(env or {})}, stdout=out,
                            stderr=subprocess.STDOUT, text=True)
    stdout = proc.stdout.read() if proc.stdout else ""
    proc.wait()
    seconds = time.perf_counter() - start
    if log_file:
        out.close()
        stdout = log_file.read_text(encoding="utf-8", errors="replace")
    peak = (float(peak_file.read_text().split()[0]) if peak_file.exists() and peak_file.stat().st_size
            else float("nan"))
    peak_file.unlink(missing_ok=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{module} {' '.join(map(str, args))} failed ({proc.returncode}):\n{stdout[-3000:]}")
    return seconds, peak, stdout


def app_env(work: Path) -> dict[str, str]:
    """Environment of the benchmark's dashboard processes: DEMO_MODE signs every session in as a
    read-only analyst (whole county, like 领导/分析), so the pages run in full instead of stopping at
    the sign-in form; the audit log and the case store (unless CASES_DB names one) go under the work folder."""
    return {"DEMO_MODE": "1", "AUDIT_LOG": str(work / "audit.log"),
            "CASES_DB": os.environ.get("CASES_DB") or str(work / "cases.sqlite")}


# --- data -------------------------------------------------------------------------------------------------

@dataclass
class Dataset:
    """One generated and imported set."""

    persons: int
    extracts: Path
    warehouse: Path
    generate_s: float | None = None
    import_s: float | None = None
    import_peak_mb: float | None = None
    rows_loaded: int = 0
    payment_rows: int = 0
    townships: int = 0
    villages: int = 0
    size_mb: float = 0.0
    import_run: ImportRun | None = None


def prepare(work: Path, persons: int, as_of: str, until: str, reuse: bool, limit: str | None = None,
            kill_above_mb: float = float("inf")) -> Dataset:
    """Generate (unless present) and import (unless --reuse-warehouse and present) one set; with `limit`,
    the import runs under IMPORT_MEMORY_LIMIT=limit and its peak disk is measured too."""
    ds = Dataset(persons, work / f"extracts-{persons}", work / f"warehouse-{persons}.duckdb")
    if not (ds.extracts / "planted_errors.csv").exists():
        log(f"生成 {persons:,} 人的数据集 → {ds.extracts}")
        ds.generate_s, _, _ = run_child("data.generate", [str(ds.extracts), "--persons", str(persons),
                                                          "--until", until], log_file=work / f"generate-{persons}.log")
    if not (reuse and ds.warehouse.exists()) and limit:
        log(f"导入 {ds.extracts} → {ds.warehouse}（IMPORT_MEMORY_LIMIT={limit}）")
        ds.import_run = measure_limited_import(ds.extracts, ds.warehouse, as_of, limit,
                                               work / f"import-{persons}.log", kill_above_mb)
        ds.import_s, ds.import_peak_mb = ds.import_run.seconds, ds.import_run.peak_mb
    elif not (reuse and ds.warehouse.exists()):
        log(f"导入 {ds.extracts} → {ds.warehouse}")
        ds.import_s, ds.import_peak_mb, _ = run_child(
            "data.importer", [str(ds.extracts), "--warehouse", str(ds.warehouse), "--as-of", as_of],
            env={"PSEUDONYM_KEY": KEY}, log_file=work / f"import-{persons}.log")
    con = duckdb.connect(str(ds.warehouse), read_only=True)
    ds.rows_loaded = int(con.execute("SELECT sum(rows_loaded) FROM meta_file").fetchone()[0])
    ds.payment_rows = int(con.execute("SELECT count(*) FROM fact_subsidy_payment").fetchone()[0])
    ds.townships, ds.villages = con.execute(
        "SELECT count(*) FILTER (WHERE level = 'township'), count(*) FILTER (WHERE level = 'village') "
        "FROM dim_region").fetchone()
    con.close()
    ds.size_mb = ds.warehouse.stat().st_size / 2**20
    return ds


# --- page queries -----------------------------------------------------------------------------------------

@dataclass
class QueryTimes:
    """Seconds per (scenario, page, query label) over the repetitions, and per (scenario, page) sums."""

    by_query: dict[tuple[str, str, str], list[float]] = field(default_factory=dict)
    by_page: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    context: list[float] = field(default_factory=list)


def time_queries(wh: Warehouse, reps: int, warm: int = 1) -> tuple[QueryTimes, bp.Ctx, str]:
    """Every page's queries for each scenario, `reps` times after `warm` untimed passes."""
    times = QueryTimes()
    ctx = bp.context(wh)
    town = bp.biggest_township(wh)
    calls = {s.name: bp.page_calls(ctx, s) for s in bp.scenarios(ctx, town)}
    for rep in range(warm + reps):
        start = time.perf_counter()
        for _, fn, args in bp.CONTEXT_CALLS:
            fn(wh, *args)
        if rep >= warm:
            times.context.append(time.perf_counter() - start)
        for scenario, per_page in calls.items():
            for page, page_calls in per_page.items():
                total = 0.0
                for label, fn, args in page_calls:
                    start = time.perf_counter()
                    fn(wh, *args)
                    seconds = time.perf_counter() - start
                    total += seconds
                    if rep >= warm:
                        times.by_query.setdefault((scenario, page, label), []).append(seconds)
                if rep >= warm:
                    times.by_page.setdefault((scenario, page), []).append(total)
    return times, ctx, town


def page_table(times: QueryTimes, target_s: float | None) -> tuple[str, bool]:
    """Markdown: p50/p95 of each page's queries together, per scenario; whether every p50 meets target."""
    scenarios = list(dict.fromkeys(s for s, _ in times.by_page))
    head = "| page | " + " | ".join(f"{s} p50 ms | {s} p95 ms" for s in scenarios) + " |"
    lines = [head, "|---" * (1 + 2 * len(scenarios)) + "|"]
    ok = True
    for page in bp.PAGES:
        cells = []
        for s in scenarios:
            values = times.by_page[(s, page)]
            p50 = pct(values, 50)
            ok &= target_s is None or p50 <= target_s
            cells.append(f"{ms(p50)} | {ms(pct(values, 95))}")
        lines.append(f"| {bp.PAGE_TITLES[page]} ({page}) | " + " | ".join(cells) + " |")
    return "\n".join(lines), ok


def query_table(times: QueryTimes, target_s: float | None) -> tuple[str, bool, tuple[str, float]]:
    """Markdown: p50/p95 per query (over pages, scenarios and repetitions); worst p95."""
    per: dict[str, dict[str, list[float]]] = {}
    for (scenario, _, label), values in times.by_query.items():
        per.setdefault(label, {}).setdefault(scenario, []).extend(values)
    scenarios = list(dict.fromkeys(s for s, _, _ in times.by_query))
    lines = ["| query | " + " | ".join(f"{s} p50 | {s} p95" for s in scenarios) + " |",
             "|---" * (1 + 2 * len(scenarios)) + "|"]
    worst = ("", 0.0)
    for label in sorted(per):
        cells = []
        for s in scenarios:
            values = per[label].get(s, [])
            p95 = pct(values, 95)
            if p95 > worst[1]:
                worst = (f"{label} [{s}]", p95)
            cells.append(f"{ms(pct(values, 50))} | {ms(p95)}")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    ok = target_s is None or worst[1] <= target_s
    return "\n".join(lines), ok, worst


# --- naive baseline ---------------------------------------------------------------------------------------

def baseline(ds: Dataset, wh: Warehouse, ctx: bp.Ctx, reps: int) -> dict:
    """Headline queries three ways: the dashboard (marts), DuckDB on the fact rows, pandas on the fact rows."""
    full_years = [y for y in ctx.years if f"{y}-12" in ctx.months]
    year = full_years[-1] if full_years else ctx.years[-1]
    month_from, month_to = ctx.months[max(0, len(ctx.months) - 24)], ctx.months[-1]
    m_from, m_to = dashboard.first_of(month_from), dashboard.first_of(month_to)
    y_from, y_to = dt.date(year, 1, 1), dt.date(year, 12, 1)
    con = duckdb.connect(str(ds.warehouse), read_only=True)

    def dash_town() -> None:
        dashboard.unit_table(wh, Filters(scope=""), year)

    def dash_trend() -> None:
        dashboard.subsidy_by_month(wh, Filters(scope=""), month_from, month_to)

    raw_town_sql = """SELECT p.township_code, f.subsidy_code, sum(f.amount_yuan) AS amount_yuan,
                             count(DISTINCT f.person_id) AS persons
                      FROM fact_subsidy_payment f JOIN dim_person p USING (person_id)
                      WHERE f.pay_month BETWEEN $a AND $b GROUP BY ALL"""
    raw_trend_sql = """SELECT pay_month, subsidy_code, count(*) AS payments, sum(amount_yuan) AS amount_yuan
                       FROM fact_subsidy_payment WHERE pay_month BETWEEN $a AND $b GROUP BY ALL"""

    def raw_town() -> None:
        con.execute(raw_town_sql, {"a": y_from, "b": y_to}).df()

    def raw_trend() -> None:
        con.execute(raw_trend_sql, {"a": m_from, "b": m_to}).df()

    log("  基线：把事实表读入 pandas …")
    start = time.perf_counter()
    frames = {
        "pay": con.execute("SELECT person_id, subsidy_code, pay_month, CAST(amount_yuan AS DOUBLE) AS amount_yuan "
                           "FROM fact_subsidy_payment").df(),
        "person": con.execute("SELECT person_id, township_code FROM dim_person").df(),
    }
    load_s = time.perf_counter() - start
    frames["pay"]["pay_month"] = pd.to_datetime(frames["pay"]["pay_month"])
    mem_mb = sum(f.memory_usage(deep=True).sum() for f in frames.values()) / 2**20

    def pandas_town() -> None:
        pay = frames["pay"]
        rows = pay[(pay["pay_month"] >= pd.Timestamp(y_from)) & (pay["pay_month"] <= pd.Timestamp(y_to))]
        rows = rows.merge(frames["person"], on="person_id")
        rows.groupby(["township_code", "subsidy_code"]).agg(amount_yuan=("amount_yuan", "sum"),
                                                            persons=("person_id", "nunique"))

    def pandas_trend() -> None:
        pay = frames["pay"]
        rows = pay[(pay["pay_month"] >= pd.Timestamp(m_from)) & (pay["pay_month"] <= pd.Timestamp(m_to))]
        rows.groupby(["pay_month", "subsidy_code"]).agg(payments=("person_id", "size"),
                                                        amount_yuan=("amount_yuan", "sum"))

    def timed(fn, n: int) -> float:
        fn()
        return statistics.median([_clock(fn) for _ in range(n)])

    out = {"year": year, "months": f"{month_from}..{month_to}", "load_s": load_s, "pandas_mb": mem_mb, "rows": []}
    for name, dash, raw, naive in (
        (f"金额与人数（按乡镇，{year}年12个月）", dash_town, raw_town, pandas_town),
        (f"月度趋势（{month_from}至{month_to}，24个月）", dash_trend, raw_trend, pandas_trend),
    ):
        d = timed(dash, reps)
        r = timed(raw, max(3, reps // 5))
        p = timed(naive, 3)
        out["rows"].append({"query": name, "dashboard_s": d, "duckdb_raw_s": r, "pandas_s": p, "ratio": p / d})
    frames.clear()
    gc.collect()
    con.close()
    return out


def _clock(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


# --- report -----------------------------------------------------------------------------------------------

def yes(ok: bool) -> str:
    return "met" if ok else "**NOT met**"


def keep_other_sections(text: str, out: Path) -> str:
    """The new results, followed by the sections of the old file that this run does not write (measured by
    their own commands, such as bench.first_paint's)."""
    if not out.exists():
        return text
    ours = {line for line in text.splitlines() if line.startswith("## ")}
    kept, keep = [], False
    for line in out.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            keep = line not in ours and not line.startswith(("## Province", "## County", "## Data"))
        if keep:
            kept.append(line)
    return text.rstrip("\n") + ("\n\n" + "\n".join(kept) if kept else "") + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=2_000_000, help="province size (default 2,000,000)")
    parser.add_argument("--county-persons", type=int, default=45_000, help="county size for PG and load")
    parser.add_argument("--work", type=Path, default=ROOT / "var" / "bench", help="data folder (git-ignored)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "RESULTS.md")
    parser.add_argument("--reps", type=int, default=20, help="timed repetitions of every page's queries")
    parser.add_argument("--sessions", type=int, default=20, help="concurrent sessions in the load test")
    parser.add_argument("--load-seconds", type=float, default=60, help="length of the load test")
    parser.add_argument("--processes", default=f"1,{os.cpu_count() or 1}",
                        help="dashboard processes to spread the sessions over, one load test each (default: 1 and "
                        "one per core, as scripts/serve_many.sh behind deploy/nginx.conf); the target is judged "
                        "on the last")
    parser.add_argument("--until", default=default_until(), help="last month of generated data (default: the "
                        "last full month; also the import's --as-of)")
    parser.add_argument("--reuse-warehouse", action="store_true", help="skip an import whose warehouse exists")
    parser.add_argument("--import-limits", default="4GB,8GB",
                        help="IMPORT_MEMORY_LIMIT of the province import (the first; its warehouse is the one "
                        "measured) and of further imports for comparison (default 4GB,8GB)")
    parser.add_argument("--kill-above", default="10GB", help="kill an import whose resident memory passes this")
    parser.add_argument("--skip-pg", action="store_true")
    parser.add_argument("--skip-load", action="store_true")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    as_of = args.until
    info = machine()
    started = dt.datetime.now(dt.UTC)
    load_start = os.getloadavg()
    log(f"bench: {args.persons:,} persons; machine {info['cores']} cores, {info['memory_gib']:.1f} GiB")

    # 1. province: generate, import
    limits = args.import_limits.split(",")
    kill_above_mb = parse_size(args.kill_above) / 2**20
    prov = prepare(args.work, args.persons, as_of, args.until, args.reuse_warehouse, limits[0], kill_above_mb)
    limit_runs = ([prov.import_run, *run_limits(prov.extracts, args.work, as_of, limits[1:], kill_above_mb, log)]
                  if prov.import_run else [])
    log(f"  仓库 {prov.size_mb:,.0f} MB，{prov.payment_rows:,} 条发放记录" +
        (f"，导入 {prov.import_s:.1f} s" if prov.import_s else "（沿用已导入的仓库）"))

    # 2. page queries, cache off
    wh = connect(str(prov.warehouse))
    log(f"  页面查询 ×{args.reps} …")
    ptimes, pctx, town = time_queries(wh, args.reps)
    page_md, pages_ok = page_table(ptimes, PROVINCE_PAGE_P50_S)
    query_md, queries_ok, worst = query_table(ptimes, PROVINCE_QUERY_P95_S)
    log(f"  指标分析 每个指标 × 维度 ×{args.reps} …")
    explore_md, explore_ok, explore_worst = bx.table(bx.time_explore(wh, args.reps))

    # 3. naive baseline (same process, same data)
    base = baseline(prov, wh, pctx, args.reps)
    wh.close()
    gc.collect()

    # 4. the case store synchronised with this import by hand, as docs/warnings.md has an operator do after an
    # import (else the dashboard's first page run on the new import does it, and its peak is the sync's)
    log("  预警案件库同步（python -m cases.store sync，独立进程）…")
    sync_s, sync_peak, sync_out = run_child("cases.store", ["sync", "--warehouse", str(prov.warehouse)],
                                            env=app_env(args.work))
    sync_said = sync_out.strip().splitlines()[-1] if sync_out.strip() else ""

    # 5. cold pages through AppTest in a separate process (its peak RSS = the dashboard process)
    log("  各页面冷启动（AppTest，独立进程）…")
    _, child_peak, out = run_child("bench.cold_pages", ["--town", town],
                                   env={"WAREHOUSE_URL": str(prov.warehouse), **app_env(args.work)})
    cold = json.loads(next(line for line in out.splitlines() if line.startswith("RESULT "))[7:])
    peak_mb = max(child_peak, cold["peak_rss_mb"])
    cold_ok = all(v <= COLD_PAGE_S for part in ("default", "township") for v in cold[part].values())

    # 6. county: DuckDB vs PostgreSQL, and the load test
    county = prepare(args.work, args.county_persons, as_of, args.until, args.reuse_warehouse)
    cwh = connect(str(county.warehouse))
    log(f"  县级（{args.county_persons:,} 人）页面查询 DuckDB …")
    ctimes, cctx, _ = time_queries(cwh, args.reps)
    cwh.close()
    county_md, county_ok = page_table(ctimes, COUNTY_PAGE_S)
    pg_md, pg_ratio, pg_version = "", None, ""
    if not args.skip_pg:
        with pg_server() as url:
            log("  县级 PostgreSQL：导入 …")
            pg_import_s, _, _ = run_child("data.importer", [str(county.extracts), "--warehouse", url, "--as-of", as_of],
                                          env={"PSEUDONYM_KEY": KEY}, log_file=args.work / "import-pg.log")
            pwh = connect(url)
            pg_version = str(pwh.frame("SHOW server_version").iloc[0, 0])
            log("  县级 PostgreSQL：页面查询 …")
            gtimes, _, _ = time_queries(pwh, max(3, args.reps // 2))
            pwh.close()
        lines = ["| page | DuckDB p50 ms | PostgreSQL p50 ms | PG / DuckDB |", "|---|---|---|---|"]
        tot_d = tot_p = 0.0
        for page in bp.PAGES:
            d = statistics.median([sum(ctimes.by_page[(s, page)][i] for s in ("default", "township", "category+level"))
                                   for i in range(args.reps)]) / 3
            p = statistics.median([sum(gtimes.by_page[(s, page)][i] for s in ("default", "township", "category+level"))
                                   for i in range(len(gtimes.by_page[("default", page)]))]) / 3
            tot_d, tot_p = tot_d + d, tot_p + p
            lines.append(f"| {bp.PAGE_TITLES[page]} | {ms(d)} | {ms(p)} | {p / d:.1f}× |")
        pg_ratio = tot_p / tot_d
        lines.append(f"| **all pages** | {ms(tot_d)} | {ms(tot_p)} | **{pg_ratio:.1f}×** |")
        pg_md = "\n".join(lines) + f"\n\nPostgreSQL {pg_version} (same importer, same queries; import {pg_import_s:.1f} s)."
    loads: list[LoadResult] = []
    if not args.skip_load:
        # the county's own case store, synchronised with its import first (as for the province): a store the
        # province's import had synchronised made the load test's first reruns synchronise it, in every process
        county_env = app_env(args.work) | {"CASES_DB": str(args.work / f"cases-{args.county_persons}.sqlite")}
        run_child("cases.store", ["sync", "--warehouse", str(county.warehouse)], env=county_env)
        for processes in dict.fromkeys(int(n) for n in args.processes.split(",")):
            log(f"  负载：{args.sessions} 个并发会话，{processes} 个进程，{args.load_seconds:.0f} s …")
            loads.append(run_load(str(county.warehouse), args.sessions, args.load_seconds, cctx.years,
                                  cctx.townships, args.work / "serve.log", env=county_env,
                                  processes=processes))
    load = loads[-1] if loads else None

    # 7. report
    import_ok = prov.import_s is not None and prov.import_s <= IMPORT_S
    base_ok = all(r["ratio"] >= BASELINE_RATIO for r in base["rows"])
    load_ok = load is not None and load.latencies and load.pct(95) <= LOAD_P95_S and not load.errors
    worst_page = max((pct(v, 50), f"{page} [{s}]") for (s, page), v in ptimes.by_page.items())
    worst_county = max((pct(v, 50), f"{page} [{s}]") for (s, page), v in ctimes.by_page.items())
    worst_cold = max((v, f"{page} [{part}]") for part in ("default", "township") for page, v in cold[part].items())
    targets = [
        ("Province: every page's queries together p50 ≤ 100 ms", f"worst {ms(worst_page[0])} ms ({worst_page[1]})",
         pages_ok),
        ("Province: every single query p95 ≤ 60 ms", f"worst {ms(worst[1])} ms ({worst[0]})", queries_ok),
        ("Province: 指标分析 every metric × breakdown p50 ≤ 50 ms, p95 ≤ 150 ms",
         f"worst p95 {ms(explore_worst[2])} ms, its p50 {ms(explore_worst[1])} ms ({explore_worst[0]})", explore_ok),
        ("Province: every page script cold ≤ 1 s server time", f"worst {worst_cold[0]:.2f} s ({worst_cold[1]})",
         cold_ok),
        ("Province: dashboard process < 600 MB peak", f"{peak_mb:.0f} MB", peak_mb < PEAK_MB),
        ("Province: import ≤ 5 min including validation",
         f"{prov.import_s:.0f} s" if prov.import_s else "not run (--reuse-warehouse)", import_ok),
        *([] if not limit_runs else [None]),
        ("Province: ≥ 20× faster than naive pandas on the headline queries",
         ", ".join(f"{r['ratio']:.0f}×" for r in base["rows"]), base_ok),
        ("County: every page's queries together ≤ 30 ms (p50)",
         f"worst {ms(worst_county[0])} ms ({worst_county[1]})", county_ok),
        ("County: 20 concurrent sessions p95 ≤ 2 s per rerun",
         f"p95 {load.pct(95):.2f} s, {load.reruns_per_s:.1f} reruns/s ({load.processes} processes)" if load
         else "not run", bool(load_ok)),
    ]
    md = [
        "# Benchmark results (province scale)",
        "",
        f"Run {started:%Y-%m-%d %H:%M} UTC by `{' '.join(['.venv/bin/python -m bench.run', *(argv or sys.argv[1:])])}`; "
        f"load average (1, 5, 15 min) {', '.join(f'{x:.1f}' for x in load_start)} at the start, "
        f"{', '.join(f'{x:.1f}' for x in os.getloadavg())} at the end (2 cores: above 2, other work took CPU time).",
        f"Machine: {info['cores']} cores ({info['cpu']}), {info['memory_gib']:.1f} GiB RAM, {info['os']}. "
        f"Python {info['python']}, DuckDB {info['duckdb']}, Streamlit {info['streamlit']}, pandas {info['pandas']}, "
        f"pyarrow {info['pyarrow']}" + (f", PostgreSQL {pg_version}" if pg_version else "") + ".",
        "",
        "## Targets",
        "",
        "| target | measured | |",
        "|---|---|---|",
        *[f"| {t[0]} | {t[1]} | {yes(t[2])} |" if t else target_row(limit_runs[0]) for t in targets],
        "",
        "## Data and import",
        "",
        "| set | persons | townships | villages | payment rows | rows loaded | generate s | import s | rows/s | "
        "importer peak MB | warehouse MB |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, d in (("province", prov), ("county", county)):
        md.append(f"| {name} | {d.persons:,} | {d.townships} | {d.villages:,} | {d.payment_rows:,} | {d.rows_loaded:,} | "
                  f"{d.generate_s or 0:.0f} | " + (f"{d.import_s:.1f}" if d.import_s else "—") + " | " +
                  (f"{d.rows_loaded / d.import_s:,.0f}" if d.import_s else "—") + " | " +
                  (f"{d.import_peak_mb:,.0f}" if d.import_peak_mb else "—") + f" | {d.size_mb:,.0f} |")
    md += [
        "",
        "(generate s = 0: the extracts were already there. The import includes reading every file, every rule of "
        "extracts.md, pseudonyms, dimensions, facts, marts and the atomic write.)",
        "",
        *([import_section(limit_runs, "Same machine and run.")] if limit_runs else []),
        f"## Province: each page's queries together, Streamlit cache off ({args.reps} runs per view)",
        "",
        f"Views: `default` = whole province, latest year {pctx.years[-1]}, last 24 months; `township` = drilled "
        f"into the biggest township ({town}); `category+level` = 肢体 二级. One connection, warm (data in the OS "
        "cache), as the dashboard process holds it.",
        "",
        page_md,
        "",
        f"Context queries every process runs once (months, years, regions, county): p50 {ms(pct(ptimes.context, 50))} ms.",
        "",
        "## Province: each query (p50 / p95 ms, over pages and runs)",
        "",
        query_md,
        "",
        "## Province: 指标分析, each metric × breakdown (p50 / p95 ms)",
        "",
        "Units and categories over the latest year; years and months over the last 36 months (the page asks for"
        " 24 and the 12 before them, for 同比/环比); villages inside the biggest township; township × year is the"
        " heat table. One statement each (`bench/explore.py`).",
        "",
        explore_md,
        "",
        "## Province: each page's script once cold (AppTest, server time)",
        "",
        "Caches cleared before each page, so each time includes opening the warehouse and every query. Run in a "
        "separate process whose peak memory is the dashboard's. Wall seconds, and the process's CPU seconds "
        "(script and DuckDB threads): on a loaded machine the wall time includes waiting for a core.",
        "",
        "| page | default s | township s | default CPU s | township CPU s |",
        "|---|---|---|---|---|",
        *[f"| {bp.PAGE_TITLES.get(p, p)} | {cold['default'][p]:.3f} | {cold['township'].get(p, float('nan')):.3f} | "
          f"{cold.get('cpu', {}).get('default', {}).get(p, float('nan')):.3f} | "
          f"{cold.get('cpu', {}).get('township', {}).get(p, float('nan')):.3f} |"
          for p in cold["default"]],
        "",
        f"Dashboard process peak RSS: **{peak_mb:.0f} MB** (after importing the app: {cold['rss_imported_mb']:.0f} MB).",
        "",
        f"Before it, the 预警 case store was synchronised with this import in its own process, as docs/warnings.md "
        f"has an operator do after an import (`python -m cases.store sync`): {sync_s:.1f} s, peak {sync_peak:,.0f} MB "
        f"({sync_said}). Without that step the dashboard's first page run on the new import synchronises it and "
        f"its peak is the sync's.",
        "",
        "## Province: naive baseline (same process, same data)",
        "",
        f"The payment facts and persons loaded into pandas ({base['load_s']:.1f} s, {base['pandas_mb']:,.0f} MB), then "
        "grouped in pandas; against the dashboard's own query on the marts, and DuckDB on the raw fact rows. "
        "Medians; loading is not counted in the pandas time.",
        "",
        "| headline query | dashboard ms | DuckDB on fact rows ms | pandas ms | pandas / dashboard |",
        "|---|---|---|---|---|",
        *[f"| {r['query']} | {ms(r['dashboard_s'])} | {ms(r['duckdb_raw_s'])} | {ms(r['pandas_s'])} | "
          f"**{r['ratio']:.0f}×** |" for r in base["rows"]],
        "",
        "The dashboard's 'per township' query is the page's whole annual table (`unit_table`: persons, monitoring, "
        "subsidies, rehab, bases, modifications per township), so it does more than the pandas groupby.",
        "",
        f"## County ({args.county_persons:,} persons): each page's queries together, DuckDB",
        "",
        county_md,
        "",
    ]
    if pg_md:
        md += ["## County: PostgreSQL against DuckDB (mean over the three views, p50 per page)", "", pg_md, ""]
    if load:
        md += [
            f"## County: {load.sessions} concurrent sessions against `scripts/serve.py`",
            "",
            "Protocol-level clients (websocket `/_stcore/stream`, `BackMsg.rerun_script` with a query string and a "
            "page, timed to `ForwardMsg.script_finished`), each rerunning every page in turn with a different year, "
            "township and category, with no pause between reruns; Streamlit's cache on, as in production; "
            "`.streamlit/config.toml` as shipped. With several processes, session i keeps to process i mod N for "
            "its whole life, as behind deploy/nginx.conf's sticky upstream (`scripts/serve_many.sh N`; nginx "
            "itself is not in the loop). The target is judged on the last row.",
            "",
            "| sessions | processes | seconds | reruns | reruns/s | p50 s | p95 s | max s | errors | elements per rerun |",
            "|---|---|---|---|---|---|---|---|---|---|",
            *(f"| {r.sessions} | {r.processes} | {r.seconds:.0f} | {len(r.latencies)} | {r.reruns_per_s:.1f} | "
              f"{r.pct(50):.2f} | {r.pct(95):.2f} | {max(r.latencies, default=float('nan')):.2f} | "
              f"{r.errors + r.exceptions} | {r.elements / max(1, len(r.latencies)):.0f} |" for r in loads),
            "",
        ]
    text = keep_other_sections("\n".join(md), args.out)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    log("\n" + text)
    log(f"\n写入 {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
