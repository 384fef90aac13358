"""文字解读: a Chinese paragraph per page in the style of the federations' reports. Every number is a cell
of the page's own Publication, as the disclosure left it, so a sentence can never show what a card hides.
A dataset that does not cover the period is said, not printed as 0."""

from __future__ import annotations

from queries.catalog import METRICS
from queries.publish import Publication, half_up, key

REHAB_TEXT = METRICS["rehab_rate"].target_text  # e.g. '80%' (config/targets.yaml)


def change(pub: Publication, now: str, before: str, what: str = "") -> str:
    """'，较上年提高1.2个百分点' / '下降…' / '，与上年持平' (nothing when either rate is not shown)."""
    if not pub.has(before):
        return ""
    a, b = pub.shown(now), pub.shown(before)
    if a is None or b is None:
        return ""
    delta = half_up(a - b, 1)
    if delta == 0:
        return f"，{what}与上年持平"
    return f"，较上年{'提高' if delta > 0 else '下降'}{abs(delta)}个百分点"


def _or_missing(pub: Publication, cell: str, sentence: str) -> str:
    """The sentence, or what is missing instead of it."""
    missing = pub.cells[cell].missing
    return f"{missing}。" if missing else sentence


def overview_text(pub: Publication, area: str, until: str, focus: str, below: tuple[int, str], unit_word: str) -> str:
    """The county (or township) paragraph of the overview; `below` = (number of units under the rehab target, the
    key of their summed shortfall)."""
    t = pub.text
    k = lambda column: key(column, focus)  # noqa: E731
    p = lambda column: key(column, focus, "prev:")  # noqa: E731
    n_below, below_short = below
    rehab = (f"{n_below}个{unit_word}未达{REHAB_TEXT}目标，合计差{t(below_short)}；" if n_below
             else f"各{unit_word}均达到{REHAB_TEXT}目标；")
    return (
        f"截至{until}，{area}持证残疾人{t(k('persons'))}。"
        + _or_missing(pub, k("living_coverage"),
                      f"困难残疾人生活补贴覆盖率{t(k('living_coverage'))}"
                      f"{change(pub, k('living_coverage'), p('living_coverage'))}，"
                      f"重度残疾人护理补贴覆盖率{t(k('nursing_coverage'))}"
                      f"{change(pub, k('nursing_coverage'), p('nursing_coverage'))}，"
                      f"应享未享{t(k('unpaid_eligible'))}；")
        + _or_missing(pub, k("rehab_rate"),
                      f"精准康复服务率{t(k('rehab_rate'))}{change(pub, k('rehab_rate'), p('rehab_rate'))}，{rehab}")
        + _or_missing(pub, k("monitored"),
                      f"在防返贫监测户{t(k('monitored'))}，其中无帮扶措施{t(k('without_measure'))}；")
        + _or_missing(pub, k("bases"), f"认定就业基地{t(k('bases'))}，安置残疾人{t(k('base_placed'))}。")
    )


def rehab_text(pub: Publication, area: str, until: str, focus: str, below: tuple[int, str], names: str,
               unit_word: str, children: str) -> str:
    """The rehabilitation paragraph."""
    t = pub.text
    k = lambda column: key(column, focus)  # noqa: E731
    if pub.cells[k("rehab_rate")].missing:
        return pub.cells[k("rehab_rate")].missing + "。"
    n_below, below_short = below
    return (
        f"截至{until}，{area}有康复需求的持证残疾人{t(k('rehab_need'))}，"
        f"已提供基本康复服务{t(k('rehab_served'))}，服务率{t(k('rehab_rate'))}"
        f"{change(pub, k('rehab_rate'), key('rehab_rate', focus, 'prev:'), '服务率')}"
        f"，距{REHAB_TEXT}目标差{t(k('rehab_short'))}。"
        + (f"{n_below}个{unit_word}未达{REHAB_TEXT}目标（{names}），这些{unit_word}合计差{t(below_short)}。"
           if n_below else f"各{unit_word}均达到{REHAB_TEXT}目标。")
        + f"0-16岁残疾儿童康复服务率{t(children)}。"
    )


def subsidy_text(pub: Publication, area: str, until: str, months: int, year: int, focus: str) -> str:
    """The two-subsidies paragraph: year to date and coverage."""
    t = pub.text
    if pub.cells["ytd_amount@living"].missing:
        return pub.cells["ytd_amount@living"].missing + "。"
    return (
        f"{year}年1-{months}月，{area}累计发放困难残疾人生活补贴{t('ytd_amount@living')}、"
        f"{t('ytd_persons@living')}，重度残疾人护理补贴{t('ytd_amount@nursing')}、"
        f"{t('ytd_persons@nursing')}。截至{until}，生活补贴覆盖率{t(key('living_coverage', focus))}，"
        f"护理补贴覆盖率{t(key('nursing_coverage', focus))}，符合条件但未发放（应享未享）"
        f"{t(key('unpaid_eligible', focus))}。"
    )


def monitoring_text(pub: Publication, area: str, until: str, focus: str, mean: str) -> str:
    """The monitoring paragraph; `mean` is the months to elimination of this year's eliminated households."""
    t = pub.text
    k = lambda column: key(column, focus)  # noqa: E731
    if pub.cells[k("monitored")].missing:
        return pub.cells[k("monitored")].missing + "。"
    months = pub.shown(mean)
    return (
        f"截至{until}，{area}在防返贫监测的残疾人家庭{t(k('monitored'))}，其中脱贫不稳定户"
        f"{t(k('monitored_unstable'))}、边缘易致贫户{t(k('monitored_marginal'))}、"
        f"突发严重困难户{t(k('monitored_sudden'))}；年内新纳入{t(k('enrolled'))}，"
        f"风险消除{t(k('eliminated'))}"
        + (f"，这些户从纳入到消除平均{t(mean)}" if months is not None else "")
        + f"；尚无帮扶措施记录的{t(k('without_measure'))}，需逐户落实。"
    )


def employment_text(pub: Publication, area: str, year: int, forms: list[str]) -> str:
    """The employment paragraph: bases, placements, employment by form in the year."""
    t = pub.text
    ranked = "、".join(f"{form}{t(f'form@{form}')}" for form in forms)
    employed = (pub.cells["form@total"].missing + "。" if pub.cells["form@total"].missing else
                f"{year}年共帮扶残疾人就业{t('form@total')}" + (f"，其中{ranked}。" if ranked else "。"))
    return (
        f"截至{year}年，{area}认定残疾人就业基地{t('bases@total')}，安置残疾人{t('base_list@total')}，"
        f"辐射带动{t('lifted@total')}，扶持资金{t('funding@total')}。" + employed
    )


def accessibility_text(pub: Publication, area: str, year: int, care_types: list[str]) -> str:
    """The accessibility and care paragraph."""
    t = pub.text
    if pub.cells["modification_planned@total"].missing:
        modification = pub.cells["modification_planned@total"].missing + "；"
    else:
        per = pub.shown("per_household")
        modification = (f"{year}年，{area}计划实施残疾人家庭无障碍改造{t('modification_planned@total')}，"
                        f"已完成{t('modification_completed@total')}（完成率{t('modification_rate@total')}），"
                        f"投入{t('spent@total')}" + (f"，户均{t('per_household')}" if per is not None else "") + "；")
    kinds = "、".join(f"{c}{t(f'care@{c}')}" for c in care_types)
    if pub.cells["care@total"].missing:
        return modification + pub.cells["care@total"].missing + "。"
    return modification + f"为{t('care@total')}残疾人提供托养照护服务" + (f"（{kinds}）。" if kinds else "。")
