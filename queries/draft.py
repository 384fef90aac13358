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
from queries import dashboard, disclosure
from queries.catalog import DATASETS, METRICS
from queries.common import Filters, county
from queries.coverage import Coverage
from queries.db import Warehouse
from queries.publish import (
    AMOUNT,
    CHANGE,
    LEGEND,
    Publication,
    add_units,
    direction,
    key,
    unit_missing,
)
from queries.report import AMOUNT_COLUMNS, COUNT_COLUMNS, REPORT_COLUMNS

# The targets (config/targets.yaml, through the catalogue): the value, and as the text says it ('80%').
TARGET_REHAB, REHAB_TEXT = METRICS["rehab_rate"].target, METRICS["rehab_rate"].target_text
TARGET_MODIFICATION, MODIFICATION_TEXT = METRICS["modification_rate"].target, METRICS["modification_rate"].target_text
HALVES = {0: (1, 12), 1: (1, 6), 2: (7, 12)}
CATEGORIES = {1: "视力", 2: "听力", 3: "言语", 4: "肢体", 5: "智力", 6: "精神", 7: "多重"}
LEVELS = {1: "一级", 2: "二级", 3: "三级", 4: "四级"}
TYPES = {"monitored_unstable": "脱贫不稳定户", "monitored_marginal": "边缘易致贫户", "monitored_sudden": "突发严重困难户"}
SUBSIDIES = {"living": "困难残疾人生活补贴", "nursing": "重度残疾人护理补贴"}
YEARLY = ("rehab", "employment", "modification", "care")
SECTIONS = ("一、基本情况", "二、防返贫动态监测", "三、两项补贴", "四、精准康复", "五、就业帮扶", "六、无障碍改造与托养",
            "七、存在问题与下一步")
APPENDIX_HEADER = ["序号", "数字", "指标", "口径", "期间", "范围", "驾驶舱位置", "单元"]
RATE_KEYS = {"生活补贴_覆盖率": "living_coverage", "护理补贴_覆盖率": "nursing_coverage", "康复服务率": "rehab_rate"}
TABLE_KEYS = {**COUNT_COLUMNS, **AMOUNT_COLUMNS, **RATE_KEYS}

