"""年度报告初稿: the data half of a federation's annual (or half-year) work summary, in the federations' own
order and phrasing, every number traced.

    python -m queries.draft --warehouse W --year 2024 [--half 1|2] [--area CODE] [--version 内部|对外] --out 初稿.md|.docx

The draft builds ONE Publication for the period from the queries the pages use (this year's and last
year's unit tables, the monitoring path, subsidies to date, rehab by category and children, employment
bases and forms, modifications, care), for one audience (queries.audience): the 对外版 (public, the default
of the command line) withholds small numbers once, the 内部版 (internal) keeps them exact and says 内部资料 in
its title line, header and footer. It writes its sentences from that Publication through `Writer.n`,
which records each number's cell; the appendix lists them (metric, definition, period, area, where on
the dashboard), so every number can be checked. Nothing here imports streamlit; the Word file is drawn
by `ui.render.document` with the other renderers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from queries import audience as aud
from queries import builders, dashboard, disclosure
from queries.catalog import CATEGORIES, DATASETS, LEVELS, METRICS, MONITOR_TYPES, NUMBERS, SUBSIDIES, family, number
from queries.common import Filters, county
from queries.coverage import Coverage
from queries.db import Warehouse
from queries.publish import (
    AMOUNT,
    CHANGE,
    LEGEND,
    PRIMARY,
    RATE,
    Cell,
    Publication,
    add_units,
    direction,
    key,
    ranked,
    unit_missing,
)
from queries.report import REPORT_KEYS

# The targets (config/targets.yaml, through the catalogue), as the text says them ('80%').
REHAB_TEXT = METRICS["rehab_rate"].target_text
MODIFICATION_TEXT = METRICS["modification_rate"].target_text
HALVES = {0: (1, 12), 1: (1, 6), 2: (7, 12)}
TYPES = MONITOR_TYPES
YEARLY = ("rehab", "employment", "modification", "care")
SECTIONS = ("一、基本情况", "二、防返贫动态监测", "三、两项补贴", "四、精准康复", "五、就业帮扶", "六、无障碍改造与托养",
            "七、存在问题与下一步")
APPENDIX_HEADER = ["序号", "数字", "指标", "口径", "期间", "范围", "驾驶舱位置"]


def describe(cell: str) -> tuple[str, str, str]:
    """(metric, definition, where on the dashboard) of a cell, from the catalogue (queries/catalog.NUMBERS)."""
    entry = number(cell)
    if entry is None:
        raise KeyError(f"目录中没有数字 {family(cell)}（单元 {cell}）")
    return entry.label, entry.definition, entry.where


# --- the period ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Period:
    """A year, or one of its halves (1: January-June, 2: July-December)."""

    year: int
    half: int = 0

    @property
    def months(self) -> tuple[int, int]:
        """First and last month."""
        return HALVES[self.half]

    def label(self) -> str:
        """'2024年', '2024年上半年', '2024年下半年'."""
        return f"{self.year}年" + {0: "", 1: "上半年", 2: "下半年"}[self.half]

    def span(self, last: int | None = None, year: int | None = None) -> str:
        """'2024年1-6月' (to month `last` when the data ends earlier)."""
        first, end = self.months
        return f"{year or self.year}年{first}-{min(end, last or end)}月"


# --- the draft -------------------------------------------------------------------------------------------
@dataclass
class Trace:
    """One number of the text: its cell and what it is."""

    cell: str
    text: str
    metric: str
    definition: str
    period: str
    area: str
    where: str


@dataclass
class Draft:
    """The draft: title, sections of paragraphs, notes, the annual table as shown, and each number's trace."""

    title: str
    area: str
    period: Period
    until: str
    unit_word: str
    sections: list[tuple[str, list[str]]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    traces: list[Trace] = field(default_factory=list)
    table: pd.DataFrame = field(default_factory=pd.DataFrame)
    pub: Publication = field(default_factory=Publication)
    units: pd.DataFrame = field(default_factory=pd.DataFrame)  # the units (code, name) for charts
    months: list[str] = field(default_factory=list)  # the months of the subsidy trend ('YYYY-MM')
    shapes: pd.DataFrame = field(default_factory=pd.DataFrame)  # the units' boundaries, for the map
    filters: Filters = field(default_factory=lambda: Filters(scope=""))
    audience: str = aud.PUBLIC  # INTERNAL: exact numbers, marked 内部资料; PUBLIC: suppressed


class Writer:
    """Turns cells into text and remembers each one (in order of first use) for the appendix."""

    def __init__(self, pub: Publication, area: str, names: dict[str, str]) -> None:
        self.pub, self.area, self.names = pub, area, names
        self.traces: dict[str, Trace] = {}

    def n(self, cell: str, period: str) -> str:
        """The cell as text (as the disclosure left it), recorded with its period and area."""
        text = self.pub.text(cell)
        if cell not in self.traces:
            metric, definition, where = describe(cell)
            unit = cell.split("@", 1)[1] if "@" in cell else ""
            area = self.names.get(unit, self.area)
            # The prose says a change's sign in words (提高/下降); the appendix stands alone, so it keeps the sign.
            shown = self.pub.shown(cell)
            signed = "-" + text if self.pub.cells[cell].kind == CHANGE and shown is not None and shown < 0 else text
            self.traces[cell] = Trace(cell, signed, metric, definition, period, area, where)
        return text


@dataclass
class _Inputs:
    """The query results the draft is made of."""

    units: pd.DataFrame
    prev: pd.DataFrame | None
    persons_by: dict[str, list[tuple[str, float]]]
    path: pd.DataFrame
    risks: pd.DataFrame
    flows: dict[int, pd.DataFrame]
    subsidy_months: pd.DataFrame
    subsidy_persons: pd.DataFrame
    groups: pd.DataFrame
    bases: pd.DataFrame
    forms: pd.DataFrame
    modifications: pd.DataFrame
    care: pd.DataFrame


def _month(year: int, month: int) -> str:
    """'2024-06'."""
    return f"{year}-{month:02d}"


def _fetch(wh: Warehouse, f: Filters, period: Period, cov: Coverage) -> _Inputs:
    """Every query the draft reads: the pages' own."""
    year, (first, last) = period.year, period.months
    tables = dashboard.unit_tables(wh, f, year)
    persons_by: dict[str, list[tuple[str, float]]] = {"cat": [], "level": []}
    for by, labels in (("cat", CATEGORIES), ("level", LEVELS)):
        for code, label in labels.items():  # as 总览 with the sidebar's category (level) filter
            narrowed = Filters(scope=f.scope, township=f.township, village=f.village,
                               category=code if by == "cat" else 0, level=code if by == "level" else 0)
            persons_by[by].append((label, float(dashboard.unit_table(wh, narrowed, year)["persons"].sum())))
    sub_last = min(last, cov.months_in("subsidy", year))
    mon_last = min(last, cov.months_in("monitoring", year))
    end = dashboard.monitoring_year_end(wh, f, year, (first, max(mon_last, first)))
    flows = {y: dashboard.monitoring_by_month(wh, f, _month(y, first), _month(y, max(mon_last, first)))
             for y in (year - 1, year)}
    months = dashboard.subsidy_by_month(wh, f, _month(year - 1, first), _month(year, max(sub_last, first)))
    return _Inputs(
        units=tables[year], prev=tables[year - 1] if year - 1 in cov.years else None, persons_by=persons_by,
        path=end["path"], risks=end["risks"], flows=flows, subsidy_months=months,
        subsidy_persons=dashboard.subsidy_persons_to_month(wh, f, year, max(sub_last, first)),
        groups=dashboard.rehab_by_group(wh, f, year), bases=dashboard.employment_bases(wh, f, year),
        forms=dashboard.employment_by_form(wh, f), modifications=dashboard.modification_by_year(wh, f),
        care=dashboard.care_by_type(wh, f))


def _publication(data: _Inputs, period: Period, cov: Coverage) -> Publication:
    """Every number the draft may print, with the relations a reader can use, before suppression."""
    year = period.year
    pub = Publication()
    add_units(pub, data.units, missing=unit_missing(lambda d: cov.missing(d, year)))
    if data.prev is not None:
        add_units(pub, data.prev, "prev:", unit_missing(lambda d: cov.missing(d, year - 1)))
        for column in ("living_coverage", "nursing_coverage", "rehab_rate", "enrolled", "eliminated"):
            pub.change(f"change_{column}@total", key(column, "total"), key(column, "total", "prev:"))
    persons = key("persons", "total")
    for by in ("cat", "level"):
        pub.line(f"{by}_persons", data.persons_by[by], "count", "人")
        pub.total(persons, [f"{by}_persons@total"])
    pub.count("severe_register@total", sum(v for n, v in data.persons_by["level"] if n in ("一级", "二级")), "人")
    pub.total("severe_register@total", ["level_persons@一级", "level_persons@二级"])
    _monitoring_cells(pub, data, period, cov)
    _subsidy_cells(pub, data, period, cov)
    _yearly_cells(pub, data, cov, year)
    return pub


def _monitoring_cells(pub: Publication, data: _Inputs, period: Period, cov: Coverage) -> None:
    """In-monitoring at the period's end by type, flows of the period and of last year's same months, mean
    months to elimination (the monitoring page's)."""
    year, why = period.year, cov.missing("monitoring", period.year)
    by_type = data.risks.groupby("monitor_type")["households"].sum()
    pub.line("end_monitored", [(t, float(by_type.get(t, 0))) for t in TYPES.values()], "count", "户", why)
    if period.half != 1:  # at the year's end: the annual table's households in monitoring
        for column, name in TYPES.items():
            pub.total(key(column, "total"), [f"end_monitored@{name}"])
    else:  # at the end of June: of them, without a measure recorded
        pub.count("half_without_measure@total", float(data.risks["without_measure"].sum()), "户", why)
    for y, block in ((year, "half"), (year - 1, "prev_half")):
        flow = data.flows[y]
        for column in ("enrolled", "eliminated"):
            pub.count(f"{block}_{column}@total", float(flow[column].sum()) if len(flow) else 0.0, "户",
                      cov.missing("monitoring", y))
    for column in ("enrolled", "eliminated"):
        pub.change(f"change_half_{column}@total", f"half_{column}@total", f"prev_half_{column}@total")
    builders.add_elimination_time(pub, data.path, "half_eliminated@total", why)  # the monitoring page's


def _subsidy_cells(pub: Publication, data: _Inputs, period: Period, cov: Coverage) -> None:
    """Amounts and persons of the period and of last year's same months (同比) and the monthly trend, as the
    subsidies page builds them (queries/builders.py); coverage to the period's end."""
    year, (first, last) = period.year, period.months
    last = max(min(last, cov.months_in("subsidy", year)), first)
    builders.add_subsidy_to_date(pub, data.subsidy_months, data.subsidy_persons, year, first, last,
                                 lambda y: cov.missing("subsidy", y))
    paid = data.subsidy_persons[data.subsidy_persons["year"] == year]
    for code in SUBSIDIES:
        pub.count(f"ytd_eligible_paid@{code}", paid.loc[paid["subsidy_code"] == code, "eligible_paid"].sum(), "人",
                  cov.missing("subsidy", year))
    for y, block in ((year, "ytd"), (year - 1, "prev")):
        both = (pub.value(f"{block}_amount@living") or 0) + (pub.value(f"{block}_amount@nursing") or 0)
        pub.add(f"{block}_amount@total", both, AMOUNT, "万元", missing=cov.missing("subsidy", y))
        pub.total(f"{block}_amount@total", [f"{block}_amount@living", f"{block}_amount@nursing"])
    for code in SUBSIDIES:
        for measure in ("amount", "persons"):
            pub.change(f"yoy_{measure}@{code}", f"ytd_{measure}@{code}", f"prev_{measure}@{code}", relative=True)
        eligible = key(f"{code}_eligible", "total")
        pub.rate(f"ytd_coverage@{code}", f"ytd_eligible_paid@{code}", eligible, cov.missing("subsidy", year))
        unpaid = (pub.value(eligible) or 0) - (pub.value(f"ytd_eligible_paid@{code}") or 0)
        pub.count(f"ytd_unpaid@{code}", unpaid, "人", cov.missing("subsidy", year))
        pub.total(eligible, [f"ytd_eligible_paid@{code}", f"ytd_unpaid@{code}"])
    pub.change("yoy_amount@total", "ytd_amount@total", "prev_amount@total", relative=True)
    builders.add_subsidy_months(pub, builders.subsidy_wide(_monthly(data.subsidy_months, period)))
    if not period.half:  # the whole year to date is the annual table's (a reader sees both)
        for code in SUBSIDIES:
            pub.total(key(f"{code}_persons", "total"), [f"ytd_persons@{code}"])
            pub.total(key(f"{code}_amount_yuan", "total"), [f"ytd_amount@{code}"])


def _yearly_cells(pub: Publication, data: _Inputs, cov: Coverage, year: int) -> None:
    """Rehab, employment, modification and care: the pages' own cells (queries/builders.py)."""
    builders.add_rehab(pub, builders.below_target(data.units), data.groups, "total", cov.missing("rehab", year))
    forms = data.forms[data.forms["year"] == year].sort_values("persons", ascending=False)
    builders.add_employment(pub, data.bases, forms, "total", cov.missing("employment", year))
    builders.add_modification(pub, data.modifications, year, "total", cov.missing("modification", year))
    builders.add_care(pub, data.care, year, cov.missing("care", year))


# --- the sentences ---------------------------------------------------------------------------------------
def _ranked(units: pd.DataFrame, column: str, count: int, ascending: bool = False) -> pd.DataFrame:
    """The units with the most (or, ascending, the lowest) of a column, at most `count`, zeros left out."""
    chosen = units[units[column].fillna(0) > 0] if not ascending else units[~units[column].isna()]
    return chosen.sort_values([column, "unit_code"], ascending=[ascending, True]).head(count)


def prose(cell: Cell, text: str) -> str:
    """A cell's text as a sentence says it: its number, or words where a table shows a symbol ('不足5户' for
    '<5户'; a rate on fewer than 5 persons, a number withheld against recalculation, a number without data)."""
    if cell.mark == PRIMARY:
        return f"不足5{cell.unit}" if cell.kind != RATE else "（基数不足5，不计算）"
    if cell.mark:
        return "（为防推算，不予公布）"
    if cell.value is None:
        return "（无数据）"
    return text


class _Text:
    """Writes the sections from the suppressed publication."""

    def __init__(self, pub: Publication, w: Writer, data: _Inputs, period: Period, cov: Coverage, area: str,
                 unit_word: str) -> None:
        self.pub, self.w, self.data, self.period, self.cov = pub, w, data, period, cov
        self.area, self.unit_word = area, unit_word
        self.year = period.year

    def n(self, cell: str, period: str = "") -> str:
        """A number of the text (default period: the year), in words when it is withheld: prose carries no
        symbol ('<5', '×', '—'); 附表2 keeps the symbol the tables use."""
        text = self.w.n(cell, period or f"{self.year}年")
        return prose(self.pub.cells[cell], text)

    def listing(self, units: pd.DataFrame, column: str) -> str:
        """'甲镇12人、乙镇9人，另有2个乡镇不足5人': the units' shown numbers, the withheld ones counted in words
        ('' when none is shown)."""
        shown, small, other = [], 0, 0
        for name, code in zip(units["name"], units["unit_code"], strict=True):
            cell = self.pub.cells[key(column, code)]
            if cell.mark == PRIMARY:
                small += 1
            elif cell.mark or cell.value is None:
                other += 1
            else:
                shown.append(f"{name}{self.n(key(column, code))}")
        unit = NUMBERS[column].unit
        extra = ([f"另有{small}个{self.unit_word}不足5{unit}"] if small else []) + (
            [f"另有{other}个{self.unit_word}的数字为防推算未列出"] if other else [])
        return "，".join(["、".join(shown), *extra]) if shown else ""  # nothing to name: no list

    def t(self, column: str, period: str = "") -> str:
        """A number of the area's unit-table total."""
        return self.n(key(column, "total"), period)

    def changed(self, cell: str, prefix: str = "，较上年", up: str = "增加", down: str = "减少",
                same: str = "，与上年持平", period: str = "") -> str:
        """'，较上年增加12户' / '…提高1.2个百分点' / '，与上年持平'; nothing when the change is not shown."""
        if not self.pub.has(cell) or self.pub.shown(cell) is None:
            return ""
        word = direction(self.pub, cell, up, down)
        return f"{prefix}{word}{self.n(cell, period or f'{self.year}年较{self.year - 1}年')}" if word else same

    def shown_clause(self, cell: str, template: str, period: str = "") -> str:
        """`template` with the cell's text, or nothing when the cell is withheld (a clause that can go)."""
        return template.format(self.n(cell, period)) if self.pub.shown(cell) is not None else ""

    def stock(self, dataset: str) -> str:
        """'2024年末' / '2024年6月末': the date a stock (in monitoring, eligible) is counted at."""
        if self.period.half == 1:
            return f"{self.year}年{min(6, self.cov.months_in(dataset, self.year))}月末"
        return self.cov.year_end(dataset, self.year)

    def missing(self, dataset: str) -> str:
        """The coverage sentence, or ''."""
        return self.cov.missing(dataset, self.year)

    # 一、基本情况
    def basics(self) -> list[str]:
        """持证残疾人 by category and level."""
        cats = "，".join(f"{name}残疾{self.n(f'cat_persons@{name}')}" for name, _ in self.data.persons_by["cat"])
        levels = "，".join(f"{name}{self.n(f'level_persons@{name}')}" for name, _ in self.data.persons_by["level"])
        until = self.cov.until()
        return [
            f"{self.period.label()}（{self.period.span()}），{self.area}残疾人工作主要数据如下。持证残疾人按数据导出时的"
            f"在册人数计：截至{until}，{self.area}持证残疾人{self.t('persons', f'截至{until}（在册）')}。按残疾类别，{cats}；"
            f"按残疾等级，{levels}；重度（一、二级）残疾人合计{self.n('severe_register@total', f'截至{until}（在册）')}。"
            f"符合困难残疾人生活补贴条件的{self.t('living_eligible', f'截至{until}（在册）')}，"
            f"符合重度残疾人护理补贴条件的{self.t('nursing_eligible', f'截至{until}（在册）')}。"]

    # 二、防返贫动态监测
    def monitoring(self) -> list[str]:
        """在监测户 by type, enrolled, eliminated, without measures and how long elimination takes."""
        if self.missing("monitoring"):
            return [self.missing("monitoring") + "。"]
        end, p = self.stock("monitoring"), self.period
        mon_last = self.cov.months_in("monitoring", self.year)
        types = "、".join(f"{name}{self.n(f'end_monitored@{name}', f'截至{end}')}" for name in TYPES.values())
        first = (f"截至{end}，{self.area}纳入防返贫动态监测的残疾人家庭{self.n('end_monitored@total', f'截至{end}')}，"
                 f"其中{types}。")
        span = p.span(mon_last)
        if p.half:
            flows = (f"{span}新纳入{self.n('half_enrolled@total', span)}"
                     + self.changed("change_half_enrolled@total", "，较上年同期", period=f"{span}较上年同期")
                     + f"，风险消除{self.n('half_eliminated@total', span)}"
                     + self.changed("change_half_eliminated@total", "，较上年同期", period=f"{span}较上年同期"))
        else:
            flows = (f"{self.year}年新纳入{self.t('enrolled')}" + self.changed("change_enrolled@total")
                     + f"，风险消除{self.t('eliminated')}" + self.changed("change_eliminated@total"))
        months = self.pub.shown("year_mean")
        flows += (f"，这些户从纳入到消除平均用时{self.n('year_mean', span)}" if months is not None else "") + "。"
        if p.half == 1:  # a stock at the end of June; the yearly gaps (paid or served in the year) wait for the year
            return [first + flows, f"截至{end}，尚无帮扶措施记录的在监测户{self.n('half_without_measure@total', f'截至{end}')}，"
                                   "需逐户落实帮扶措施。监测户中重度残疾人未领护理补贴、未获康复服务的情况按全年统计，在年度总结中列出。"]
        year_end = self.cov.year_end("monitoring", self.year)
        gaps = (f"截至{year_end}，尚无帮扶措施记录的在监测户{self.t('without_measure', f'截至{year_end}')}，需逐户落实帮扶措施；"
                f"在监测户中的重度残疾人{self.t('severe_persons', f'截至{year_end}')}；当年未领护理补贴的"
                f"{self.t('without_nursing', f'{self.year}年')}，未获康复服务的{self.t('without_rehab', f'{self.year}年')}"
                "（一人可能两项都缺，两数不相加）。")
        return [first + flows, gaps]

    # 三、两项补贴
    def subsidies(self) -> list[str]:
        """Amounts and persons with 同比, coverage, 应享未享."""
        if self.missing("subsidy"):
            return [self.missing("subsidy") + "。"]
        p, last = self.period, self.cov.months_in("subsidy", self.year)
        span, prev_span = p.span(last), p.span(last, self.year - 1)
        note = ""
        if last < p.months[1]:
            note = f"补贴数据截至{self.year}年{last}月，以下为{span}数据。"
        persons_span = f"{self.year}年1-{min(last, p.months[1])}月"
        parts = []
        for code, label in SUBSIDIES.items():
            yoy = self.changed(f"yoy_amount@{code}", "，金额同比", "增长", "下降", "，金额与上年同期持平",
                               period=f"{span}较{prev_span}")
            parts.append(f"{label}{self.n(f'ytd_amount@{code}', span)}、{self.n(f'ytd_persons@{code}', persons_span)}"
                         + yoy)
        who = "（发放人数为1月以来累计）" if p.half == 2 else ""
        amounts = (f"{note}{span}，{self.area}累计发放两项补贴{self.n('ytd_amount@total', span)}"
                   + self.changed("yoy_amount@total", "，同比", "增长", "下降", "，与上年同期持平",
                                  period=f"{span}较{prev_span}")
                   + f"。其中{'；'.join(parts)}{who}。")
        at = self.stock("subsidy")
        if p.half:
            n = lambda cell: self.n(cell, persons_span)  # noqa: E731
            coverage = (f"截至{at}，生活补贴覆盖率{n('ytd_coverage@living')}，护理补贴覆盖率{n('ytd_coverage@nursing')}；"
                        f"符合条件但尚未发放的，生活补贴{n('ytd_unpaid@living')}、护理补贴{n('ytd_unpaid@nursing')}。")
        else:
            coverage = (f"截至{at}，生活补贴覆盖率{self.t('living_coverage')}" + self.changed("change_living_coverage@total",
                                                                                       up="提高", down="下降")
                        + f"，护理补贴覆盖率{self.t('nursing_coverage')}"
                        + self.changed("change_nursing_coverage@total", up="提高", down="下降")
                        + f"；符合条件但年内未发放（应享未享）{self.t('unpaid_eligible')}，其中生活补贴"
                        f"{self.t('living_unpaid')}、护理补贴{self.t('nursing_unpaid')}。")
        return [amounts, coverage]

    def _yearly_note(self) -> str:
        """For a half-year draft: yearly datasets are not kept per half."""
        if not self.period.half:
            return ""
        return (f"康复、就业、无障碍改造和托养数据按年度登记，不分月份，不能单列半年；以下为{self.year}年度已登记数据"
                f"（截至{self.cov.until()}）。")

    # 四、精准康复
    def rehab(self) -> list[str]:
        """Service rate against its target, the units below it and the people short, children 0-16."""
        if self.missing("rehab"):
            return [self.missing("rehab") + "。"]
        short = self.pub.shown(key("rehab_short", "total"))
        first = (f"{self._yearly_note()}{self.year}年，{self.area}有康复需求的持证残疾人{self.t('rehab_need')}，"
                 f"已提供基本康复服务{self.t('rehab_served')}，精准康复服务率{self.t('rehab_rate')}"
                 + self.changed("change_rehab_rate@total", up="提高", down="下降")
                 + (f"，距{REHAB_TEXT}目标还差{self.t('rehab_short')}。" if short
                    else f"，达到{REHAB_TEXT}目标。" if short == 0 else "。"))
        units = self.data.units
        below = builders.below_target(units)
        if len(below):  # the largest gaps as this version shows them (publish.ranked: none placed by what it hides)
            biggest = ranked(self.pub, list(zip(below["name"], below["unit_code"], strict=True)),
                             lambda code: key("rehab_short", code))[:5]
            listed = "、".join(name + (f"（{self.n(key('rehab_rate', code))}，差{self.n(key('rehab_short', code))}）"
                                      if self.pub.shown(key("rehab_rate", code)) is not None else "")
                               for name, code in biggest)
            more = "等" if len(below) > 5 else ""
            second = (f"{self.n('below_units')}{self.unit_word}未达{REHAB_TEXT}目标"
                      + self.shown_clause("below_short", "，合计差{}") + f"，差距较大的有{listed}{more}。")
        else:
            second = f"各{self.unit_word}均达到{REHAB_TEXT}目标。"
        kids = (f"0-16岁残疾儿童有康复需求{self.n('kid_need_persons@total')}，已服务{self.n('kid_served_persons@total')}，"
                f"服务率{self.n('kid_rate@total')}。")
        rates = [(name, self.pub.shown(f"cat_rate@{name}")) for name in CATEGORIES.values()
                 if self.pub.has(f"cat_rate@{name}")]
        rates = [(name, r) for name, r in rates if r is not None]
        if rates:
            name, _ = min(rates, key=lambda item: item[1])
            kids += f"各残疾类别中服务率最低的是{name}残疾，为{self.n(f'cat_rate@{name}')}。"
        return [first, second + kids]

    # 五、就业帮扶
    def employment(self) -> list[str]:
        """Bases, placements, households lifted, funding; employment by form."""
        if self.missing("employment"):
            return [self.missing("employment") + "。"]
        if self.pub.value("bases@total") == 0:
            start = f"截至{self.year}年，{self.area}尚无认定的残疾人就业基地。"
        else:
            start = (f"截至{self.year}年，{self.area}认定残疾人就业基地{self.n('bases@total')}，安置残疾人"
                     f"{self.n('base_list@total')}，辐射带动{self.n('lifted@total')}残疾人家庭，扶持资金"
                     f"{self.n('funding@total')}。")
        forms = [n.split("@", 1)[1] for n in self.pub.cells if n.startswith("form@") and not n.endswith("@total")]
        ranked = "、".join(f"{form}{self.n(f'form@{form}')}" for form in forms)  # every form: the list adds up
        return [start + f"{self.year}年共帮扶残疾人就业{self.n('form@total')}" + (f"，其中{ranked}。" if ranked else "。")]

    # 六、无障碍改造与托养
    def accessibility(self) -> list[str]:
        """Modifications planned and completed, spending; persons in care by type."""
        out = []
        if self.missing("modification"):
            out.append(self.missing("modification") + "。")
        else:
            short = self.pub.shown(key("modification_short", "total"))
            per = self.pub.shown("per_household")
            parts = [("已完成", "完成户数", key("modification_completed", "total")),
                     ("完成率", "完成率", key("modification_rate", "total")), ("投入", "投入金额", "spent@total")]
            shown = [f"{word}{self.n(cell)}" for word, _, cell in parts if self.pub.shown(cell) is not None]
            withheld = [name for _, name, cell in parts if self.pub.cells[cell].mark]
            out.append(f"{self.year}年，{self.area}计划实施困难重度残疾人家庭无障碍改造{self.t('modification_planned')}"
                       + "".join(f"，{part}" for part in shown)
                       + (f"，距{MODIFICATION_TEXT}目标还差{self.t('modification_short')}" if short else "")
                       + (f"，平均{self.n('per_household')}" if per is not None else "")
                       + (f"；{'、'.join(withheld)}为防推算不予公布" if withheld else "") + "。")
        if self.missing("care"):
            out.append(self.missing("care") + "。")
        else:
            kinds = sorted((n.split("@", 1)[1] for n in self.pub.cells if n.startswith("care@") and not n.endswith("@total")),
                           key=lambda kind: -(self.pub.value(f"care@{kind}") or 0))
            listed = "、".join(f"{k}{self.n(f'care@{k}')}" for k in kinds)
            out.append(f"全年提供托养照护服务{self.n('care@total')}" + (f"，其中{listed}。" if listed else "。"))
        return out

    # 七、存在问题与下一步
    def problems(self) -> list[str]:
        """The weakest units, the gaps in people, households without measures; what to do next."""
        units, out, steps = self.data.units, [], []
        if not self.missing("rehab"):
            shown = units["unit_code"].map(lambda c: self.pub.shown(key("rehab_rate", c)) is not None).astype(bool)
            below = builders.below_target(units)
            weakest = _ranked(below[shown[below.index]], "rehab_rate", 3, ascending=True)
            listed = "、".join(f"{name}{self.n(key('rehab_rate', code))}" for name, code in
                               zip(weakest["name"], weakest["unit_code"], strict=True))
            if listed:
                out.append(f"一是康复服务不均衡，服务率最低的{self.unit_word}为{listed}。")
            if len(below):
                steps.append(f"对未达标的{self.n('below_units')}{self.unit_word}逐一对账"
                             + self.shown_clause("below_short", "，补齐所差{}的康复服务"))
        if not self.missing("subsidy"):
            top = _ranked(units, "unpaid_eligible", 3)
            listed = self.listing(top, "unpaid_eligible")
            out.append(f"{'二' if out else '一'}是两项补贴仍有应享未享{self.t('unpaid_eligible')}"
                       + (f"，较多的是{listed}。" if listed else "。"))
            if self.pub.shown(key("unpaid_eligible", "total")) != 0:
                steps.append(f"对应享未享的{self.t('unpaid_eligible')}逐人核实，做到应补尽补")
        if not self.missing("monitoring"):
            top = _ranked(units, "without_measure", 3)
            listed = self.listing(top, "without_measure")
            order = "一二三四"[len(out)]
            out.append(f"{order}是无帮扶措施记录的在监测户仍有{self.t('without_measure')}"
                       + (f"，主要在{listed}" if listed else "")
                       + f"；在监测户中重度残疾人至少缺一项保障的{self.t('without_either')}。")
            if self.pub.shown(key("without_measure", "total")) != 0:
                steps.append(f"对无帮扶措施的{self.t('without_measure')}逐户落实帮扶措施，做到应帮尽帮")
        if steps:
            out.append("下一步，" + "；".join(f"{'一二三四'[i]}是{s}" for i, s in enumerate(steps)) + "。")
        return out or ["各项指标均无明显短板。"]


# --- building --------------------------------------------------------------------------------------------
def build(wh: Warehouse, cov: Coverage, filters: Filters, year: int, half: int = 0,
          audience: str = aud.PUBLIC) -> Draft:
    """The draft for the filters' area (the county, or a township with its villages) and period, for an
    audience: PUBLIC (对外版, suppressed) or INTERNAL (内部版, exact)."""
    period = Period(year, half)
    whole = county(wh)
    regions = dashboard.regions(wh, filters.scope)
    area_code = filters.params()["township"]
    names = dict(zip(regions["region_code"], regions["name"], strict=True))
    area = names.get(area_code, whole["name"]) if area_code else whole["name"]
    unit_word = "村（社区）" if area_code else "乡镇"
    data = _fetch(wh, filters, period, cov)
    pub = disclosure.apply(_publication(data, period, cov), aud.suppress(audience))
    writer = Writer(pub, area, {**names, "total": area})
    text = _Text(pub, writer, data, period, cov, area, unit_word)
    sections = [
        (SECTIONS[0], text.basics()), (SECTIONS[1], text.monitoring()), (SECTIONS[2], text.subsidies()),
        (SECTIONS[3], text.rehab()), (SECTIONS[4], text.employment()), (SECTIONS[5], text.accessibility()),
        (SECTIONS[6], text.problems()),
    ]
    kind = {0: "年度工作总结", 1: "上半年工作总结", 2: "下半年工作总结"}[half]
    draft = Draft(title=f"{area}{period.label()}残疾人工作数据摘要（{kind}初稿）", area=area, period=period,
                  until=cov.until(), unit_word=unit_word, sections=sections, pub=pub, units=data.units[["unit_code", "name"]],
                  filters=filters, audience=audience)
    draft.traces = list(writer.traces.values())
    draft.table = annual_table_shown(pub, data.units, area)
    draft.months = sorted({m.strftime("%Y-%m") for m in _monthly(data.subsidy_months, period)["pay_month"]})
    draft.shapes = dashboard.boundaries(wh, filters)
    draft.notes = _notes(pub, cov, period, audience)
    return draft


def _monthly(months: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Subsidy rows of the period's months (this year only), for the trend chart."""
    first, last = period.months
    return months[months["pay_month"].between(pd.Timestamp(period.year, first, 1), pd.Timestamp(period.year, last, 1))]


def _notes(pub: Publication, cov: Coverage, period: Period, audience: str = aud.PUBLIC) -> list[str]:
    """What a reader of the draft must know: its audience, sources, the register's date, coverage gaps, the
    marks."""
    notes = ["本稿为内部版（内部资料，注意保密）：数字未隐去小数，仅供本单位内部使用，请勿外传；对外发布请用对外版。"
             if audience == aud.INTERNAL else "本稿为对外版：人数、户数少于5的数字及可据以推算的数字已隐去。"]
    notes += [f"本稿数字均取自残联数据驾驶舱（数据截至{cov.until()}），口径与驾驶舱各页和年度分乡镇统计表相同；"
             "附表列出每个数字的指标、口径、期间、范围及其在驾驶舱中的位置。",
             "持证残疾人数为数据导出时在册、证件正常的人数；数据仓库不保存往年在册人数，故不作较上年比较。"]
    gaps = [cov.missing(d, period.year) for d in ("monitoring", "subsidy", *YEARLY)]
    notes += [g + "。" for g in gaps if g]
    for dataset in ("subsidy", "monitoring"):
        last = cov.last_month(dataset)
        if last.startswith(str(period.year)) and int(last[5:]) < period.months[1]:
            notes.append(f"{DATASETS[dataset]}数据截至{period.year}年{int(last[5:])}月。")
    if disclosure.legend_needed(pub):
        notes.append(f"为保护个人信息，人数、户数少于5的以“<5”表示，可据以推算的以“×”表示（{LEGEND}）。")
    elif aud.legend_text(pub):
        notes.append(f"{aud.legend_text(pub)}。")
    return notes


def annual_table_shown(pub: Publication, units: pd.DataFrame, area: str) -> pd.DataFrame:
    """report.md's table as the suppressed publication shows it (text cells), the total row last; its headers
    are the catalogue's labels with their units ('康复服务率（%）'), as a federation's table says them."""
    rows = [*zip(units["name"], units["unit_code"], strict=True), (f"合计（{area}）", "total")]
    body = []
    for name, code in rows:
        line = {"名称": name}
        for column in REPORT_KEYS:
            line[NUMBERS[column].heading] = pub.text(key(column, code), unit=False)
        body.append(line)
    return pd.DataFrame(body)


def appendix_rows(draft: Draft) -> list[list[str]]:
    """One row per number of the text: number, metric, definition, period, area, where (no code key: the
    traces keep each row's cell)."""
    return [[str(i), t.text, t.metric, t.definition, t.period, t.area, t.where]
            for i, t in enumerate(draft.traces, 1)]
