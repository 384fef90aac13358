"""The report draft (content: queries.draft) as Word and Markdown: headings, paragraphs, notes, the annual table, two
or three press PNGs with their titles and source line, and the appendix of numbers. Charts and map are
drawn from the draft's publication (suppressed in the 对外版, exact and watermarked 内部资料 in the 内部版) by the
same press renderers as the pages' 导出图片.
Nothing here imports streamlit (the command line uses it too)."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt, RGBColor
from lxml import etree

from maps import layers
from queries import audience as aud
from queries.catalog import METRICS, PALETTE
from queries.draft import APPENDIX_HEADER, Draft, appendix_rows
from queries.publish import key
from queries.text import markdown_inline
from ui import charts, press
from ui.labels import SOURCE

IMAGE_SIZE = (1920, 1080)
IMAGE_WIDTH = Cm(15.6)  # the type area of A4 under GB/T 9704: 210 − 28 − 26 mm

# The layout of a federation's document (GB/T 9704-2012 党政机关公文格式): A4; margins 天头 37 mm, bottom
# 35 mm, 订口 (left) 28 mm, right 26 mm; the title in 2号小标宋, the body in 3号仿宋_GB2312 at a fixed 28-point
# line (22 lines of 28 characters), first-level headings in 3号黑体, second-level in 3号楷体_GB2312, page
# numbers "— 1 —" in 4号宋体. Each font is named with its fallbacks: the first goes into the runs, the next
# into the document's font table as its altName (Word substitutes it when the first is not installed; every
# one is declared GB2312, charset 86, so any Chinese font is the last resort), and the list is in the
# document's properties for whoever opens it.
A4 = (Mm(210), Mm(297))
MARGINS = {"top_margin": Mm(37), "bottom_margin": Mm(35), "left_margin": Mm(28), "right_margin": Mm(26)}
FONTS = {
    "title": ("方正小标宋简体", "华文中宋", "宋体", "Noto Serif CJK SC"),
    "body": ("仿宋_GB2312", "仿宋", "FangSong", "Noto Serif CJK SC"),
    "heading": ("黑体", "SimHei", "Noto Sans CJK SC"),
    "subheading": ("楷体_GB2312", "楷体", "KaiTi", "Noto Serif CJK SC"),
    "number": ("宋体", "SimSun", "Noto Serif CJK SC"),
}
SIZES = {"二号": 22, "三号": 16, "四号": 14, "小四": 12, "五号": 10.5, "小五": 9, "六号": 7.5}
LINE = Pt(28)


def _font(run, size: float | None = None, bold: bool = False, role: str = "body") -> None:
    """A run in the layout's font for its role (Word needs the East Asian font set separately)."""
    name = FONTS[role][0]
    run.font.name = name
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("w:eastAsia", "w:ascii", "w:hAnsi"):
        fonts.set(qn(attribute), name)
    if size:
        run.font.size = Pt(size)
    run.bold = bold or None
    run.font.color.rgb = RGBColor(0, 0, 0)


def _font_table(doc: Document) -> None:
    """Declare each font of the layout in the document's font table with its first fallback as altName."""
    part = doc.part.part_related_by(RT.FONT_TABLE)
    table = etree.fromstring(part.blob)
    for names in FONTS.values():
        font = etree.SubElement(table, qn("w:font"), {qn("w:name"): names[0]})
        etree.SubElement(font, qn("w:altName"), {qn("w:val"): names[1]})
        etree.SubElement(font, qn("w:charset"), {qn("w:val"): "86"})
        etree.SubElement(font, qn("w:family"), {qn("w:val"): "roman" if names[0] != "黑体" else "modern"})
        etree.SubElement(font, qn("w:pitch"), {qn("w:val"): "variable"})
    part._blob = etree.tostring(table, xml_declaration=True, encoding="UTF-8", standalone=True)


def _page(section, landscape: bool = False) -> None:
    """A4 (portrait, or landscape for the wide annual table) with GB/T 9704's margins."""
    width, height = A4
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (height, width) if landscape else (width, height)
    for side, value in MARGINS.items():
        setattr(section, side, value)


def _page_number(section) -> None:
    """'— 1 —' centred at the foot of every page (4号宋体)."""
    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(paragraph.add_run("— "), SIZES["四号"], role="number")
    run = paragraph.add_run()
    _font(run, SIZES["四号"], role="number")
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._element.append(element)
    _font(paragraph.add_run(" —"), SIZES["四号"], role="number")


def _caption(draft: Draft, title: str) -> press.Caption:
    """The press caption of a figure: title, period and area, 截至 line, legend of marks; an internal
    draft's figures carry the 内部资料 watermark and only the exact numbers' legend."""
    internal = draft.audience == aud.INTERNAL
    return press.Caption(title=title, period=f"{draft.period.label()}　{draft.area}", until=draft.until,
                         legend=aud.legend_text(draft.pub) if internal else aud.PUBLIC_LEGEND, watermark=internal,
                         internal=internal)


