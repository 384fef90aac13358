"""The briefing on screen: 加入汇报 in the sidebar, and the bar that plays a script slide by slide."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from ui import briefing
from ui import view_state as vs
from ui.state import Context, View, default_view, parse


def add_to_briefing(title: str, page: str, ctx: Context, view: View, area: str) -> None:
    """Sidebar: add the current view (page and filters) to the briefing script as a slide."""
    with st.sidebar.popover("加入汇报"):
        slide_title = st.text_input("本页标题", value=f"{area}{title}", key="brief_title")
        note = st.text_area("讲稿（仅演示者可见，可不填）", key="brief_note")
        if st.button("加入汇报脚本", key="brief_add"):
            params = vs.view().to_params(default_view(ctx))  # as chosen, not as resolved for this page
            params.pop("mode", None)
            count = briefing.add_slide(briefing.Slide(slide_title, page, params, note))
            st.success(f"已加入，汇报共 {count} 页。")


def go_to_slide(ctx: Context, index: int) -> None:
    """Show slide `index` of the script: its page, its filters, in projector mode."""
    script, _ = briefing.load()
    if not script.slides:
        st.warning("汇报脚本中没有幻灯片。")
        return
    index = max(0, min(index, len(script.slides) - 1))
    slide = script.slides[index]
    st.session_state["view_state"] = replace(parse(slide.params, ctx), present=True, warnings=())
    vs.new_generation()
    st.session_state["briefing_at"] = index
    st.switch_page(f"pages/{slide.page}.py")


def briefing_bar(ctx: Context) -> None:
    """In a briefing: previous / next, back to the slide's own view after drilling live, end; the note."""
    script, _ = briefing.load()
    index = st.session_state["briefing_at"]
    if not script.slides:
        return
    index = min(index, len(script.slides) - 1)
    slide = script.slides[index]
    cols = st.columns([1, 1, 3, 1, 1])
    if cols[0].button("◀ 上一页", key="brief_prev", disabled=index == 0):
        go_to_slide(ctx, index - 1)
    if cols[1].button("下一页 ▶", key="brief_next", disabled=index >= len(script.slides) - 1):
        go_to_slide(ctx, index + 1)
    cols[2].text(f"第 {index + 1}/{len(script.slides)} 页　{slide.title}")
    if cols[3].button("回到本页", key="brief_reset"):
        go_to_slide(ctx, index)
    if cols[4].button("结束汇报", key="brief_end"):
        st.session_state["briefing_at"] = None
        vs.exit_present()
        st.switch_page("pages/briefing.py")
    if slide.note:
        with st.expander("讲稿（演示者）"):
            st.text(slide.note)
