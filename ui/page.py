"""Every page's frame: sign-in, the warehouse (or a failure page), the view, title and breadcrumb."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import duckdb
import streamlit as st

from queries import audience as aud
from queries import public_set
from queries.db import WarehouseError
from ui import auth, briefing, briefing_ui, data, first_paint
from ui import view_state as vs
from ui.labels import md_escape
from ui.render import slide
from ui.state import Context, View, default_view
from ui.viewer import OUTSIDE_KEY, audience, scope_of, signed_in, suppressing  # also page.X for the pages
from ui.wording import area_name, filters_text, unit_word, until_caption, year_label  # noqa: F401

PAGE_OF_TITLE = {t: p for p, t in briefing.PAGES.items()}
# Pages a briefing does not play but whose projector view is a slide all the same (cards, then a map or ranking).
SLIDE_ONLY = {"数据比对": "compare", "预警": "warnings"}

# Every page: the tables' English toolbar (Download as CSV, Search, Fullscreen) is hidden; downloads are the
# page's own Chinese buttons.
PAGE_CSS = """<style>
[data-testid="stElementToolbar"] {display: none !important;}
.st-key-first_paint_next_box {display: none !important;}  /* ui.first_paint: the light run's button and script */
.kpi-value {white-space: nowrap;}
.kpi-card {height: auto !important; min-height: 100%;}  /* grows with a wrapped line, never spills over */
.kpi-label, .kpi-delta {word-break: keep-all;}  /* lines break at spaces and punctuation: never "939" | "人" */
@media (max-height: 820px) {  /* a laptop (1366×768): the cards and the main map or chart on the first screen */
  [data-testid="stMainBlockContainer"] {padding-top: 0.6rem !important; padding-bottom: 1rem !important;}
  [data-testid="stMain"] h1 {font-size: 1.7rem !important; line-height: 1.4 !important; padding: 0 !important;}
  [data-testid="stMain"] [data-testid="stVerticalBlock"] {gap: 0.4rem;}
  [data-testid="stMain"] hr {margin: 0.2rem 0 !important;}
  .st-key-demo_banner [data-testid="stAlert"] > div {padding: 0.35rem 0.8rem !important;}
  .st-key-crumbs button {min-height: 1.9rem; padding: 0 0.6rem;}
  .kpi-card {padding: 4px 10px !important;}
  [class*="st-key-w_metric"] [data-testid="stWidgetLabel"] {display: none;}  /* the choice names itself */
  .kpi-value {font-size: 1.35rem !important; line-height: 1.15 !important;}
  .kpi-label, .kpi-delta {font-size: 0.8rem !important; line-height: 1.3 !important;}
  [data-testid="stMain"] [data-testid="stDeckGlJsonChart"],
  [data-testid="stMain"] [data-testid="stDeckGlJsonChart"] > div {height: 300px !important;}  /* MAP_FIT_HEIGHT */
}
</style>"""

# Projector (one slide = one 1920×1080 screen): no sidebar, toolbar, banner or Streamlit chrome; the question
# is the largest text, headline numbers 46 px, every other text ≥ 24 px, dark on white; section headings,
# widgets and links that belong to the screen page are off, and so is what ui.render.slide hid.
PRESENT_CSS = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"],
[data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stStatusWidget"],
[class*="st-key-slide_off"], .st-key-demo_banner, .st-key-crumbs, [data-testid="stMain"] h2,
[data-testid="stMain"] h3, [data-testid="stMain"] [data-testid="stSelectbox"],
[data-testid="stMain"] [data-testid="stRadio"], [data-testid="stMain"] [data-testid="stPageLink"],
[data-testid="stMain"] hr, [data-testid="stMain"] [data-testid="stExpander"] {display: none !important;}
[data-testid="stMainBlockContainer"] {padding: 0.6rem 2rem 0.4rem 2rem !important; max-width: 100% !important;}
[data-testid="stMain"] p, [data-testid="stMain"] li, [data-testid="stCaptionContainer"],
[data-testid="stMain"] button p, [data-testid="stText"] {font-size: 24px !important;}
[data-testid="stMain"] [data-testid="stVerticalBlock"] {gap: 0.45rem !important;}
h1 {font-size: 52px !important; line-height: 1.15 !important; padding: 0 !important;}
.slide-page {font-size: 24px; line-height: 1.25; color: #555; margin-top: 1.6rem;}  /* clear of the h1 (it spills over its box) */
.kpi-label, .kpi-delta {font-size: 26px !important;}
.kpi-value {font-size: 46px !important;}  /* below the question's 52 px: the question reads first */
.map-legend {font-size: 24px !important;}
.slide-part {font-size: 30px; font-weight: 600; line-height: 1.25; color: #222;}  /* what the map or chart shows */
/* One screen: the main area is a column as high as the screen; the blocks that hold the slide's chart or
   map grow and shrink (min-height 0), and the chart or map (height "stretch") takes what the question,
   cards and notes leave. */
[data-testid="stMain"] {height: 100vh;}
[data-testid="stMain"] [data-testid="stCaptionContainer"] {margin-bottom: 0 !important;}  /* its p's margin */
[data-testid="stMain"] [data-testid="stCaptionContainer"] p {margin-bottom: 0 !important;}  /* spills over */
[data-testid="stMainBlockContainer"] {height: 100vh; box-sizing: border-box; display: flex !important;
  flex-direction: column;}
[data-testid="stMain"] :is([data-testid="stVerticalBlock"], [data-testid="stLayoutWrapper"],
  [data-testid="stElementContainer"], [data-testid="stFullScreenFrame"]):has(:is([data-testid="stPlotlyChart"],
  [data-testid="stDeckGlJsonChart"]):not([class*="st-key-slide_off"] *)) {flex: 1 1 0 !important;
  min-height: 0 !important;}
[data-testid="stMain"] [data-testid="stElementContainer"]:has(:is([data-testid="stPlotlyChart"],
  [data-testid="stDeckGlJsonChart"]):not([class*="st-key-slide_off"] *)) {height: auto !important;
  min-height: 240px !important;}
</style>"""


