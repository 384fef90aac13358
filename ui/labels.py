"""One place for the interface's words, metric definitions, targets, colours and number formats."""

from __future__ import annotations

from dataclasses import dataclass

APP_TITLE = "残联数据驾驶舱"
SOURCE = "数据来源：全国残疾人人口基础数据库、两项补贴系统、防返贫监测系统（县残联导出）"

CATEGORY_LABELS = {1: "视力", 2: "听力", 3: "言语", 4: "肢体", 5: "智力", 6: "精神", 7: "多重"}
LEVEL_LABELS = {1: "一级", 2: "二级", 3: "三级", 4: "四级"}
SUBSIDY_LABELS = {"living": "困难残疾人生活补贴", "nursing": "重度残疾人护理补贴"}
SUBSIDY_SHORT = {"living": "生活补贴", "nursing": "护理补贴"}
MONITOR_TYPES = ["脱贫不稳定户", "边缘易致贫户", "突发严重困难户"]

# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = {
    "blue": "#0072B2", "orange": "#E69F00", "green": "#009E73", "vermillion": "#D55E00",
    "sky": "#56B4E9", "purple": "#CC79A7", "yellow": "#F0E442", "grey": "#999999",
    "ochre": "#B58900",  # a darker yellow: legible on white, still apart from orange
}
NO_DATA_COLOUR = [220, 220, 220]
TARGET_COLOUR = "#D55E00"


@dataclass(frozen=True)
class Metric:
    """A number the federation is judged on: its label, unit, colour, target and definition."""

    key: str
    label: str
    unit: str
    colour: str
    definition: str
    target: float | None = None
    higher_is_better: bool = True


METRICS: dict[str, Metric] = {m.key: m for m in [
    Metric("persons", "持证残疾人数", "人", PALETTE["grey"], "证件状态为“正常”的持证残疾人。"),
    Metric("monitored", "在监测户数", "户", PALETTE["vermillion"],
           "纳入日期不晚于期末、期末前未消除风险的监测户（三类合计）。", higher_is_better=False),
    Metric("without_measure", "无帮扶措施户数", "户", PALETTE["purple"],
           "期末在监测、但没有任何帮扶措施记录的户：需要立即跟进的名单。", target=0, higher_is_better=False),
    Metric("living_coverage", "生活补贴覆盖率", "%", PALETTE["blue"],
           "年内至少领取一次困难残疾人生活补贴的符合条件人数 ÷ 符合条件人数（低保、证件正常）。", target=100),
    Metric("nursing_coverage", "护理补贴覆盖率", "%", PALETTE["sky"],
           "年内至少领取一次重度残疾人护理补贴的符合条件人数 ÷ 符合条件人数（一、二级，证件正常）。", target=100),
    Metric("subsidy_amount", "两项补贴发放金额", "万元", PALETTE["blue"], "期内两项补贴发放金额合计。"),
    Metric("rehab_rate", "康复服务率", "%", PALETTE["green"],
           "年内至少得到一次基本康复服务的人数 ÷ 有康复需求的人数。", target=85),
    Metric("bases", "就业基地数", "个", PALETTE["orange"], "认定年度不晚于当年的残疾人就业基地。"),
    Metric("base_placed", "基地安置人数", "人", PALETTE["orange"], "就业基地安置的残疾人数合计。"),
    Metric("modification_rate", "无障碍改造完成率", "%", PALETTE["ochre"],
           "当年计划改造户中已完成的比例。", target=90),
    Metric("care_persons", "托养服务人数", "人", PALETTE["purple"], "年内接受机构托养、居家托养或日间照料的人数。"),
]}


def fmt_count(value: float | None, unit: str = "") -> str:
    """12345 → '12,345人'; None → '—'."""
    return "—" if value is None else f"{int(value):,}{unit}"


def fmt_pct(value: float | None) -> str:
    """85.04 → '85.0%'; None (no denominator) → '—'."""
    return "—" if value is None else f"{value:.1f}%"


def fmt_wan(yuan: float | None) -> str:
    """1234567.8 元 → '123.46万元'."""
    return "—" if yuan is None else f"{yuan / 10_000:,.2f}万元"
