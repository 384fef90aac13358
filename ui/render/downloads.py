"""Exports of a view: the title lines of every image and table (`caption_for`), press PNGs made on the
server (`export_menu`), XLSX in the versions a role may have (`export_table`), the Word draft
(`draft_download`); each audited, each made only when asked for."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

import streamlit as st

from queries import audience as aud
from queries import disclosure
from queries.common import Filters
from queries.publish import Publication
from ui import data, press
from ui.audit import audit
from ui.exports import audited_export
from ui.labels import CATEGORY_LABELS, LEVEL_LABELS
from ui.render.output import Output
from ui.state import Context, View, default_view
from ui.viewer import image_audience, outside, signed_in
from ui.wording import area_name, year_label

EXPORT_NOTE = "导出图片为对外口径：总是隐去人数少于5的数字及可据以推算的数字。"
# A view outside the public set (issue 25): the staff's image is internal; `what` puts the view outside.
INTERNAL_IMAGE_NOTE = ("{what}不在对外公开的数据范围内，不能制作对外图片。导出的是**内部版**图片：数字未隐去，"
                       "图上标“内部资料 注意保密”并加水印，文件名以“内部资料_”开头，下载记入审计日志，仅供内部使用。"
                       "对外图片请回到全县分乡镇（街道）、全部类别和等级的视图导出。")

VERSION_NOTES = {aud.INTERNAL: "内部版：数字未隐去，仅供内部使用，文件名和页眉页脚标“内部资料”，下载记入审计日志。",
                 aud.PUBLIC: "对外版：隐去人数少于5的数字及可据以推算的数字，附图例。"}

def caption_for(title: str, ctx: Context, view: View, watermark: bool, pub: Publication | None = None,
                internal: bool = False, period: str = "", datasets: tuple[str, ...] | None = None) -> press.Caption:
    """Title, period (the year, or the `period` shown; area, filters), 截至 line of the data shown (the page's
    own datasets, or `datasets`) and, when something is withheld, the legend; an internal one (an 内部版 table)
    is marked 内部资料 and carries only the exact numbers' legend."""
    parts = [period or year_label(ctx, view.year), area_name(ctx, view)]
    if view.category:
        parts.append(CATEGORY_LABELS[view.category] + "残疾")
    if view.level:
        parts.append(LEVEL_LABELS[view.level])
    until = data.data_until(ctx, datasets)
    if internal:
        return press.Caption(title=title, period="　".join(parts), until=until, watermark=True,
                             legend="", internal=True)  # the table's own "—" says whether it needs one
    return press.Caption(title=title, period="　".join(parts), until=until, watermark=watermark,
                         legend=aud.PUBLIC_LEGEND if pub is None or disclosure.legend_needed(pub) else "")

def export_menu(key_: str, title: str, ctx: Context, view: View, render, period: str = "",
                is_map: bool = False) -> None:
    """A popover to make a press PNG on the server (1920×1080 or 1080×1080) and download it. Its controls
    are drawn only while it is open: closed, it costs one button per chart on every rerun, not five.
    The file made belongs to the size it was made at: choosing another size drops it (the download button
    never serves a 1920×1080 file under 1080×1080), and its name carries the size. A map needs the county's
    审图号 (config/press.yaml): until it is set, the menu says so, and the press role may not export maps.
    A view outside the public set (issue 25) cannot be published: the staff's image of it is the internal one
    (exact as their screen; "内部资料 注意保密" under its title, the 内部资料 watermark, the file name starting
    with 内部资料_, audited as 内部版), and the menu says why and which view is public."""
    menu = st.popover("导出图片", key=f"{key_}_menu", on_change="rerun")
    if not menu.open:
        return
    with menu:
        if is_map and not press.map_approval():
            if signed_in().role == "press":
                st.error(press.APPROVAL_REFUSED)
                return
            st.warning(press.APPROVAL_MISSING)
        who = image_audience()
        internal = who == aud.INTERNAL
        size = st.radio("尺寸", list(press.SIZES), key=f"{key_}_size", horizontal=True)
        if internal:
            watermark = True
            st.warning(INTERNAL_IMAGE_NOTE.format(what=outside()))
        else:
            watermark = st.checkbox("加“内部资料”水印", key=f"{key_}_wm")
        file = aud.marked_name(press.file_name(title, press.SIZES[size]), who)
        made = st.session_state.get(f"{key_}_png")
        if made and made[0] != file:  # made at another size (or for another view): not this one's file
            st.session_state.pop(f"{key_}_png", None)
            made = None
        if st.button("生成 PNG", key=f"{key_}_make"):
            with st.spinner("正在生成…"):
                caption = caption_for(title, ctx, view, watermark, period=period, internal=internal)
                if internal:  # said on the image itself, under the title, not only in its file name
                    caption = replace(caption, period=f"{aud.SLIDE_MARK}　{caption.period}")
                made = (file, render(caption, press.SIZES[size]))
                st.session_state[f"{key_}_png"] = made
            audit("export", signed_in().name, view=title, filters=view.to_params(default_view(ctx)),
                  file=file, size=size, version=aud.VERSIONS[who])
        if made:
            st.download_button(f"下载 PNG（{size}）", made[1], file_name=file, mime="image/png",
                               key=f"{key_}_download_{file}", on_click="ignore")
        if not internal:
            st.caption(EXPORT_NOTE)