def setup(title: str, caption: str, trend: bool = False, datasets: tuple[str, ...] = (),
          period: Callable[[View], str] | None = None) -> tuple[Context, View]:
    """Every page's start: sign-in, open the warehouse (or explain why not), filters, title, breadcrumb.
    The page opens on the latest year its own `datasets` cover, unless a year was chosen. `period(view)`:
    what the filters line says instead of the year when the view shows another period ('' for the year)."""
    user = auth.require_user()
    auth.sign_out_button()
    st.session_state[data.PAGE_DATASETS] = datasets  # every 截至 line of this run: the page's own data
    try:
        ctx = data.context(scope_of(user))
    except (WarehouseError, duckdb.Error) as exc:
        st.title(title)
        failure_page(exc)
        st.stop()
    if user.role == "township" and user.area not in ctx.townships and data.context("").townships:
        st.title(title)  # a township account whose code the warehouse does not have: not an empty warehouse
        st.error(f"您的账号所属乡镇（区划代码 {user.area}）不在当前数据仓库中，无法显示本乡镇的数据。"
                 "请管理员核对账号的区划代码（`python -m ui.users list`），或导入包含该乡镇的数据。")
        st.stop()
    if not ctx.years or not ctx.townships:
        st.title(title)
        st.warning("**数据仓库是空的**：没有乡镇或没有任何月份的数据。")
        st.info("请导入数据（见 README“导入数据”一节），导入完成后本页会自动恢复。")
        st.button("重试", key="retry_empty")
        st.stop()
    briefing_ui.resume(ctx)  # a reloaded projector window: back to its briefing's slide
    view = vs.current_view(ctx, ctx.latest_year(datasets), trend=trend, own_township=scope_of(user),
                           fixed_area=user.role == "press")
    page = PAGE_OF_TITLE.get(title, "")
    slide.begin(page or SLIDE_ONLY.get(title, ""))
    first_paint.begin(page, view)
    st.html(PAGE_CSS)  # style only: applied without taking a place on the page
    if view.present:
        st.html(PRESENT_CSS)
        if st.session_state.get("briefing_at") is not None:
            briefing_ui.briefing_bar(ctx, view)
        else:
            present_bar(page)
    elif page and not user.read_only:
        briefing_ui.add_to_briefing(user, title, page, ctx, view)
    header(title, caption.format(area=area_name(ctx, view), year=year_label(ctx, view.year)), ctx, view,
           period(view) if period else "")
    st.session_state[OUTSIDE_KEY] = outside_of(page, title, ctx, view, trend)
    if page in public_set.PAGES and suppressing(view) and st.session_state[OUTSIDE_KEY]:
        refuse_outside(title, st.session_state[OUTSIDE_KEY], user.role, ctx)
    return ctx, view


