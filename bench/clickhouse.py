"""ClickHouse (embedded chDB) beside DuckDB (issue 30): the pages' queries on one generated set imported into
both (same run, same data), and a national-size mart (40,000 townships × 60 months, generated directly at mart
grain in each engine by the same formula) timed on both. Writes its section of bench/RESULTS.md.

    .venv/bin/python -m bench.clickhouse --persons 45000 --reps 5

Data goes under var/bench/ (git-ignored): the extracts and the DuckDB warehouse of that size are reused
(bench.run makes the same ones), the chDB directory var/bench/chdb-N is rebuilt (kept with --reuse).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sys
import time
from pathlib import Path

import duckdb

from bench.common import machine, ms, pct
from data.generate import default_until
from data.importer import Importer
from queries.db import SCHEMA_VERSION

ROOT = Path(__file__).resolve().parent.parent
KEY = b"bench-pseudonym-key"
SECTION = "## ClickHouse (chDB) beside DuckDB (issue 30)"

# The national mart: township × subsidy × level × month, like mart_subsidy_month_town without the category.
NATIONAL_TOWNSHIPS, NATIONAL_MONTHS, LEVELS, SUBSIDIES = 40_000, 60, 4, 2
# Row i of the mart, the same arithmetic in both engines (no random generator, so both hold the same numbers):
# township t = i // 480 (code: province 11 + t // 1200, 1,200 townships each), subsidy s, level l, month m
# (0-59 from 2020-01).
NATIONAL_DUCK = f"""
CREATE OR REPLACE TABLE mart_national AS
SELECT CAST((11 + t // 1200) * 10000000000 + (t % 1200) * 1000 AS VARCHAR) AS township_code,
       CASE WHEN s = 0 THEN 'living' ELSE 'nursing' END AS subsidy_code, CAST(l + 1 AS INTEGER) AS level_code,
       CAST(DATE '2020-01-01' + to_months(CAST(m AS INTEGER)) AS DATE) AS pay_month,
       CAST((t * 7 + l * 13 + m * 3 + s * 5) % 97 + 1 AS BIGINT) AS payments,
       CAST(((t * 7 + l * 13 + m * 3 + s * 5) % 97 + 1) * (CASE WHEN s = 0 THEN 100 ELSE 120 END) AS DECIMAL(18, 2))
           AS amount_yuan
FROM (SELECT i // {LEVELS * SUBSIDIES * NATIONAL_MONTHS} AS t, (i // {LEVELS * NATIONAL_MONTHS}) % {SUBSIDIES} AS s,
             (i // {NATIONAL_MONTHS}) % {LEVELS} AS l, i % {NATIONAL_MONTHS} AS m
      FROM range({NATIONAL_TOWNSHIPS * LEVELS * SUBSIDIES * NATIONAL_MONTHS}) r(i))
ORDER BY pay_month, township_code
"""
NATIONAL_CH = f"""
CREATE TABLE national.mart_national (township_code String, subsidy_code String, level_code Int32, pay_month Date32,
    payments Int64, amount_yuan Decimal(18, 2)) ENGINE = MergeTree ORDER BY (pay_month, township_code) AS
SELECT toString((11 + intDiv(t, 1200)) * 10000000000 + (t % 1200) * 1000) AS township_code,
       if(s = 0, 'living', 'nursing') AS subsidy_code, toInt32(l + 1) AS level_code,
       addMonths(toDate32('2020-01-01'), toInt32(m)) AS pay_month,
       toInt64((t * 7 + l * 13 + m * 3 + s * 5) % 97 + 1) AS payments,
       toDecimal64(((t * 7 + l * 13 + m * 3 + s * 5) % 97 + 1) * if(s = 0, 100, 120), 2) AS amount_yuan
FROM (SELECT intDiv(number, {LEVELS * SUBSIDIES * NATIONAL_MONTHS}) AS t,
             intDiv(number, {LEVELS * NATIONAL_MONTHS}) % {SUBSIDIES} AS s,
             intDiv(number, {NATIONAL_MONTHS}) % {LEVELS} AS l, number % {NATIONAL_MONTHS} AS m
      FROM numbers({NATIONAL_TOWNSHIPS * LEVELS * SUBSIDIES * NATIONAL_MONTHS}))
"""
# The dashboard's question shapes on the national mart (parameters bound the way queries/ binds them).
NATIONAL_QUERIES = {
    "全国月度趋势（一年 12 个月）": (
        "SELECT pay_month, sum(payments) AS payments, sum(amount_yuan) AS amount FROM mart_national "
        "WHERE pay_month BETWEEN :month_from AND :month_to GROUP BY pay_month ORDER BY pay_month",
        {"month_from": dt.date(2024, 1, 1), "month_to": dt.date(2024, 12, 1)}),
    "一个月按省汇总": (
        "SELECT substr(township_code, 1, 2) AS province, sum(payments) AS payments FROM mart_national "
        "WHERE pay_month = :month GROUP BY province ORDER BY province", {"month": dt.date(2024, 12, 1)}),
    "一年乡镇排名前 20（40,000 个乡镇）": (
        "SELECT township_code, sum(payments) AS paid FROM mart_national "
        "WHERE pay_month BETWEEN :month_from AND :month_to AND subsidy_code = :subsidy "
        "GROUP BY township_code ORDER BY paid DESC, township_code LIMIT 20",
        {"month_from": dt.date(2024, 1, 1), "month_to": dt.date(2024, 12, 1), "subsidy": "nursing"}),
    "一个乡镇 60 个月（下钻）": (
        "SELECT pay_month, subsidy_code, sum(payments) AS payments FROM mart_national WHERE township_code = :township "
        "GROUP BY pay_month, subsidy_code ORDER BY pay_month, subsidy_code", {"township": "150000015000"}),
    "全表合计（60 个月）": ("SELECT count(*) AS n, sum(payments) AS payments, sum(amount_yuan) AS amount "
                      "FROM mart_national", {}),
}


def log(*args) -> None:
    print(*args, flush=True)


def timed(fn, reps: int, warm: int = 1) -> list[float]:
    for _ in range(warm):
        fn()
    out = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def county_pages(persons: int, work: Path, until: str, reps: int, reuse: bool = False) -> tuple[str, dict]:
    """Both engines' page-query times on one generated set (same extracts, same run)."""
    from bench import run as brun
    from data.generate import generate
    from queries.db import Warehouse

    extracts = work / f"extracts-{persons}"
    if not (extracts / "planted_errors.csv").exists():
        log(f"生成 {persons:,} 人的数据集 → {extracts}")
        generate(extracts, seed=1, persons=persons, until=until)
    as_of = until
    duck_path = work / f"warehouse-{persons}.duckdb"
    facts = {}
    if not duck_path.exists():
        start = time.monotonic()
        Importer(extracts, str(duck_path), as_of, KEY, log=lambda *_: None).run()
        facts["duckdb_import_s"] = time.monotonic() - start
    ch_dir = work / f"chdb-{persons}"
    ch_url = f"chdb://{ch_dir}"
    if not (reuse and ch_dir.exists()):
        shutil.rmtree(ch_dir, ignore_errors=True)
        start = time.monotonic()
        Importer(extracts, ch_url, as_of, KEY, log=lambda *_: None).run()
        facts["chdb_import_s"] = time.monotonic() - start
    tables = {}
    for name, url in (("DuckDB", str(duck_path)), ("chDB", ch_url)):
        wh = Warehouse(url)
        try:
            log(f"{name}: 各页面查询 × {reps}")
            times, _, _ = brun.time_queries(wh, reps)
            tables[name] = times
            facts[f"{name}_payments"] = int(wh.frame("SELECT count(*) AS n FROM fact_subsidy_payment")["n"].iloc[0])
        finally:
            wh.close()
    scenarios = list(dict.fromkeys(s for s, _ in tables["DuckDB"].by_page))
    lines = ["| page | " + " | ".join(f"{s} DuckDB p50 | {s} chDB p50" for s in scenarios) + " |",
             "|---" * (1 + 2 * len(scenarios)) + "|"]
    from bench import pages as bp

    for page in bp.PAGES:
        cells = [f"{ms(pct(tables[e].by_page[(s, page)], 50))}" for s in scenarios for e in ("DuckDB", "chDB")]
        lines.append(f"| {bp.PAGE_TITLES[page]} ({page}) | " + " | ".join(cells) + " |")
    per_query = {e: [v for values in tables[e].by_query.values() for v in values] for e in tables}
    facts["query_p50"] = {e: pct(v, 50) for e, v in per_query.items()}
    facts["query_p95"] = {e: pct(v, 95) for e, v in per_query.items()}
    return "\n".join(lines), facts


def national(work: Path, reps: int) -> tuple[str, dict]:
    """The national mart in both engines: build time, size, each question's p50/p95 and the answers equal."""
    from queries.db import Warehouse

    rows = NATIONAL_TOWNSHIPS * LEVELS * SUBSIDIES * NATIONAL_MONTHS
    duck_path = work / "national.duckdb"
    duck_path.unlink(missing_ok=True)
    facts = {"rows": rows}
    con = duckdb.connect(str(duck_path))
    con.execute("SET threads = 2")
    start = time.monotonic()
    con.execute(NATIONAL_DUCK)
    con.execute(f"CREATE TABLE meta_import AS SELECT 'schema_version' AS key, '{SCHEMA_VERSION}' AS value")
    con.close()
    facts["duck_build_s"] = time.monotonic() - start
    facts["duck_mb"] = duck_path.stat().st_size / 2**20

    from queries.clickhouse import open_chdb

    ch_dir = work.resolve() / "chdb"
    session = open_chdb(ch_dir, None, read_only=False)
    session.query("DROP DATABASE IF EXISTS national SYNC")
    session.query("CREATE DATABASE national")
    start = time.monotonic()
    session.query(NATIONAL_CH)
    session.query("CREATE TABLE national.meta_import ENGINE = MergeTree ORDER BY key AS "
                  f"SELECT 'schema_version' AS key, '{SCHEMA_VERSION}' AS value")
    session.query("OPTIMIZE TABLE national.mart_national FINAL")
    facts["ch_build_s"] = time.monotonic() - start
    facts["ch_mb"] = float(str(session.query(
        "SELECT sum(bytes_on_disk) / 1048576 FROM system.parts WHERE database = 'national' AND active",
        "TabSeparated")).strip())
    session.close()

    duck = Warehouse(str(duck_path))
    ch = Warehouse(f"chdb://{ch_dir}?database=national")
    lines = ["| question | DuckDB p50 ms | DuckDB p95 ms | chDB p50 ms | chDB p95 ms | same answer |",
             "|---|---|---|---|---|---|"]
    try:
        for label, (sql, params) in NATIONAL_QUERIES.items():
            log(f"全国汇总表：{label}")
            d = timed(lambda: duck.frame(sql, **params), reps)  # noqa: B023
            c = timed(lambda: ch.frame(sql, **params), reps)  # noqa: B023
            a, b = duck.frame(sql, **params), ch.frame(sql, **params)
            same = a.shape == b.shape and all(
                (a[col].astype(str) == b[col].astype(str)).all() if a[col].dtype.kind in "OUSM" or str(a[col].dtype) == "str"
                else ((a[col].astype(float) - b[col].astype(float)).abs() < 0.01).all() for col in a.columns)
            lines.append(f"| {label} | {ms(pct(d, 50))} | {ms(pct(d, 95))} | {ms(pct(c, 50))} | {ms(pct(c, 95))} | "
                         f"{'yes' if same else '**no**'} |")
    finally:
        duck.close()
        ch.close()
    return "\n".join(lines), facts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.clickhouse", description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=45_000, help="size of the set imported into both engines")
    parser.add_argument("--reps", type=int, default=5, help="timed repetitions")
    parser.add_argument("--until", default=default_until())
    parser.add_argument("--work", type=Path, default=ROOT / "var" / "bench")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "RESULTS.md")
    parser.add_argument("--skip-pages", action="store_true", help="only the national mart")
    parser.add_argument("--reuse", action="store_true",
                        help="time the chDB directory of this size already imported (var/bench/chdb-N) again")
    parser.add_argument("--skip-national", action="store_true", help="only the pages' queries on the generated set")
    args = parser.parse_args(argv)
    args.work = args.work.resolve()
    args.work.mkdir(parents=True, exist_ok=True)
    info = machine()
    load = os.getloadavg()
    started = time.monotonic()
    pages_md, page_facts = (("", {}) if args.skip_pages
                            else county_pages(args.persons, args.work, args.until, args.reps, args.reuse))
    national_md, nat = ("", {}) if args.skip_national else national(args.work, args.reps)
    load_after = os.getloadavg()
    import chdb

    text = [SECTION, "",
            f"Run {dt.datetime.now():%Y-%m-%d %H:%M} by `python -m bench.clickhouse --persons {args.persons} "
            f"--reps {args.reps}{' --skip-national' * args.skip_national}{' --reuse' * args.reuse}` "
            f"({time.monotonic() - started:.0f} s): {info['cores']} cores, "
            f"{info['memory_gib']:.0f} GiB, DuckDB {info['duckdb']}, chDB {chdb.__version__} (ClickHouse "
            f"{chdb.engine_version}). " + load_sentence(load[0], load_after[0], info["cores"]), ""]
    if pages_md:
        text += [f"### The pages' queries, {args.persons:,} persons, same extracts imported into both "
                 f"(p50 ms of each page's queries together, {args.reps} runs per view)", "",
                 (f"Import: chDB {page_facts['chdb_import_s']:.0f} s" if "chdb_import_s" in page_facts
                  else "Both warehouses imported before (not timed in this run)")
                 + (f", DuckDB {page_facts['duckdb_import_s']:.0f} s" if "duckdb_import_s" in page_facts else "")
                 + f"; {page_facts['DuckDB_payments']:,} payment rows in each. Every query: p50 DuckDB "
                 f"{ms(page_facts['query_p50']['DuckDB'])} ms, chDB {ms(page_facts['query_p50']['chDB'])} ms; p95 "
                 f"DuckDB {ms(page_facts['query_p95']['DuckDB'])} ms, chDB {ms(page_facts['query_p95']['chDB'])} ms.",
                 "", pages_md, ""]
    if national_md:
        text += [f"### National mart: {NATIONAL_TOWNSHIPS:,} townships × {NATIONAL_MONTHS} months × {SUBSIDIES} subsidies × "
             f"{LEVELS} levels = {nat['rows']:,} rows", "",
             "Generated directly at mart grain in each engine by the same arithmetic (so the answers must be equal), "
             "ordered (pay_month, township_code) like the township marts. Build: DuckDB "
             f"{nat['duck_build_s']:.0f} s, {nat['duck_mb']:.0f} MB file; chDB {nat['ch_build_s']:.0f} s, "
             f"{nat['ch_mb']:.0f} MB of parts. {args.reps} timed runs after one warm-up, through queries.db.Warehouse "
             "(parameters bound, results as DataFrames).", "", national_md, ""]
    section = "\n".join(text)
    write_section(args.out, section, section_title(args.persons))
    print(section)
    return 0


def load_sentence(before: float, after: float, cores: int) -> str:
    """What the load average says about the absolute times (the two engines are timed one after the other)."""
    busy = max(before, after) > cores
    head = ("**The machine was shared and loaded**" if busy else "The machine was otherwise quiet")
    return (f"{head}: load average {before:.1f} at the start and {after:.1f} at the end on {cores} cores"
            + ("; absolute times are several times what an idle machine gives" if busy else "")
            + ", and the two engines were timed one after the other, so compare them with that in mind.")


def section_title(persons: int) -> str:
    """One section per scale: the county-size run and the province run (≥ 1,000,000 persons) are kept side by side."""
    return SECTION if persons < 1_000_000 else f"{SECTION[:-len(' (issue 30)')]} at province scale (issue 30)"


def write_section(out: Path, section: str, title: str = SECTION) -> None:
    """Replace this module's section of RESULTS.md (up to the next '## ' heading), or append it; the prose
    under '### What a 3-node cluster would change' (written by hand) is kept."""
    old = out.read_text(encoding="utf-8") if out.exists() else ""
    lines = old.splitlines()
    section = section.replace(SECTION, title, 1)
    if title in lines:
        start = lines.index(title)
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
        kept = lines[start:end]
        hand = kept[kept.index(HAND):] if HAND in kept else []
        lines[start:end] = [*section.splitlines(), *(["", *hand] if hand else [])]
        out.write_text("\n".join(lines).rstrip("\n") + "\n", encoding="utf-8")
    else:
        out.write_text(old.rstrip("\n") + "\n\n" + section.rstrip("\n") + "\n", encoding="utf-8")


HAND = "### What a 3-node cluster would change"

if __name__ == "__main__":
    sys.exit(main())
