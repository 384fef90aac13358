"""The 汇报 page's editor: the script's slides in words (title, page, area, filters), and for those who may
edit the script: move up/down, duplicate, delete (with 撤销删除), new title and note, and a new script from
empty or from the example.

Every change goes through ui.briefing.edit under the script's lock, naming the slide by its place and
fingerprint as drawn here: a slide that another window or person changed in the meantime is left alone and
the page says so. Titles and notes are plain text (a table, text inputs, escaped Markdown).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ui import briefing
from ui.labels import md_escape
from ui.state import Context

MESSAGE = "brief_edit_message"  # (kind, text) said above the editor after an action
UNDO = "brief_deleted"  # (area, place, the deleted entry as written, its title): 撤销删除 puts it back
EDITED = "brief_edit_for"  # the Ref the title and note fields were filled from
CHOSEN = "brief_chosen"  # (area, place) of the slide the editor acts on


def labelled_key(base: str, labels: list[str]) -> str:
    """A widget key that changes with its options' labels: a browser keeps showing a keyed selectbox's old
    labels after a rename (Streamlit keeps the widget's identity), so a renamed list is a new widget."""
    import hashlib

    return f"{base}_{hashlib.sha256(chr(31).join(labels).encode('utf-8')).hexdigest()[:10]}"


def slide_words(ctx: Context, page: str, params: dict[str, str]) -> tuple[str, str]:
    """A slide's area and its filters in words ('东湖镇', '2024年，肢体残疾，显示排名'): Chinese labels, never
    the parameters' keys; only what its page reads."""
    from queries.catalog import BREAKDOWNS, METRICS
    from ui.labels import CATEGORY_LABELS, LEVEL_LABELS
    from ui.render import slide

    own = briefing.own_params(page, params)
    town, village = own.get("town", ""), own.get("village", "")
    if not town and village:
        town = village[:9] + "000"
    area = ctx.townships.get(town, "未知乡镇（街道）") if town else ctx.county_name
    if village:
        area += " " + ctx.villages.get(town, {}).get(village, "未知村（社区）")
    if page == "about":
        return "—", "—"
    words = [f"{own['year']}年" if own.get("year") else "最新年度"]
    for name, labels, suffix in (("cat", CATEGORY_LABELS, "残疾"), ("level", LEVEL_LABELS, "")):
        value = own.get(name, "")
        if value and value != "0":
            words.append(labels.get(int(value), f"未知{'类别' if name == 'cat' else '等级'}") + suffix
                         if value.isdigit() else "未知" + ("类别" if name == "cat" else "等级"))
    if page == "explore":
        metric = METRICS.get(own.get("metric") or "rehab_rate")
        by, cols = own.get("by") or "township", own.get("cols") or ""
        words.append(metric.label if metric else "未知指标")
        words.append("按" + BREAKDOWNS.get(by, "未知维度") + (f"×{BREAKDOWNS.get(cols, '未知维度')}" if cols else ""))
    elif own.get("metric"):
        words.append("地图：" + METRICS[own["metric"]].label)
    if own.get("from") or own.get("to"):
        def month(value: str) -> str:
            return f"{value[:4]}年{int(value[5:7])}月" if len(value) == 7 and value[5:7].isdigit() else value

        words.append(f"{month(own.get('from', '')) or '最早'}至{month(own.get('to', '')) or '最新月份'}")
    offered = slide.parts(page)
    if offered:
        words.append("显示" + offered.get(own.get("part", ""), next(iter(offered.values()))))
    return area, "，".join(words)


def table(ctx: Context, script: briefing.Briefing, notes: bool) -> pd.DataFrame:
    """Every entry of the script as a row: number (playable ones), title, page, area, filters, state, note."""
    rows, number = [], 0
    for s, entry, why in script.entries():
        if s is None:  # kept in the file as written: says why it cannot be played
            title = entry.get("title", "") if isinstance(entry, dict) else entry
            rows.append({"页": "—", "标题": briefing.plain(title, briefing.MAX_TITLE), "页面": "—", "区域": "—",
                         "筛选": "—", "状态": f"不能放映：{why}", **({"讲稿": ""} if notes else {})})
            continue
        number += 1
        area, words = slide_words(ctx, s.page, s.params)
        refused = briefing.refusal(s.page, s.params)
        rows.append({"页": str(number), "标题": s.title, "页面": briefing.PAGES[s.page], "区域": area, "筛选": words,
                     "状态": f"页面会拒绝：{refused}" if refused else "可放映", **({"讲稿": s.note} if notes else {})})
    return pd.DataFrame(rows)


def _label(script: briefing.Briefing) -> list[str]:
    """The entries as the editor's choice names them: '第3页　标题（页面）' or '不能放映　标题'."""
    out, number = [], 0
    for s, entry, _ in script.entries():
        if s is None:
            title = entry.get("title", "") if isinstance(entry, dict) else entry
            out.append(f"不能放映　{briefing.plain(title, briefing.MAX_TITLE)}")
        else:
            number += 1
            out.append(f"第{number}页　{s.title}（{briefing.PAGES[s.page]}）")
    return out


def _say(kind: str, text: str) -> None:
    """Keep a message for the editor's next run."""
    st.session_state[MESSAGE] = (kind, text)


def may_write(area: str) -> bool:
    """Whether this session may still change the area's script: a callback runs before the page (so before
    its sign-in check), and the sign-in may have ended or the role changed since the page was drawn."""
    from ui import auth

    user = st.session_state.get(auth.SESSION_KEY)
    if auth.ended_reason(st.session_state) or not isinstance(user, auth.User) or not briefing.may_edit(user, area):
        _say("error", "登录已结束或账号无权编辑这份汇报脚本，没有修改。")
        return False
    return True


def _choose(area: str, key: str) -> None:
    """Callback of the editor's choice: remember the slide chosen."""
    st.session_state[CHOSEN] = (area, st.session_state[key])


def _act(action: str, area: str, ref: briefing.Ref) -> None:
    """Callback of 上移/下移/复制/删除: the change under the lock; the choice follows the slide."""
    if not may_write(area):
        return
    path = briefing.script_path(area)
    try:
        deleted = briefing.removed(ref, path) if action == "delete" else None
        at = briefing.edit(action, ref, path)
    except briefing.BriefingError as exc:
        _say("error", str(exc))
        return
    if action == "delete":
        title = deleted.get("title", "") if isinstance(deleted, dict) else deleted
        st.session_state[UNDO] = (area, ref.index, deleted, briefing.plain(title, briefing.MAX_TITLE))
        script, _ = briefing.load(path)
        at = min(at, max(0, len(script.entries()) - 1))
    else:
        st.session_state.pop(UNDO, None)
        _say("success", {"up": "已上移。", "down": "已下移。", "duplicate": "已复制，副本在原页之后。"}[action])
    st.session_state[CHOSEN] = (area, at)


def _undo() -> None:
    """Callback of 撤销删除: the deleted slide back in its place."""
    said = st.session_state.pop(UNDO, None)
    if not said:
        return
    area, place, entry, title = said
    if not may_write(area):
        return
    try:
        at = briefing.edit("insert", briefing.Ref(place, ""), briefing.script_path(area), entry=entry)
    except briefing.BriefingError as exc:
        _say("error", str(exc))
        return
    st.session_state[CHOSEN] = (area, at)
    _say("success", f"已恢复“{title}”。")


def _save_text(area: str, ref: briefing.Ref, slide: briefing.Slide | None = None) -> None:
    """Callback of 保存: the slide's new title and note."""
    if not may_write(area):
        return
    path = briefing.script_path(area)
    try:
        briefing.edit("text", ref, path, title=st.session_state.get("brief_edit_title", ""),
                      note=st.session_state.get("brief_edit_note", ""))
    except briefing.BriefingError as exc:
        # What was typed stays in the fields (nothing typed is lost): when the slide is still in its place (the
        # same page and view, changed elsewhere), the fields are not refilled from the file; 保存 again writes it.
        script, _ = briefing.load(path)
        entries, refs = script.entries(), briefing.refs(script)
        now = entries[ref.index][0] if ref.index < len(entries) else None
        if slide is not None and now is not None and (now.page, now.params) == (slide.page, slide.params):
            st.session_state[EDITED] = (area, refs[ref.index])
            exc = briefing.BriefingError(f"{exc}您输入的标题和讲稿仍在“编辑”框中，核对后可再点“保存”。")
        _say("error", str(exc))
        return
    st.session_state.pop(EDITED, None)  # filled afresh from the file
    _say("success", "已保存标题和讲稿。")


def _new(area: str, audience: str) -> None:
    """Callback of 新建: a new script (empty or the example), the old one kept beside it."""
    from_example = st.session_state.get("brief_new_from") == "example"
    if not may_write(area):
        return
    try:
        backup = briefing.new_script(st.session_state.get("brief_new_title", ""), from_example,
                                     briefing.script_path(area), audience)
    except briefing.BriefingError as exc:
        _say("error", str(exc))
        return
    st.session_state.pop(UNDO, None)
    kept = f"原脚本已另存为 {backup.name}（在同一文件夹中）。" if backup else ""
    _say("success", ("已从示例新建汇报脚本（5页）。" if from_example else
                     "已新建空白汇报脚本：在任一页面的侧栏点“加入汇报”，把当前视图加进来。") + kept)


def new_script(area: str, area_name: str, script: briefing.Briefing) -> None:
    """新建汇报脚本: empty or from the example, in place of this one (which is kept as a backup)."""
    with st.popover("新建汇报脚本"):
        st.caption("新的脚本替换当前这份；当前这份另存为备份文件（同一文件夹，文件名以 .bak 结尾），不会丢失。")
        st.text_input("脚本标题", value=f"{area_name}残疾人工作情况汇报", key="brief_new_title",
                      max_chars=briefing.MAX_TITLE)
        st.radio("内容", ["empty", "example"], key="brief_new_from", horizontal=True,
                 format_func=lambda k: "空白（从零开始）" if k == "empty" else "从示例开始（5页示例）")
        st.button("新建", key="brief_new", type="primary", on_click=_new, args=(area, script.audience))


def messages() -> None:
    """What the last action did (and 撤销删除 after a delete)."""
    if said := st.session_state.pop(MESSAGE, None):
        (st.error if said[0] == "error" else st.success)(md_escape(said[1]))


def editor(area: str, script: briefing.Briefing) -> None:
    """Choose a slide, then move, duplicate, delete it or give it a new title and note."""
    entries = script.entries()
    refs = briefing.refs(script)
    labels = _label(script)
    area_chosen, place = st.session_state.get(CHOSEN, (area, 0))
    place = min(place, len(entries) - 1) if area_chosen == area else 0
    choice = labelled_key(f"brief_sel_{area or 'county'}", labels)
    if st.session_state.get(choice) != place:  # the slide last acted on stays chosen
        st.session_state[choice] = place
    with st.container(border=True, key="brief_editor"):
        cols = st.columns([4, 1, 1, 1, 1, 1.3], vertical_alignment="bottom")
        chosen = cols[0].selectbox("编辑幻灯片：选择一页", range(len(entries)), format_func=labels.__getitem__,
                                   key=choice, on_change=_choose, args=(area, choice))
        ref, slide = refs[chosen], entries[chosen][0]
        cols[1].button("↑ 上移", key="brief_up", disabled=chosen == 0, on_click=_act, args=("up", area, ref),
                       width="stretch")
        cols[2].button("↓ 下移", key="brief_down", disabled=chosen == len(entries) - 1, on_click=_act,
                       args=("down", area, ref), width="stretch")
        cols[3].button("复制", key="brief_dup", disabled=slide is None, on_click=_act,
                       args=("duplicate", area, ref), width="stretch")
        cols[4].button("删除", key="brief_delete", on_click=_act, args=("delete", area, ref), width="stretch")
        with cols[5].popover("编辑", help="改这一页的标题和讲稿", disabled=slide is None, width="stretch"):
            if slide is not None:
                if st.session_state.get(EDITED) != (area, ref):  # another slide, or changed: its text as it is
                    st.session_state["brief_edit_title"] = slide.title
                    st.session_state["brief_edit_note"] = slide.note
                    st.session_state[EDITED] = (area, ref)
                st.text_input("标题", key="brief_edit_title", max_chars=briefing.MAX_TITLE)
                st.text_area("讲稿（只在演示者视图中显示）", key="brief_edit_note", max_chars=briefing.MAX_NOTE,
                             height=160)
                st.button("保存", key="brief_save", type="primary", on_click=_save_text, args=(area, ref, slide))
        if (said := st.session_state.get(UNDO)) and said[0] == area:
            undo = st.columns([5, 1], vertical_alignment="center")
            undo[0].caption(md_escape(f"已删除“{said[3]}”。"))
            undo[1].button("撤销删除", key="brief_undo", on_click=_undo, width="stretch")