def outside_of(page: str, title: str, ctx: Context, view: View, trend: bool) -> str:
    """What puts the view outside the public set ('' in it): its area or filters, a trend page's month range
    other than the year's, 指标分析's cross or breakdown, or a page with no public view (数据比对, 预警)."""
    asked = []
    if page == "explore":
        from queries.catalog import BREAKDOWNS, TIME_BREAKDOWNS

        if not public_set.explore_allowed(view.metric, view.by, view.cols):
            asked = [f"按“{BREAKDOWNS.get(view.by, view.by)}"
                     + (f" × {BREAKDOWNS.get(view.cols, view.cols)}" if view.cols else "") + "”的分析"]
        trend = view.by in TIME_BREAKDOWNS or view.cols in TIME_BREAKDOWNS  # else the year, whatever the range
    year_span = public_set.year_months(view.year, ctx.months) if trend and ctx.months else None
    found = public_set.page_outside(page or "", title, view.township, view.village, view.category, view.level,
                                    (view.month_from, view.month_to) if year_span else None, year_span)
    return "、".join([*asked, *([found] if found else [])])


def refuse_outside(title: str, what: str, role: str, ctx: Context) -> None:
    """A public view (a 公开场合 slide) of a page outside the public set (issue 25) shows no number: it says
    what is outside and what is public, and offers the nearest public view — the same page, the county by
    township, every category and level, the same year and its months. A 乡镇 user sees only their township,
    so has no public view to go to: said instead."""
    st.warning(public_set.outside_text(what))
    if role == "township":
        st.info("乡镇账号只能查看本乡镇的数据：公开场合的汇报请用全县视图（由县残联的账号放映）。")
    else:
        default = default_view(ctx)  # its months are "none chosen": a public view shows the year's
        st.button(f"查看对外公开的“{title}”：全县分乡镇（街道），全部类别和等级", key="outside_public",
                  on_click=vs.to_public_view, kwargs={"township": "", "village": "", "category": 0, "level": 0,
                                                      "month_from": default.month_from, "month_to": default.month_to})
    st.stop()


def slide_end(view: View) -> None:
    """In projector mode a page is one slide: its headline and main visual; the rest stays off. The end of a
    session's light first run (ui.first_paint): the next run draws the interactive map and charts."""
    first_paint.end()
    slide.end(view)


def present_bar(page: str) -> None:
    """Projector mode outside a briefing: which part of the page the slide shows, its audience (内部会议 /
    公开场合; the press role's is always public), and the way back."""
    offered = slide.parts(page)
    cols = st.columns([1, 2, 4])
    cols[0].button("退出投影模式", key="exit_present", on_click=vs.exit_present)
    if signed_in().role in aud.INTERNAL_ROLES:
        meeting_key = f"w_meeting_{st.session_state.get('view_gen', 0)}"
        cols[1].segmented_control("场合", ["present", "public"], key=meeting_key, label_visibility="collapsed",
                                  format_func=lambda m: aud.MEETINGS[aud.PUBLIC if m == "public" else aud.INTERNAL],
                                  default="public" if vs.view().public else "present",
                                  on_change=vs.choose_meeting, args=(meeting_key,))
    if len(offered) > 1:
        current = slide.part(vs.view())
        cols[2].segmented_control("本页显示", list(offered), format_func=offered.get, default=current,
                                  key=f"w_part_{st.session_state.get('view_gen', 0)}", label_visibility="collapsed",
                                  on_change=vs.choose_part)


# DuckDB's own words for a file another process holds for writing (or this one with other settings), and for a
# damaged file. Matched as phrases: a bare "lock" is also inside "block".
LOCKED = re.compile(r"could not set lock on file|conflicting lock|different configuration", re.IGNORECASE)
CORRUPT = re.compile(r"corrupt|checksum|not a valid duckdb database", re.IGNORECASE)


