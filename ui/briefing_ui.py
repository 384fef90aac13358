"""The briefing on screen: 加入汇报 in the sidebar, the 汇报 page, and the bar over a playing slide.

Which script a user adds to, plays and sees notes of follows ui.briefing's role rules. Titles and notes are
drawn as plain text (never Markdown or HTML); the bar names the area the slide actually shows.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from ui import briefing
from ui import view_state as vs
from ui.auth import User
from ui.labels import md_escape
from ui.state import Context, View, default_view, parse

AREA_KEY = "briefing_area"  # the script being played: "" county, else a township code
AT_KEY = "briefing_at"  # the slide being played (None: not playing)
def _page():
    """ui.page (imported late: page calls into this module)."""
    from ui import page

    return page


def area_label(ctx: Context, area: str) -> str:
    """The county's name or a township's."""
    return ctx.county_name if area == briefing.COUNTY else ctx.townships.get(area, area)


def add_to_briefing(user: User, title: str, page: str, ctx: Context, view: View) -> None:
    """Sidebar: add the current view to the script the user may edit (their township's, or the county's)."""
    area = briefing.own_area(user)
    if not briefing.may_edit(user, area):
        return
    with st.sidebar.popover("加入汇报"):
        st.caption(f"加入：{area_label(ctx, area)}的汇报脚本")
        slide_title = st.text_input("本页标题", value=f"{_page().area_name(ctx, view)}{title}"[:briefing.MAX_TITLE],
                                    key="brief_title", max_chars=briefing.MAX_TITLE)
        note = st.text_area("讲稿（仅可编辑本脚本的人可见，可不填）", key="brief_note", max_chars=briefing.MAX_NOTE)
        if st.button("加入汇报脚本", key="brief_add"):
            params = vs.view().to_params(default_view(ctx))  # as chosen, not as resolved for this page
            params.pop("mode", None)
            if area != briefing.COUNTY:
                params["town"] = area  # a township's script shows that township, whatever the URL said
            try:
                count = briefing.add_slide(briefing.Slide(slide_title, page, params, note), briefing.script_path(area))
            except briefing.BriefingError as exc:
                st.error(str(exc))
            else:
                st.success(f"已加入，汇报共 {count} 页。")


def go_to_slide(ctx: Context, index: int, area: str | None = None) -> None:
    """Show slide `index` of the script being played (or of `area`'s): its page and filters, projector mode."""
    area = st.session_state.get(AREA_KEY, briefing.COUNTY) if area is None else area
    user = _page().signed_in()
    if not briefing.may_play(user, area):
        st.warning("您的账号不能放映这份汇报脚本。")
        return
    script, _ = briefing.load(briefing.script_path(area))
    if not script.slides:
        st.warning("汇报脚本中没有幻灯片。")
        return
    index = max(0, min(index, len(script.slides) - 1))
    slide = script.slides[index]
    st.session_state["view_state"] = replace(parse(slide.params, ctx), present=True, warnings=())
    vs.new_generation()
    st.session_state[AT_KEY] = index
    st.session_state[AREA_KEY] = area
    st.switch_page(f"pages/{slide.page}.py")


def shown_area(ctx: Context, view: View) -> str:
    """The area the slide actually shows, with its year: what the audience sees, whatever the title says."""
    frame = _page()
    return f"{frame.area_name(ctx, view)}　{frame.year_label(ctx, view.year)}"


def briefing_bar(ctx: Context, view: View) -> None:
    """In a briefing: previous / next, back to the slide's own view, end; the area shown; the note for editors."""
    frame = _page()
    area = st.session_state.get(AREA_KEY, briefing.COUNTY)
    user = frame.signed_in()
    script, _ = briefing.load(briefing.script_path(area))
    if not script.slides or not briefing.may_play(user, area):
        return
    index = min(st.session_state[AT_KEY], len(script.slides) - 1)
    slide = script.slides[index]
    cols = st.columns([1, 1, 3, 1, 1])
    if cols[0].button("◀ 上一页", key="brief_prev", disabled=index == 0):
        go_to_slide(ctx, index - 1)
    if cols[1].button("下一页 ▶", key="brief_next", disabled=index >= len(script.slides) - 1):
        go_to_slide(ctx, index + 1)
    cols[2].markdown(f"**第 {index + 1}/{len(script.slides)} 页　{md_escape(slide.title)}**")
    cols[2].caption(f"显示：{md_escape(shown_area(ctx, view))}")
    if cols[3].button("回到本页", key="brief_reset"):
        go_to_slide(ctx, index)
    if cols[4].button("结束汇报", key="brief_end"):
        st.session_state[AT_KEY] = None
        vs.exit_present()
        st.switch_page("pages/briefing.py")
    if slide.note and briefing.shows_notes(user, area):
        with st.expander("讲稿（演示者）"):
            st.text(slide.note)


def playable_areas(user: User, ctx: Context) -> list[str]:
    """The scripts a user may play: a township user their own; the press the county's; others every one."""
    if user.role == "township":
        return [user.area]
    if user.role == "press":
        return [briefing.COUNTY]
    return [briefing.COUNTY, *ctx.townships]


def page(ctx: Context) -> None:
    """The 汇报 page: choose a script, see its slides (notes for editors), start playing."""
    user = _page().signed_in()
    areas = playable_areas(user, ctx)
    area = areas[0]
    if len(areas) > 1:
        area = st.selectbox("汇报脚本", areas, format_func=lambda a: f"{area_label(ctx, a)}的汇报", key="brief_area")
    script, problems = briefing.load(briefing.script_path(area))
    for problem in problems:
        st.warning(problem)
    st.subheader(md_escape(script.title), anchor=False)
    if not script.slides:
        st.info("汇报脚本中还没有幻灯片：在任一页面的侧栏点“加入汇报”，把当前视图加进来。"
                if briefing.may_edit(user, area) else "这份汇报脚本中还没有幻灯片。")
        st.stop()
    notes = briefing.shows_notes(user, area)
    rows = [{"页": i + 1, "标题": s.title, "页面": briefing.PAGES[s.page],
             "筛选": "，".join(f"{k}={v}" for k, v in s.params.items()) or "默认", **({"讲稿": s.note} if notes else {})}
            for i, s in enumerate(script.slides)]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")  # a table: plain text, never Markdown
    start = st.selectbox("从第几页开始", range(len(script.slides)),
                         format_func=lambda i: f"第{i + 1}页　{script.slides[i].title}", key="brief_start")
    if st.button("开始汇报（投影模式）", type="primary", key="brief_go"):
        go_to_slide(ctx, start, area)
    if briefing.may_edit(user, area):
        st.caption(f"脚本文件：{md_escape(str(briefing.script_path(area)))}（YAML，可直接编辑）")
