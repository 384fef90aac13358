"""Press images measured, not only sized: every text box inside the canvas, no two overlapping, every text
at least 24 px; the subtitle says the period plotted, the footer says small numbers are hidden when they
are, and the 审图号 line is whole. Charts are rendered to SVG by kaleido and measured in Chromium; maps are
measured with matplotlib's renderer."""

from __future__ import annotations

import itertools

import pandas as pd
import pytest

from maps import layers
from queries.catalog import METRICS
from queries.common import Filters
from queries.dashboard import boundaries
from queries.db import connect
from queries.metrics import with_metrics
from queries.publish import LEGEND
from queries.report import annual_counts
from tests.test_browser import CHROMIUM, CHROMIUM_ARGS
from ui import charts, press

# The charts are measured in Chromium (slow set); the map needs no browser (matplotlib measures its own
# texts) and is in the quick set.
SIZES = list(press.SIZES.values())
LONG = "经济技术开发区管理委员会"  # a long unit name sets the left margin


@pytest.fixture(scope="module")
def units(duck_url) -> pd.DataFrame:
    """The test county's townships for 2024, one of them with a long name."""
    frame = with_metrics(annual_counts(connect(duck_url), Filters(scope=""), 2024))
    frame.loc[frame.index[0], "name"] = LONG
    return frame


@pytest.fixture(scope="module")
def page():
    """A Chromium page to lay out SVGs in."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser.new_page()
        browser.close()


def caption(title: str, period: str = "2024年　示范县", hidden: bool = True) -> press.Caption:
    """A caption with the symbols' legend when something is withheld."""
    return press.Caption(title=title, period=period, until="2024年12月", legend=LEGEND if hidden else "")


def svg_texts(page, svg: bytes) -> list[dict]:
    """Every non-empty text of the SVG with its box on the page and font size."""
    page.set_content(f"<html><body style='margin:0'>{svg.decode()}</body></html>")
    return page.evaluate("""[...document.querySelectorAll('svg text')].filter(t => t.textContent.trim())
        .map(t => { const b = t.getBoundingClientRect(); const size = parseFloat(getComputedStyle(t).fontSize);
                    return {text: t.textContent, x0: b.left, y0: b.top, x1: b.right, y1: b.bottom, size}; })""")


def overlaps(a: dict, b: dict, slack: float = 1.0) -> bool:
    """Whether two boxes intersect by more than `slack` pixels."""
    return (min(a["x1"], b["x1"]) - max(a["x0"], b["x0"]) > slack
            and min(a["y1"], b["y1"]) - max(a["y0"], b["y0"]) > slack)


def assert_laid_out(texts: list[dict], size: tuple[int, int]) -> None:
    """Inside the canvas, no overlaps, nothing under 24 px."""
    width, height = size
    assert texts
    outside = [t["text"] for t in texts if t["x0"] < 0 or t["y0"] < 0 or t["x1"] > width or t["y1"] > height]
    assert not outside, outside
    clashes = [(a["text"], b["text"]) for a, b in itertools.combinations(texts, 2) if overlaps(a, b)]
    assert not clashes, clashes[:5]
    small = [(t["text"], t["size"]) for t in texts if t["size"] < 24]
    assert not small, small[:5]


def ranking(units: pd.DataFrame):
    """The rehabilitation ranking with its '70.2%（差90人）' labels and target line."""
    frame = units.assign(label=[f"{r:.1f}%（差{int(s)}人）" if s else f"{r:.1f}%"
                                for r, s in zip(units["rehab_rate"], units["rehab_short"], strict=True)])
    return charts.ranked_bars(frame, "rehab_rate", "#009E73", "%", target=85, text="label", title="服务率")


def months() -> pd.DataFrame:
    """Two subsidies over Dec 2024 – Nov 2026, in 万元."""
    span = pd.date_range("2024-12-01", "2026-11-01", freq="MS")
    return pd.DataFrame({"m": span, "living": [90 + i for i in range(len(span))],
                         "nursing": [120 + i for i in range(len(span))]})


