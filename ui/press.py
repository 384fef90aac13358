"""Publication-ready exports made on the server: chart PNG (plotly + kaleido on Debian's chromium),
static map PNG (geopandas + matplotlib); each with title, period, source and 截至 lines.

Identical input gives identical bytes. Nothing here imports streamlit.
"""

from __future__ import annotations

import copy
import io
import threading
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import plotly.graph_objects as go
import shapely
import yaml

from ui.labels import NO_DATA_COLOUR, SOURCE

CONFIG = Path(__file__).resolve().parent.parent / "config" / "press.yaml"
SIZES = {"1920×1080": (1920, 1080), "1080×1080": (1080, 1080)}
CJK = "Noto Sans CJK SC"
_kaleido_lock = threading.Lock()
_kaleido_started = False


@dataclass(frozen=True)
class Caption:
    """The lines every exported image and table carries."""

    title: str
    period: str
    until: str
    watermark: bool = False
    source: str = SOURCE
    legend: str = ""  # the symbols' legend, when something is withheld

    def footer(self, with_approval: bool = False) -> str:
        """'数据来源：…　数据截至 2024年12月' (the symbols' legend, and the map approval line)."""
        text = f"{self.source}　数据截至 {self.until}" + (f"　{self.legend}" if self.legend else "")
        approval = press_config().get("map_approval")
        return f"{text}　{approval}" if with_approval and approval else text


def press_config() -> dict:
    """config/press.yaml: map approval line (审图号), watermark text."""
    if not CONFIG.exists():
        return {}
    return yaml.safe_load(CONFIG.read_text(encoding="utf-8")) or {}


def _kaleido():
    """Start kaleido's browser once per process (Debian's chromium; MathJax off: nothing fetched)."""
    global _kaleido_started
    import kaleido

    with _kaleido_lock:
        if not _kaleido_started:
            kaleido.start_sync_server(silence_warnings=True, mathjax=False)
            _kaleido_started = True
    return kaleido


def press_figure(fig: go.Figure, caption: Caption, size: tuple[int, int]) -> go.Figure:
    """A copy of the figure laid out for print: big CJK text, title and period, footer, watermark."""
    width, height = size
    out = go.Figure(copy.deepcopy(fig.to_dict()))
    base = 26 if width >= 1920 else 24
    out.update_layout(
        width=width, height=height, font={"family": CJK, "size": base, "color": "#111"},
        title={"text": f"<b>{caption.title}</b>", "x": 0.03, "y": 0.96, "yref": "container", "yanchor": "top",
               "font": {"size": base + 16}, "subtitle": {"text": caption.period, "font": {"size": base}}},
        margin={"l": 60, "r": 60, "t": 170, "b": 110},
        legend={"font": {"size": base}, "orientation": "h", "x": 1, "xanchor": "right", "y": 1.02, "yanchor": "bottom"},
        paper_bgcolor="white", plot_bgcolor="white",
    )
    out.update_traces(textfont_size=base - 2, selector={"type": "bar"})
    out.update_traces(line_width=5, marker_size=9, selector={"type": "scatter"})
    rows = max((len(t.y) for t in out.data if t.type == "bar" and t.orientation == "h" and t.y is not None), default=0)
    if rows:  # one label per bar, small enough to fit every one
        out.update_yaxes(tickmode="linear", dtick=1, tickfont_size=max(11, min(base, int(0.62 * (height - 300) / rows))))
        out.update_traces(textfont_size=max(11, min(base - 2, int(0.6 * (height - 300) / rows))),
                          selector={"type": "bar"})
    out.add_annotation(text=caption.footer(), xref="paper", yref="paper", x=0, y=-0.13, showarrow=False,
                       xanchor="left", font={"size": base - 6, "color": "#444"})
    if caption.watermark:
        out.add_annotation(text=press_config().get("watermark", "内部资料"), xref="paper", yref="paper", x=0.5, y=0.5,
                           showarrow=False, textangle=-25, font={"size": 160, "color": "rgba(0,0,0,0.08)"})
    return out


def chart_png(fig: go.Figure, caption: Caption, size: tuple[int, int]) -> bytes:
    """The figure as a press PNG of exactly `size` pixels."""
    press = press_figure(fig, caption, size)
    return _kaleido().calc_fig_sync(press, opts={"format": "png", "width": size[0], "height": size[1], "scale": 1})


def map_png(shapes: pd.DataFrame, colours: dict[str, list[int]], legend: list[tuple[str, tuple]], caption: Caption,
            size: tuple[int, int], unit: str) -> bytes:
    """A static choropleth: polygons in their class colours, Chinese names, legend, title, footer
    with the map approval line (审图号), optional watermark."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    matplotlib.rcParams["font.family"] = [CJK, "sans-serif"]
    matplotlib.rcParams["svg.hashsalt"] = "canlian"
    width, height = size
    frame = gpd.GeoDataFrame(shapes[["region_code", "name"]].copy(),
                             geometry=shapely.from_geojson(shapes["geojson"].tolist()), crs=4326)
    frame = frame.to_crs(frame.estimate_utm_crs())  # metres: no lat/lon stretching
    fill = [tuple(c / 255 for c in colours.get(code, NO_DATA_COLOUR)) for code in frame["region_code"]]
    fig = plt.figure(figsize=(width / 100, height / 100), dpi=100)
    top = 1 - 190 / height
    ax = fig.add_axes((0.03, 120 / height, 0.62 if width > height else 0.94, top - 120 / height))
    frame.plot(ax=ax, color=fill, edgecolor="white", linewidth=1.2)
    for row, point in zip(frame.itertuples(), frame.geometry.representative_point(), strict=True):
        r, g, b = colours.get(row.region_code, NO_DATA_COLOUR)
        dark = 0.299 * r + 0.587 * g + 0.114 * b < 140
        ax.annotate(row.name, (point.x, point.y), ha="center", va="center", fontsize=13 if width > height else 10,
                    color="white" if dark else "#111", fontweight="bold")
    ax.set_axis_off()
    ax.set_aspect("equal")
    fig.text(0.03, 1 - 60 / height, caption.title, fontsize=34, fontweight="bold", va="top")
    fig.text(0.03, 1 - 120 / height, caption.period, fontsize=22, color="#333", va="top")
    handles = [Patch(facecolor=tuple(c / 255 for c in colour), edgecolor="#999", label=label)
               for label, colour in legend] + [Patch(facecolor=tuple(c / 255 for c in NO_DATA_COLOUR),
                                                     edgecolor="#999", label="无数据")]
    fig.legend(handles=handles, title=f"图例（{unit}）", loc="center left" if width > height else "lower right",
               bbox_to_anchor=(0.68, 0.5) if width > height else (0.97, 0.12), fontsize=18, title_fontsize=20,
               frameon=False)
    fig.text(0.03, 40 / height, caption.footer(with_approval=True), fontsize=14, color="#444")
    if caption.watermark:
        fig.text(0.5, 0.5, press_config().get("watermark", "内部资料"), fontsize=140, color="black", alpha=0.07,
                 rotation=25, ha="center", va="center")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, metadata={"Software": None})
    plt.close(fig)
    return buffer.getvalue()
