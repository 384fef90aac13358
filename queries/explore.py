"""指标分析: any metric of the catalogue by one or two breakdowns over a period, as a Publication.

`explore` runs the metric's own statement (queries/sql/, named in the catalogue) once for the view;
`publish` puts its cells into a Publication with every sum a reader can use (along a breakdown whose
values add up: units, categories, levels, and periods only for a flow such as money paid), rates made
from their summed numerator and denominator, amounts tied to the payments behind them; `change` gives
同比/环比 from shown numbers only; `explore_text` is the 文字解读. Nothing here imports streamlit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pandas as pd

from queries.catalog import BREAKDOWNS, METRICS, NUMBERS, TIME_BREAKDOWNS, Metric
from queries.common import Filters, numeric_columns, run_sql
from queries.db import Warehouse
from queries.metrics import shortfall
from queries.publish import AMOUNT, RATE, Publication, change_pct, half_up, number_text

TOTAL = "total"
ALL = "all"  # the one column of a single breakdown


class RefusedError(ValueError):
    """A metric asked for a breakdown it does not have; the message says why (Chinese)."""


def refusal(metric: Metric, by: str, cols: str, township: str) -> str:
    """'' when the view can be answered, else the sentence saying why not."""
    for breakdown in (by, cols):
        if breakdown:
            why = metric.refusal(breakdown)
            if why:
                return why
    if by == cols:
        return "行和列不能是同一个维度。"
    if "village" in (by, cols) and not township:
        return "按村（社区）分析须先在侧栏选择一个乡镇（街道）：村（社区）只在一个乡镇之内比较。"
    return ""


def shift_month(month: str, months: int) -> str:
    """'2024-03' moved by `months` months."""
    index = int(month[:4]) * 12 + int(month[5:7]) - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def period_params(by: str, cols: str, month_from: str, month_to: str) -> dict[str, object]:
    """The statement's period parameters: months as first days, the years the period's annual figures
    come from (every year of it over time, else the year it ends in) and which month ends count for a
    state (every month, each year's last month, or the period's end), and the first of those ends."""
    time = {by, cols} & set(TIME_BREAKDOWNS)
    year_to = int(month_to[:4])
    snap = "month" if "month" in time else ("year" if "year" in time else "end")
    # the first month end a state is counted at (year × 100 + month): everything before it counts at every end
    first = {"month": month_from, "year": min(f"{month_from[:4]}-12", month_to), "end": month_to}[snap]
    return {"month_from": dt.date(int(month_from[:4]), int(month_from[5:]), 1),
            "month_to": dt.date(year_to, int(month_to[5:]), 1),
            "year_from": int(month_from[:4]) if time else year_to, "year_to": year_to,
            "snap": snap, "first_end": int(first[:4]) * 100 + int(first[5:])}


def measures(metric: Metric) -> list[str]:
    """The result columns a metric is made of."""
    if metric.numerator:
        return [metric.numerator, metric.denominator]
    return [metric.column, *([metric.count_column] if metric.count_column else [])]


def explore(wh: Warehouse, filters: Filters, metric: str, by: str, cols: str, month_from: str,
            month_to: str) -> pd.DataFrame:
    """One row per (row_key, col_key) of the metric's breakdown over the period: its measure columns
    (col_key '' without a second breakdown). Category and level narrow only metrics of persons."""
    m = METRICS[metric]
    why = refusal(m, by, cols, filters.params()["township"])
    if why:
        raise RefusedError(why)
    params = filters.params()
    if not m.by_person:  # households and bases carry no category or level (the page says so)
        params |= {"category": 0, "level": 0}
    # the eligible at each month's end only for a metric made of them (explore_subsidy_month's costly part)
    eligible = int(any(c.endswith("month_eligible") for c in measures(m)))
    frame = run_sql(wh, m.sql, by=by, cols=cols, eligible=eligible, **period_params(by, cols, month_from, month_to),
                    **params)
    frame = frame[["row_key", "col_key", *measures(m)]]
    return numeric_columns(frame, measures(m))


def key(series: str, row: str, col: str = ALL) -> str:
    """A cell of the explore publication: 'v@330102001000|2024' (series v the metric, n/d its parts)."""
    return f"{series}@{row}|{col}"


def additive(metric: Metric, breakdown: str) -> bool:
    """Whether values along a breakdown add up to the whole: units, categories and levels always (a
    person or household has one of each); periods only for a flow (money paid), not for states at a
    period's end or yearly head counts."""
    return bool(breakdown) and (breakdown not in TIME_BREAKDOWNS or metric.flow)


