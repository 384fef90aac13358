"""Press exports: PNGs of the stated size, identical every time, Chinese drawn as glyphs (not boxes),
titles and source lines on XLSX, and nothing under 5 in what leaves the screen."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from maps import layers
from queries import disclosure
from queries.common import Filters
from queries.dashboard import boundaries
from queries.db import connect
from queries.metrics import with_metrics
from queries.publish import Publication, add_units
from queries.report import annual_counts
from ui import charts, press


@pytest.fixture(scope="module")
def units(duck_url) -> pd.DataFrame:
    """The test county's townships with their metrics for 2024."""
    return with_metrics(annual_counts(connect(duck_url), Filters(scope=""), 2024))


def pixels(png: bytes) -> np.ndarray:
    """An image as an RGB array."""
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def caption(title: str, watermark: bool = False) -> press.Caption:
    """A caption for tests."""
    return press.Caption(title=title, period="2024年　示范县", until="2024年12月", watermark=watermark)


@pytest.mark.parametrize("size", list(press.SIZES.values()))
def test_chart_png_size_and_identical_bytes(units, size):
    fig = charts.ranked_bars(units, "rehab_rate", "#009E73", "%", target=85)
    first = press.chart_png(fig, caption("各乡镇康复服务率"), size)
    assert Image.open(io.BytesIO(first)).size == size
    assert press.chart_png(fig, caption("各乡镇康复服务率"), size) == first


def test_chinese_title_is_drawn_as_glyphs(units):
    # Two different titles of the same length: missing CJK fonts would draw both as the same row of
    # boxes, so the title band would be identical. With Noto CJK the glyphs differ.
    fig = charts.ranked_bars(units, "rehab_rate", "#009E73", "%", target=85)
    a = pixels(press.chart_png(fig, caption("康复服务率排名"), (1080, 1080)))[:110]
    b = pixels(press.chart_png(fig, caption("两项补贴覆盖率"), (1080, 1080)))[:110]
    assert (a < 128).any(), "no dark title text drawn"
    assert (np.abs(a.astype(int) - b.astype(int)) > 60).mean() > 0.002


def test_map_png(duck_url, units):
    shapes = boundaries(connect(duck_url), Filters(scope=""))
    classes, legend = layers.classify_rate(units.set_index("unit_code")["rehab_rate"], 85)
    colours = {c: list(legend[int(k)].colour) for c, k in classes.items() if k is not None and not pd.isna(k)}
    rows = [(item.label, item.colour) for item in legend]
    one = press.map_png(shapes, colours, rows, caption("各乡镇康复服务率", watermark=True), (1920, 1080), "%")
    assert Image.open(io.BytesIO(one)).size == (1920, 1080)
    assert press.map_png(shapes, colours, rows, caption("各乡镇康复服务率", watermark=True), (1920, 1080), "%") == one
    other = press.map_png(shapes, colours, rows, caption("各乡镇服务覆盖率", watermark=True), (1920, 1080), "%")
    title_band = slice(30, 110)
    assert (np.abs(pixels(one)[title_band].astype(int) - pixels(other)[title_band].astype(int)) > 60).any()
    square = press.map_png(shapes, colours, rows, caption("各乡镇康复服务率"), (1080, 1080), "%")
    assert Image.open(io.BytesIO(square)).size == (1080, 1080)


def test_exported_figures_keep_withheld_units_labelled(units):
    small = units.copy()
    small.loc[small.index[0], ["rehab_need", "rehab_served"]] = [3, 2]  # a rate over 3 persons
    small = with_metrics(small)
    pub = Publication()
    add_units(pub, small)
    disclosure.apply(pub, True)
    frame = small[["unit_code", "name"]].assign(
        rehab_rate=[pub.shown(f"rehab_rate@{c}") for c in small["unit_code"]],
        rehab_rate_text=[pub.text(f"rehab_rate@{c}") for c in small["unit_code"]])
    fig = charts.ranked_bars(frame, "rehab_rate", "#009E73", "%", target=85)
    labels = next(t for t in fig.data if t.meta == charts.LABELS_META)  # the value labels beside the bars
    bars = dict(zip(labels.y, labels.text, strict=True))
    assert bars[small.loc[small.index[0], "name"]] == "—"  # kept, labelled, never dropped
    assert pub.text(f"rehab_served@{small.loc[small.index[0], 'unit_code']}") == "<5人"
