"""The metric catalogue: every number the federation is judged on, defined once — label, unit, colour,
definition, target, numerator and denominator of a rate, what it counts (grain), which breakdowns and
filters apply, and the SQL that computes it (queries/sql/NAME.sql). Pages, 指标分析, the annual table,
exports and tests read it; adding a metric is one entry here plus its SQL and its test."""

from __future__ import annotations

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
                "应享未享：协助申请困难残疾人生活补贴", PALETTE["vermillion"]),
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
                "应纳未纳：核实后纳入监测", PALETTE["blue"]),
    CompareItem("monitored_not_rural", "残联在监测乡村振兴无记录", "rural",
                "证件正常；其家庭在比对月末在残联监测户中；乡村振兴监测对象名单在比对月末没有其在监测记录。",
                "与乡村振兴工作站核对", PALETTE["sky"]),
]}
