"""两项补贴: amounts and persons paid per month, coverage of the eligible by township, 应享未享, 同比."""

import pandas as pd
import streamlit as st

from queries import dashboard
from queries.metrics import totals
from queries.report import rate
from queries.summary import subsidy_text
from ui import charts, data, frame
from ui.labels import CATEGORY_LABELS, LEVEL_LABELS, METRICS, PALETTE, SUBSIDY_SHORT, fmt_pct, fmt_wan
from ui.suppressed import suppressed_units

ctx, view = frame.setup("两项补贴", "{area}困难残疾人生活补贴和重度残疾人护理补贴，{year}：应补尽补。", trend=True)

COLOURS = {"living": PALETTE["blue"], "nursing": PALETTE["sky"]}
units = data.q(dashboard.unit_tables, view.filters, view.year)[view.year]  # shared with 总览, 康复服务
focus = units[units["unit_code"] == view.village].iloc[0] if view.village else totals(units)

# Year to date (截至本月累计) and the same months of last year (同比).
last_month = min(ctx.months[-1], f"{view.year}-12") if ctx.months else f"{view.year}-12"
months_in_year = int(last_month[5:]) if last_month.startswith(str(view.year)) else 12
ytd_to = f"{view.year}-{months_in_year:02d}"
prev_to = f"{view.year - 1}-{months_in_year:02d}"
# One query for the months of the trend, this year to date and last year's same months.
span = data.q(dashboard.subsidy_by_month, view.filters, min(view.month_from, f"{view.year - 1}-01"),
              max(view.month_to, ytd_to))


def _months(first: str, last: str) -> pd.DataFrame:
    """The rows of `span` from month `first` to `last` ('YYYY-MM')."""
    return span[span["pay_month"].between(pd.Timestamp(f"{first}-01"), pd.Timestamp(f"{last}-01"))]


ytd, prev = _months(f"{view.year}-01", ytd_to), _months(f"{view.year - 1}-01", prev_to)
paid_persons = data.q(dashboard.subsidy_persons_to_month, view.filters, view.year, months_in_year)
ytd_persons = paid_persons[paid_persons["year"] == view.year]
prev_persons = paid_persons[paid_persons["year"] == view.year - 1]


def _sum(frame_: pd.DataFrame, code: str, column: str) -> float:
    """A subsidy's total of one column."""
    return float(frame_.loc[frame_["subsidy_code"] == code, column].sum())


def _yoy(now: float, before: float) -> str:
    """'同比 +3.2%' (or no comparison when last year had nothing)."""
    return f"同比 {(now - before) / before * 100:+.1f}%" if before else "上年同期无数据"


if not view.village:
    frame.summary(subsidy_text(
        frame.area_name(ctx, view), frame.year_end_label(ctx, view.year), months_in_year, view.year,
        {c: _sum(ytd, c, "amount_yuan") for c in ("living", "nursing")},
        {c: _sum(ytd_persons, c, "persons") for c in ("living", "nursing")}, units, small=frame.suppressing(view)))
st.subheader(f"{view.year}年1–{months_in_year}月累计（截至本月）与上年同期")
cols = st.columns(4)
for i, code in enumerate(("living", "nursing")):
    amount, amount_prev = _sum(ytd, code, "amount_yuan"), _sum(prev, code, "amount_yuan")
    persons, persons_prev = _sum(ytd_persons, code, "persons"), _sum(prev_persons, code, "persons")
    frame.kpi(cols[2 * i], f"{SUBSIDY_SHORT[code]}发放金额", fmt_wan(amount), _yoy(amount, amount_prev))
    frame.kpi(cols[2 * i + 1], f"{SUBSIDY_SHORT[code]}发放人数", f"{int(persons):,}人", _yoy(persons, persons_prev))

cols = st.columns(4)
for i, code in enumerate(("living", "nursing")):
    key = f"{code}_coverage"
    unpaid = int(focus[f"{code}_unpaid"])
    frame.kpi(cols[2 * i], f"{SUBSIDY_SHORT[code]}覆盖率（{view.year}年）", fmt_pct(focus[key]),
              f"符合条件 {int(focus[f'{code}_eligible']):,} 人，已发 {int(focus[f'{code}_eligible_paid']):,} 人",
              good=unpaid == 0, help_text=METRICS[key].definition)
    frame.kpi(cols[2 * i + 1], f"{SUBSIDY_SHORT[code]}应享未享", f"{unpaid:,}人",
              "符合条件但全年未发放" if unpaid else "应补尽补", good=unpaid == 0)