# --- what each number is: metric, definition, where on the dashboard ------------------------------------
ANNUAL = "总览 › 年度分乡镇统计表"
FLOW = "防返贫监测 › 每月新纳入与风险消除户数"
KIDS = "康复服务 › 0–16岁残疾儿童卡片"
ELIGIBLE = "（config/eligibility.yaml）"
_UNIT_INFO = {  # unit-table column → (metric, definition, where)
    "persons": (METRICS["persons"].label, METRICS["persons"].definition, ANNUAL),
    "living_eligible": ("生活补贴符合条件人数", "低保、证件正常的持证残疾人。" + ELIGIBLE, "两项补贴 › 覆盖率卡片"),
    "nursing_eligible": ("护理补贴符合条件人数", "一、二级、证件正常的持证残疾人。" + ELIGIBLE,
                         "两项补贴 › 覆盖率卡片"),
    "monitored": (METRICS["monitored"].label, METRICS["monitored"].definition, "防返贫监测 › 在监测户卡片"),
    "enrolled": ("年内新纳入户数", "纳入日期在当年的监测户。", ANNUAL),
    "eliminated": ("年内风险消除户数", "风险消除日期在当年的监测户。", ANNUAL),
    "without_measure": (METRICS["without_measure"].label, METRICS["without_measure"].definition, ANNUAL),
    "living_persons": ("生活补贴发放人数", "年内至少领取一次困难残疾人生活补贴的人数。", ANNUAL),
    "nursing_persons": ("护理补贴发放人数", "年内至少领取一次重度残疾人护理补贴的人数。", ANNUAL),
    "living_amount_yuan": ("生活补贴发放金额", "年内困难残疾人生活补贴发放金额。", ANNUAL),
    "nursing_amount_yuan": ("护理补贴发放金额", "年内重度残疾人护理补贴发放金额。", ANNUAL),
    "living_eligible_paid": ("生活补贴符合条件已发放人数", "符合条件且年内至少领取一次的人数。", "两项补贴 › 覆盖率卡片"),
    "nursing_eligible_paid": ("护理补贴符合条件已发放人数", "符合条件且年内至少领取一次的人数。", "两项补贴 › 覆盖率卡片"),
    "living_unpaid": ("生活补贴应享未享人数", "符合条件但全年未领取生活补贴的人数。", "两项补贴 › 应享未享卡片"),
    "nursing_unpaid": ("护理补贴应享未享人数", "符合条件但全年未领取护理补贴的人数。", "两项补贴 › 应享未享卡片"),
    "unpaid_eligible": (METRICS["unpaid_eligible"].label, METRICS["unpaid_eligible"].definition, "总览 › 覆盖率卡片"),
    "living_coverage": (METRICS["living_coverage"].label, METRICS["living_coverage"].definition, ANNUAL),
    "nursing_coverage": (METRICS["nursing_coverage"].label, METRICS["nursing_coverage"].definition, ANNUAL),
    "rehab_need": ("康复需求人数", "当年有康复服务需求记录的持证残疾人。", ANNUAL),
    "rehab_served": ("康复已服务人数", "当年至少得到一次基本康复服务的人数。", ANNUAL),
    "rehab_rate": (METRICS["rehab_rate"].label, METRICS["rehab_rate"].definition, ANNUAL),
    "rehab_short": (f"距{REHAB_TEXT}目标差人数", f"达到{REHAB_TEXT}服务率还需服务的人数（已达标为0）。", "康复服务 › 未达标表"),
    "bases": (METRICS["bases"].label, METRICS["bases"].definition, ANNUAL),
    "base_placed": (METRICS["base_placed"].label, METRICS["base_placed"].definition, ANNUAL),
    "modification_planned": ("无障碍改造计划户数", "计划年度为当年的改造户。", ANNUAL),
    "modification_completed": ("无障碍改造完成户数", "计划年度为当年且已完成的改造户。", ANNUAL),
    "modification_rate": (METRICS["modification_rate"].label, METRICS["modification_rate"].definition,
                          "无障碍与托养 › 完成率卡片"),
    "modification_short": (f"距{MODIFICATION_TEXT}目标差户数", f"达到{MODIFICATION_TEXT}完成率还需完成的户数（已达标为0）。",
                           "总览 › 无障碍改造卡片"),
    "monitored_unstable": ("在监测脱贫不稳定户", "期末在监测的脱贫不稳定户。", ANNUAL),
    "monitored_marginal": ("在监测边缘易致贫户", "期末在监测的边缘易致贫户。", ANNUAL),
    "monitored_sudden": ("在监测突发严重困难户", "期末在监测的突发严重困难户。", ANNUAL),
    "severe_persons": ("监测户中重度残疾人", "期末在监测户中的一、二级持证残疾人。", "防返贫监测 › 重度残疾人保障缺口表"),
    "without_nursing": ("其中未领护理补贴", "监测户中重度残疾人当年未领取护理补贴的人数。", "防返贫监测 › 重度残疾人保障缺口表"),
    "without_rehab": ("其中未获康复服务", "监测户中重度残疾人当年未获基本康复服务的人数。", "防返贫监测 › 重度残疾人保障缺口表"),
    "without_either": ("至少缺一项", "未领护理补贴或未获康复服务的人数。", "防返贫监测 › 重度残疾人保障缺口表"),
}
_OTHER_INFO = {  # cell family → (metric, definition, where)
    "cat_persons": ("持证残疾人数（按残疾类别）", "证件正常的持证残疾人，按残疾类别。", "总览 › 侧栏选“残疾类别”后的持证残疾人"),
    "level_persons": ("持证残疾人数（按残疾等级）", "证件正常的持证残疾人，按等级。", "总览 › 侧栏选“残疾等级”后的持证残疾人"),
    "severe_register": ("重度（一、二级）持证残疾人数", "一级、二级持证残疾人之和。", "总览 › 侧栏“残疾等级”一级、二级之和"),
    "end_monitored": ("期末在监测户数（按类别）", "纳入不晚于期末、期末前未消除风险的监测户。",
                      "防返贫监测 › 主要风险图（按类别合计）"),
    "half_without_measure": ("期末无帮扶措施户数", "6月末在监测、尚无帮扶措施记录的户。",
                             "本稿（监测户数据按6月末计算；驾驶舱待办为年末数）"),
    "half_enrolled": ("期内新纳入户数", "纳入月份在期内的监测户。", FLOW + "（所选月份合计）"),
    "half_eliminated": ("期内风险消除户数", "风险消除月份在期内的监测户。", FLOW + "（所选月份合计）"),
    "prev_half_enrolled": ("上年同期新纳入户数", "上年同期纳入的监测户。", FLOW + "（上年同月份）"),
    "prev_half_eliminated": ("上年同期风险消除户数", "上年同期消除风险的监测户。", FLOW + "（上年同月份）"),
    "year_mean": ("平均消除用时", "期内消除风险的户从纳入到消除的平均月数。", "防返贫监测 › 文字解读"),
    "year_months": ("消除用时合计", "期内消除风险的户从纳入到消除的月数之和。", "防返贫监测 › 文字解读"),
    "ytd_amount": ("补贴发放金额（期内累计）", "期内各月发放金额之和。", "两项补贴 › 累计（截至本月）卡片"),
    "ytd_persons": ("补贴发放人数（期内累计）", "1月至期末至少领取一次的人数（不重复）。", "两项补贴 › 累计（截至本月）卡片"),
    "prev_amount": ("上年同期发放金额", "上年同月份发放金额之和。", "两项补贴 › 累计卡片的同比"),
    "prev_persons": ("上年同期发放人数", "上年1月至同月至少领取一次的人数。", "两项补贴 › 累计卡片的同比"),
    "yoy_amount": ("发放金额同比", "（本期 − 上年同期）÷ 上年同期。", "两项补贴 › 累计卡片的同比"),
    "yoy_persons": ("发放人数同比", "（本期 − 上年同期）÷ 上年同期。", "两项补贴 › 累计卡片的同比"),
    "ytd_eligible_paid": ("符合条件已发放人数（1月至期末）", "符合条件且1月至期末至少领取一次的人数。",
                          "两项补贴 › 累计（截至本月）"),
    "ytd_coverage": ("补贴覆盖率（1月至期末）", "1月至期末已发放的符合条件人数 ÷ 符合条件人数。", "两项补贴 › 累计（截至本月）"),
    "ytd_unpaid": ("应享未享人数（1月至期末）", "符合条件但1月至期末未领取的人数。", "两项补贴 › 累计（截至本月）"),
    "change": ("较上年变化", "本年数 − 上年数（比率为百分点）。", "总览 / 各页文字解读“较上年”"),
    "below_units": (f"未达{REHAB_TEXT}目标的单位数", f"康复服务率低于{REHAB_TEXT}的乡镇（村）个数。", "康复服务 › 未达标卡片"),
    "below_short": ("未达标单位合计差人数", f"各未达标乡镇（村）距{REHAB_TEXT}目标所差人数之和。", "康复服务 › 未达标卡片"),
    "kid_need_persons": ("0–16岁残疾儿童康复需求人数", "当年有康复需求记录的0–16岁持证残疾儿童。", KIDS),
    "kid_served_persons": ("0–16岁残疾儿童已服务人数", "当年至少得到一次基本康复服务的0–16岁儿童。", KIDS),
    "kid_rate": ("0–16岁残疾儿童康复服务率", "已服务 ÷ 有需求（0–16岁）。", KIDS),
    "cat_need_persons": ("康复需求人数（按类别）", "当年有康复需求记录的持证残疾人，按残疾类别。", "康复服务 › 按残疾类别图"),
    "cat_served_persons": ("康复已服务人数（按类别）", "当年得到基本康复服务的人数，按残疾类别。", "康复服务 › 按残疾类别图"),
    "cat_rate": ("康复服务率（按类别）", "已服务 ÷ 有需求，按残疾类别。", "康复服务 › 按残疾类别图"),
    "base_list": ("基地安置人数", "就业基地安置的残疾人数合计。", "就业帮扶 › 就业基地名录"),
    "lifted": ("辐射带动户数", "就业基地辐射带动的残疾人家庭户数。", "就业帮扶 › 带动户数卡片"),
    "funding": ("就业基地扶持资金", "就业基地获得的扶持资金合计。", "就业帮扶 › 带动户数卡片"),
    "form": ("帮扶就业人次（按就业形式）", "当年就业情况记录的人次，按就业形式。", "就业帮扶 › 各年就业形式图"),
    "spent": ("无障碍改造投入", "当年计划、已完成改造户的支出合计。", "无障碍与托养 › 户均改造支出卡片"),
    "per_household": ("户均改造支出", "已完成户支出合计 ÷ 完成户数。", "无障碍与托养 › 户均改造支出卡片"),
    "care": ("托养服务人数（按类型）", METRICS["care_persons"].definition, "无障碍与托养 › 托养服务卡片"),
}


