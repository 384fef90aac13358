"""The briefing on screen: 加入汇报 in the sidebar, the 汇报 page, and the bar over a playing slide.

Which script a user adds to, plays and sees notes of follows ui.briefing's role rules. Titles and notes are
drawn as plain text (never Markdown or HTML); the bar names the area the slide actually shows.
"""

from __future__ import annotations

import time
from dataclasses import replace

import streamlit as st

from queries import audience as aud
from ui import auth, briefing, briefing_editor, first_paint
from ui import view_state as vs
from ui.auth import LIVE_KEY, User
from ui.labels import md_escape
from ui.state import Context, View, default_view, parse
from ui.viewer import signed_in
from ui.wording import area_name, year_label

AREA_KEY = "briefing_area"  # the script being played: "" county, else a township code
AT_KEY = "briefing_at"  # the slide being played (None: not playing)
TITLE_KEY = "briefing_title"  # the playing slide's title: the question a slide puts largest
# LIVE_KEY (ui.auth): the id that ties the projected page and the presenter view; a sign-out ends that playing.
PRESENTER_KEY = "presenter_of"  # this session is the presenter view of that playing
LIVE_PARAM = "live"  # the projected page's URL names its playing, so that a reload (F5) resumes the slide
POLL_SECONDS = 1.0

# A presentation clicker sends →/PageDown/Space (forward) and ←/PageUp (back): they press the page's own
# 下一页/上一页 buttons, on the projected page (where they are hidden) and in the presenter view alike; Esc
# presses 结束汇报 on the projected page. Nothing is fetched.
CLICKER_JS = """<script>
(function () {
  const w = window.parent && window.parent.document ? window.parent : window;
  if (w.__canlianClicker) return;
  w.__canlianClicker = true;
  const forward = ["ArrowRight", "PageDown", " ", "Spacebar"], back = ["ArrowLeft", "PageUp"], end = ["Escape"];
  w.document.addEventListener("keydown", function (e) {
    const t = e.target;
    if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.isContentEditable)) return;
    const label = forward.includes(e.key) ? "下一页" : (back.includes(e.key) ? "上一页" :
      (end.includes(e.key) ? "结束汇报" : null));
    if (!label) return;
    const button = Array.from(w.document.querySelectorAll("button"))
      .find(b => b.innerText.includes(label) && !b.disabled);
    e.preventDefault();
    if (button) { button.click(); button.blur(); }
  }, true);
})();
</script>"""

# The presenter's clock: the time of day and the time since the briefing started, ticking in the browser.
CLOCK_JS = """<div id="presenter-clock" style="font-size:40px;font-weight:700">--:--</div>
<div id="presenter-elapsed" style="font-size:24px;color:#555"></div>
<script>
(function () {
  function pad(n) { return String(n).padStart(2, "0"); }
  function tick() {
    const now = new Date(), clock = document.getElementById("presenter-clock");
    if (!clock) return;
    clock.textContent = pad(now.getHours()) + ":" + pad(now.getMinutes()) + ":" + pad(now.getSeconds());
    const mark = document.getElementById("presenter-started");
    const started = mark ? parseFloat(mark.dataset.started) * 1000 : 0;
    const s = Math.max(0, Math.floor((now.getTime() - started) / 1000));
    document.getElementById("presenter-elapsed").textContent = started > 0 ?
      "已用时 " + pad(Math.floor(s / 60)) + ":" + pad(s % 60) : "尚未开始";
  }
  tick();
  if (window.__presenterClock) clearInterval(window.__presenterClock);
  window.__presenterClock = setInterval(tick, 1000);
})();
</script>"""


def area_label(ctx: Context, area: str) -> str:
    """The county's name or a township's."""
    return ctx.county_name if area == briefing.COUNTY else ctx.townships.get(area, area)


def proposed_title(page_title: str, page: str, ctx: Context, view: View) -> str:
    """The title 加入汇报 proposes: what the view actually shows (the drilled township's or village's name,
    指标分析's metric and breakdown, the category and level chosen), never an earlier slide's title."""
    from queries.catalog import BREAKDOWNS, METRICS
    from ui.labels import CATEGORY_LABELS, LEVEL_LABELS

    area = area_name(ctx, view)
    if page == "about":
        return page_title
    if page == "explore":
        metric = METRICS.get(view.metric)
        what = metric.label if metric else page_title
        by = BREAKDOWNS.get(view.by, "") + (f"×{BREAKDOWNS[view.cols]}" if view.cols in BREAKDOWNS else "")
        title = f"{area}{what}" + (f"（按{by}）" if by else "")
    else:
        chosen = [CATEGORY_LABELS[view.category] + "残疾"] if view.category in CATEGORY_LABELS else []
        chosen += [LEVEL_LABELS[view.level]] if view.level in LEVEL_LABELS else []
        title = f"{area}{page_title}" + (f"（{'、'.join(chosen)}）" if chosen else "")
    return title[:briefing.MAX_TITLE]


