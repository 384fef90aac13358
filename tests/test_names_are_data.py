"""Names are data: a county whose townships and villages are named like formulas, Markdown links and images,
HTML, TeX between dollars and bare URLs (tests/hostile.py) is imported with the real importer, and every
export is read back: no cell is a formula or a link, every hostile name is there as text. The pages' Markdown
and the draft's are parsed with linkify and GFM's autolink literals: no link, image, HTML or formula from a
name; matplotlib draws "$…$" as it is; plotly gets it as text; the Word draft holds it as text."""

from __future__ import annotations

import csv
import html
import io
import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from markdown_it import MarkdownIt

from queries.cells import safe_cell, safe_frame
from queries.common import Filters
from queries.db import connect
from queries.report import annual_table, main
from scripts import draft as draft_cli
from tests.conftest import open_app
from tests.hostile import TOWNSHIP_NAMES, VILLAGE_NAMES
from ui import press
from ui.render import xlsx

DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")


def test_safe_cell_follows_owasp():
    assert safe_cell("=1+1") == "'=1+1"
    assert safe_cell("@SUM(1,2)") == "'@SUM(1,2)"
    assert safe_cell("+cmd|' /C calc'!A0") == "'+cmd|' /C calc'!A0"
    assert safe_cell("-2+3") == "'-2+3"
    assert safe_cell("\t=1") == "'\t=1" and safe_cell("\r=1") == "'\r=1"
    assert safe_cell("-12.5") == "-12.5" and safe_cell("+3") == "+3" and safe_cell("-1e3") == "-1e3"
    assert safe_cell(-3) == -3 and safe_cell(2.5) == 2.5 and safe_cell(None) is None
    assert safe_cell("城东街道") == "城东街道" and safe_cell("") == ""
    frame = safe_frame(pd.DataFrame({"=name": ["=1+1", "甲"], "n": [-1, 2]}))
    assert list(frame.columns) == ["'=name", "n"] and frame["n"].tolist() == [-1, 2]
    assert frame["'=name"].tolist() == ["'=1+1", "甲"]


def hostile_township(url: str, name: str) -> str:
    """The code of the township with this name."""
    table = annual_table(connect(url), 2024, Filters(scope=""))
    return str(table.loc[table["名称"] == name, "区划代码"].iloc[0])


def test_the_names_reach_the_warehouse(hostile_url):
    names = set(annual_table(connect(hostile_url), 2024, Filters(scope=""))["名称"])
    assert set(TOWNSHIP_NAMES) <= names  # the importer keeps them verbatim: they are data


def assert_xlsx_is_data(content: bytes | Path, names: list[str]) -> None:
    """No formula and no hyperlink in any cell; every name is there as text behind an apostrophe if needed."""
    book = openpyxl.load_workbook(content if isinstance(content, Path) else io.BytesIO(content))
    texts = []
    for sheet in book.worksheets:
        assert not sheet._hyperlinks, sheet._hyperlinks
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (cell.coordinate, cell.value)
                assert not (isinstance(cell.value, str) and cell.value.startswith(DANGEROUS_START)), cell.value
                texts.append(cell.value)
    for name in names:
        assert safe_cell(name) in texts, name


def test_report_xlsx_and_csv(hostile_url, tmp_path):
    out = tmp_path / "年度.xlsx"
    assert main(["--warehouse", hostile_url, "--year", "2024", "--out", str(out)]) == 0
    assert_xlsx_is_data(out, TOWNSHIP_NAMES)
    out_csv = tmp_path / "年度.csv"
    assert main(["--warehouse", hostile_url, "--year", "2024", "--out", str(out_csv)]) == 0
    rows = list(csv.reader(out_csv.read_text(encoding="utf-8-sig").splitlines()))
    cells = [c for row in rows for c in row]
    dangerous = [c for c in cells if c.startswith(DANGEROUS_START) and safe_cell(c) != c]
    assert not dangerous, dangerous
    for name in TOWNSHIP_NAMES:
        assert "'" + name in cells if name.startswith(DANGEROUS_START) else name in cells


def test_press_xlsx_of_townships_and_villages(hostile_url):
    wh = connect(hostile_url)
    county = annual_table(wh, 2024, Filters(scope=""))
    caption = press.Caption(title="=1+1", period=f"2024年　{TOWNSHIP_NAMES[0]}", until="2024年12月")
    assert_xlsx_is_data(xlsx.table_xlsx(county, caption), [*TOWNSHIP_NAMES, "=1+1"])
    town = hostile_township(hostile_url, TOWNSHIP_NAMES[0])
    villages = annual_table(wh, 2024, Filters(scope="", township=town))
    assert_xlsx_is_data(xlsx.table_xlsx(villages, caption), VILLAGE_NAMES)


