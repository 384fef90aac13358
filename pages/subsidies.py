"""两项补贴: amounts and persons paid per month, coverage of the eligible by township, 应享未享, 同比."""

import pandas as pd
import streamlit as st

from queries import builders, dashboard
from queries.catalog import METRICS, PALETTE
from queries.publish import Publication, add_units, change_pct, key, unit_missing
from queries.summary import subsidy_text
from ui import charts, data, page
from ui.labels import CATEGORY_LABELS, LEVEL_LABELS, SUBSIDY_SHORT
from ui.render import screen, slide

ctx, view = page.setup("两项补贴", "{area}困难残疾人生活补贴和重度残疾人护理补贴，{year}：应补尽补。", trend=True,
                       datasets=("subsidy",))

CODES = ("living", "nursing")
COLOURS = {"living": PALETTE["blue"], "nursing": PALETTE["sky"]}
units = data.q(dashboard.unit_tables, view.filters, view.year)[view.year]  # shared with 总览, 康复服务
missing = ctx.missing("subsidy", view.year)
last = ctx.last_month("subsidy") or f"{view.year}-12"
months_in_year = int(last[5:]) if last.startswith(str(view.year)) else 12
ytd_to = f"{view.year}-{months_in_year:02d}"
# One query for the months of the trend, this year to date and last year's same months.
span = data.q(dashboard.subsidy_by_month, view.filters, min(view.month_from, f"{view.year - 1}-01"),
              max(view.month_to, ytd_to))
paid_persons = data.q(dashboard.subsidy_persons_to_month, view.filters, view.year, months_in_year)
groups = data.q(dashboard.subsidy_by_category_level, view.filters, view.year)
prev_missing = ctx.missing("subsidy", view.year - 1)
focus = view.village or "total"


def _months(first: str, last_: str) -> pd.DataFrame:
    """The rows of `span` from month `first` to `last_` ('YYYY-MM')."""
    return span[span["pay_month"].between(pd.Timestamp(f"{first}-01"), pd.Timestamp(f"{last_}-01"))]


monthly = _months(view.month_from, view.month_to)
wide = builders.subsidy_wide(monthly)


def build() -> Publication:
    """Every number this page publishes, and how they relate."""
    pub = Publication()
    add_units(pub, units, missing=unit_missing(lambda d: ctx.missing(d, view.year)))
    builders.add_subsidy_to_date(pub, span, paid_persons, view.year, 1, months_in_year,
                                 lambda y: missing if y == view.year else prev_missing)
    builders.add_subsidy_months(pub, wide)
    for code in CODES:
        chosen = groups[groups["subsidy_code"] == code]
        for by, labels, column in (("cat", CATEGORY_LABELS, "category_code"), ("level", LEVEL_LABELS, "level_code")):
            sums = chosen.groupby(column)[["eligible", "eligible_paid"]].sum()
            sums["unpaid"] = sums["eligible"] - sums["eligible_paid"]
            for measure in ("eligible", "eligible_paid", "unpaid"):
                pub.line(f"{by}_{measure}_{code}", [(labels[c], sums[measure].get(c, 0)) for c in sums.index],
                         "count", "人", missing if measure != "eligible" else "")
                pub.total(key(f"{code}_{measure}", focus), [f"{by}_{measure}_{code}@total"])
            # The chart draws eligible and paid side by side: their difference (应享未享, never drawn) is a
            # count the reader can take, so it is withheld like one (issue 25: 言语 45 and 44 gave away 1).
            for c in [*map(labels.get, sums.index), "total"]:
                pub.total(f"{by}_eligible_{code}@{c}", [f"{by}_eligible_paid_{code}@{c}", f"{by}_unpaid_{code}@{c}"])
    return pub


out = screen.Output(build, view)
pub = out.pub
area = page.area_name(ctx, view)
k = lambda column: key(column, focus)  # noqa: E731


def yoy(now: str, before: str) -> str:
    """'同比 +3.2%' where both periods have data and are shown; else why not."""
    if prev_missing or missing:
        return "上年同期无数据，不作同比"
    a, b = pub.shown(now), pub.shown(before)
    if a is None or b is None:
        return "同比：—（数字已隐去）"
    return f"同比 {change_pct(a, b):+.1f}%" if b else "上年同期为0，不作同比"


if not view.village:
    screen.summary(out, subsidy_text(pub, area, ctx.year_end("subsidy", view.year), months_in_year, view.year, focus))
st.subheader(f"{view.year}年累计与上年同期" if missing else f"{view.year}年1–{months_in_year}月累计（截至本月）与上年同期",
             anchor=False)
cols = slide.headline(view, 4, ("trend",))
for i, code in enumerate(CODES):
    screen.card(cols[2 * i], pub, f"{SUBSIDY_SHORT[code]}发放金额", f"ytd_amount@{code}",
                yoy(f"ytd_amount@{code}", f"prev_amount@{code}"))
    screen.card(cols[2 * i + 1], pub, f"{SUBSIDY_SHORT[code]}发放人数", f"ytd_persons@{code}",
                yoy(f"ytd_persons@{code}", f"prev_persons@{code}"))
