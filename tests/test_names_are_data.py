"""Names are data: a county whose townships and villages are named like formulas, Markdown links and HTML
(tests/hostile.py) is imported with the real importer, and every export is read back: no cell is a formula or
a link, every hostile name is there as text. The pages' Markdown is parsed: no link, image or HTML from a name."""

from __future__ import annotations

import csv
import html
import io
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

_md = MarkdownIt("commonmark")
HOSTILE_HOSTS = ("127.0.0.1:9",)


def markdown_problems(body: str, allow_html: bool) -> list[str]:
    """Links, images, or (where HTML is allowed) HTML tags that come from a hostile name."""
    problems = []

    def walk(tokens):
        for token in tokens:
            href = str(token.attrs.get("href") or token.attrs.get("src") or "")
            if token.type in ("link_open", "image") and any(h in href for h in HOSTILE_HOSTS):
                problems.append(f"{token.type} {href}")
            if allow_html and token.type in ("html_inline", "html_block") and (
                    "onerror" in token.content or "onmouseover" in token.content):
                problems.append(f"html {token.content}")
            if token.children:
                walk(token.children)

    walk(_md.parse(body))
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


PAGES = ["overview", "monitoring", "subsidies", "rehabilitation", "employment", "accessibility", "about", "warnings"]


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES)
def test_no_link_image_or_html_from_a_name_on_any_page(page, hostile_url, monkeypatch):
    monkeypatch.setenv("WAREHOUSE_URL", hostile_url)
    problems = []
    views = [{"year": "2024"}] + [{"year": "2024", "town": hostile_township(hostile_url, name)}
                                  for name in (TOWNSHIP_NAMES[3], TOWNSHIP_NAMES[4])]
    for params in views:
        at = open_app(page, params)
        assert not at.exception, at.exception
        for body, allow_html in page_markdown(at):
            problems += [f"{params}: {p}" for p in markdown_problems(body, allow_html)]
        for body in page_html(at):
            problems += [f"{params}: {p}" for p in html_problems(body)]
    assert not problems, problems


def test_the_page_check_finds_a_live_link():
    """The checker itself: an unescaped name is a link; an escaped one is text."""
    name = TOWNSHIP_NAMES[3]
    assert markdown_problems(f"总览：{name}", allow_html=False)
    escaped = "".join("\\" + ch if ch in "[]()!<>" else ch for ch in name)
    assert not markdown_problems(f"总览：{escaped}", allow_html=False)
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
    from ui.render.screen import NAME_CHARS, chart_name

    assert chart_name('=H("x","点此")') == '=H("x","点此")'
    assert chart_name('=HYPERLINK("http://127.0.0.1:9/x","点此")') == "=HYPERLINK(…"
    assert chart_name("<b>镇</b>") == "&lt;b&gt;镇&lt;/b&gt;"
    assert chart_name("A&B") == "A&amp;B"
    assert chart_name("城东街道") == "城东街道"
    assert len(chart_name("长" * 40)) == NAME_CHARS
