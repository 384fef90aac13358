"""One place for the interface's words and colours (metrics are defined in queries/catalog.py, numbers are
formatted in queries/publish.py)."""

from __future__ import annotations

from queries.catalog import CATEGORIES, LEVELS, PALETTE, SUBSIDIES  # noqa: F401 (the catalogue's colours and words)
from queries.catalog import MONITOR_TYPES as CATALOGUE_TYPES
from queries.text import streamlit_markdown

APP_TITLE = "残联数据驾驶舱"
SOURCE = "数据来源：全国残疾人人口基础数据库、两项补贴系统、防返贫监测系统（县残联导出）"

CATEGORY_LABELS, LEVEL_LABELS, SUBSIDY_LABELS = CATEGORIES, LEVELS, SUBSIDIES  # the catalogue's vocabulary
SUBSIDY_SHORT = {"living": "生活补贴", "nursing": "护理补贴"}
MONITOR_TYPES = list(CATALOGUE_TYPES.values())

# One meaning per colour on every page, slide and image (the map's classes use the same two ends):
# below target the warning colour, at or above it a calm blue; the target line is dark grey, dashed.
BELOW_TARGET_COLOUR = "#D55E00"
ON_TARGET_COLOUR = "#4292C6"
HIDDEN_BAR_COLOUR = "#9696AA"
TARGET_COLOUR = "#333333"

def md_escape(text: str) -> str:
    """Text that Streamlit's Markdown (captions, labels, alerts) shows as it is: every Markdown, HTML and
    directive character escaped and bare URLs broken (queries/text.py), so a name from an extract can never
    become a link, an image, HTML or a formula."""
    return streamlit_markdown(text)
