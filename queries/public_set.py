"""The public set (issue 25): the fixed list of tables the public may see, per year — what a 统计公报 or a
press release carries — read from the catalogue. The 公开 audience (the press role, a 公开场合 slide, a
published image: queries.audience) sees these views and no other, so every sum and identity linking them is
known in advance and can be protected together (docs/decisions/public-set.md).

For each year of the data:
- each page's county view by township: every category and level together (no category or level filter),
  its cards, unit table, charts and map (`PAGES`); its months are the year's, January to December (or to
  the last month the data holds), never a free range;
- 指标分析: every metric of the catalogue by township for the year, no cross (`explore_allowed`);
- 数据说明: the data's months and definitions, not the import's reject counts (`REJECTS_PUBLIC`).

What is outside the set is refused with a sentence that says what is public (`explore_refusal`,
`outside_text`) and the nearest public view (`nearest_explore`). Nothing here imports streamlit.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from queries import disclosure
from queries.catalog import BREAKDOWNS, METRICS
from queries.publish import COUNT, LINK, Publication, add_units, key

# The pages whose county-by-township view is public, every year (URL page names).
PAGES = ("overview", "monitoring", "subsidies", "rehabilitation", "employment", "accessibility")
# 指标分析: the breakdowns the public may ask for (rows), and none as a cross (columns).
EXPLORE_BY = ("township",)
REJECTS_PUBLIC = False  # 数据说明's reject counts (rows of 1 point at a person's record) are internal
PUBLIC_WORDS = ("对外公开的数据为各页面全县分乡镇（街道）、全部残疾类别和等级的年度数据及其图表；"
                "指标分析只提供各指标按乡镇（街道）的年度数据，不提供交叉分析、村（社区）、类别、等级或月份范围。")


@dataclass(frozen=True)
class PublicTable:
    """One table of the public set: a page's (or 指标分析's metric's) county view by township in a year."""

    page: str
    year: int
    metric: str = ""  # 指标分析's metric ('' for a page)

    @property
    def by(self) -> str:
        return "township"


def tables(years: list[int]) -> list[PublicTable]:
    """Every public table of these years: each page's county view, and each catalogue metric by township."""
    return [PublicTable(p, y) for y in years for p in PAGES] + \
        [PublicTable("explore", y, m) for y in years for m in METRICS if "township" in METRICS[m].breakdowns]


def year_months(year: int, months: list[str]) -> tuple[str, str]:
    """The public month range of a year: its January (or the data's first month) to its December (or the
    data's last month); the whole data's span when the year has no month."""
    inside = [m for m in months if m.startswith(f"{year}-")]
    if not inside:
        return (months[0], months[-1]) if months else (f"{year}-01", f"{year}-12")
    return inside[0], inside[-1]


def explore_allowed(metric: str, by: str, cols: str) -> bool:
    """Whether a 指标分析 view is in the public set: a catalogue metric by township, no cross."""
    return metric in METRICS and by in EXPLORE_BY and not cols


def explore_refusal(metric: str, by: str, cols: str) -> str:
    """'' for a public 指标分析 view, else the sentence saying what is public instead."""
    if explore_allowed(metric, by, cols):
        return ""
    asked = BREAKDOWNS.get(by, by) + (f" × {BREAKDOWNS.get(cols, cols)}" if cols else "")
    return f"对外口径不提供“{asked}”的分析（可相互推算出被隐去的小数字）。{PUBLIC_WORDS}"


def nearest_explore(metric: str) -> dict[str, str]:
    """The public 指标分析 view nearest to one outside the set: the same metric by township, no cross."""
    return {"metric": metric if metric in METRICS else next(iter(METRICS)), "by": "township", "cols": ""}


def outside_text(what: str) -> str:
    """What a public slide or image of a view outside the set says instead of its numbers."""
    return f"{what}不在对外公开的数据范围内，不能用于公开场合或对外图片。{PUBLIC_WORDS}"


# Pages with no view in the set besides PAGES and 指标分析: 数据说明 is public (without the reject counts), 汇报
# shows no number of its own. Every other page (数据比对, 预警) has no public view at all.
NO_NUMBERS = ("about", "briefing")


def filters_outside(township: str = "", village: str = "", category: int = 0, level: int = 0) -> list[str]:
    """What puts a view's area and filters outside the set (the set is the county by township, every
    category and level): [] for the county view."""
    parts = []
    if village:
        parts.append("单个村（社区）的数据")
    elif township:
        parts.append("单个乡镇（街道）的数据")
    if category or level:
        parts.append("按残疾类别或等级筛选的数据")
    return parts