def publish(pub: Publication, metric: Metric, frame: pd.DataFrame, rows: list[str], cols: list[str],
            shown_rows: list[str], by: str, col_by: str, missing: Callable[[str, str], str]) -> None:
    """Every cell of the view (rows × cols, `cols` = [ALL] without a second breakdown) with totals
    along each breakdown that adds up (over `shown_rows`: rows kept only for 同比/环比 stay out of them),
    rates from their summed parts, amounts tied to their payments. `missing(row, col)` says why a cell
    has no data ('' when it has)."""
    values = {(r, c or ALL): rec for r, c, rec in zip(frame["row_key"], frame["col_key"],
                                                      frame[measures(metric)].to_dict("records"), strict=True)}
    sum_rows, sum_cols = additive(metric, by), additive(metric, col_by)
    # each part's unit from the catalogue's entry for the column (persons 人, households 户, payments 人次)
    if metric.numerator:
        parts = {"n": (metric.numerator, NUMBERS[metric.numerator].unit),
                 "d": (metric.denominator, NUMBERS[metric.denominator].unit)}
    elif metric.count_column:
        parts = {"n": (metric.count_column, NUMBERS[metric.count_column].unit)}
    else:
        parts = {"v": (metric.column, metric.unit)}
    kind = "tally" if metric.kind == "tally" else "count"
    cells: set[tuple[str, str]] = set()
    for series, (column, unit) in parts.items():
        for r in rows:
            for c in cols:
                why = missing(r, c)
                pub.add(key(series, r, c), values.get((r, c), {}).get(column, 0), kind, unit, missing=why)
                cells.add((r, c))
        totals = _totals(pub, series, kind, unit, rows, cols, shown_rows, sum_rows, sum_cols and cols != [ALL])
        cells |= totals
    for r, c in sorted(cells):
        if metric.numerator:
            pub.rate(key("v", r, c), key("n", r, c), key("d", r, c), pub.cells[key("n", r, c)].missing)
            if metric.target:
                _gap(pub, metric, r, c)
        elif metric.count_column:
            if c == TOTAL or r == TOTAL:
                continue
            yuan = values.get((r, c), {}).get(metric.column, 0)
            pub.amount(key("v", r, c), yuan, key("n", r, c), missing=pub.cells[key("n", r, c)].missing)
    if metric.count_column:  # amounts of totals: the sum of their parts, tied to the summed payments
        for total, members in _amount_totals(pub, rows, cols, shown_rows, sum_rows, sum_cols and cols != [ALL]):
            value = sum(pub.value(m) or 0 for m in members)
            pub.amount(total, value, "n" + total[1:], missing=pub.cells["n" + total[1:]].missing)
            pub.total(total, members)


def _gap(pub: Publication, metric: Metric, r: str, c: str) -> None:
    """The rate's gap to its target, as the pages publish it (not drawn here, but withheld with the same
    care, so this view never shows what a page hides): the eligible not paid (a count; eligible = paid +
    unpaid) for a 100% target, else the persons or households short of it (a derived count)."""
    n, d, g = key("n", r, c), key("d", r, c), key("g", r, c)
    num, den, why = pub.value(n) or 0, pub.value(d) or 0, pub.cells[n].missing
    unit = NUMBERS[metric.numerator].unit
    if metric.target >= 100:
        pub.count(g, den - num, unit, why)
        pub.total(d, [n, g])
    else:
        pub.derived(g, shortfall(num, den, metric.target), unit, (n, d), why)


def _totals(pub: Publication, series: str, kind: str, unit: str, rows: list[str], cols: list[str],
            shown_rows: list[str], sum_rows: bool, sum_cols: bool) -> set[tuple[str, str]]:
    """Row totals (over cols), column totals (over the shown rows) and the grand total, with their sums."""
    out: set[tuple[str, str]] = set()

    def add_sum(total: tuple[str, str], members: list[tuple[str, str]]) -> None:
        keys = [key(series, r, c) for r, c in members]
        whys = {pub.cells[k].missing for k in keys}
        why = whys.pop() if len(whys) == 1 else ""
        if (total[0], total[1]) not in out:
            pub.add(key(series, *total), sum(pub.value(k) or 0 for k in keys), kind, unit, missing=why)
            out.add(total)
        pub.total(key(series, *total), keys)

    if sum_cols:
        for r in rows:
            add_sum((r, TOTAL), [(r, c) for c in cols])
    if sum_rows:
        for c in cols:
            add_sum((TOTAL, c), [(r, c) for r in shown_rows])
        if sum_cols:
            add_sum((TOTAL, TOTAL), [(TOTAL, c) for c in cols])
            pub.total(key(series, TOTAL, TOTAL), [key(series, r, TOTAL) for r in shown_rows])
    return out