def rehab_frame(draft: Draft) -> pd.DataFrame:
    """The units' rehab service rate as the draft shows it (withheld ones as NaN, with their mark)."""
    out = draft.units.copy()
    cells = [key("rehab_rate", code) for code in out["unit_code"]]
    out["rehab_rate"] = pd.array([draft.pub.shown(c) for c in cells], dtype="Float64").astype("float64")
    out["rehab_rate_text"] = [draft.pub.text(c) for c in cells]
    out["rehab_rate_hidden"] = [draft.pub.hidden(c) for c in cells]
    return out


def figures(draft: Draft) -> list[tuple[str, bytes]]:
    """(title, PNG) of the draft's figures: the rehab map, the rehab ranking, the subsidies' monthly amounts."""
    out = []
    frame = rehab_frame(draft)
    word = draft.unit_word
    if not draft.shapes.empty and frame["rehab_rate"].notna().any():
        title = f"图{len(out) + 1}　{draft.area}各{word}康复服务率"
        classes, items = layers.classify_rate(frame.set_index("unit_code")["rehab_rate"], METRICS["rehab_rate"].target)
        hidden = frame.set_index("unit_code")["rehab_rate_hidden"]
        colours = {code: list(layers.HIDDEN_COLOUR if hidden[code] else items[int(c)].colour)
                   for code, c in classes.items() if hidden[code] or (c is not None and not pd.isna(c))}
        legend = [(i.label, i.colour) for i in items] + ([(layers.HIDDEN_LABEL, tuple(layers.HIDDEN_COLOUR))]
                                                        if hidden.any() else [])
        out.append((title, press.map_png(draft.shapes, colours, legend, _caption(draft, title[3:]), IMAGE_SIZE, "%")))
    if len(frame):
        title = f"图{len(out) + 1}　{draft.area}各{word}康复服务率对照{METRICS['rehab_rate'].target_text}目标"
        fig = charts.ranked_bars(frame, "rehab_rate", METRICS["rehab_rate"].colour, "%", target=METRICS["rehab_rate"].target,
                                 text="rehab_rate_text", title="服务率")
        out.append((title, press.chart_png(fig, _caption(draft, title[3:]), IMAGE_SIZE)))
    if draft.months:
        title = f"图{len(out) + 1}　{draft.area}两项补贴每月发放金额（万元）"
        months = pd.to_datetime([f"{m}-01" for m in draft.months])
        trend = pd.DataFrame({"pay_month": months})
        series = {}
        for code, label, colour in (("living", "生活补贴", PALETTE["blue"]), ("nursing", "护理补贴", PALETTE["sky"])):
            cells = [f"amount_{code}@{m}" for m in draft.months]
            if all(draft.pub.has(c) for c in cells):
                values = [draft.pub.shown(c) for c in cells]
                trend[code] = [None if v is None else v / 10_000 for v in values]
                series[code] = (label, colour)
        if series:
            fig = charts.month_lines(trend, "pay_month", series, "万元")
            out.append((title, press.chart_png(fig, _caption(draft, title[3:]), IMAGE_SIZE)))
    return out


def _table(doc: Document, header: list[str], rows: list[list[object]], size: float) -> None:
    """A bordered table with a bold header row (黑体), its cells in 仿宋 at `size` points."""
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = ""
        _font(cell.paragraphs[0].add_run(str(text)), size, role="heading")
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = ""
            _font(cell.paragraphs[0].add_run(str(text)), size)


def _heading(doc: Document, text: str, level: int) -> None:
    """A heading: level 1 in 3号黑体 ('一、基本情况'), level 2 in 3号楷体 (figures' titles), indented two
    characters like the body, black, on the body's fixed line."""
    heading = doc.add_heading("", level=level)
    heading.paragraph_format.first_line_indent = Pt(2 * SIZES["三号"])
    heading.paragraph_format.space_before = heading.paragraph_format.space_after = Pt(0)
    _exact(heading)
    _font(heading.add_run(text), SIZES["三号"], role="heading" if level == 1 else "subheading")


def _exact(paragraph) -> None:
    """The body's fixed 28-point line."""
    paragraph.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    paragraph.paragraph_format.line_spacing = LINE


def _paragraph(doc: Document, text: str, size: float = SIZES["三号"], indent: bool = True, role: str = "body",
               centre: bool = False) -> None:
    """A body paragraph (3号仿宋 on a fixed 28-point line), first line indented by two characters as the
    federations write."""
    paragraph = doc.add_paragraph()
    paragraph.paragraph_format.space_before = paragraph.paragraph_format.space_after = Pt(0)
    if indent:
        paragraph.paragraph_format.first_line_indent = Pt(2 * size)
    if size >= SIZES["四号"]:
        _exact(paragraph)
    if centre:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(paragraph.add_run(text), size, role=role)