def failure_page(exc: Exception) -> None:
    """What went wrong with the warehouse and what to do; a retry button (nothing is cached on failure,
    so the page recovers by itself once the cause is gone)."""
    text = str(exc)
    if CORRUPT.search(text):  # before the lock: DuckDB's checksum error says "in block at location …"
        what = f"数据仓库文件已损坏（校验失败），请用导入程序重新导入：{text[:300]}"
    elif LOCKED.search(text):
        what = "数据仓库文件正被另一个程序以写方式占用（例如导入尚未结束）。"
    elif isinstance(exc, WarehouseError):
        what = text
    elif "catalog" in text.lower() or "does not exist" in text.lower():
        what = "数据仓库缺少本程序需要的表：它可能是空的，或由旧版导入程序生成。"
    else:
        what = f"数据仓库无法读取（文件可能已损坏）：{text[:300]}"
    st.error(f"**数据仓库不可用。** {what}")
    st.info("怎么办：演示数据运行 `bash scripts/demo.sh` 会自动生成并导入；正式数据用当前版本的导入程序重新导入"
            "（`python -m data.importer 数据文件夹 --warehouse 数据仓库`，见 README）。PostgreSQL 请检查服务器与"
            " WAREHOUSE_URL。问题解决后点“重试”或刷新页面。")
    st.button("重试", key="retry_failure")


def header(title: str, caption: str, ctx: Context, view: View, period: str = "") -> None:
    """Title, one-line caption, breadcrumb (示范县 › 东湖镇 › 某村) and the active filters. Names are
    drawn as plain text (buttons and text elements), never as Markdown."""
    if view.present:
        question = st.session_state.get(briefing_ui.TITLE_KEY) or caption.rstrip("。")
        st.title(md_escape(question), anchor=False)  # a slide title is plain text, never Markdown
        # Played from 汇报 the question is the slide's title, whatever area it names: the subtitle says the area
        # and year actually on screen.
        shown = f"{area_name(ctx, view)}　" if st.session_state.get(briefing_ui.AT_KEY) is not None else ""
        st.html(f"<div class='slide-page'>{html.escape(title)}　{html.escape(shown + filters_text(ctx, view, period))}</div>")
    else:
        st.title(title, anchor=False)
        st.text(caption)
    if view.present:
        audience_note(view)
    crumbs = st.container(key="crumbs").columns([1, 1, 1, 3])
    crumbs[0].button(md_escape(ctx.county_name), on_click=vs.set_area, args=("",), key="crumb_county",
                     disabled=not view.township or len(ctx.townships) == 1)
    if view.township:
        crumbs[1].button(f"› {md_escape(ctx.townships[view.township])}", on_click=vs.set_area, args=(view.township,),
                         disabled=not view.village, key="crumb_town")
    if view.village:
        crumbs[2].button(f"› {md_escape(ctx.villages[view.township][view.village])}", disabled=True, key="crumb_village")
    with crumbs[3]:  # the filters and, on the same line, the audience (no extra line: a laptop's first screen)
        audience_note(view, f"筛选：{filters_text(ctx, view, period)}")
    if st.session_state.pop("scroll_top", False):  # after a drill the view starts at the top
        st.html("<script>window.parent.document.querySelector('[data-testid=stMain]')?.scrollTo(0, 0)</script>",
                unsafe_allow_javascript=True)


# The corner of a slide says who it is for (bottom right: the top holds its controls); on a page, a line
# under the title.
SLIDE_MARK_CSS = ("position:fixed;bottom:8px;right:24px;z-index:1000;font-size:24px;font-weight:700;padding:2px 12px;"
                  "border:2px solid {c};color:{c};background:#fff;border-radius:4px")


def audience_note(view: View, before: str = "") -> None:
    """Which audience the numbers are for: '内部数据，请勿外传' or '对外口径：人数少于5的数字已隐去'; on an
    internal slide '内部资料 注意保密' in its bottom right corner (the top holds the slide's controls)."""
    who = audience(view)
    colour = "#b00020" if who == aud.INTERNAL else "#555555"
    if view.present:
        text = aud.SLIDE_MARK if who == aud.INTERNAL else aud.BANNER[aud.PUBLIC]
        st.html(f"<div class='audience-mark' data-audience='{who}' style='{SLIDE_MARK_CSS.format(c=colour)}'>"
                f"{html.escape(text)}</div>")
    else:
        st.html(f"<div style='line-height:1.6'>{html.escape(before)}　<span class='audience-note' data-audience='{who}' "
                f"style='color:{colour};font-size:0.9rem;white-space:nowrap'>{'🔒 ' if who == aud.INTERNAL else ''}"
                f"{html.escape(aud.BANNER[who])}</span></div>")