def page_outside(page: str, title: str, township: str = "", village: str = "", category: int = 0, level: int = 0,
                 span: tuple[str, str] | None = None, year_span: tuple[str, str] | None = None) -> str:
    """'' when a page's view is in the public set, else what puts it outside, as the subject of
    `outside_text` ('单个乡镇（街道）的数据、任选的月份范围'). `span` is a trend page's month range and
    `year_span` the year's (`year_months`); a page without a trend passes neither. 指标分析's own choices
    (metric, breakdown, cross) are `explore_refusal`'s; its area and filters are here."""
    if page in NO_NUMBERS:
        return ""
    if page not in PAGES and page != "explore":
        return f"“{title}”页面的数据"
    parts = filters_outside(township, village, category, level)
    if span is not None and year_span is not None and tuple(span) != tuple(year_span):
        parts.append(f"任选的月份范围（{_month(span[0])}至{_month(span[1])}）")
    return "、".join(parts)


def _month(month: str) -> str:
    """'2024-03' → '2024年3月'."""
    return f"{month[:4]}年{int(month[5:7])}月" if len(month) >= 7 and month[5:7].isdigit() else month


# --- protected together (issue 25 §2) ------------------------------------------------------------------
LINKED_SETTING = "PUBLIC_SET_LINKED"  # environment: "0" opts out of the linked public set (see `linked`)
UNPROVEN = "_unproven"  # the key (in `solve`'s answer and in public_marks, year 0) saying why the set is unproven


def linked() -> bool:
    """Whether public views take their unit tables' marks from the public set (solved once per import over
    every year with the identities between years, stored in the warehouse: `import_marks`). On unless
    PUBLIC_SET_LINKED=0: then the importer does not solve it and each view's table is withheld on its own,
    which leaves the cross-year leaks of issue 25 open (docs/decisions/public-set.md)."""
    return os.environ.get(LINKED_SETTING, "").strip() != "0"


# Identities a reader knows between the years' unit tables, per unit and for the county's total:
STOCK_FLOW = ("monitored", "enrolled", "eliminated")  # stock(t) = stock(t−1) + in(t) − out(t): households
# Counted in year t ⇒ counted in t+1 (a register: certificates issued by the year's end, bases recognised by
# it, each base's placements the same every year): the column never falls, so col(t+1) = col(t) + a link ≥ 0.
GROWING = ("persons", "base_placed", "bases")


def block(year: int) -> str:
    """The block of a year's unit table in the public set's publication."""
    return f"y{year}:"


def publication(tables: dict[int, pd.DataFrame], keep_headlines: bool = True) -> Publication:
    """The public set's unit tables (the county by township, every category and level) of every year, as one
    publication: each year's table with its sums (`add_units`), and between neighbouring years the identities
    a reader knows, each stated only where it holds exactly in these numbers (a false one would be no one's
    knowledge, and could make the system infeasible)."""
    pub = Publication()
    codes: dict[int, list[str]] = {}
    for year in sorted(tables):
        codes[year] = add_units(pub, tables[year], block(year))
    for year in sorted(tables):
        before = year - 1
        if before not in tables:
            continue
        for unit in [*sorted(set(codes[year]) & set(codes[before])), "total"]:
            def now(c: str, u: str = unit, y: int = year) -> str:
                return key(c, u, block(y))

            def then(c: str, u: str = unit, y: int = before) -> str:
                return key(c, u, block(y))

            if all(pub.has(now(c)) and pub.value(now(c)) is not None for c in STOCK_FLOW) and pub.has(then("monitored")) \
                    and pub.value(then("monitored")) is not None:
                stock, enrolled, eliminated, last = (pub.value(now("monitored")), pub.value(now("enrolled")),
                                                     pub.value(now("eliminated")), pub.value(then("monitored")))
                if stock + eliminated == last + enrolled:  # last(t−1) + in(t) = stock(t) + out(t) = a link
                    link = pub.add(f"link:flow{year}@{unit}", float(last + enrolled), LINK)
                    pub.total(link, [then("monitored"), now("enrolled")])
                    pub.total(link, [now("monitored"), now("eliminated")])
            for column in GROWING:
                a, b = (pub.value(then(column)) if pub.has(then(column)) else None,
                        pub.value(now(column)) if pub.has(now(column)) else None)
                if a is not None and b is not None and b >= a:
                    link = pub.add(f"link:{column}{year}@{unit}", float(b - a), LINK)
                    pub.total(now(column), [then(column), link])
    for name in headlines(pub) if keep_headlines else []:  # shown, never chosen to be withheld
        pub.cells[name].fixed = True
    return pub