def family(cell: str) -> str:
    """The family of a cell key: 'prev:rehab_rate@total' → 'rehab_rate', 'change_rehab_rate@total' → 'change'."""
    name = cell.split("@", 1)[0].split(":", 1)[-1]
    return "change" if name.startswith("change_") else name


def describe(cell: str) -> tuple[str, str, str]:
    """(metric, definition, where on the dashboard) of a cell."""
    name = family(cell)
    return _UNIT_INFO.get(name) or _OTHER_INFO.get(name) or (name, "", "")


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
    _rehab_cells(pub, data, cov, year)
    _employment_cells(pub, data, cov, year)
    _modification_cells(pub, data, cov, year)
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
    pub.add("year_months@total", float(data.path["months_in_year"].sum()), "count", "月", missing=why)
    pub.mean("year_mean@total", "year_months@total", "half_eliminated@total", "个月", 1, missing=why)


def _subsidy_cells(pub: Publication, data: _Inputs, period: Period, cov: Coverage) -> None:
    """Amounts and persons of the period and of last year's same months (同比), coverage to the period's end."""
    year, (first, last) = period.year, period.months
    months = data.subsidy_months
    last = min(last, cov.months_in("subsidy", year))
    for y, block in ((year, "ytd"), (year - 1, "prev")):
        why = cov.missing("subsidy", y)
        rows = months[months["pay_month"].between(pd.Timestamp(y, first, 1), pd.Timestamp(y, max(last, first), 1))]
        paid = data.subsidy_persons[data.subsidy_persons["year"] == y]
        for code in SUBSIDIES:
            pub.count(f"{block}_persons@{code}", paid.loc[paid["subsidy_code"] == code, "persons"].sum(), "人", why)
            pub.amount(f"{block}_amount@{code}", rows.loc[rows["subsidy_code"] == code, "amount_yuan"].sum(),
                       f"{block}_persons@{code}", missing=why)
            if block == "ytd":
                pub.count(f"ytd_eligible_paid@{code}", paid.loc[paid["subsidy_code"] == code, "eligible_paid"].sum(),
                          "人", why)
        both = (pub.value(f"{block}_amount@living") or 0) + (pub.value(f"{block}_amount@nursing") or 0)
        pub.add(f"{block}_amount@total", both, AMOUNT, "万元", missing=why)
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
    this_year = _monthly(months, period)
    wide = this_year.pivot_table(index="pay_month", columns="subsidy_code", values=["amount_yuan", "payments"],
                                 aggfunc="sum", fill_value=0)
    for code in SUBSIDIES:  # the monthly trend (the subsidies page's cells): amounts tied to payments
        if ("payments", code) in wide:
            month_keys = [m.strftime("%Y-%m") for m in wide.index]
            counts = pub.line(f"payments_{code}", zip(month_keys, wide[("payments", code)], strict=True), "count", "人次")
            for month, count_key in zip(month_keys, counts, strict=True):
                pub.amount(f"amount_{code}@{month}", float(wide[("amount_yuan", code)][pd.Timestamp(month)]), count_key)
    if not period.half:  # the whole year to date is the annual table's (a reader sees both)
        for code in SUBSIDIES:
            pub.total(key(f"{code}_persons", "total"), [f"ytd_persons@{code}"])
            pub.total(key(f"{code}_amount_yuan", "total"), [f"ytd_amount@{code}"])