ADD_MESSAGE = "brief_add_message"  # (kind, text) said in the 加入汇报 box after an add
INSTEAD = "brief_instead"  # the choice over the untouched example: start a new script (True) or append after it


def _add(user: User, page: str, ctx: Context, first_part: str) -> None:
    """Callback of 加入汇报: the view as chosen (only its page's parameters) to the user's script; the title
    and note are cleared for the next slide."""
    area = briefing.own_area(user)
    if not briefing_editor.may_write(area):  # the sign-in ended (or the role changed) since the page was drawn
        st.session_state[ADD_MESSAGE] = ("error", st.session_state.pop(briefing_editor.MESSAGE)[1])
        return
    params = vs.view().to_params(default_view(ctx))  # as chosen, not as resolved for this page
    params.pop("mode", None)
    params.pop("part", None)
    part = st.session_state.get("brief_part") or ""
    if part and part != first_part:
        params["part"] = part
    if area != briefing.COUNTY:
        params["town"] = area  # a township's script shows that township, whatever the URL said
    params = briefing.own_params(page, params)
    slide = briefing.Slide(st.session_state.get("brief_title", ""), page, params, st.session_state.get("brief_note", ""))
    try:
        count = briefing.add_slide(slide, briefing.script_path(area),
                                   instead_of_example=bool(st.session_state.get(INSTEAD, True)))
    except briefing.BriefingError as exc:  # e.g. a hand-edited file that cannot be read: not written over
        st.session_state[ADD_MESSAGE] = ("error", str(exc))
    else:
        st.session_state[ADD_MESSAGE] = ("success", f"已加入“{briefing.plain(slide.title, briefing.MAX_TITLE)}”"
                                                    f"，汇报共 {count} 页。")
        st.session_state["brief_note"] = ""
        st.session_state.pop("brief_title_for", None)  # the next proposal is made afresh


def add_to_briefing(user: User, title: str, page: str, ctx: Context, view: View) -> None:
    """Sidebar: add the current view to the script the user may edit (their township's, or the county's).
    The proposed title follows the view shown; a view the page refuses is not offered, with the reason."""
    area = briefing.own_area(user)
    if not briefing.may_edit(user, area):
        return
    with st.sidebar.popover("加入汇报"):
        st.caption(f"加入：{area_label(ctx, area)}的汇报脚本")
        params = vs.view().to_params(default_view(ctx))
        why = briefing.refusal(page, params)
        if why:  # the page itself cannot draw this view: no slide of it either
            st.warning(md_escape(f"这个视图不能加入汇报：{why}"))
        shown = (page, tuple(sorted(briefing.own_params(page, params).items())))
        if st.session_state.get("brief_title_for") != shown:  # a new view: a new proposal (not the last title)
            st.session_state["brief_title"] = proposed_title(title, page, ctx, view)
            # Not settled on a session's light first run (ui.first_paint): its popover is never opened, so the
            # browser keeps no value of it; the full run that follows proposes again and the browser keeps that.
            st.session_state["brief_title_for"] = None if first_paint.light() else shown
        st.text_input("本页标题", key="brief_title", max_chars=briefing.MAX_TITLE)
        from ui.render import slide as slides

        offered = slides.parts(page)
        if len(offered) > 1:  # what does not fit one screen is another slide of the same page
            st.selectbox("幻灯片显示", list(offered), format_func=offered.get, key="brief_part",
                                index=list(offered).index(slides.part(view)) if view.part in offered else 0)
        st.text_area("讲稿（只在演示者视图中显示，可不填）", key="brief_note", max_chars=briefing.MAX_NOTE)
        script, _ = briefing.load(briefing.script_path(area))
        if briefing.is_example(script):  # never silently slides 6–11 of the example's five
            st.radio("当前脚本是示例（5页）", [True, False], key=INSTEAD,
                     format_func=lambda new: "新建汇报，从这一页开始（示例另存为备份）" if new else "接在示例的5页之后")
        st.button("加入汇报脚本", key="brief_add", disabled=bool(why), on_click=_add,
                  args=(user, page, ctx, next(iter(offered), "")))
        if said := st.session_state.pop(ADD_MESSAGE, None):
            (st.error if said[0] == "error" else st.success)(md_escape(said[1]))