@pytest.mark.slow
@pytest.mark.parametrize("size", SIZES)
def test_ranking_is_laid_out(units, page, size):
    texts = svg_texts(page, press.chart_png(ranking(units), caption("各乡镇康复服务率对照85%目标"), size, "svg"))
    assert_laid_out(texts, size)
    shown = {t["text"] for t in texts}
    assert LONG in shown  # the longest name is whole, not cut at the left
    assert any(press.SMALL_NOTE in t for t in shown)


@pytest.mark.slow
@pytest.mark.parametrize("size", SIZES)
def test_a_long_ranking_says_what_it_leaves_out_inside_the_canvas(units, page, size):
    # 36 townships, 6 of them withheld: the image lists the weakest that fit and says why the others are absent,
    # in a subtitle wrapped to the canvas (on 1080×1080 it ran off the right edge)
    many = pd.concat([units.assign(name=[f"{n}{i}" for n in units["name"]]) for i in range(6)], ignore_index=True)
    many = many.head(36)
    fig = ranking(many)
    fig.update_layout(meta={press.RANKING_HIDDEN: 6})
    texts = svg_texts(page, press.chart_png(fig, caption("各乡镇康复服务率对照85%目标"), size, "svg"))
    assert_laid_out(texts, size)
    said = "".join(t["text"] for t in texts)
    assert "共36个" in said and "另有" in said and "隐去" in said


@pytest.mark.slow
@pytest.mark.parametrize("size", SIZES)
def test_trend_says_the_period_it_plots(page, size):
    fig = charts.month_lines(months(), "m", {"living": ("生活补贴", "#0072B2"), "nursing": ("护理补贴", "#56B4E9")},
                             "万元")
    texts = svg_texts(page, press.chart_png(fig, caption("两项补贴每月发放金额", "2026年（截至11月）　示范县", False),
                                            size, "svg"))
    assert_laid_out(texts, size)
    shown = " ".join(t["text"] for t in texts)
    assert "2024年12月至2026年11月" in shown and "2026年（截至11月）" not in shown
    assert press.SMALL_NOTE not in shown  # nothing withheld: no such line


@pytest.mark.slow
def test_large_counts_in_chinese_units(page):
    frame = pd.DataFrame({"year": ["2023", "2024"], "n": [13_000, 26_000]})
    fig = charts.grouped_bars(frame, "year", {"n": ("人数", "#999999")}, "人")
    texts = " ".join(t["text"] for t in svg_texts(page, press.chart_png(fig, caption("人数"), (1080, 1080), "svg")))
    assert "万" in texts and "k" not in texts.replace("kaleido", "")


@pytest.mark.parametrize("size", SIZES)
def test_map_is_laid_out(duck_url, units, size):
    import matplotlib.pyplot as plt

    shapes = boundaries(connect(duck_url), Filters(scope=""))
    classes, legend = layers.classify_rate(units.set_index("unit_code")["rehab_rate"], METRICS["rehab_rate"].target)
    colours = {c: list(legend[int(k)].colour) for c, k in classes.items() if k is not None and not pd.isna(k)}
    fig = press.map_figure(shapes, colours, [(i.label, i.colour) for i in legend], caption("各乡镇康复服务率"), size, "%")
    renderer = fig.canvas.get_renderer()
    artists = [*fig.texts, *fig.axes[0].texts, *(t for lg in fig.legends for t in [*lg.get_texts(), lg.get_title()])]
    texts = []
    for artist in artists:
        if not artist.get_text().strip():
            continue
        from matplotlib.text import Text

        if hasattr(artist, "update_positions"):
            artist.update_positions(renderer)
        box = Text.get_window_extent(artist, renderer)
        # matplotlib's y grows upwards: flip to the image's
        texts.append({"text": artist.get_text(), "x0": box.x0, "x1": box.x1, "y0": size[1] - box.y1,
                      "y1": size[1] - box.y0, "size": artist.get_fontsize() / press.PT})
    plt.close(fig)
    assert_laid_out(texts, size)
    names = {t["text"] for t in texts}
    assert set(shapes["name"]) <= names  # every unit named
    footer = next(t["text"] for t in texts if "数据来源" in t["text"])
    approval = press.map_approval()
    assert approval in footer.split("\n")  # the 审图号 on a line of its own, whole