def _rehab_cells(pub: Publication, data: _Inputs, cov: Coverage, year: int) -> None:
    """The units below the rehab target and their people short, children 0-16 and categories (the rehab
    page's cells)."""
    why = cov.missing("rehab", year)
    units = data.units
    below = units[(units["rehab_rate"] < TARGET_REHAB) & ~units["rehab_rate"].isna()]
    shorts = [key("rehab_short", c) for c in below["unit_code"]]
    pub.derived("below_short@total", float(sum(pub.value(s) or 0 for s in shorts)), "人", shorts, why)
    pub.tally("below_units@total", len(below), "个", why)
    groups = data.groups
    cats = groups.groupby("category_code")[["need_persons", "served_persons"]].sum()
    kids = groups[groups["is_child"]].groupby("category_code")[["need_persons", "served_persons"]].sum()
    for block, frame in (("cat", cats), ("kid", kids)):
        for measure in ("need_persons", "served_persons"):
            pub.line(f"{block}_{measure}", [(CATEGORIES[c], v) for c, v in frame[measure].items()], "count", "人", why)
        for c in frame.index:
            name = CATEGORIES[c]
            pub.rate(f"{block}_rate@{name}", f"{block}_served_persons@{name}", f"{block}_need_persons@{name}", why)
        pub.rate(f"{block}_rate@total", f"{block}_served_persons@total", f"{block}_need_persons@total", why)
    for measure, column in (("need_persons", "rehab_need"), ("served_persons", "rehab_served")):
        pub.total(key(column, "total"), [f"cat_{measure}@total"])