def _amount_totals(pub: Publication, rows: list[str], cols: list[str], shown_rows: list[str], sum_rows: bool,
                   sum_cols: bool) -> list[tuple[str, list[str]]]:
    """The amount totals (key, parts) in the order they can be summed."""
    out = []
    if sum_cols:
        out += [(key("v", r, TOTAL), [key("v", r, c) for c in cols]) for r in rows]
    if sum_rows:
        out += [(key("v", TOTAL, c), [key("v", r, c) for r in shown_rows]) for c in cols]
        if sum_cols:
            out.append((key("v", TOTAL, TOTAL), [key("v", TOTAL, c) for c in cols]))
    return out


def change_value(pub: Publication, now: str, before: str) -> float | None:
    """同比/环比 from the shown numbers only, as a number: percentage points for a rate, % otherwise (one
    decimal); None when either is withheld, missing or the base is 0."""
    if not (pub.has(now) and pub.has(before)):
        return None
    a, b = pub.shown(now), pub.shown(before)
    if a is None or b is None:
        return None
    if pub.cells[now].kind == RATE:
        return float(half_up(a - b, 1))
    if not b:
        return None
    return change_pct(a, b)


def change_unit(metric: Metric) -> str:
    """The unit of a metric's 同比/环比: percentage points for a rate, % otherwise."""
    return "个百分点" if metric.kind == RATE else "%"


def change(pub: Publication, metric: Metric, now: str, before: str, unit: bool = True) -> str:
    """同比/环比 as text: '+1.2个百分点' for a rate, '+3.4%' otherwise (without the unit: '+1.2'), '—' when
    either is withheld, missing or the base is 0."""
    value = change_value(pub, now, before)
    if value is None:
        return "—"
    return _signed(value, change_unit(metric) if unit else "")


def _signed(value: float, unit: str) -> str:
    """'+1.2unit', '-0.4unit', '0.0unit'."""
    return ("+" if value > 0 else "") + number_text(value, unit, 1)


def previous(breakdown: str, row: str, step: str) -> str:
    """The period a time key is compared with: the year or month before (环比), the same month a year
    before (同比)."""
    if breakdown == "year":
        return str(int(row) - 1)
    return shift_month(row, -12 if step == "yoy" else -1)


def explore_text(pub: Publication, metric: Metric, area: str, period: str, by: str, labels: dict[str, str],
                 shown_rows: list[str]) -> str:
    """文字解读 of a single breakdown, every number a cell of the publication as the disclosure left it."""
    t = pub.text
    head = f"{period}，{area}{metric.label}"
    if by in TIME_BREAKDOWNS:
        first, last = shown_rows[0], shown_rows[-1]
        text = (f"{head}从{labels[first]}的{t(key('v', first))}变为{labels[last]}的{t(key('v', last))}"
                f"（{'变化' if metric.kind == RATE else '增减'}{change(pub, metric, key('v', last), key('v', first))}）")
        if metric.flow and pub.has(key("v", TOTAL)):
            text += f"，期内合计{t(key('v', TOTAL))}"
        return text + "。"
    text = head + (f"{t(key('v', TOTAL))}" if pub.has(key("v", TOTAL)) else "")
    shown = [(pub.shown(key("v", r)), r) for r in shown_rows if pub.shown(key("v", r)) is not None]
    word = BREAKDOWNS[by]
    if len(shown) > 1:
        high, low = max(shown), min(shown)
        text += (f"。按{word}看，最高的是{labels[high[1]]}（{t(key('v', high[1]))}），"
                 f"最低的是{labels[low[1]]}（{t(key('v', low[1]))}）")
    if metric.target is not None and metric.kind == RATE:
        below = [r for v, r in shown if v < metric.target]
        text += (f"；{len(below)}个{word}未达{metric.target:g}%目标" if below
                 else f"；显示的{word}均达到{metric.target:g}%目标")
    hidden = sum(1 for r in shown_rows if pub.hidden(key("v", r)))
    if hidden:
        text += f"；{hidden}个{word}的数字为保护个人信息已隐去"
    if metric.kind == AMOUNT:
        text += "（金额随发放人次隐去）" if hidden else ""
    return text + "。"
