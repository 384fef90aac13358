"""Whether two warehouses hold the same content: each table's columns and types, its rows (as a multiset;
meta_import's imported_at and import_id aside), and in the second warehouse the sort order build.sql gives each table.

    python -m bench.compare OLD.duckdb NEW.duckdb

Rows that tie on a table's ORDER BY keys may sit in either order (the old importer differs from itself
there from run to run), so positions are checked through the keys, not row by row.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import duckdb

from data.importer import BUILD_SQL, WAREHOUSE_TABLES

_CREATE = re.compile(r"CREATE TABLE (\w+) AS.*?ORDER BY ([^;]+);", re.DOTALL)


def sort_keys() -> dict[str, list[str]]:
    """Each build.sql table's ORDER BY columns (without their table alias)."""
    return {name: [k.strip().split(".")[-1] for k in keys.split(",")]
            for name, keys in _CREATE.findall(BUILD_SQL.read_text(encoding="utf-8"))}


def compare(old: str, new: str, log=print) -> list[str]:
    """The tables that differ, with why; an empty list when the warehouses hold the same content."""
    con = duckdb.connect(config={"preserve_insertion_order": True})
    con.execute("ATTACH $p AS a (READ_ONLY)", {"p": old})
    con.execute("ATTACH $p AS b (READ_ONLY)", {"p": new})
    keys = sort_keys()
    problems = []
    for t in WAREHOUSE_TABLES:
        if con.execute(f"DESCRIBE a.{t}").fetchall() != con.execute(f"DESCRIBE b.{t}").fetchall():
            problems.append(f"{t}: columns differ")
            continue
        where = " WHERE key NOT IN ('imported_at', 'import_id')" if t == "meta_import" else ""
        only_a, only_b = (con.execute(f"SELECT count(*) FROM (SELECT * FROM {x}.{t}{where} EXCEPT ALL "
                                      f"SELECT * FROM {y}.{t}{where})").fetchone()[0]
                          for x, y in (("a", "b"), ("b", "a")))
        rows = con.execute(f"SELECT count(*) FROM b.{t}").fetchone()[0]
        unsorted = 0
        if t in keys:
            row = "(" + ", ".join(keys[t]) + ")"
            unsorted = con.execute(f"SELECT count(*) FROM (SELECT {row} AS k, lag({row}) OVER () AS prev FROM b.{t}) "
                                   "WHERE k < prev").fetchone()[0]
        status = "same" if only_a == only_b == unsorted == 0 else "DIFFERENT"
        log(f"{t:32} {rows:>12,} rows  {status}" + (f" (only old {only_a}, only new {only_b}, out of order "
                                                     f"{unsorted})" if status != "same" else ""))
        if status != "same":
            problems.append(t)
    return problems


def main(argv: list[str] | None = None) -> int:
    old, new = (argv or sys.argv[1:])[:2]
    problems = compare(str(Path(old)), str(Path(new)))
    print("same content" if not problems else f"DIFFERENT: {', '.join(problems)}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