# ---------------------------------------------------------------- the pages' Markdown

# Streamlit's Markdown is GFM (remark-gfm): bare URLs and e-mail addresses become links after escapes are
# resolved. markdown-it's linkify finds some of them; GFM_AUTOLINK finds what GFM's autolink literal would,
# anywhere in a text (more eagerly than GFM, which also looks at the character before).
_md = MarkdownIt("commonmark", {"linkify": True}).enable(["linkify", "table"])
HOSTILE_HOSTS = ("127.0.0.1:9", "evil.example")
GFM_AUTOLINK = re.compile(r"(?i)\bwww\.[a-z0-9_-]|https?://[a-z0-9_-]|[a-z0-9._+-]@[a-z0-9_-]+\.[a-z0-9_-]", re.ASCII)
MATH = re.compile(r"(?<!\\)\$[^$\n]+(?<!\\)\$")  # KaTeX in Streamlit's Markdown, math on GitHub: $…$ unescaped


def markdown_problems(body: str, allow_html: bool) -> list[str]:
    """Links, images, autolinks, formulas, or (where HTML is allowed) HTML tags that come from a hostile name."""
    problems = []

    def walk(tokens):
        text = ""
        for token in tokens:
            href = str(token.attrs.get("href") or token.attrs.get("src") or "")
            if token.type in ("link_open", "image") and any(h in href for h in HOSTILE_HOSTS):
                problems.append(f"{token.type} {href}")
            if allow_html and token.type in ("html_inline", "html_block") and (
                    "onerror" in token.content or "onmouseover" in token.content):
                problems.append(f"html {token.content}")
            text = text + token.content if token.type in ("text", "text_special") else ""
            if (found := GFM_AUTOLINK.search(text)) and any(h in text for h in HOSTILE_HOSTS):
                problems.append(f"autolink {found.group(0)!r} in {text!r}")
                text = ""
            if token.children:
                walk(token.children)

    walk(_md.parse(body))
    problems += [f"math {m.group(0)}" for m in MATH.finditer(body)]
    if allow_html and ("<img src=x" in body or "<b onmouseover" in body):
        problems.append("raw HTML in an HTML element")
    return problems


def page_markdown(at) -> list[tuple[str, bool]]:
    """(body, allow_html) of every element the browser renders as Markdown, and of every st.html element
    (cards, legends, 文字解读: HTML by construction)."""
    out = []
    for kind in ("markdown", "caption", "info", "warning", "error", "success", "title", "header", "subheader"):
        for element in at.get(kind):
            proto = element.proto
            out.append((proto.body, bool(getattr(proto, "allow_html", False))))
    return out


def page_html(at) -> list[str]:
    """The body of every st.html element (cards, legends, 文字解读)."""
    return [element.proto.body for element in at.get("html")]