def headlines(pub: Publication) -> list[str]:
    """The county's own counts of every year (5 or more): the headline numbers a 统计公报 or a press release
    carries (issue 25 §5). They stay shown (fixed: the disclosure never picks them to withhold), so what is
    withheld to protect a township is other townships' cells, never the county's total (on the 45,000-person
    county the linked solve had withheld the county's 在监测户 and both subsidy coverages of most years).

    Except a total that shares a sum with a county count of 1-4 (eligible = paid + unpaid with 2 unpaid;
    stock(t) = stock(t−1) + in − out with 3 out, the two equations joined by their link): fixed, the others
    of that sum would pin the small one, so the disclosure chooses there as for any other cell."""
    def is_total(name: str) -> bool:
        return name.endswith("@total")

    small = {name for name, cell in pub.cells.items() if is_total(name) and cell.kind == COUNT
             and cell.value is not None and 0 < cell.value < disclosure.SMALL}
    groups: list[set[str]] = []
    for total, parts in pub.sums:
        members = {total, *parts}
        joined = [g for g in groups if any(pub.cells[m].kind == LINK for m in g & members)]
        for g in joined:
            groups.remove(g)
            members |= g
        groups.append(members)
    near_small = set().union(*(g for g in groups if g & small)) if small else set()
    return [name for name, cell in pub.cells.items()
            if is_total(name) and cell.kind == COUNT and cell.value is not None
            and cell.value >= disclosure.SMALL and name not in near_small]


def solve(tables: dict[int, pd.DataFrame]) -> dict[str, tuple[str | None, float | None]]:
    """The marks of the public set's unit tables, every year protected together (`publication`), as
    `f"{year}|{key}"` → (mark, value): '<5', '×', '—' or None, and the value it was solved for. One
    disclosure pass over the whole system: the same cell gets the same mark in every view that shows it,
    whichever year's page it is on. `UNPROVEN` says why, when the set could not be proven safe (its marks
    are then those of `disclosure.withhold_all`: every count withheld, fail closed)."""
    pub = publication(tables)
    cached = _cache_file(pub)
    if cached is not None and cached.exists():
        return {k: tuple(v) for k, v in json.loads(cached.read_text(encoding="utf-8")).items()}
    for keep in (True, False):  # the county's headlines kept shown; if that cannot be proven safe, chosen freely
        pub = publication(tables, keep_headlines=keep)
        pub.table = set()  # one system: the years' tables and the identities between them, withheld together
        with disclosure.linked_solve():
            pub = disclosure.apply(pub, True)
        if not pub.unproven:
            break
        log.warning("the public set with the county's headlines shown could not be proven safe (%s)%s",
                    pub.unproven, ": solved again letting the disclosure choose them" if keep else "")
    out: dict[str, tuple[str | None, float | None]] = {}
    for name, cell in pub.cells.items():
        if name.startswith("y") and ":" in name and cell.kind != LINK:
            year, rest = name[1:].split(":", 1)
            out[f"{year}|{rest}"] = (cell.mark, cell.value)
    out[UNPROVEN] = (pub.unproven or None, None)
    if cached is not None and not pub.unproven:  # (an unproven answer may be a passing time limit: not kept)
        cached.parent.mkdir(parents=True, exist_ok=True)
        part = cached.with_name(f"{cached.name}.{os.getpid()}")
        part.write_text(json.dumps(out, ensure_ascii=False), encoding="utf-8")
        os.replace(part, cached)
    return out


log = logging.getLogger(__name__)
CACHE_SETTING = "PUBLIC_SET_CACHE"  # environment: a folder keeping solved sets between processes (tests only)


def _cache_file(pub: Publication) -> Path | None:
    """Where `solve` keeps its answer for these exact tables and this code, when PUBLIC_SET_CACHE names a
    folder: the test suite imports the same test county in many processes. Not for production: whoever can
    write the folder decides what the public sees."""
    folder = os.environ.get(CACHE_SETTING, "").strip()
    if not folder:
        return None
    code = b"".join(Path(m.__file__).read_bytes() for m in (disclosure, sys.modules[__name__]))
    system = repr((tuple((k, c.value, c.kind, c.parts, c.known, c.fixed) for k, c in pub.cells.items()), tuple(pub.sums)))
    digest = hashlib.blake2b(code + system.encode(), digest_size=20).hexdigest()
    return Path(folder) / f"{digest}.json"


def county_tables(wh, years: list[int] | tuple[int, ...]) -> dict[int, pd.DataFrame]:
    """The county's unit tables (by township, every category and level) of these years."""
    from queries import dashboard
    from queries.common import Filters

    tables: dict[int, pd.DataFrame] = {}
    for year in years:
        for y, frame in dashboard.unit_tables(wh, Filters(scope=""), year).items():
            if y in years:
                tables.setdefault(y, frame)
    return tables