def _employment_cells(pub: Publication, data: _Inputs, cov: Coverage, year: int) -> None:
    """Bases, placements, households lifted, funding; employment by form in the year (the employment page's)."""
    why = cov.missing("employment", year)
    bases = data.bases
    pub.tally("bases@total", len(bases), "个", why)
    pub.line("base_list", zip(bases["base_id"], bases["placed_persons"], strict=True), "count", "人", why)
    pub.line("lifted", zip(bases["base_id"], bases["households_lifted"], strict=True), "count", "户", why)
    pub.add("funding@total", float(bases["funding_wan_yuan"].sum()) * 10_000, AMOUNT, "万元", missing=why)
    pub.total(key("base_placed", "total"), ["base_list@total"])
    this_year = data.forms[data.forms["year"] == year].sort_values("persons", ascending=False)
    pub.line("form", zip(this_year["form"], this_year["persons"], strict=True), "count", "人次", why)


def _modification_cells(pub: Publication, data: _Inputs, cov: Coverage, year: int) -> None:
    """Spending and spending per household of the year's modifications; persons in care by type."""
    why = cov.missing("modification", year)
    row = data.modifications[data.modifications["plan_year"] == year]
    pub.amount("spent@total", float(row["completed_amount_yuan"].sum()), key("modification_completed", "total"),
               missing=why)
    pub.mean("per_household@total", "spent@total", key("modification_completed", "total"), "元", missing=why)
    care = data.care[data.care["year"] == year].sort_values("persons", ascending=False)
    pub.line("care", zip(care["care_type"], care["persons"], strict=True), "count", "人", cov.missing("care", year))