class _Tags(HTMLParser):
    """Start tags and their attributes, as a browser would build them."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))


def html_problems(body: str) -> list[str]:
    """Elements or attributes in an st.html body that only a name could have brought: a link, an image, a
    script, a frame, an event handler (the dashboard's own HTML is div, span and style, with style, class
    and title)."""
    parser = _Tags()
    parser.feed(body)
    return [f"<{tag} {attrs}>" for tag, attrs in parser.tags
            if tag in ("a", "img", "script", "iframe", "b", "svg") or any(name.startswith("on") for name, _ in attrs)]


PAGES = ["overview", "monitoring", "subsidies", "rehabilitation", "employment", "accessibility", "about", "explore",
         "warnings"]
# Drilled into: a Markdown link and image, HTML, TeX, a bare URL, a Markdown image alone.
DRILLED = (3, 4, 7, 9, 11)


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES)
def test_no_link_image_or_html_from_a_name_on_any_page(page, hostile_url, monkeypatch):
    monkeypatch.setenv("WAREHOUSE_URL", hostile_url)
    problems = []
    views = [{"year": "2024"}] + [{"year": "2024", "town": hostile_township(hostile_url, TOWNSHIP_NAMES[i])}
                                  for i in DRILLED]
    for params in views:
        at = open_app(page, params)
        assert not at.exception, at.exception
        for body, allow_html in page_markdown(at):
            problems += [f"{params}: {p}" for p in markdown_problems(body, allow_html)]
        for body in page_html(at):
            problems += [f"{params}: {p}" for p in html_problems(body)]
    assert not problems, problems


def test_the_page_check_finds_a_live_link():
    """The checker itself: an unescaped name is a link; an escaped one is text; escaping alone leaves a bare
    URL a link for GFM and linkify (that is what the word joiner is for)."""
    from ui.labels import md_escape

    name = TOWNSHIP_NAMES[3]
    assert markdown_problems(f"总览：{name}", allow_html=False)
    escaped = "".join("\\" + ch if ch in "[]()!<>" else ch for ch in name)
    assert markdown_problems(f"总览：{escaped}", allow_html=False)  # its URLs are still autolinks
    for bare in ("http://evil.example/a.png", "www.evil.example", "a@evil.example", "$x^2$"):
        assert markdown_problems(f"总览：{bare}", allow_html=False), bare
        if "$" not in bare:  # escaped dollars are text; an escaped URL is still a URL
            assert markdown_problems("总览：" + "".join("\\" + ch if ch in ".:/@" else ch for ch in bare), False), bare
        assert not markdown_problems(f"总览：{md_escape(bare)}", allow_html=False), bare
    for name in [*TOWNSHIP_NAMES, *VILLAGE_NAMES]:
        assert not markdown_problems(f"总览：{md_escape(name)}", allow_html=False), name
    assert markdown_problems("<img src=x onerror=alert(1)>", allow_html=True)
    tag = TOWNSHIP_NAMES[4]  # an image with an event handler
    assert html_problems(f"<div class='kpi-card'>{tag}</div>")
    assert not html_problems(f"<div class='kpi-card' title='{html.escape(tag, quote=True)}'>{html.escape(tag)}</div>")


def test_map_tooltips_get_names_as_text(hostile_url):
    """deck.gl renders a tooltip template's values as HTML: a name reaches it escaped; the labels draw it as is."""
    import html

    from maps import layers
    from queries import dashboard

    shapes = dashboard.boundaries(connect(hostile_url), Filters(scope=""))
    values = pd.DataFrame({"unit_code": shapes["region_code"], "value_text": "1人"})
    collection = layers.feature_collection(shapes, values, pd.Series(dtype=float), [])
    names = [f["properties"]["name"] for f in collection["features"]]
    assert html.escape(TOWNSHIP_NAMES[4]) in names and not any("<img" in n for n in names)
    assert TOWNSHIP_NAMES[4] in [row["name"] for row in layers.label_layer(collection).data]
    bases = pd.DataFrame({"lon": [120.0], "lat": [30.0], "name": [TOWNSHIP_NAMES[4]], "placed_persons": [3]})
    assert layers.point_layer(bases, "placed_persons", [1, 2, 3]).data[0]["name"] == html.escape(TOWNSHIP_NAMES[4])


def test_chart_labels_escape_tags_not_quotes_and_stay_short():
    """Plotly reads tags and entities in labels but knows no &quot; (it printed `=HYPERLINK(&quot;…`);
    a name longer than any real one is cut so the bars keep their width."""
    from ui.render.output import NAME_CHARS, chart_name

    assert chart_name('=H("x","点此")') == '=H("x","点此")'
    assert chart_name('=HYPERLINK("http://127.0.0.1:9/x","点此")') == "=HYPERLINK(…"
    assert chart_name("<b>镇</b>") == "&lt;b&gt;镇&lt;/b&gt;"
    assert chart_name("A&B") == "A&amp;B"
    assert chart_name("城东街道") == "城东街道"
    assert len(chart_name("长" * 40)) == NAME_CHARS


# ---------------------------------------------------------------- every renderer (issue 23 item 7)

class _Text(HTMLParser):
    """The text a browser would show, and the tags it would build."""

    def __init__(self):
        super().__init__()
        self.text, self.tags = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def test_the_markdown_draft_shows_names_as_text(hostile_url, tmp_path):
    """`scripts.draft --out x.md`: rendered (HTML allowed, as CommonMark does, with linkify and tables), no
    tag, link, image, autolink or formula comes from a name, and every name reads as it is."""

    out = tmp_path / "初稿.md"
    assert draft_cli.main(["--warehouse", hostile_url, "--year", "2024", "--out", str(out)]) == 0
    body = out.read_text(encoding="utf-8")
    assert not markdown_problems(body, allow_html=False), markdown_problems(body, allow_html=False)[:5]  # tags: below
    page = _Text()
    page.feed(_md.render(body))
    built = {tag for tag, _ in page.tags}
    assert not built & {"img", "a", "script", "b", "svg", "iframe"}, built
    shown = "".join(page.text).replace("\u2060", "")
    for name in TOWNSHIP_NAMES:
        assert name.replace("|", "｜") in shown, name