def go_to_slide(ctx: Context, index: int, area: str | None = None) -> None:
    """Show slide `index` of the script being played (or of `area`'s): its page and filters, projector mode."""
    area = st.session_state.get(AREA_KEY, briefing.COUNTY) if area is None else area
    user = signed_in()
    if not briefing.may_play(user, area):
        st.warning("您的账号不能放映这份汇报脚本。")
        return
    script, _ = briefing.load(briefing.script_path(area))
    if not script.slides:
        st.warning("汇报脚本中没有幻灯片。")
        return
    index = max(0, min(index, len(script.slides) - 1))
    slide = script.slides[index]
    shown = parse(slide.params, ctx)
    # the script's audience; a slide whose own link says 公开场合 stays public (the stricter one wins)
    st.session_state["view_state"] = replace(shown, present=True, public=shown.public or script.audience == aud.PUBLIC,
                                             warnings=())
    vs.new_generation()
    st.session_state[AT_KEY] = index
    st.session_state[AREA_KEY] = area
    st.session_state[TITLE_KEY] = slide.title
    live_id = st.session_state.setdefault(LIVE_KEY, briefing.new_live_id())
    live = briefing.live_read(live_id)
    if live is None or live.at != index or live.area != area:
        briefing.live_write(live_id, area, index)
    st.session_state["scroll_top"] = True
    st.switch_page(f"pages/{slide.page}.py")


def resume(ctx: Context) -> None:
    """A projected page reloaded (a new browser session, signed in by its cookie) whose URL names a playing:
    the slide that playing stands on, in step with the presenter view again. A playing that has ended, or
    that this user may not play, leaves the page as its link says."""
    live_id = st.query_params.get(LIVE_PARAM, "")
    if not live_id or st.session_state.get(AT_KEY) is not None:
        return
    live = briefing.live_read(live_id) if briefing.LIVE_ID.match(live_id) else None
    if live is None or not briefing.may_play(signed_in(), live.area):
        del st.query_params[LIVE_PARAM]
        return
    st.session_state[LIVE_KEY] = live_id
    go_to_slide(ctx, live.at, live.area)


def shown_area(ctx: Context, view: View) -> str:
    """The area the slide actually shows, with its year: what the audience sees, whatever the title says."""
    return f"{area_name(ctx, view)}　{year_label(ctx, view.year)}"


def briefing_bar(ctx: Context, view: View) -> None:
    """In a briefing, the projected window shows the slide alone: previous / next, back to the slide's own
    view and end are there for the keys (the clicker's →/← and Esc press them) and for the presenter
    window, but hidden; the slide's number and title are the presenter's (the question is the slide's title)."""
    from ui.render import slide as slides

    area = st.session_state.get(AREA_KEY, briefing.COUNTY)
    user = signed_in()
    script, _ = briefing.load(briefing.script_path(area))
    if not script.slides or not briefing.may_play(user, area):
        return
    index = min(st.session_state[AT_KEY], len(script.slides) - 1)
    with slides.hidden():
        cols = st.columns([1, 1, 1, 1])
        if cols[0].button("◀ 上一页", key="brief_prev", disabled=index == 0):
            go_to_slide(ctx, index - 1)
        if cols[1].button("下一页 ▶", key="brief_next", disabled=index >= len(script.slides) - 1):
            go_to_slide(ctx, index + 1)
        if cols[2].button("回到本页", key="brief_reset"):
            go_to_slide(ctx, index)
        if cols[3].button("结束汇报", key="brief_end"):
            st.session_state[AT_KEY] = None
            st.session_state[TITLE_KEY] = None
            briefing.live_end(st.session_state.get(LIVE_KEY, ""))
            st.session_state.pop(LIVE_KEY, None)
            vs.exit_present()
            st.switch_page("pages/briefing.py")
        # The note is never on the projected page: it is in the presenter view (another window, kept in step).
        clicker()
        live_id = st.session_state.get(LIVE_KEY)
        if live_id:
            st.query_params[LIVE_PARAM] = live_id  # a reload of this window comes back to this playing
            _follow(ctx, live_id)


