"""文字解读: a Chinese paragraph per page in the style of the federations' reports, every number taken
from the same query results the page draws (passed in, never queried again)."""

from __future__ import annotations

import pandas as pd

from queries.metrics import totals
from queries.report import rate
from queries.suppression import count_text

TARGET_REHAB = 85


def _n(value: float, unit: str, small: bool) -> str:
    """A count in the text; '<5' where small counts must be hidden."""
    return count_text(value, unit) if small else f"{int(value):,}{unit}"


def _pct(value: float | None) -> str:
    """'86.5%' or '—' (no denominator)."""
    return "—" if value is None or pd.isna(value) else f"{value:.1f}%"


def _change(now: float | None, before: float | None, what: str) -> str:
    """'，较上年提高1.2个百分点' / '下降…' / '与上年持平' (nothing when either is missing)."""
    if now is None or before is None or pd.isna(now) or pd.isna(before):
        return ""
    delta = round(now - before, 1)
    if delta == 0:
        return f"，{what}与上年持平"
    return f"，较上年{'提高' if delta > 0 else '下降'}{abs(delta):.1f}个百分点"


def overview_text(area: str, until: str, units: pd.DataFrame, last_year: pd.DataFrame, unit_word: str,
                  small: bool = False) -> str:
    """The county (or township) paragraph of the overview."""
    now, before = totals(units), totals(last_year) if len(last_year) else None
    below = units[units["rehab_rate"] < TARGET_REHAB]
    return (
        f"截至{until}，{area}持证残疾人{_n(now['persons'], '人', small)}。"
        f"困难残疾人生活补贴覆盖率{_pct(now['living_coverage'])}"
        f"{_change(now['living_coverage'], before['living_coverage'] if before is not None else None, '')}，"
        f"重度残疾人护理补贴覆盖率{_pct(now['nursing_coverage'])}"
        f"{_change(now['nursing_coverage'], before['nursing_coverage'] if before is not None else None, '')}，"
        f"应享未享{_n(now['unpaid_eligible'], '人', small)}；"
        f"精准康复服务率{_pct(now['rehab_rate'])}"
        f"{_change(now['rehab_rate'], before['rehab_rate'] if before is not None else None, '')}，"
        + (f"{len(below)}个{unit_word}未达{TARGET_REHAB}%目标，共差{_n(below['rehab_short'].sum(), '人', small)}；"
           if len(below) else f"各{unit_word}均达到{TARGET_REHAB}%目标；")
        + f"在防返贫监测户{_n(now['monitored'], '户', small)}，其中无帮扶措施{_n(now['without_measure'], '户', small)}；"
        f"认定就业基地{int(now['bases'])}个，安置残疾人{_n(now['base_placed'], '人', small)}。"
    )


def rehab_text(area: str, until: str, units: pd.DataFrame, last_year: pd.DataFrame, children: pd.Series,
               unit_word: str, small: bool = False) -> str:
    """The rehabilitation paragraph."""
    now, before = totals(units), totals(last_year) if len(last_year) else None
    below = units[units["rehab_rate"] < TARGET_REHAB].sort_values("rehab_rate")
    names = "、".join(below["name"].head(5)) + ("等" if len(below) > 5 else "")
    child_rate = rate(children["served_persons"], children["need_persons"])
    return (
        f"截至{until}，{area}有康复需求的持证残疾人{_n(now['rehab_need'], '人', small)}，"
        f"已提供基本康复服务{_n(now['rehab_served'], '人', small)}，服务率{_pct(now['rehab_rate'])}"
        f"{_change(now['rehab_rate'], before['rehab_rate'] if before is not None else None, '服务率')}。"
        + (f"{len(below)}个{unit_word}未达{TARGET_REHAB}%目标（{names}），共差{_n(below['rehab_short'].sum(), '人', small)}。"
           if len(below) else f"各{unit_word}均达到{TARGET_REHAB}%目标。")
        + f"0-16岁残疾儿童康复服务率{_pct(child_rate)}。"
    )


def subsidy_text(area: str, until: str, months: int, year: int, amounts: dict[str, float],
                 persons: dict[str, float], units: pd.DataFrame, small: bool = False) -> str:
    """The two-subsidies paragraph: year to date and coverage."""
    now = totals(units)
    return (
        f"{year}年1-{months}月，{area}累计发放困难残疾人生活补贴{amounts['living'] / 10_000:,.2f}万元、"
        f"{_n(persons['living'], '人', small)}，重度残疾人护理补贴{amounts['nursing'] / 10_000:,.2f}万元、"
        f"{_n(persons['nursing'], '人', small)}。截至{until}，生活补贴覆盖率{_pct(now['living_coverage'])}，"
        f"护理补贴覆盖率{_pct(now['nursing_coverage'])}，符合条件但未发放（应享未享）"
        f"{_n(now['unpaid_eligible'], '人', small)}。"
    )


def monitoring_text(area: str, until: str, units: pd.DataFrame, mean_months: float | None, small: bool = False) -> str:
    """The monitoring paragraph."""
    now = totals(units)
    return (
        f"截至{until}，{area}在防返贫监测的残疾人家庭{_n(now['monitored'], '户', small)}，其中脱贫不稳定户"
        f"{_n(now['monitored_unstable'], '户', small)}、边缘易致贫户{_n(now['monitored_marginal'], '户', small)}、"
        f"突发严重困难户{_n(now['monitored_sudden'], '户', small)}；年内新纳入{_n(now['enrolled'], '户', small)}，"
        f"风险消除{_n(now['eliminated'], '户', small)}"
        + (f"，从纳入到消除平均{mean_months:.1f}个月" if mean_months else "")
        + f"；尚无帮扶措施记录的{_n(now['without_measure'], '户', small)}，需逐户落实。"
    )


def employment_text(area: str, year: int, bases: pd.DataFrame, forms: pd.DataFrame, small: bool = False) -> str:
    """The employment paragraph: bases, placements, employment by form in the year."""
    this_year = forms[forms["year"] == year]
    top = this_year.sort_values("persons", ascending=False).head(3)
    ranked = "、".join(f"{f}{_n(p, '人次', small)}" for f, p in zip(top["form"], top["persons"], strict=True))
    return (
        f"截至{year}年，{area}认定残疾人就业基地{len(bases)}个，安置残疾人{_n(bases['placed_persons'].sum(), '人', small)}，"
        f"辐射带动{int(bases['households_lifted'].sum()):,}户，扶持资金{bases['funding_wan_yuan'].sum():,.1f}万元。"
        f"{year}年共帮扶残疾人就业{_n(this_year['persons'].sum(), '人次', small)}"
        + (f"，其中{ranked}。" if ranked else "。")
    )


def accessibility_text(area: str, year: int, planned: int, completed: int, spent_yuan: float, care: pd.DataFrame,
                       small: bool = False) -> str:
    """The accessibility and care paragraph."""
    care_year = care[care["year"] == year]
    kinds = "、".join(f"{t}{_n(p, '人', small)}" for t, p in zip(care_year["care_type"], care_year["persons"], strict=True))
    per_household = f"，户均{spent_yuan / completed:,.0f}元" if completed else ""
    return (
        f"{year}年，{area}计划实施残疾人家庭无障碍改造{_n(planned, '户', small)}，已完成{_n(completed, '户', small)}"
        f"（完成率{_pct(rate(completed, planned))}），投入{spent_yuan / 10_000:,.2f}万元{per_household}；"
        f"为{_n(care_year['persons'].sum(), '名', small)}残疾人提供托养照护服务"
        + (f"（{kinds}）。" if kinds else "。")
    )