def test_the_signed_in_name_is_plain_text(duck_url, monkeypatch):
    """A name from the users file or the provider's `name` claim is text in the sidebar: no image, no link."""
    from ui import auth

    monkeypatch.setenv("WAREHOUSE_URL", duck_url)
    monkeypatch.delenv("DEMO_MODE")
    name = "![](http://127.0.0.1:9/me.png) www.evil.example $x^2$"
    at = open_app("overview", user=auth.User(name, "analyst"))
    assert not at.exception, at.exception
    assert f"已登录：{name}（分析）" in [t.value for t in at.sidebar.text]
    bodies = [body for body, _ in page_markdown(at)]
    assert not [b for b in bodies if "me.png" in b or "evil.example" in b], "the name went through Markdown"


def test_the_press_map_draws_tex_names_as_text(hostile_url):
    """matplotlib reads "$…$" as mathtext (and fails on an unknown command): the press map and the Word
    draft's map draw every name as it is."""
    import matplotlib.pyplot as plt

    from queries import dashboard

    shapes = dashboard.boundaries(connect(hostile_url), Filters(scope=""))
    caption = press.Caption(title=f"{TOWNSHIP_NAMES[12]}各乡镇康复服务率", period=f"2024年　{TOWNSHIP_NAMES[7]}",
                            until="2024年12月")
    fig = press.map_figure(shapes, {}, [("无数据", (220, 220, 220))], caption, (1920, 1080), "%")
    try:
        fig.canvas.draw()  # raised ValueError (mathtext: Unknown symbol \undefinedcommand) before the fix
        texts = [t for t in fig.findobj(lambda o: hasattr(o, "get_parse_math") and hasattr(o, "get_text"))]
        drawn = {t.get_text() for t in texts}
        assert {TOWNSHIP_NAMES[7], TOWNSHIP_NAMES[8], TOWNSHIP_NAMES[12]} <= drawn
        assert caption.title in drawn and caption.period in drawn
        assert not [t.get_text() for t in texts if "$" in t.get_text() and t.get_parse_math()]
    finally:
        plt.close(fig)
    assert press.map_png(shapes, {}, [], caption, (1920, 1080), "%")[:4] == b"\x89PNG"


def test_plotly_gets_names_as_text():
    """Plotly labels: tags and entities escaped, '$' as its entity (no TeX where MathJax is loaded)."""
    from queries.text import plotly_text
    from ui.render.screen import chart_name

    for name in ("$x^2$", "$1$镇"):
        assert "$" not in chart_name(name) and html.unescape(chart_name(name)) == name
    assert plotly_text("<a href='http://evil.example'>$1$</a>") == "&lt;a href='http://evil.example'&gt;&#36;1&#36;&lt;/a&gt;"
    caption = press.Caption(title=f"{TOWNSHIP_NAMES[4]}各村", period=f"2024年　{TOWNSHIP_NAMES[7]}", until="2024年12月")
    import plotly.graph_objects as go

    laid = press.press_figure(go.Figure(go.Bar(x=[1], y=[chart_name(TOWNSHIP_NAMES[7])], orientation="h")),
                              caption, (1920, 1080))
    assert "<img" not in laid.layout.title.text and "$" not in laid.layout.title.subtitle.text
    assert html.unescape(laid.layout.title.subtitle.text) == caption.period


@pytest.mark.slow
def test_the_word_draft_with_tex_and_url_names(hostile_url):
    """The county's Word draft with its figures (map, ranking, trend): made, and every name is a text run;
    no hyperlink, field or image from a name."""
    from queries import draft
    from queries.coverage import coverage
    from ui.render.document import docx_bytes

    wh = connect(hostile_url)
    content = docx_bytes(draft.build(wh, coverage(wh), Filters(scope=""), 2024))
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        xml = z.read("word/document.xml").decode("utf-8")
        rels = z.read("word/_rels/document.xml.rels").decode("utf-8")
        media = [n for n in z.namelist() if n.startswith("word/media/")]
    assert "<w:hyperlink" not in xml and "<w:fldSimple" not in xml and "<w:instrText" not in xml
    assert "evil.example" not in rels and "127.0.0.1" not in rels
    assert len(media) == 3  # the draft's own three figures, nothing fetched from a name
    for name in TOWNSHIP_NAMES:
        assert html.escape(name, quote=False) in xml, name