st.subheader("每月发放金额与人次")
monthly = _months(view.month_from, view.month_to)
if monthly.empty:
    st.info("所选月份没有发放记录。")
else:
    wide = monthly.pivot_table(index="pay_month", columns="subsidy_code", values=["amount_yuan", "payments"],
                               aggfunc="sum", fill_value=0)
    amounts = (wide["amount_yuan"] / 10_000).reset_index()
    left, right = st.columns(2)
    with left:
        fig = charts.month_lines(amounts, "pay_month", {c: (SUBSIDY_SHORT[c], COLOURS[c])
                                                        for c in ("living", "nursing") if c in amounts}, "万元")
        frame.chart(fig, ctx, key="subsidy_amount", view=view, safe_figure=lambda: fig,
                    title=f"{frame.area_name(ctx, view)}两项补贴每月发放金额（万元）")
    with right:
        payments = wide["payments"].reset_index()
        fig = charts.month_lines(payments, "pay_month", {c: (SUBSIDY_SHORT[c], COLOURS[c])
                                                         for c in ("living", "nursing") if c in payments}, "人次")
        frame.chart(fig, ctx, key="subsidy_payments", view=view, title=f"{frame.area_name(ctx, view)}两项补贴每月发放人次")

st.subheader(f"各{frame.unit_word(view)}覆盖率与应享未享（{view.year}年）")
which = st.radio("补贴", ["living", "nursing"], format_func=lambda c: SUBSIDY_SHORT[c], horizontal=True,
                 key="subsidy_which")
left, right = st.columns([3, 2])
with left:
    frame.region_map(ctx, view, units, f"{which}_coverage", "%", target=100, key=f"subsidy_map_{which}",
                     title=f"{frame.area_name(ctx, view)}各{frame.unit_word(view)}{SUBSIDY_SHORT[which]}覆盖率")
with right:
    def coverage_bars(frame_):
        frame_ = frame_.assign(unpaid_text=[
            (f"{r:.1f}%" + (f"（未享{u:,.0f}人）" if u == u else "")) if pd.notna(r) else "—"
            for r, u in zip(frame_[f"{which}_coverage"], frame_[f"{which}_unpaid"], strict=True)])
        return charts.ranked_bars(frame_, f"{which}_coverage", COLOURS[which], "%", target=100, text="unpaid_text",
                                  title="覆盖率")

    frame.chart(coverage_bars(units), ctx, key=f"subsidy_rank_{which}", drill=True, view=view,
                safe_figure=lambda: coverage_bars(suppressed_units(units)),
                title=f"{frame.area_name(ctx, view)}各{frame.unit_word(view)}{SUBSIDY_SHORT[which]}覆盖率排名")
frame.slide_end(view)

st.subheader(f"按残疾类别和等级（{view.year}年）")
groups = data.q(dashboard.subsidy_by_category_level, view.filters, view.year)
groups = groups[groups["subsidy_code"] == which]
table = groups.assign(类别=groups["category_code"].map(CATEGORY_LABELS), 等级=groups["level_code"].map(LEVEL_LABELS))
by_cat = table.groupby("类别", sort=False)[["eligible", "eligible_paid", "persons"]].sum().reset_index()
by_cat["覆盖率"] = [rate(p, e) for p, e in zip(by_cat["eligible_paid"], by_cat["eligible"], strict=True)]
by_level = table.groupby("等级", sort=False)[["eligible", "eligible_paid", "persons"]].sum().reset_index()
by_level["覆盖率"] = [rate(p, e) for p, e in zip(by_level["eligible_paid"], by_level["eligible"], strict=True)]
left, right = st.columns(2)
for col, grouped, label in ((left, by_cat, "类别"), (right, by_level, "等级")):
    with col:
        shown = grouped[grouped["eligible"] > 0]
        fig = charts.grouped_bars(shown, label, {"eligible": ("符合条件人数", PALETTE["grey"]),
                                                 "eligible_paid": ("已发放人数", COLOURS[which])}, "人")
        frame.chart(fig, ctx, key=f"subsidy_by_{label}", view=view, title=f"{SUBSIDY_SHORT[which]}按残疾{label}")