MARK_COLUMNS = ("year", "cell_key", "mark", "value")  # the warehouse's public_marks table
UNLINKED_NOTE = ("本数据仓库未存对外公开数据的联合保护结果（由较早版本或以 PUBLIC_SET_LINKED=0 导入）：对外视图逐个单独"
                 "隐去小数字，相邻年份的表与年际关系（存量与流量、人数只增不减）合起来仍可能推算出被隐去的数。请重新导入。")


def import_marks(wh) -> tuple[pd.DataFrame, str]:
    """The importer's once-per-import solve (issue 25 §2): every year of the data (`coverage`) solved
    together, as public_marks rows (year, cell_key, mark, value; the row (0, `UNPROVEN`, why, NULL) when the
    set could not be proven safe), and a sentence for the import's log. Run on the warehouse being built,
    before it is swapped in; the dashboard only reads the rows (`stored_marks`)."""
    from queries.coverage import coverage

    years = coverage(wh).years
    marks = solve(county_tables(wh, years)) if years else {UNPROVEN: (None, None)}
    rows = [(int(name.split("|", 1)[0]), name.split("|", 1)[1], mark, value)
            for name, (mark, value) in marks.items() if name != UNPROVEN]
    why = marks[UNPROVEN][0]
    if why:
        rows.append((0, UNPROVEN, str(why), None))
    frame = pd.DataFrame(rows, columns=list(MARK_COLUMNS)).astype(
        {"year": "int32", "cell_key": "object", "mark": "object", "value": "float64"})
    counts = [m for name, (m, _) in marks.items() if name != UNPROVEN]
    if not years:
        said = "无年度数据，不需求解"
    elif why:
        said = f"未能证明安全（{why}），{years[0]}–{years[-1]}年的表全部隐去"
    else:
        said = (f"{years[0]}–{years[-1]}年共 {len(counts):,} 个单元格联合求解，隐去 "
                f"{sum(m is not None for m in counts):,} 个")
    return frame, said


def stored_marks(wh) -> dict[str, tuple[str | None, float | None]] | None:
    """The public set's marks stored by the import (public_marks), in `solve`'s form; None when the
    warehouse has none to give: imported before the table existed, or with PUBLIC_SET_LINKED=0 (each public
    view is then withheld on its own, as before issue 25 §2; 数据说明 says so)."""
    from queries.common import run_sql
    from queries.db import _missing_table

    try:
        frame = run_sql(wh, "public_marks")
    except Exception as exc:  # a warehouse imported before public_marks existed
        if _missing_table(exc):
            return None
        raise
    if frame.empty:
        return None
    out: dict[str, tuple[str | None, float | None]] = {UNPROVEN: (None, None)}
    for year, cell_key, mark, value in frame.itertuples(index=False):
        mark = None if mark is None or mark != mark else str(mark)
        value = None if value is None or value != value else float(value)
        if cell_key == UNPROVEN:
            out[UNPROVEN] = (mark, None)
        else:
            out[f"{int(year)}|{cell_key}"] = (mark, value)
    return out


def public_marks(wh, years: tuple[int, ...]) -> dict[str, tuple[str | None, float | None]]:
    """`solve` over the county's unit tables of these years, computed here (the benchmark and the tests; the
    dashboard reads the import's: `stored_marks`)."""
    return solve(county_tables(wh, years))


def _same(a: float | None, b: float | None) -> bool:
    """Whether a stored value is the cell's (no value both; the same to the fen: amounts pass through each
    engine's own arithmetic)."""
    if a is None or b is None or a != a or b != b:
        return (a is None or a != a) and (b is None or b != b)
    return abs(a - b) < 0.005


def preset_for(marks: dict[str, tuple[str | None, float | None]], pub: Publication,
               year: int) -> dict[str, str | None]:
    """The public set's marks for a page's unit tables (block '' is `year`, block 'prev:' the year before:
    `add_unit_years`), or {} when the page's table is not the set's (another value anywhere: another area,
    filter or import). A set that could not be proven safe gives its marks too: every count withheld (fail
    closed), not each view's own."""
    out = {}
    for name in pub.table:
        prev = name.startswith("prev:")
        found = marks.get(f"{year - 1 if prev else year}|{name.removeprefix('prev:')}")
        if found is None:
            continue
        mark, value = found
        if not _same(value, pub.cells[name].value):
            return {}
        out[name] = mark
    return out