def meeting_text(audience: str) -> str:
    """'内部会议（数字未隐去，内部资料 注意保密）' or '公开场合（人数少于5的数字已隐去）'."""
    if audience == aud.INTERNAL:
        return f"{aud.MEETINGS[aud.INTERNAL]}（数字未隐去，{aud.SLIDE_MARK}）"
    return f"{aud.MEETINGS[aud.PUBLIC]}（人数少于5的数字已隐去）"


def script_audience(user: User, audience: str) -> str:
    """What a script's slides are for this user: its own audience, but always public for the press role
    (queries.audience.decide, as on the slide itself)."""
    return aud.decide(user.role, aud.SLIDE, meeting=audience)


def clicker() -> None:
    """The clicker's keys press 下一页/上一页 on this page."""
    st.html(CLICKER_JS, unsafe_allow_javascript=True)


@st.fragment(run_every=POLL_SECONDS)
def _follow(ctx: Context, live_id: str) -> None:
    """The projected page follows the presenter view: when the playing moved on, show that slide (not once the
    session's sign-in has ended: then the page reruns to the sign-in form)."""
    auth.fragment_user()
    live = briefing.live_read(live_id)
    if live is not None and live.at != st.session_state.get(AT_KEY):
        go_to_slide(ctx, live.at, live.area)


def presenter_link(live_id: str) -> str:
    """The presenter view of a playing (relative: it works behind a proxy's path prefix too)."""
    return f"briefing?presenter={live_id}"


def presenter(ctx: Context, live_id: str) -> None:
    """The presenter view: slide n of N, its note, the next slide, a clock; 上一页/下一页 move both screens."""
    user = signed_in()
    st.markdown("<style>[data-testid='stSidebar'], [data-testid='stSidebarCollapsedControl'] {display:none}"
                "[data-testid='stMain'] p, [data-testid='stMain'] [data-testid='stText'] {font-size: 24px}</style>",
                unsafe_allow_html=True)
    top = st.columns([3, 1])
    with top[1]:
        st.html(CLOCK_JS, unsafe_allow_javascript=True)
    clicker()
    with top[0]:
        _presenter_body(ctx, user, live_id)
    if st.button("关闭演示者视图", key="presenter_close"):
        st.session_state.pop(PRESENTER_KEY, None)
        st.rerun()


@st.fragment(run_every=POLL_SECONDS)
def _presenter_body(ctx: Context, user: User, live_id: str) -> None:
    """What the presenter reads; redrawn every second, so it follows the projected page. Each run first asks
    whether the session's sign-in still holds (reset, disable, 退出全部设备, idle): once it has ended, the whole
    page reruns to the sign-in form, so no note is shown and 上一页/下一页 turn nothing."""
    user = auth.fragment_user()
    live = briefing.live_read(live_id)
    if live is None:
        st.info("等待开始：在投影的电脑上打开“汇报”页并点“开始汇报”。本窗口会自动跟上。")
        return
    if not briefing.may_play(user, live.area):
        st.warning("您的账号不能放映这份汇报脚本。")
        return
    script, _ = briefing.load(briefing.script_path(live.area))
    if not script.slides:
        st.warning("汇报脚本中没有幻灯片。")
        return
    index = max(0, min(live.at, len(script.slides) - 1))
    slide = script.slides[index]
    st.markdown(f"<span id='presenter-started' data-started='{live.started:.0f}'></span>", unsafe_allow_html=True)
    st.subheader(f"第 {index + 1}/{len(script.slides)} 页　{md_escape(slide.title)}", anchor=False)
    who = script_audience(user, script.audience)
    (st.error if who == aud.INTERNAL else st.info)(f"场合：{meeting_text(who)}")
    cols = st.columns(2)
    if cols[0].button("◀ 上一页", key="presenter_prev", disabled=index == 0):
        auth.touch()
        briefing.live_write(live_id, live.area, index - 1)
        st.rerun(scope="fragment")
    if cols[1].button("下一页 ▶", key="presenter_next", disabled=index >= len(script.slides) - 1):
        auth.touch()
        briefing.live_write(live_id, live.area, index + 1)
        st.rerun(scope="fragment")
    if briefing.shows_notes(user, live.area):
        st.markdown("**讲稿**")
        st.text(slide.note or "（本页没有讲稿）")
    else:
        st.caption("讲稿只对可编辑这份脚本的账号显示。")
    following = script.slides[index + 1] if index + 1 < len(script.slides) else None
    st.markdown("**下一页**")
    st.text(f"{following.title}（{briefing.PAGES[following.page]}）" if following else "（已是最后一页）")
    st.caption(f"更新于 {time.strftime('%H:%M:%S')}")


