"""Names are text in every renderer: the escapes for Markdown (Streamlit's and the draft's .md).

A region name comes from an extract: it may look like a link, an image, HTML, TeX between dollars or a bare
URL. Escaping the Markdown characters is not enough for GFM (Streamlit's Markdown, GitHub) or linkify: they
turn `http://…`, `www.…` and `a@b.c` in plain text into links after escapes are resolved. A WORD JOINER
(U+2060, invisible, zero width) after `www`, between `:` and `//` and after `@` breaks those patterns and
leaves the text as it reads. Nothing here imports streamlit.
"""

from __future__ import annotations

import html
import re

WORD_JOINER = "\u2060"
# Where an autolink literal (GFM: www., http(s)://, e-mail; linkify likewise) would start or continue.
_AUTOLINK = re.compile(r"(?i)(?<=www)(?=\.)|(?<=:)(?=//)|(?<=@)")
# Every character Streamlit's Markdown reads as syntax: CommonMark, GFM (tables, ~~), KaTeX ($), Streamlit's
# directives (:red[…], :material/…:) and HTML.
_STREAMLIT = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=&])")
# What starts an inline construct anywhere in a line of the draft's Markdown (its lines start with text of
# the draft itself, so line-start syntax like "- " or "1." cannot come from a name).
_INLINE = re.compile(r"([\\`*_{}\[\]<>!~$|#&])")


def break_autolinks(text: str) -> str:
    """The text with a word joiner where a bare URL or e-mail address would be made a link."""
    return _AUTOLINK.sub(WORD_JOINER, text)


def streamlit_markdown(text: object) -> str:
    """Text that Streamlit's Markdown (captions, labels, alerts, titles) shows as it is: no link, image, HTML,
    formula, directive or autolink."""
    return _STREAMLIT.sub(r"\\\1", break_autolinks(str(text)))


def markdown_inline(text: object) -> str:
    """Text for a line of a Markdown file (the draft): shown as it is by CommonMark, GFM and their math and
    linkify extensions; readable in the file (no escape before '.', '-' or digits)."""
    return _INLINE.sub(r"\\\1", break_autolinks(str(text)))


def plotly_text(text: object) -> str:
    """Text for a plotly label, title or annotation, drawn as it is: plotly reads tags (<a href>, <b>) and
    entities, so &, < and > are escaped (not quotes: plotly knows no &quot; and would print it), and '$' is
    written as its entity (where MathJax is loaded, plotly typesets "$…$" as TeX; the entity draws a '$')."""
    return html.escape(str(text), quote=False).replace("$", "&#36;")
