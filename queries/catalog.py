"""The metric catalogue: every number the federation is judged on, defined once — label, unit, colour,
definition, target, numerator and denominator of a rate, what it counts (grain), which breakdowns and
filters apply, and the SQL that computes it (queries/sql/NAME.sql). Pages, 指标分析, the annual table,
exports and tests read it; adding a metric is one entry here plus its SQL and its test."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from queries.targets import load_targets, targets_file

# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = {
    "blue": "#0072B2", "orange": "#E69F00", "green": "#009E73", "vermillion": "#D55E00",
    "sky": "#56B4E9", "purple": "#CC79A7", "yellow": "#F0E442", "grey": "#999999",
    "ochre": "#B58900",  # a darker yellow: legible on white, still apart from orange
}

# The breakdowns (分析维度) of 指标分析, in the order of its list: URL value → label.
BREAKDOWNS = {"township": "乡镇（街道）", "village": "村（社区）", "category": "残疾类别", "level": "残疾等级",
              "year": "年度", "month": "月份"}
TIME_BREAKDOWNS = ("year", "month")
# The vocabulary of breakdowns a number is published by (ui.labels shows the same).
CATEGORIES = {1: "视力", 2: "听力", 3: "言语", 4: "肢体", 5: "智力", 6: "精神", 7: "多重"}
LEVELS = {1: "一级", 2: "二级", 3: "三级", 4: "四级"}
SUBSIDIES = {"living": "困难残疾人生活补贴", "nursing": "重度残疾人护理补贴"}
MONITOR_TYPES = {"monitored_unstable": "脱贫不稳定户", "monitored_marginal": "边缘易致贫户",
                 "monitored_sudden": "突发严重困难户"}
# What a metric counts: persons carry a category and level; households and bases do not.
GRAINS = {"person": "人", "household": "户", "base": "就业基地"}


@dataclass(frozen=True)
class Metric:
    """A number the federation is judged on: its label, unit, colour, target and definition; a rate
    names its numerator and denominator (columns of the unit table and of its SQL's result).

    `grain` is what is counted (person: narrowed and broken down by category and level; household,
    base: not); `time` its finest period ('month', 'year', or '' for the register's current state);
    `state` whether it is counted at a period's end (households under monitoring) rather than over it;
    `flow` whether values of several periods add up (money paid); `sql` the statement in queries/sql/
    that computes it for any breakdown, `column` its result column (a rate: `numerator`,
    `denominator`); `count_column` the payments behind an amount (withheld with them). A rate's `target`
    is set from config/targets.yaml (below), never here."""

    key: str
    label: str
    unit: str
    colour: str
    definition: str
    target: float | None = None
    higher_is_better: bool = True
    numerator: str = ""
    denominator: str = ""
    dataset: str = ""  # the extract it comes from (its months decide which years it covers)
    grain: str = "person"
    time: str = "year"
    flow: bool = False
    sql: str = ""
    column: str = ""
    count_column: str = ""
    state: bool = False  # counted at a period's end (households under monitoring), not over it
    why_not: str = ""  # a further reason for a metric that cannot be split by category and level
    in_month: bool = False  # a figure of one month (paid in it, eligible at its end): one period = its last month

    @property
    def target_text(self) -> str:
        """The target as a page says it ('80%'), '' without one."""
        return "" if self.target is None else f"{self.target:g}{self.unit}"

    def reached(self, value: float | None) -> bool | None:
        """Whether a value meets the target (None without a value or a target)."""
        if value is None or self.target is None:
            return None
        return value >= self.target if self.higher_is_better else value <= self.target

    @property
    def kind(self) -> str:
        """How the publication types it: rate, amount, tally (not persons) or count."""
        if self.numerator:
            return "rate"
        if self.count_column:
            return "amount"
        return "tally" if self.grain == "base" and self.unit == "个" else "count"

    @property
    def by_person(self) -> bool:
        """Whether category and level apply (persons carry them; households and bases do not)."""
        return self.grain == "person" and not self.why_not

    @property
    def breakdowns(self) -> tuple[str, ...]:
        """The breakdowns this metric has."""
        out = ["township", "village"]
        if self.by_person:
            out += ["category", "level"]
        if self.time in ("year", "month"):
            out.append("year")
        if self.time == "month":
            out.append("month")
        return tuple(out)

    def refusal(self, by: str) -> str:
        """'' when the metric has the breakdown, else the sentence saying why not."""
        if by in self.breakdowns:
            return ""
        if by in ("category", "level"):
            what = BREAKDOWNS[by]
            if self.why_not:
                return f"{self.label}{self.why_not}，不能按{what}分析。"
            counted = GRAINS[self.grain]
            return f"{self.label}以{counted}为单位统计，{counted}没有残疾类别和等级，不能按{what}分析。"
        if by in TIME_BREAKDOWNS and not self.time:
            return f"{self.label}是持证残疾人库的当前登记状态，数据仓库不保存历史各期的人数，不能按{BREAKDOWNS[by]}分析。"
        if by == "month":
            return f"{self.label}按年度统计（{DATASETS.get(self.dataset, self.dataset)}数据以年度为单位），不能按月份分析。"
        return f"{self.label}不能按{BREAKDOWNS.get(by, by)}分析。"

    def filter_note(self, category: int, level: int) -> str:
        """What the page says when a category or level filter does not narrow this metric ('' if it does)."""
        if self.by_person or not (category or level):
            return ""
        reason = self.why_not or f"以{GRAINS[self.grain]}为单位统计"
        return f"{self.label}{reason}，不按残疾类别、等级筛选，显示的是全部。"


METRICS: dict[str, Metric] = {m.key: m for m in [
    Metric("persons", "持证残疾人数", "人", PALETTE["grey"], "证件状态为“正常”的持证残疾人（年末前发证）。",
           dataset="persons", state=True, sql="explore_persons", column="persons"),
    Metric("monitored", "在监测户数", "户", PALETTE["vermillion"],
           "纳入日期不晚于期末、期末前未消除风险的监测户（三类合计）。", higher_is_better=False, dataset="monitoring",
           grain="household", time="month", state=True, sql="explore_monitoring", column="monitored"),
    Metric("without_measure", "无帮扶措施户数", "户", PALETTE["purple"],
           "期末在监测、但没有任何帮扶措施记录的户：需要立即跟进的名单。", target=0, higher_is_better=False,
           dataset="monitoring", grain="household", time="month", state=True, sql="explore_monitoring",
           column="without_measure"),
    Metric("living_coverage", "生活补贴覆盖率", "%", PALETTE["blue"],
           "年内至少领取一次困难残疾人生活补贴的符合条件人数 ÷ 符合条件人数（低保、证件正常）。",
           numerator="living_eligible_paid", denominator="living_eligible", dataset="subsidy",
           sql="explore_subsidy_coverage"),
    Metric("nursing_coverage", "护理补贴覆盖率", "%", PALETTE["sky"],
           "年内至少领取一次重度残疾人护理补贴的符合条件人数 ÷ 符合条件人数（一、二级，证件正常）。",
           numerator="nursing_eligible_paid", denominator="nursing_eligible", dataset="subsidy",
           sql="explore_subsidy_coverage"),
    Metric("unpaid_eligible", "应享未享人数", "人", PALETTE["vermillion"],
           "符合两项补贴条件、但全年未领取的人数（两项合计）。", target=0, higher_is_better=False, dataset="subsidy",
           sql="explore_subsidy_coverage", column="unpaid_eligible"),
    Metric("subsidy_amount", "两项补贴发放金额", "万元", PALETTE["blue"], "期内两项补贴发放金额合计。", dataset="subsidy",
           time="month", flow=True, sql="explore_subsidy_amount", column="subsidy_amount", count_column="payments"),
    Metric("rehab_rate", "康复服务率", "%", PALETTE["green"],
           "年内至少得到一次基本康复服务的人数 ÷ 有康复需求的人数。",
           numerator="rehab_served", denominator="rehab_need", dataset="rehab", sql="explore_rehab"),
    Metric("bases", "就业基地数", "个", PALETTE["orange"], "认定年度不晚于当年的残疾人就业基地。", dataset="employment",
           grain="base", state=True, sql="explore_employment", column="bases"),
    Metric("base_placed", "基地安置人数", "人", PALETTE["orange"], "就业基地安置的残疾人数合计。", dataset="employment",
           why_not="按就业基地登记（基地只报安置人数，不报每位安置者）", state=True, sql="explore_employment",
           column="base_placed"),
    Metric("modification_rate", "无障碍改造完成率", "%", PALETTE["ochre"],
           "当年计划改造户中已完成的比例。",
           numerator="modification_completed", denominator="modification_planned", dataset="modification",
           grain="household", sql="explore_modification"),
    Metric("care_persons", "托养服务人数", "人", PALETTE["purple"], "年内接受机构托养、居家托养或日间照料的人数。",
           dataset="care", sql="explore_care", column="care_persons"),
    # 指标分析's monthly questions ("how did coverage change month by month"): one month each; a year is its
    # last month (December, or the data's last month), not a sum of months (the same persons are paid monthly).
    Metric("living_paid_month", "生活补贴月发放人数", "人", PALETTE["blue"],
           "当月领取困难残疾人生活补贴的人数（同一人当月多笔计一人）；按年度时为该年最后一个月。", dataset="subsidy",
           time="month", sql="explore_subsidy_month", column="living_paid", in_month=True),
    Metric("nursing_paid_month", "护理补贴月发放人数", "人", PALETTE["sky"],
           "当月领取重度残疾人护理补贴的人数（同一人当月多笔计一人）；按年度时为该年最后一个月。", dataset="subsidy",
           time="month", sql="explore_subsidy_month", column="nursing_paid", in_month=True),
    Metric("living_coverage_month", "生活补贴月覆盖率", "%", PALETTE["blue"],
           "当月领取困难残疾人生活补贴的符合条件人数 ÷ 月末符合条件人数（低保、证件正常，月末前发证）；"
           "按年度时为该年最后一个月。", target=100, numerator="living_month_eligible_paid",
           denominator="living_month_eligible", dataset="subsidy", time="month", sql="explore_subsidy_month",
           in_month=True),
    Metric("nursing_coverage_month", "护理补贴月覆盖率", "%", PALETTE["sky"],
           "当月领取重度残疾人护理补贴的符合条件人数 ÷ 月末符合条件人数（一、二级，证件正常，月末前发证）；"
           "按年度时为该年最后一个月。", target=100, numerator="nursing_month_eligible_paid",
           denominator="nursing_month_eligible", dataset="subsidy", time="month", sql="explore_subsidy_month",
           in_month=True),
]}

# Every rate's target comes from config/targets.yaml (or TARGETS_FILE), read once, here, and validated: a
# bad file stops whatever imports the catalogue with a message naming the file and the key.
TARGETS_FILE = targets_file()
TARGETS = load_targets(TARGETS_FILE, {k: m.label for k, m in METRICS.items() if m.numerator})
METRICS = {k: replace(m, target=TARGETS[k]) if k in TARGETS else m for k, m in METRICS.items()}

# The metrics a map (and a ranking) of units can show, in the order of the overview's list.
MAP_METRICS = {k: METRICS[k].label for k in ("rehab_rate", "living_coverage", "nursing_coverage", "monitored",
                                             "without_measure", "unpaid_eligible", "base_placed")}
# Rates of the unit table: key → (numerator, denominator) (a month's rate is 指标分析's only, not the table's).
RATES = {k: (m.numerator, m.denominator) for k, m in METRICS.items() if m.numerator and not m.in_month}

# The datasets (extracts) behind the pages, with their names in a sentence.
DATASETS = {"persons": "持证残疾人", "monitoring": "防返贫监测", "subsidy": "补贴发放", "rehab": "康复服务",
            "employment": "就业", "modification": "无障碍改造", "care": "托养服务"}


@dataclass(frozen=True)
class CompareItem:
    """One 比对项 of ../shared/registers.md: certificate holders counted for a 比对 month M (default: the last
    month with payments), by the township of their village. `register` is the partner register it needs
    (data/registers.py: dibao, death, rural), `action` what the federation does, `amount` whether it
    carries 应追回金额. Computed by queries/sql/compare_cases.sql (persons) and compare_counts.sql."""

    key: str
    label: str
    register: str
    definition: str
    action: str
    colour: str
    amount: bool = False
    unit: str = "人"
    target: float = 0
    higher_is_better: bool = False
    sql: str = "compare_counts"


# The registers the 比对项 read: key → the sentence said when one was not imported.
REGISTER_LABELS = {"dibao": "民政低保特困名单", "death": "死亡人员名单", "rural": "乡村振兴监测对象名单"}

COMPARE_ITEMS: dict[str, CompareItem] = {c.key: c for c in [
    CompareItem("dibao_unpaid", "低保未享生活补贴", "dibao",
                "证件正常；民政低保特困名单有覆盖比对月的记录（起始年月≤比对月，终止年月为空或≥比对月）；比对月未发放困难残疾人生活补贴。",
                "协助申请困难残疾人生活补贴（应享未享）", PALETTE["vermillion"]),
    CompareItem("paid_not_dibao", "享生活补贴不在低保名单", "dibao",
                "比对月发放了困难残疾人生活补贴；民政低保特困名单没有覆盖比对月的记录。",
                "核实资格：停发或说明原因", PALETTE["orange"]),
    CompareItem("paid_after_death", "死亡后仍发放", "death",
                "在死亡人员名单上，且死亡当月之后的月份（截至比对月）仍发放了补贴（任一项）；应追回金额为这些月份的发放金额。",
                "停发并追回", PALETTE["vermillion"], amount=True),
    CompareItem("death_active", "死亡未注销", "death",
                "在死亡人员名单上，死亡日期不晚于比对月末，残疾人证仍为“正常”。",
                "办理残疾人证注销", PALETTE["purple"]),
    CompareItem("rural_not_monitored", "乡村振兴在监测未纳入", "rural",
                "证件正常；乡村振兴监测对象名单在比对月末有在监测记录（纳入日期≤月末，风险消除日期为空或晚于月末）；"
                "其家庭在比对月末不在残联监测户中。",
                "核实后纳入监测（应纳未纳）", PALETTE["blue"]),
    CompareItem("monitored_not_rural", "残联在监测乡村振兴无记录", "rural",
                "证件正常；其家庭在比对月末在残联监测户中；乡村振兴监测对象名单在比对月末没有其在监测记录。",
                "与乡村振兴工作站核对", PALETTE["sky"]),
]}


# --- every published number ------------------------------------------------------------------------------
# A page, slide, export, sentence or the draft publishes cells (queries/publish.py) whose key is
# 'family@unit' ('prev:rehab_rate@330102001000', 'cat_rate@视力'); the family is one of NUMBERS below: what it
# is called, its unit and kind, what one value is for (`by`), the extract behind it, its definition, a rate's
# numerator and denominator, and where on the dashboard it appears. publish (the unit table's columns and
# their relations), report (the annual table's columns), draft (附表 labels, definitions, places) and
# 指标分析 (the units of a metric's parts) derive their maps from here; tests/test_pages.py fails when a page
# publishes a cell whose family is not here (or has another unit or kind).

# What a number counts, and the publication kinds (queries/publish.py) it may be published as.
KINDS = {"view": ("count", "tally", "amount", "rate", "mean"), "persons": ("count",), "households": ("count",),
         "visits": ("count",), "cases": ("count", "tally"), "months": ("count",), "tally": ("tally",), "amount": ("amount",),
         "rate": ("rate",), "mean": ("mean",),
         "change": ("change",)}
KIND_LABELS = {"view": "所选指标", "persons": "人数", "households": "户数", "visits": "人次", "cases": "件数", "months": "月数",
               "tally": "个数", "amount": "金额", "rate": "比率", "mean": "平均数", "change": "变化"}
# What one value is for.
BY = {"unit": "每个乡镇（村）及合计", "area": "所选范围合计", "category": "按残疾类别", "level": "按残疾等级",
      "type": "按监测类别", "risk": "按主要风险", "month": "按月", "year": "按年度", "subsidy": "按补贴", "base": "按就业基地",
      "form": "按就业形式", "care": "按托养类型", "service": "按康复服务类型", "rule": "按预警规则",
      "view": "指标分析所选的行、列"}

# Places on the dashboard (where a number appears; the draft's 附表 says it).
ANNUAL = "总览 › 年度分乡镇统计表"
COVERAGE_CARD = "两项补贴 › 覆盖率卡片"
GAPS = "防返贫监测 › 重度残疾人保障缺口表"
FLOW = "防返贫监测 › 每月新纳入与风险消除户数"
KIDS = "康复服务 › 0–16岁残疾儿童卡片"
CUMULATIVE = "两项补贴 › 累计（截至本月）卡片"
UNIT_WORD = {"persons": "人", "households": "户"}


@dataclass(frozen=True)
class Number:
    """One family of published cells. `kind`: persons, households, visits (人次), cases (预警件), months (the
    months behind a mean), tally (things, not persons), amount, rate, mean, change; `by`: what one value is
    for (BY); `dataset`: the extract it comes from; `needs`: the extracts whose coverage of the period
    decides whether it has a value (default: its dataset; () for the register's current state); a rate
    names `numerator` and `denominator`, an amount its `count` (the persons paid), a gap the rate whose
    target it falls short of (`gap`), a total its `parts`; `report`: its column in report.md's annual table."""

    key: str
    label: str
    unit: str
    kind: str
    definition: str
    by: str = "area"
    dataset: str = ""
    where: str = ""
    numerator: str = ""
    denominator: str = ""
    count: str = ""
    gap: str = ""
    parts: tuple[str, ...] = ()
    report: str = ""
    needs: tuple[str, ...] | None = None

    @property
    def covered_by(self) -> tuple[str, ...]:
        """The extracts that must cover the period for this number to have a value."""
        return (self.dataset,) if self.needs is None and self.dataset else (self.needs or ())

    @property
    def heading(self) -> str:
        """The label with its unit, as a table's column says it: '康复服务率（%）', '持证残疾人数（人）'."""
        return f"{self.label}（{self.unit}）"


def _metric(key: str, kind: str, by: str = "unit", **kw) -> Number:
    """A number that is a metric of the catalogue: label, unit, definition, dataset, rate parts from there."""
    m = METRICS[key]
    return Number(key, m.label, m.unit, kind, m.definition, by, m.dataset, numerator=m.numerator,
                  denominator=m.denominator, **kw)


def _n(key: str, label: str, unit: str, definition: str, by: str = "area", dataset: str = "", where: str = "",
       kind: str = "", **kw) -> Number:
    """A number; its kind from its unit unless given (人: persons, 户: households, 人次: visits)."""
    kind = kind or {"人": "persons", "户": "households", "人次": "visits", "件": "cases", "月": "months",
                    "个": "tally", "万元": "amount", "%": "rate"}[unit]
    return Number(key, label, unit, kind, definition, by, dataset, where, **kw)


_SHORT = {k: METRICS[k].target_text for k in ("rehab_rate", "modification_rate")}
_ELIGIBLE = "（资格条件见“数据说明”）"

NUMBERS: dict[str, Number] = {n.key: n for n in [
    # The unit table (queries/publish.add_units): a row per township (village) and the area's total. The
    # order of the counts is the order the publication adds them in.
    _metric("persons", "persons", where=ANNUAL, report="持证残疾人数", needs=()),
    _n("living_eligible", "生活补贴符合条件人数", "人", "低保、证件正常的持证残疾人" + _ELIGIBLE + "。", "unit", "persons",
       COVERAGE_CARD, parts=("living_eligible_paid", "living_unpaid"), needs=()),
    _n("nursing_eligible", "护理补贴符合条件人数", "人", "一、二级、证件正常的持证残疾人" + _ELIGIBLE + "。", "unit", "persons",
       COVERAGE_CARD, parts=("nursing_eligible_paid", "nursing_unpaid"), needs=()),
    _n("monitored_unstable", "在监测脱贫不稳定户", "户", "期末在监测的脱贫不稳定户。", "unit", "monitoring", ANNUAL,
       report="在监测户数_脱贫不稳定户"),
    _n("monitored_marginal", "在监测边缘易致贫户", "户", "期末在监测的边缘易致贫户。", "unit", "monitoring", ANNUAL,
       report="在监测户数_边缘易致贫户"),
    _n("monitored_sudden", "在监测突发严重困难户", "户", "期末在监测的突发严重困难户。", "unit", "monitoring", ANNUAL,
       report="在监测户数_突发严重困难户"),
    _n("enrolled", "年内新纳入户数", "户", "纳入日期在当年的监测户。", "unit", "monitoring", ANNUAL, report="年内新纳入户数"),
    _n("eliminated", "年内风险消除户数", "户", "风险消除日期在当年的监测户。", "unit", "monitoring", ANNUAL,
       report="年内风险消除户数"),
    _metric("without_measure", "households", where=ANNUAL, report="无帮扶措施户数"),
    _n("living_persons", "生活补贴发放人数", "人", "年内至少领取一次困难残疾人生活补贴的人数。", "unit", "subsidy", ANNUAL,
       report="生活补贴_人数"),
    _n("living_eligible_paid", "生活补贴符合条件已发放人数", "人", "符合条件且年内至少领取一次的人数。", "unit", "subsidy",
       COVERAGE_CARD),
    _n("nursing_persons", "护理补贴发放人数", "人", "年内至少领取一次重度残疾人护理补贴的人数。", "unit", "subsidy", ANNUAL,
       report="护理补贴_人数"),
    _n("nursing_eligible_paid", "护理补贴符合条件已发放人数", "人", "符合条件且年内至少领取一次的人数。", "unit", "subsidy",
       COVERAGE_CARD),
    _n("rehab_need", "康复需求人数", "人", "当年有康复服务需求记录的持证残疾人。", "unit", "rehab", ANNUAL,
       report="康复需求人数"),
    _n("rehab_served", "康复已服务人数", "人", "当年至少得到一次基本康复服务的人数。", "unit", "rehab", ANNUAL,
       report="康复已服务人数"),
    _metric("base_placed", "persons", where=ANNUAL, report="基地安置人数", needs=()),
    _n("modification_planned", "无障碍改造计划户数", "户", "计划年度为当年的改造户。", "unit", "modification", ANNUAL,
       report="无障碍改造_计划户数"),
    _n("modification_completed", "无障碍改造完成户数", "户", "计划年度为当年且已完成的改造户。", "unit", "modification", ANNUAL,
       report="无障碍改造_完成户数"),
    _n("severe_persons", "监测户中重度残疾人", "人", "期末在监测户中的一、二级持证残疾人。", "unit", "monitoring", GAPS),
    _n("without_nursing", "其中未领护理补贴", "人", "监测户中重度残疾人当年未领取护理补贴的人数。", "unit", "monitoring", GAPS,
       needs=("monitoring", "subsidy")),
    _n("without_rehab", "其中未获康复服务", "人", "监测户中重度残疾人当年未获基本康复服务的人数。", "unit", "monitoring", GAPS,
       needs=("monitoring", "rehab")),
    _n("without_either", "至少缺一项", "人", "未领护理补贴或未获康复服务的人数。", "unit", "monitoring", GAPS,
       needs=("monitoring", "subsidy", "rehab")),
    _metric("monitored", "households", where="防返贫监测 › 在监测户卡片",
            parts=("monitored_unstable", "monitored_marginal", "monitored_sudden")),
    _n("living_unpaid", "生活补贴应享未享人数", "人", "符合条件但全年未领取生活补贴的人数。", "unit", "subsidy",
       "两项补贴 › 应享未享卡片"),
    _n("nursing_unpaid", "护理补贴应享未享人数", "人", "符合条件但全年未领取护理补贴的人数。", "unit", "subsidy",
       "两项补贴 › 应享未享卡片"),
    _metric("unpaid_eligible", "persons", where="总览 › 覆盖率卡片", parts=("living_unpaid", "nursing_unpaid")),
    _n("living_amount_yuan", "生活补贴发放金额", "万元", "年内困难残疾人生活补贴发放金额。", "unit", "subsidy", ANNUAL,
       count="living_persons", report="生活补贴_金额"),
    _n("nursing_amount_yuan", "护理补贴发放金额", "万元", "年内重度残疾人护理补贴发放金额。", "unit", "subsidy", ANNUAL,
       count="nursing_persons", report="护理补贴_金额"),
    _metric("bases", "tally", where=ANNUAL, report="就业基地数", needs=()),
    _metric("living_coverage", "rate", where=ANNUAL, report="生活补贴_覆盖率"),
    _metric("nursing_coverage", "rate", where=ANNUAL, report="护理补贴_覆盖率"),
    _metric("rehab_rate", "rate", where=ANNUAL, report="康复服务率"),
    _metric("modification_rate", "rate", where="无障碍与托养 › 完成率卡片"),
    _n("rehab_short", f"距{_SHORT['rehab_rate']}目标差人数", "人",
       f"达到{_SHORT['rehab_rate']}服务率还需服务的人数（已达标为0）。",
       "unit", "rehab", "康复服务 › 未达标表", gap="rehab_rate"),
    _n("modification_short", f"距{_SHORT['modification_rate']}目标差户数", "户",
       f"达到{_SHORT['modification_rate']}完成率还需完成的户数（已达标为0）。", "unit", "modification", "总览 › 无障碍改造卡片",
       gap="modification_rate"),
    # 总览 and the draft
    _n("below_units", f"未达{_SHORT['rehab_rate']}目标的单位数", "个", f"康复服务率低于{_SHORT['rehab_rate']}的乡镇（村）个数。",
       dataset="rehab", where="康复服务 › 未达标卡片"),
    _n("below_short", "未达标单位合计差人数", "人", f"各未达标乡镇（村）距{_SHORT['rehab_rate']}目标所差人数之和。",
       dataset="rehab", where="康复服务 › 未达标卡片"),
    _n("warn_open", "预警待处置件数", "件", "预警与核查中尚未处置完毕的件数。", where="总览 › 预警链接", kind="tally"),
    _n("warn_overdue", "预警超期件数", "件", "待处置且已超过处置期限的件数。", where="总览 › 预警链接", kind="tally"),
    _n("cat_persons", "持证残疾人数（按残疾类别）", "人", "证件正常的持证残疾人，按残疾类别。", "category", "persons",
       "总览 › 侧栏选“残疾类别”后的持证残疾人"),
    _n("level_persons", "持证残疾人数（按残疾等级）", "人", "证件正常的持证残疾人，按等级。", "level", "persons",
       "总览 › 侧栏选“残疾等级”后的持证残疾人"),
    _n("severe_register", "重度（一、二级）持证残疾人数", "人", "一级、二级持证残疾人之和。", "area", "persons",
       "总览 › 侧栏“残疾等级”一级、二级之和"),
    _n("change", "较上年变化", "", "本年数 − 上年数（比率为百分点）。", "area", "", "总览 / 各页文字解读“较上年”", kind="change"),
    # 防返贫监测
    _n("path_enrolled", "累计纳入户数", "户", "自有数据以来纳入监测的户，按监测类别。", "type", "monitoring",
       "防返贫监测 › 帮扶路径表"),
    _n("path_with_measure", "已落实措施户数", "户", "累计纳入户中有帮扶措施记录的户。", "type", "monitoring",
       "防返贫监测 › 帮扶路径表"),
    _n("path_eliminated", "已消除风险户数", "户", "累计纳入户中已消除风险的户。", "type", "monitoring",
       "防返贫监测 › 帮扶路径表"),
    _n("path_months", "消除用时合计（累计）", "月", "已消除风险的户从纳入到消除的月数之和。", "type", "monitoring",
       "防返贫监测 › 帮扶路径表"),
    _n("path_mean", "平均消除用时（累计）", "个月", "已消除风险的户从纳入到消除的平均月数。", "type", "monitoring",
       "防返贫监测 › 帮扶路径表", kind="mean"),
    _n("year_months", "消除用时合计", "月", "期内消除风险的户从纳入到消除的月数之和。", "area", "monitoring",
       "防返贫监测 › 文字解读"),
    _n("year_mean", "平均消除用时", "个月", "期内消除风险的户从纳入到消除的平均月数。", "area", "monitoring",
       "防返贫监测 › 文字解读",
       kind="mean"),
    _n("risk", "在监测户数（按主要风险）", "户", "期末在监测的户，按主要风险和监测类别。", "risk", "monitoring",
       "防返贫监测 › 主要风险图"),
    _n("flow_enrolled", "每月新纳入户数", "户", "纳入月份为该月的监测户。", "month", "monitoring", FLOW),
    _n("flow_eliminated", "每月风险消除户数", "户", "风险消除月份为该月的监测户。", "month", "monitoring", FLOW),
    _n("end_monitored", "期末在监测户数（按类别）", "户", "纳入不晚于期末、期末前未消除风险的监测户。", "type", "monitoring",
       "防返贫监测 › 主要风险图（按类别合计）"),
    _n("half_without_measure", "期末无帮扶措施户数", "户", "6月末在监测、尚无帮扶措施记录的户。", "area", "monitoring",
       "本稿（监测户数据按6月末计算；驾驶舱待办为年末数）"),
    _n("half_enrolled", "期内新纳入户数", "户", "纳入月份在期内的监测户。", "area", "monitoring", FLOW + "（所选月份合计）"),
    _n("half_eliminated", "期内风险消除户数", "户", "风险消除月份在期内的监测户。", "area", "monitoring",
       FLOW + "（所选月份合计）"),
    _n("prev_half_enrolled", "上年同期新纳入户数", "户", "上年同期纳入的监测户。", "area", "monitoring", FLOW + "（上年同月份）"),
    _n("prev_half_eliminated", "上年同期风险消除户数", "户", "上年同期消除风险的监测户。", "area", "monitoring",
       FLOW + "（上年同月份）"),
    # 两项补贴
    _n("ytd_amount", "补贴发放金额（期内累计）", "万元", "期内各月发放金额之和。", "subsidy", "subsidy", CUMULATIVE,
       count="ytd_persons"),
    _n("ytd_persons", "补贴发放人数（期内累计）", "人", "1月至期末至少领取一次的人数（不重复）。", "subsidy", "subsidy",
       CUMULATIVE),
    _n("prev_amount", "上年同期发放金额", "万元", "上年同月份发放金额之和。", "subsidy", "subsidy", "两项补贴 › 累计卡片的同比",
       count="prev_persons"),
    _n("prev_persons", "上年同期发放人数", "人", "上年1月至同月至少领取一次的人数。", "subsidy", "subsidy",
       "两项补贴 › 累计卡片的同比"),
    _n("yoy_amount", "发放金额同比", "%", "（本期 − 上年同期）÷ 上年同期。", "subsidy", "subsidy", "两项补贴 › 累计卡片的同比",
       kind="change"),
    _n("yoy_persons", "发放人数同比", "%", "（本期 − 上年同期）÷ 上年同期。", "subsidy", "subsidy", "两项补贴 › 累计卡片的同比",
       kind="change"),
    _n("ytd_eligible_paid", "符合条件已发放人数（1月至期末）", "人", "符合条件且1月至期末至少领取一次的人数。", "subsidy",
       "subsidy",
       "两项补贴 › 累计（截至本月）"),
    _n("ytd_coverage", "补贴覆盖率（1月至期末）", "%", "1月至期末已发放的符合条件人数 ÷ 符合条件人数。", "subsidy", "subsidy",
       "两项补贴 › 累计（截至本月）", numerator="ytd_eligible_paid", denominator="living_eligible"),
    _n("ytd_unpaid", "应享未享人数（1月至期末）", "人", "符合条件但1月至期末未领取的人数。", "subsidy", "subsidy",
       "两项补贴 › 累计（截至本月）"),
    _n("payments", "每月发放人次", "人次", "当月发放记录的笔数，按补贴。", "month", "subsidy", "两项补贴 › 每月发放人次图"),
    _n("month_amount", "每月发放金额", "万元", "当月发放金额，按补贴。", "month", "subsidy", "两项补贴 › 每月发放金额图",
       count="payments"),
    _n("cat_eligible", "符合条件人数（按残疾类别）", "人", "符合补贴条件的持证残疾人，按残疾类别。", "category", "persons",
       "两项补贴 › 按类别、等级的覆盖率", needs=()),
    _n("cat_eligible_paid", "符合条件已发放人数（按残疾类别）", "人", "符合条件且年内至少领取一次的人数，按残疾类别。",
       "category",
       "subsidy", "两项补贴 › 按类别、等级的覆盖率"),
    _n("cat_unpaid", "应享未享人数（按残疾类别）", "人",
       "符合条件但年内未领取的人数，按残疾类别（符合条件 = 已发放 + 应享未享）。",
       "category", "subsidy", "两项补贴 › 按类别、等级的覆盖率（不绘出，与两组柱同受保护）"),
    _n("level_eligible", "符合条件人数（按残疾等级）", "人", "符合补贴条件的持证残疾人，按残疾等级。", "level", "persons",
       "两项补贴 › 按类别、等级的覆盖率", needs=()),
    _n("level_eligible_paid", "符合条件已发放人数（按残疾等级）", "人", "符合条件且年内至少领取一次的人数，按残疾等级。", "level",
       "subsidy", "两项补贴 › 按类别、等级的覆盖率"),
    _n("level_unpaid", "应享未享人数（按残疾等级）", "人",
       "符合条件但年内未领取的人数，按残疾等级（符合条件 = 已发放 + 应享未享）。",
       "level", "subsidy", "两项补贴 › 按类别、等级的覆盖率（不绘出，与两组柱同受保护）"),
    # 康复服务
    _n("kid_need_persons", "0–16岁残疾儿童康复需求人数", "人", "当年有康复需求记录的0–16岁持证残疾儿童。", "category", "rehab",
       KIDS),
    _n("kid_served_persons", "0–16岁残疾儿童已服务人数", "人", "当年至少得到一次基本康复服务的0–16岁儿童。", "category", "rehab",
       KIDS),
    _n("kid_rate", "0–16岁残疾儿童康复服务率", "%", "已服务 ÷ 有需求（0–16岁）。", "category", "rehab", KIDS,
       numerator="kid_served_persons", denominator="kid_need_persons"),
    _n("cat_need_persons", "康复需求人数（按类别）", "人", "当年有康复需求记录的持证残疾人，按残疾类别。", "category", "rehab",
       "康复服务 › 按残疾类别图"),
    _n("cat_served_persons", "康复已服务人数（按类别）", "人", "当年得到基本康复服务的人数，按残疾类别。", "category", "rehab",
       "康复服务 › 按残疾类别图"),
    _n("cat_rate", "康复服务率（按类别）", "%", "已服务 ÷ 有需求，按残疾类别。", "category", "rehab", "康复服务 › 按残疾类别图",
       numerator="cat_served_persons", denominator="cat_need_persons"),
    _n("type_need_persons", "康复需求人数（按服务类型）", "人", "当年有该类服务需求记录的人数（一人可有多类）。", "service",
       "rehab",
       "康复服务 › 按服务类型图"),
    _n("type_served_persons", "康复已服务人数（按服务类型）", "人", "当年得到该类服务的人数（一人可有多类）。", "service",
       "rehab",
       "康复服务 › 按服务类型图"),
    # 就业帮扶
    _n("base_list", "基地安置人数", "人", "就业基地安置的残疾人数合计。", "base", "employment", "就业帮扶 › 就业基地名录"),
    _n("lifted", "辐射带动户数", "户", "就业基地辐射带动的残疾人家庭户数。", "base", "employment", "就业帮扶 › 带动户数卡片"),
    _n("funding", "就业基地扶持资金", "万元", "就业基地获得的扶持资金合计。", "area", "employment", "就业帮扶 › 带动户数卡片"),
    _n("form", "帮扶就业人次（按就业形式）", "人次", "当年就业情况记录的人次，按就业形式。", "form", "employment",
       "就业帮扶 › 各年就业形式图"),
    _n("form_base", "在基地就业人次（按就业形式）", "人次", "当年在就业基地就业的人次，按就业形式。", "form", "employment",
       "就业帮扶 › 就业人数卡片"),
    _n("form_year", "各年就业人次（按就业形式）", "人次", "各年就业情况记录的人次，按就业形式。", "form", "employment",
       "就业帮扶 › 各年就业形式图"),
    # 无障碍与托养
    _n("spent", "无障碍改造投入", "万元", "计划年度为当年（各年：该年）、已完成改造户的支出合计。", "area", "modification",
       "无障碍与托养 › 户均改造支出卡片", count="modification_completed"),
    _n("per_household", "户均改造支出", "元/户", "已完成户支出合计 ÷ 完成户数。", "area", "modification",
       "无障碍与托养 › 户均改造支出卡片", kind="mean"),
    _n("planned", "计划改造户数（各年）", "户", "计划年度为该年的改造户。", "year", "modification", "无障碍与托养 › 各年改造图"),
    _n("completed", "完成改造户数（各年）", "户", "计划年度为该年且已完成的改造户。", "year", "modification",
       "无障碍与托养 › 各年改造图"),
    _n("per", "户均改造支出（各年）", "元/户", "该年已完成户支出合计 ÷ 完成户数。", "year", "modification",
       "无障碍与托养 › 各年改造图",
       kind="mean"),
    _n("care", "托养服务人数（按类型）", "人", METRICS["care_persons"].definition, "care", "care", "无障碍与托养 › 托养服务卡片"),
    _n("care_year", "各年托养服务人数（按类型）", "人", METRICS["care_persons"].definition, "care", "care",
       "无障碍与托养 › 各年托养服务图"),
    # 比对核查 (the 比对项, and what is to be recovered)
    *[_n(c.key, c.label, c.unit, c.definition, "unit", "compare", "比对核查 › " + c.label) for c in COMPARE_ITEMS.values()],
    _n("amount", "应追回金额", "元", "死亡后仍发放的月份的发放金额。", "unit", "compare", "比对核查 › 死亡后仍发放",
       kind="amount", count="paid_after_death"),
    # 预警与核查 (work items, not statistics of persons)
    _n("open", "待处置件数", "件", "尚未处置完毕的预警件。", "unit", "", "预警与核查 › 各乡镇待处置"),
    _n("open_rule", "待处置件数（按规则）", "件", "尚未处置完毕的预警件，按乡镇和规则。", "rule", "",
       "预警与核查 › 各乡镇待处置"),
    *[_n(f"{p}{c}", f"{w}件数", "件", f"{w}的预警件。", "rule" if p else "unit", "", "预警与核查 › 按规则统计")
      for p in ("", "rule_") for c, w in (("open", "待处置"), ("overdue", "超期"), ("resolved", "已处置"),
                                          ("false_alarm", "误报")) if f"{p}{c}" != "open"],
    _n("opened", "每月新增预警件数", "件", "该月产生的预警件。", "month", "", "预警与核查 › 每月新增与办结"),
    _n("closed", "每月办结预警件数", "件", "该月办结的预警件。", "month", "", "预警与核查 › 每月新增与办结"),
    # 指标分析's own measures (the result columns of queries/sql/explore_*.sql that are not the unit table's)
    _metric("subsidy_amount", "amount", "view", where="指标分析", count="payments"),
    _metric("care_persons", "persons", "view", where="指标分析"),
    _metric("living_paid_month", "persons", "view", where="指标分析"),
    _metric("nursing_paid_month", "persons", "view", where="指标分析"),
    _metric("living_coverage_month", "rate", "view", where="指标分析"),
    _metric("nursing_coverage_month", "rate", "view", where="指标分析"),
    *[_n(column, label, "人", definition, "view", "subsidy", "指标分析") for column, label, definition in (
        ("living_paid", "生活补贴月发放人数", METRICS["living_paid_month"].definition),
        ("nursing_paid", "护理补贴月发放人数", METRICS["nursing_paid_month"].definition),
        ("living_month_eligible_paid", "生活补贴当月已发放的符合条件人数", "当月领取生活补贴的符合条件人数。"),
        ("living_month_eligible", "生活补贴月末符合条件人数", "月末低保、证件正常的持证残疾人。"),
        ("nursing_month_eligible_paid", "护理补贴当月已发放的符合条件人数", "当月领取护理补贴的符合条件人数。"),
        ("nursing_month_eligible", "护理补贴月末符合条件人数", "月末一、二级、证件正常的持证残疾人。"))],
    # 指标分析: the view's metric (METRICS[view.metric]) and its parts, per row and column of the view
    _n("v", "指标分析所选指标", "", "所选指标的值；口径见该指标（METRICS）。", "view", "", "指标分析 › 表格", kind="view"),
    _n("n", "所选指标的分子（或发放笔数）", "", "比率的分子、金额所含的发放笔数，或人数、户数本身。", "view", "",
       "指标分析 › 表格",
       kind="view"),
    _n("d", "所选指标的分母", "", "比率的分母。", "view", "", "指标分析 › 表格", kind="view"),
    _n("g", "距目标差数（或应享未享）", "", "分母 − 分子，或距目标所差的人数（户数）。", "view", "", "指标分析 › 表格",
       kind="view"),
]}
# 指标分析's cells take the unit and kind of the view's metric: their unit and kind are not checked here.
VIEW_FAMILIES = ("v", "n", "d", "g")

_SUFFIXED = re.compile(r"^(cat_eligible_paid|cat_eligible|cat_unpaid|level_eligible_paid|level_eligible|level_unpaid|payments)"
                       r"_(living|nursing)$")
_PATTERNS = [(re.compile(r"^y\d{4}$"), "form_year"), (re.compile(r"^care\d{4}$"), "care_year"),
             (re.compile(r"^amount_(living|nursing)$"), "month_amount"), (re.compile(r"^risk_.+$"), "risk"),
             (re.compile(r"^(change|yoy)_(?!amount$|persons$).*$"), "change"),
             (re.compile(r"^open_(?!rule$).+$"), "open_rule")]


def family(cell: str) -> str:
    """The NUMBERS key of a cell: 'prev:rehab_rate@330102001000' → 'rehab_rate', 'cat_eligible_living@视力' →
    'cat_eligible', 'change_rehab_rate@total' → 'change', 'y2024@就业基地' → 'form_year'."""
    name = cell.split("@", 1)[0].split(":", 1)[-1]
    if name in NUMBERS:
        return name
    suffixed = _SUFFIXED.match(name)
    if suffixed:
        return suffixed.group(1)
    return next((key for pattern, key in _PATTERNS if pattern.match(name)), name)


def number(cell: str) -> Number | None:
    """The catalogue entry of a cell (None when the catalogue does not name it)."""
    return NUMBERS.get(family(cell))


# The unit table (queries/publish.add_units): its columns by kind, in the catalogue's order.
UNIT_NUMBERS = {k: n for k, n in NUMBERS.items() if n.by == "unit" and n.dataset != "compare" and n.kind != "cases"}