def export_table(key_: str, title: str, make: Callable[[press.Caption, Publication], bytes], ctx: Context,
                 out: Output, period: str = "", datasets: tuple[str, ...] | None = None) -> None:
    """XLSX downloads of a table under the same title lines as the images, one per version the role may
    have (queries.audience.export_versions: 领导 and 分析 内部版 and 对外版, 宣传 对外版 only): 内部版 exact,
    marked 内部资料 in its header, footer and file name; 对外版 suppressed, with the legend. Each download is
    audited with its version; `make` runs when a button is pressed, not on every rerun. `period`: what the
    table covers, when not the view's year (指标分析's month range)."""
    user = signed_in()
    versions = aud.export_versions(user.role, aud.TABLE)
    if not versions:
        return
    view = out.view
    cols = st.columns(len(versions))
    for col, version in zip(cols, versions, strict=True):
        who = aud.decide(user.role, aud.TABLE, version=version)
        name = aud.marked_name(export_name(title, ctx, view, period), who)

        def made(who: str = who) -> bytes:
            pub = out.of(who)
            caption = caption_for(title, ctx, view, watermark=False, pub=pub, internal=who == aud.INTERNAL,
                                  period=period, datasets=datasets)
            return make(caption, pub)

        col.download_button(f"下载 Excel（{aud.VERSIONS[who]}）", audited_export(
                                made, user.name, title, view.to_params(default_view(ctx)), name,
                                version=aud.VERSIONS[who]),
                            file_name=name, mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                            key=f"{key_}_xlsx_{who}", on_click="ignore", help=VERSION_NOTES[who])
    st.caption("　".join(VERSION_NOTES[aud.decide(user.role, aud.TABLE, version=v)] for v in versions))

DRAFT_HALVES = {0: "全年", 1: "上半年（1-6月）", 2: "下半年（7-12月）"}

def draft_download(ctx: Context, view: View) -> None:
    """年度报告初稿 (Word) of the view's year and area for leaders and analysts, in the versions they may
    have (内部版 exact and marked, 对外版 suppressed), audited like every export, built only when a button is
    pressed (queries.draft for the content, ui.render.document for Word)."""
    user = signed_in()
    versions = aud.export_versions(user.role, aud.DRAFT)
    if not versions or view.present or view.village:
        return
    from queries import draft
    from ui.render.document import docx_bytes

    area = area_name(ctx, view)
    with st.popover("年度报告初稿（Word）", key="draft_menu"):
        half = st.radio("期间", list(DRAFT_HALVES), format_func=DRAFT_HALVES.get, key="draft_half", horizontal=True)
        period = draft.Period(view.year, half).label()
        cols = st.columns(len(versions))
        for col, version in zip(cols, versions, strict=True):
            who = aud.decide(user.role, aud.DRAFT, version=version)
            name = aud.marked_name(f"{area}{period}残疾人工作数据初稿.docx", who)

            def make(who: str = who) -> bytes:
                """The draft of the whole population of the area (the sidebar's category and level do not apply)."""
                filters = Filters(scope=view.scope, township=view.township)
                return docx_bytes(draft.build(data.warehouse(), ctx.covered(), filters, view.year, half, audience=who))

            col.download_button(f"下载初稿（{aud.VERSIONS[who]}）",
                                audited_export(make, user.name, f"年度报告初稿 {period}",
                                               view.to_params(default_view(ctx)), name, version=aud.VERSIONS[who]),
                                file_name=name, key=f"draft_docx_{who}", on_click="ignore", help=VERSION_NOTES[who],
                                mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
        st.caption("按总结的章节顺序写出各项数字，附年度分乡镇统计表、图和每个数字的来源；按全部残疾类别、等级统计。"
                   + "　".join(VERSION_NOTES[aud.decide(user.role, aud.DRAFT, version=v)] for v in versions))

def export_name(title: str, ctx: Context, view: View, period: str = "") -> str:
    """'城东街道康复服务率未达标村（社区）_2024年_肢体残疾_二级.xlsx': area, year (or the `period` shown) and
    filters in the name (a filtered and an unfiltered table never share a name); characters a file system
    refuses are replaced."""
    area = area_name(ctx, view)
    shown = period or f"{view.year}年"
    named = title if title.startswith(area) else f"{area}{title}"
    parts = [named] + ([] if shown in named else [shown])  # a title that says its period says it once
    parts.append(CATEGORY_LABELS[view.category] + "残疾" if view.category else "全部类别")
    parts.append(LEVEL_LABELS[view.level] if view.level else "全部等级")
    return re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", "_".join(parts)) + ".xlsx"