# --- the sentences ---------------------------------------------------------------------------------------
def _ranked(units: pd.DataFrame, column: str, count: int, ascending: bool = False) -> pd.DataFrame:
    """The units with the most (or, ascending, the lowest) of a column, at most `count`, zeros left out."""
    chosen = units[units[column].fillna(0) > 0] if not ascending else units[~units[column].isna()]
    return chosen.sort_values([column, "unit_code"], ascending=[ascending, True]).head(count)


class _Text:
    """Writes the sections from the suppressed publication."""

    def __init__(self, pub: Publication, w: Writer, data: _Inputs, period: Period, cov: Coverage, area: str,
                 unit_word: str) -> None:
        self.pub, self.w, self.data, self.period, self.cov = pub, w, data, period, cov
        self.area, self.unit_word = area, unit_word
        self.year = period.year

    def n(self, cell: str, period: str = "") -> str:
        """A number of the text (default period: the year)."""
        return self.w.n(cell, period or f"{self.year}年")

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
            f"截至{until}，{self.area}持证残疾人{self.t('persons', f'截至{until}（在册）')}。按残疾类别，{cats}；"
            f"按残疾等级，{levels}，其中重度（一、二级）残疾人{self.n('severe_register@total', f'截至{until}（在册）')}。"
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
        months = self.pub.shown("year_mean@total")
        flows += (f"，这些户从纳入到消除平均用时{self.n('year_mean@total', span)}" if months is not None else "") + "。"
        if p.half == 1:  # a stock at the end of June; the yearly gaps (paid or served in the year) wait for the year
            return [first + flows, f"截至{end}，尚无帮扶措施记录的在监测户{self.n('half_without_measure@total', f'截至{end}')}，"
                                   "需逐户落实帮扶措施。监测户中重度残疾人未领护理补贴、未获康复服务的情况按全年统计，在年度总结中列出。"]
        year_end = self.cov.year_end("monitoring", self.year)
        gaps = (f"截至{year_end}，尚无帮扶措施记录的在监测户{self.t('without_measure', f'截至{year_end}')}，需逐户落实帮扶措施；"
                f"在监测户中的重度残疾人{self.t('severe_persons', f'截至{year_end}')}，其中当年未领护理补贴"
                f"{self.t('without_nursing', f'{self.year}年')}、未获康复服务{self.t('without_rehab', f'{self.year}年')}。")
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
        below = units[(units["rehab_rate"] < TARGET_REHAB) & ~units["rehab_rate"].isna()]
        below = below.sort_values(["rehab_short", "unit_code"], ascending=[False, True])
        if len(below):
            listed = "、".join(name + (f"（{self.n(key('rehab_rate', code))}，差{self.n(key('rehab_short', code))}）"
                                      if self.pub.shown(key("rehab_rate", code)) is not None else "")
                               for name, code in zip(below["name"].head(5), below["unit_code"].head(5), strict=True))
            more = "等" if len(below) > 5 else ""
            second = (f"{self.n('below_units@total')}{self.unit_word}未达{REHAB_TEXT}目标"
                      + self.shown_clause("below_short@total", "，合计差{}") + f"，差距较大的有{listed}{more}。")
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
        ranked = "、".join(f"{form}{self.n(f'form@{form}')}" for form in forms[:4])
        return [start + f"{self.year}年共帮扶残疾人就业{self.n('form@total')}" + (f"，其中{ranked}。" if ranked else "。")]

    # 六、无障碍改造与托养
    def accessibility(self) -> list[str]:
        """Modifications planned and completed, spending; persons in care by type."""
        out = []
        if self.missing("modification"):
            out.append(self.missing("modification") + "。")
        else:
            short = self.pub.shown(key("modification_short", "total"))
            per = self.pub.shown("per_household@total")
            out.append(f"{self.year}年，{self.area}计划实施困难重度残疾人家庭无障碍改造{self.t('modification_planned')}，"
                       f"已完成{self.t('modification_completed')}，完成率{self.t('modification_rate')}"
                       + (f"，距{MODIFICATION_TEXT}目标还差{self.t('modification_short')}" if short else "")
                       + f"，投入{self.n('spent@total')}" + (f"，户均{self.n('per_household@total')}" if per is not None else "")
                       + "。")
        if self.missing("care"):
            out.append(self.missing("care") + "。")
        else:
            kinds = [n.split("@", 1)[1] for n in self.pub.cells if n.startswith("care@") and not n.endswith("@total")]
            listed = "、".join(f"{k}{self.n(f'care@{k}')}" for k in kinds)
            out.append(f"全年提供托养照护服务{self.n('care@total')}" + (f"，其中{listed}。" if listed else "。"))
        return out

    # 七、存在问题与下一步
    def problems(self) -> list[str]:
        """The weakest units, the gaps in people, households without measures; what to do next."""
        units, out, steps = self.data.units, [], []
        if not self.missing("rehab"):
            shown = units["unit_code"].map(lambda c: self.pub.shown(key("rehab_rate", c)) is not None).astype(bool)
            weakest = _ranked(units[(units["rehab_rate"] < TARGET_REHAB) & shown], "rehab_rate", 3, ascending=True)
            listed = "、".join(f"{name}{self.n(key('rehab_rate', code))}" for name, code in
                               zip(weakest["name"], weakest["unit_code"], strict=True))
            if listed:
                out.append(f"一是康复服务不均衡，服务率最低的{self.unit_word}为{listed}。")
            if len(units[(units["rehab_rate"] < TARGET_REHAB) & ~units["rehab_rate"].isna()]):
                steps.append(f"对未达标的{self.n('below_units@total')}{self.unit_word}逐一对账"
                             + self.shown_clause("below_short@total", "，补齐所差{}的康复服务"))
        if not self.missing("subsidy"):
            top = _ranked(units, "unpaid_eligible", 3)
            listed = "、".join(f"{name}{self.n(key('unpaid_eligible', code))}" for name, code in
                               zip(top["name"], top["unit_code"], strict=True))
            out.append(f"{'二' if out else '一'}是两项补贴仍有应享未享{self.t('unpaid_eligible')}"
                       + (f"，较多的是{listed}。" if listed else "。"))
            if self.pub.shown(key("unpaid_eligible", "total")) != 0:
                steps.append(f"对应享未享的{self.t('unpaid_eligible')}逐人核实，做到应补尽补")
        if not self.missing("monitoring"):
            top = _ranked(units, "without_measure", 3)
            listed = "、".join(f"{name}{self.n(key('without_measure', code))}" for name, code in
                               zip(top["name"], top["unit_code"], strict=True))
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
    """report.md's table as the suppressed publication shows it (text cells), the total row last."""
    rows = [*zip(units["name"], units["unit_code"], strict=True), (f"合计（{area}）", "total")]
    headers = {"金额": "（万元）", "覆盖率": "（%）", "服务率": "（%）"}
    body = []
    for name, code in rows:
        line = {"名称": name}
        for label in REPORT_COLUMNS[2:]:
            head = label + next((u for end, u in headers.items() if label.endswith(end)), "")
            line[head] = pub.text(key(TABLE_KEYS[label], code), unit=False)
        body.append(line)
    return pd.DataFrame(body)


def appendix_rows(draft: Draft) -> list[list[str]]:
    """One row per number of the text: number, metric, definition, period, area, where, cell key."""
    return [[str(i), t.text, t.metric, t.definition, t.period, t.area, t.where, t.cell]
            for i, t in enumerate(draft.traces, 1)]