def _set_meeting(area: str, key: str) -> None:
    """Callback: an editor chose the script's audience (内部会议 / 公开场合); written to the script."""
    try:
        briefing.set_audience(str(st.session_state.get(key)), briefing.script_path(area))
    except briefing.BriefingError as exc:
        st.session_state["brief_meeting_error"] = str(exc)


def playable_areas(user: User, ctx: Context) -> list[str]:
    """The scripts a user may play: a township user their own; the press the county's; others every one."""
    if user.role == "township":
        return [user.area]
    if user.role == "press":
        return [briefing.COUNTY]
    return [briefing.COUNTY, *ctx.townships]


def page(ctx: Context) -> None:
    """The 汇报 page: choose a script, see its slides (notes for editors), start playing; or, opened with
    ?presenter=ID, the presenter view of that playing."""
    user = signed_in()
    if st.session_state.get(PRESENTER_KEY):
        presenter(ctx, st.session_state[PRESENTER_KEY])
        st.stop()
    areas = playable_areas(user, ctx)
    area = areas[0]
    if len(areas) > 1:
        area = st.selectbox("汇报脚本", areas, format_func=lambda a: f"{area_label(ctx, a)}的汇报", key="brief_area")
    script, problems = briefing.load(briefing.script_path(area))
    if script.error:  # never a one-slide script in its place: the file stays as it is until it is fixed
        st.error(md_escape(script.error) + "在修正之前，“加入汇报”不会写入这个文件。")
        st.stop()
    for problem in problems:
        st.warning(md_escape(problem))
    st.subheader(md_escape(script.title), anchor=False)
    who = script_audience(user, script.audience)
    if briefing.may_edit(user, area):
        key = f"brief_meeting_{area or 'county'}"
        st.session_state[key] = script.audience  # as the file says (another editor may have changed it)
        st.radio("场合", list(aud.MEETINGS), format_func=aud.MEETINGS.get, horizontal=True, key=key,
                 on_change=_set_meeting, args=(area, key),
                 help="内部会议：数字不隐去，每页角上标“内部资料 注意保密”；公开场合：人数少于5的数字隐去。")
    if error := st.session_state.pop("brief_meeting_error", None):
        st.error(error)
    st.caption(f"场合：{meeting_text(who)}")
    editable = briefing.may_edit(user, area)
    briefing_editor.messages()  # what the last action did (or why it was refused)
    if editable:
        if briefing.is_example(script):
            st.info("这是示例脚本（5页）。要做自己的汇报，点下方“新建汇报脚本”从空白开始；"
                    "或直接用侧栏的“加入汇报”，它会问是新建还是接在示例之后。")
    if not script.entries():
        st.info("汇报脚本中还没有幻灯片：在任一页面的侧栏点“加入汇报”，把当前视图加进来。"
                if editable else "这份汇报脚本中还没有幻灯片。")
        if editable:
            briefing_editor.new_script(area, area_label(ctx, area), script)
        st.stop()
    notes = briefing.shows_notes(user, area)
    # every entry of the file, in words; those that cannot play say why (a table: plain text, never Markdown)
    st.dataframe(briefing_editor.table(ctx, script, notes), hide_index=True, width="stretch")
    if editable:
        briefing_editor.editor(area, script)
    if script.slides:
        starts = [f"第{i + 1}页　{s.title}" for i, s in enumerate(script.slides)]
        start = st.selectbox("从第几页开始", range(len(script.slides)), format_func=starts.__getitem__,
                             key=briefing_editor.labelled_key("brief_start", starts))
        live_id = st.session_state.setdefault(LIVE_KEY, briefing.new_live_id())
        cols = st.columns([2, 2, 3])
        if cols[0].button("开始汇报（投影模式）", type="primary", key="brief_go"):
            go_to_slide(ctx, start, area)
        cols[1].link_button("打开演示者视图（新窗口）", presenter_link(live_id))
        cols[2].caption("投影屏显示幻灯片；演示者视图在另一个窗口显示讲稿、下一页和时钟，两边同步翻页。"
                        "翻页笔（→、PageDown、空格 / ←、PageUp）两边都可用。")
    if editable:
        briefing_editor.new_script(area, area_label(ctx, area), script)
