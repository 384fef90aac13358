"""The metric catalogue: every number the federation is judged on, defined once (label, unit, colour,
definition, target, numerator and denominator of a rate). Pages, maps, exports and tests read it."""

from __future__ import annotations

from dataclasses import dataclass

# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = {
    "blue": "#0072B2", "orange": "#E69F00", "green": "#009E73", "vermillion": "#D55E00",
    "sky": "#56B4E9", "purple": "#CC79A7", "yellow": "#F0E442", "grey": "#999999",
    "ochre": "#B58900",  # a darker yellow: legible on white, still apart from orange
}


@dataclass(frozen=True)
class Metric:
    """A number the federation is judged on: its label, unit, colour, target and definition; a rate
    names its numerator and denominator (columns of the unit table)."""

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


METRICS: dict[str, Metric] = {m.key: m for m in [
    Metric("persons", "持证残疾人数", "人", PALETTE["grey"], "证件状态为“正常”的持证残疾人。", dataset="persons"),
    Metric("monitored", "在监测户数", "户", PALETTE["vermillion"],
           "纳入日期不晚于期末、期末前未消除风险的监测户（三类合计）。", higher_is_better=False, dataset="monitoring"),
    Metric("without_measure", "无帮扶措施户数", "户", PALETTE["purple"],
           "期末在监测、但没有任何帮扶措施记录的户：需要立即跟进的名单。", target=0, higher_is_better=False,
           dataset="monitoring"),
    Metric("living_coverage", "生活补贴覆盖率", "%", PALETTE["blue"],
           "年内至少领取一次困难残疾人生活补贴的符合条件人数 ÷ 符合条件人数（低保、证件正常）。", target=100,
           numerator="living_eligible_paid", denominator="living_eligible", dataset="subsidy"),
    Metric("nursing_coverage", "护理补贴覆盖率", "%", PALETTE["sky"],
           "年内至少领取一次重度残疾人护理补贴的符合条件人数 ÷ 符合条件人数（一、二级，证件正常）。", target=100,
           numerator="nursing_eligible_paid", denominator="nursing_eligible", dataset="subsidy"),
    Metric("unpaid_eligible", "应享未享人数", "人", PALETTE["vermillion"],
           "符合两项补贴条件、但全年未领取的人数（两项合计）。", target=0, higher_is_better=False, dataset="subsidy"),
    Metric("subsidy_amount", "两项补贴发放金额", "万元", PALETTE["blue"], "期内两项补贴发放金额合计。", dataset="subsidy"),
    Metric("rehab_rate", "康复服务率", "%", PALETTE["green"],
           "年内至少得到一次基本康复服务的人数 ÷ 有康复需求的人数。", target=85,
           numerator="rehab_served", denominator="rehab_need", dataset="rehab"),
    Metric("bases", "就业基地数", "个", PALETTE["orange"], "认定年度不晚于当年的残疾人就业基地。", dataset="employment"),
    Metric("base_placed", "基地安置人数", "人", PALETTE["orange"], "就业基地安置的残疾人数合计。", dataset="employment"),
    Metric("modification_rate", "无障碍改造完成率", "%", PALETTE["ochre"],
           "当年计划改造户中已完成的比例。", target=90,
           numerator="modification_completed", denominator="modification_planned", dataset="modification"),
    Metric("care_persons", "托养服务人数", "人", PALETTE["purple"], "年内接受机构托养、居家托养或日间照料的人数。",
           dataset="care"),
]}

# The metrics a map (and a ranking) of units can show, in the order of the overview's list.
MAP_METRICS = {k: METRICS[k].label for k in ("rehab_rate", "living_coverage", "nursing_coverage", "monitored",
                                             "without_measure", "unpaid_eligible", "base_placed")}
# Rates of the unit table: key → (numerator, denominator).
RATES = {k: (m.numerator, m.denominator) for k, m in METRICS.items() if m.numerator}

# The datasets (extracts) behind the pages, with their names in a sentence.
DATASETS = {"persons": "持证残疾人", "monitoring": "防返贫监测", "subsidy": "补贴发放", "rehab": "康复服务",
            "employment": "就业", "modification": "无障碍改造", "care": "托养服务"}