cols = slide.headline(view, 4, ("map", "chart"))
for i, code in enumerate(CODES):
    words, good = screen.against_target(pub, k(f"{code}_unpaid"), k(f"{code}_eligible"),
                                        "符合条件但全年未发放", "应补尽补", "没有符合条件的对象",
                                        screen.rate_reached(pub, METRICS[f"{code}_coverage"], k(f"{code}_coverage")))
    screen.card(cols[2 * i], pub, f"{SUBSIDY_SHORT[code]}覆盖率（{view.year}年）", k(f"{code}_coverage"),
                f"符合条件 {pub.text(k(f'{code}_eligible'))}，其中已发 {pub.text(k(f'{code}_eligible_paid'))}",
                good=good, help_text=METRICS[f"{code}_coverage"].definition)
    screen.card(cols[2 * i + 1], pub, f"{SUBSIDY_SHORT[code]}应享未享", k(f"{code}_unpaid"), words, good)
screen.legend(pub)

st.subheader("每月发放金额与人次", anchor=False)
if monthly.empty:
    st.info(missing or "所选月份没有发放记录。")
else:
    def month_frame(p: Publication, measure: str) -> pd.DataFrame:
        """Months × subsidies of one measure as shown (amounts in 万元)."""
        frame = pd.DataFrame({"pay_month": wide.index})
        for code in CODES:
            keys = [f"{measure}_{code}@{m.strftime('%Y-%m')}" for m in wide.index]
            if p.has(keys[0]):
                values = [p.shown(x) for x in keys]
                frame[code] = [None if v is None else (v / 10_000 if measure == "amount" else v) for v in values]
        return frame

    def trend(p: Publication, measure: str, unit: str):
        """One line per subsidy over the chosen months."""
        frame = month_frame(p, measure)
        return charts.month_lines(frame, "pay_month", {c: (SUBSIDY_SHORT[c], COLOURS[c]) for c in CODES if c in frame},
                                  unit)

    period = f"{view.month_from[:4]}年{int(view.month_from[5:])}月至{view.month_to[:4]}年{int(view.month_to[5:])}月"
    left, right = slide.columns(view, 2, ("trend", ""))
    with left:
        screen.chart(out, lambda p: trend(p, "amount", "万元"), ctx, "subsidy_amount",
                     title=f"{area}两项补贴每月发放金额（万元）",
                     note=period + ("" if view.present or page.signed_in().role == "press" else "（侧栏可改月份范围）"))
    with right:
        screen.chart(out, lambda p: trend(p, "payments", "人次"), ctx, "subsidy_payments",
                     title=f"{area}两项补贴每月发放人次", note=period)

st.subheader(f"各{page.unit_word(view)}覆盖率与应享未享（{view.year}年）", anchor=False)
which = st.radio("补贴", list(CODES), format_func=lambda c: SUBSIDY_SHORT[c], horizontal=True, key="subsidy_which")
left, right = slide.columns(view, [3, 2], ("map", "chart"))
with left:
    screen.region_map(out, ctx, units, f"{which}_coverage", "%", target=METRICS[f"{which}_coverage"].target,
                      key_=f"subsidy_map_{which}",
                      title=f"{area}各{page.unit_word(view)}{SUBSIDY_SHORT[which]}覆盖率", missing=missing)
with right:
    def coverage_bars(p: Publication):
        """Coverage per unit, labelled with the unpaid persons."""
        frame = screen.unit_frame(p, units, [f"{which}_coverage", f"{which}_unpaid"])
        frame["label"] = [f"{r}（未享{u}）" if not h else r for r, u, h in zip(
            frame[f"{which}_coverage_text"], frame[f"{which}_unpaid_text"], frame[f"{which}_coverage_hidden"],
            strict=True)]
        return charts.ranked_bars(frame, f"{which}_coverage", COLOURS[which], "%", target=METRICS[f"{which}_coverage"].target,
                                  text="label",
                                  title="覆盖率")

    screen.chart(out, coverage_bars, ctx, f"subsidy_rank_{which}", drill=True,
                 title=f"{area}各{page.unit_word(view)}{SUBSIDY_SHORT[which]}覆盖率排名", missing=missing)
page.slide_end(view)

st.subheader(f"按残疾类别和等级（{view.year}年，{SUBSIDY_SHORT[which]}）", anchor=False)
left, right = st.columns(2)
for col, by, label in ((left, "cat", "类别"), (right, "level", "等级")):
    with col:
        def group_bars(p: Publication, by=by, label=label):
            """Eligible and paid persons per category (or level), withheld ones labelled."""
            names = [n.split("@", 1)[1] for n in p.cells if n.startswith(f"{by}_eligible_{which}@")
                     and not n.endswith("@total")]
            frame = pd.DataFrame({label: names})
            for measure in ("eligible", "eligible_paid"):
                keys = [f"{by}_{measure}_{which}@{n}" for n in names]
                frame[measure] = [p.shown(x) for x in keys]
                frame[f"{measure}_text"] = [p.text(x, unit=False) for x in keys]
            return charts.grouped_bars(frame, label, {"eligible": ("符合条件人数", PALETTE["grey"]),
                                                      "eligible_paid": ("已发放人数", COLOURS[which])}, "人")

        screen.chart(out, group_bars, ctx, f"subsidy_by_{by}", title=f"{area}{SUBSIDY_SHORT[which]}按残疾{label}",
                     missing=missing,
                     note="按侧栏所选类别、等级筛选。" if view.category or view.level else "")