def docx_bytes(draft: Draft, images: list[tuple[str, bytes]] | None = None) -> bytes:
    """The draft as a .docx file in GB/T 9704's layout (images made here unless given)."""
    images = figures(draft) if images is None else images
    doc = Document()
    doc.core_properties.title = draft.title
    doc.core_properties.author = "残联数据驾驶舱"
    doc.core_properties.comments = "字体（依次替代）：" + "；".join("、".join(names) for names in FONTS.values())
    _font_table(doc)
    _page(doc.sections[0])
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.space_after = Pt(SIZES["三号"])
    _font(title.add_run(draft.title), SIZES["二号"], role="title")
    _paragraph(doc, f"（统计期间：{draft.period.span()}；数据截至{draft.until}）", SIZES["三号"], indent=False,
               role="subheading", centre=True)
    for heading, paragraphs in draft.sections:
        _heading(doc, heading, 1)
        for text in paragraphs:
            _paragraph(doc, text)
    _heading(doc, "说明", 1)
    for note in draft.notes:
        _paragraph(doc, note, SIZES["四号"])
    for title_text, png in images:
        _heading(doc, title_text, 2)
        doc.add_picture(io.BytesIO(png), width=IMAGE_WIDTH)
        doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
        _paragraph(doc, f"{SOURCE}　数据截至{draft.until}", SIZES["小五"], indent=False)
    _page(doc.add_section(), landscape=True)
    _heading(doc, f"附表1　{draft.area}年度分{draft.unit_word}统计表（{draft.period.year}年）", 1)
    legend = aud.legend_text(draft.pub) if draft.audience == aud.INTERNAL else aud.PUBLIC_LEGEND
    _paragraph(doc, "金额单位万元，比率单位%；口径同驾驶舱“总览”年度分乡镇统计表。" + legend, SIZES["小五"], indent=False)
    _table(doc, list(draft.table.columns), draft.table.to_numpy().tolist(), SIZES["六号"])
    _heading(doc, "附表2　数字来源", 1)
    _paragraph(doc, "正文中每个数字一行：可在驾驶舱所列位置按所列期间和范围查到。", SIZES["小五"], indent=False)
    _table(doc, APPENDIX_HEADER, appendix_rows(draft), SIZES["小五"])
    for section in doc.sections:
        section.footer.is_linked_to_previous = False
        _page_number(section)
    if draft.audience == aud.INTERNAL:  # every printed page says what it is
        doc.core_properties.keywords = aud.EXPORT_MARK
        for section in doc.sections:
            section.header.is_linked_to_previous = False
            head = section.header.paragraphs[0]
            head.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            _font(head.add_run(aud.SLIDE_MARK), SIZES["五号"], bold=True, role="heading")
            _font(section.footer.add_paragraph().add_run(f"{aud.EXPORT_MARK}，请勿外传"), SIZES["小五"])
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


# --- Markdown (the draft as a .md file) -------------------------------------------------------------------
def _md_cell(text: object) -> str:
    """A table cell's text, shown as it is: Markdown escaped (names are text), nothing that would break a
    Markdown table."""
    return markdown_inline(str(text).replace("|", "｜").replace("\n", " "))


def markdown(draft: Draft) -> str:
    """The draft as Markdown: title, sections with full-width indented paragraphs, notes, the annual
    table and the appendix of numbers. Every text is escaped (queries/text.py): a region's name is never a
    link, an image, HTML or a formula in whatever renders the file."""
    md = markdown_inline
    lines = ([f"**{aud.SLIDE_MARK}**", ""] if draft.audience == aud.INTERNAL else [])
    lines += [f"# {md(draft.title)}", "", f"（统计期间：{draft.period.span()}；数据截至{md(draft.until)}）", ""]
    for heading, paragraphs in draft.sections:
        lines += [f"## {md(heading)}", ""]
        for paragraph in paragraphs:
            lines += [f"　　{md(paragraph)}", ""]
    lines += ["## 说明", ""] + [f"- {md(note)}" for note in draft.notes] + [""]
    lines += [f"## 附表1　{md(draft.area)}年度分{draft.unit_word}统计表（{draft.period.year}年）", "",
              "金额单位万元，比率单位%；口径同驾驶舱“总览”年度分乡镇统计表。", ""]
    lines += _md_table(list(draft.table.columns), draft.table.to_numpy().tolist())
    lines += ["", "## 附表2　数字来源", "", "正文中每个数字一行：可在驾驶舱所列位置按所列期间和范围查到。", ""]
    lines += _md_table(APPENDIX_HEADER, appendix_rows(draft))
    return "\n".join(lines) + "\n"


def _md_table(header: list[str], rows: list[list[object]]) -> list[str]:
    """A Markdown table."""
    out = ["| " + " | ".join(map(_md_cell, header)) + " |", "|" + "---|" * len(header)]
    return out + ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]


def write(draft: Draft, out: Path, render_docx: Callable[[Draft], bytes] | None = None) -> None:
    """Write the draft as .md or .docx (by the file's suffix)."""
    if out.suffix.lower() == ".md":
        out.write_text(markdown(draft), encoding="utf-8")
    elif out.suffix.lower() == ".docx":
        out.write_bytes((render_docx or docx_bytes)(draft))
    else:
        raise ValueError(f"输出文件须为 .md 或 .docx：{out}")
