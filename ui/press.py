"""Publication-ready exports made on the server: chart PNG (plotly + kaleido on Debian's chromium),
static map PNG (geopandas + matplotlib); each with title, period, source and 截至 lines.

Identical input gives identical bytes. Nothing here imports streamlit.
"""

from __future__ import annotations

import datetime
import io
import math
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import plotly.graph_objects as go
import shapely
import yaml

from maps.layers import NO_DATA_COLOUR
from queries.text import plotly_text
from ui.labels import SOURCE

CONFIG = Path(__file__).resolve().parent.parent / "config" / "press.yaml"  # unless PRESS_FILE names another
CONFIG_ENV = "PRESS_FILE"  # an installation's own file (outside the repository), like TARGETS_FILE
SIZES = {"1920×1080": (1920, 1080), "1080×1080": (1080, 1080)}
CJK = "Noto Sans CJK SC"
# The demo county's 审图号: only the public demo (DEMO_MODE) carries it; a county sets its own in config/press.yaml.
DEMO_APPROVAL = "审图号：示范县（2024）第001号"
APPROVAL_SETTING = "config/press.yaml 中的 map_approval（审图号）"
APPROVAL_MISSING = (f"尚未设置本县的审图号（{APPROVAL_SETTING}）：导出的地图不带审图号，只能内部使用，不得公开发布。"
                    "请管理员填写本单位取得的审图号。")
APPROVAL_REFUSED = (f"尚未设置本县的审图号（{APPROVAL_SETTING}），宣传账号不能导出地图。"
                    "请管理员填写本单位取得的审图号后再导出。")
APPROVAL_ABSENT_LINE = "未设置审图号，仅供内部使用，不得公开发布"
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
    internal: bool = False  # an 内部版 table or draft (exact numbers): marked 内部资料 (press images never are)

    def footer(self, with_approval: bool = False) -> str:
        """'数据来源：…　数据截至 2024年12月' (the symbols' legend, and the map approval line)."""
        text = f"{self.source}　数据截至 {self.until}" + (f"　{self.legend}" if self.legend else "")
        approval = map_approval()
        return f"{text}　{approval}" if with_approval and approval else text


def config_path() -> Path:
    """The press settings' file: env PRESS_FILE, else config/press.yaml (read at every export)."""
    return Path(os.environ[CONFIG_ENV]) if os.environ.get(CONFIG_ENV, "").strip() else CONFIG


def press_config() -> dict:
    """The press settings (config_path()): map approval line (审图号), watermark text."""
    path = config_path()
    if not path.exists():
        return {}
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def map_approval() -> str:
    """The county's 审图号 from config/press.yaml ('' until it is set); the public demo (DEMO_MODE) uses
    the demo county's."""
    value = str(press_config().get("map_approval") or "").strip()
    if not value and os.environ.get("DEMO_MODE", "").strip().lower() in ("1", "true", "yes", "on"):
        return DEMO_APPROVAL
    return value


def file_name(title: str, size: tuple[int, int]) -> str:
    """'示范县各乡镇康复服务率_1080x1080.png': the title and the size the image was made at."""
    return f"{title}_{size[0]}x{size[1]}.png"


def _kaleido():
    """Start kaleido's browser once per process (Debian's chromium; MathJax off: nothing fetched)."""
    global _kaleido_started
    import kaleido

    with _kaleido_lock:
        if not _kaleido_started:
            kaleido.start_sync_server(silence_warnings=True, mathjax=False)
            _kaleido_started = True
    return kaleido


SMALL_NOTE = "图中人数少于5的数字及可据以推算的数字已隐去。"
PAD = 40  # the canvas edge to any text
LINE = 1.4  # line height, in font sizes


def text_width(text: str, size: float) -> float:
    """Pixels a line takes at `size` px (CJK one em, other characters about 0.6 em; a little generous)."""
    return sum(size if ord(ch) > 0x2E80 else 0.62 * size for ch in str(text))


def wrap(segments: list[str], size: float, width: float) -> list[str]:
    """Segments packed into lines no wider than `width` px (joined by an ideographic space); a segment too
    long for one line is broken between characters."""
    lines: list[str] = []
    for segment in segments:
        while text_width(segment, size) > width:  # break a long segment where it no longer fits: after
            cut = max([1, *(i for i in range(1, len(segment) + 1) if text_width(segment[:i], size) <= width)])
            pause = max((i for i in range(cut // 2, cut + 1) if segment[i - 1] in "，；、："), default=0)
            cut = pause or cut  # a comma or semicolon in the line's second half, else between characters
            lines.append(segment[:cut])
            segment = segment[cut:]
        if lines and text_width(lines[-1] + "　" + segment, size) <= width:
            lines[-1] += "　" + segment
        elif segment:
            lines.append(segment)
    return lines


def footer_lines(caption: Caption, size: float, width: float, with_approval: bool = False) -> list[str]:
    """The footer, wrapped to the canvas: source, 截至 line, the symbols' legend and that small numbers
    are hidden (when they are), the map approval line (审图号) kept whole on its own line."""
    segments = [caption.source, f"数据截至 {caption.until}"]
    if caption.legend:
        segments += [SMALL_NOTE, f"图例：{caption.legend}"]
    lines = wrap(segments, size, width)
    if not with_approval:
        return lines
    return [*lines, *wrap([map_approval() or APPROVAL_ABSENT_LINE], size, width)]


def plotted_period(fig: go.Figure, period: str) -> str:
    """The subtitle's period as the chart plots it: a chart over months says its first and last month
    ('2024年12月至2026年11月　示范县'), whatever year the page was set to."""
    months = []
    for trace in fig.data:
        values = getattr(trace, "x", None)
        if values is None or len(values) == 0:
            continue
        series = pd.Series(list(values))
        if pd.api.types.is_datetime64_any_dtype(series) or isinstance(series.iloc[0], datetime.date):
            stamps = pd.to_datetime(series)
            months += [stamps.min(), stamps.max()]
    if not months:
        return period
    first, last = min(months), max(months)
    rest = period.split("　", 1)[1] if "　" in period else ""
    span = f"{first.year}年{first.month}月至{last.year}年{last.month}月"
    return f"{span}　{rest}" if rest else span


def _month_span(fig: go.Figure) -> int:
    """How many months a chart over months spans (0 for any other chart)."""
    stamps = []
    for trace in fig.data:
        values = getattr(trace, "x", None)
        if values is not None and len(values) and (pd.api.types.is_datetime64_any_dtype(pd.Series(list(values)))
                                                   or isinstance(values[0], datetime.date)):
            stamps += list(pd.to_datetime(pd.Series(list(values))))
    if not stamps:
        return 0
    first, last = min(stamps), max(stamps)
    return (last.year - first.year) * 12 + last.month - first.month


def _tick_texts(fig: go.Figure, axis: str) -> list[str]:
    """The tick labels an axis will draw (its ticktext, its categories, or numbers up to the data's top)."""
    layout_axis = fig.layout[f"{axis}axis"]
    if layout_axis.ticktext:
        return [str(t) for t in layout_axis.ticktext]
    values = [v for t in fig.data if getattr(t, axis, None) is not None for v in getattr(t, axis)]
    numbers = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce")
    if numbers.notna().any():
        return [f"{numbers.max():,.0f}"]
    return [str(v) for v in values]


RANKING_HIDDEN = "withheld"  # ui.charts.RANKING_HIDDEN: how many bars of a ranking are withheld (drawn first)


def ranking_note(rows: int, keep: int, hidden: int) -> str:
    """Why a ranking on an image lists only some of its units, in words a reader of the image alone
    understands: '（共23个，图幅所限只列出最弱的16个；未列出的7个都强于所列各个）'."""
    dropped = rows - keep
    withheld = min(hidden, dropped)  # withheld bars are drawn first, so dropped first
    stronger = dropped - withheld
    why = []
    if stronger:
        why.append(f"未列出的{stronger}个都强于所列各个")
    if withheld:
        why.append(f"另有{withheld}个数字为保护个人信息已隐去")
    return f"（共{rows}个，图幅所限只列出最弱的{keep}个；{'，'.join(why)}）"


def value_ticks(top: float) -> list[float]:
    """At least three round ticks from 0, none beyond `top` (the data's largest value): 0, 20, 40, 60 for
    a top of 67; 0, 0.5, 1 for a top of 1."""
    if not top or top <= 0 or math.isnan(top):
        return []

    def nice(limit: float) -> float:  # the largest 1, 2 or 5 × 10^k not above `limit`
        magnitude = 10 ** math.floor(math.log10(limit))
        return max(m * magnitude for m in (1, 2, 5, 10) if m * magnitude <= limit * (1 + 1e-9))

    step = nice(top / 3)  # four ticks or more
    if step < 1 <= top / 2:  # small whole numbers: 0, 1, 2 rather than 0, 0.5, 1, 1.5, 2
        step = nice(top / 2)
    return [round(i * step, 10) for i in range(int(top / step + 1e-9) + 1)]


def tick_text(value: float) -> str:
    """A tick label: 8,000, 1.3万, 0.5 (Chinese units, as ui.charts.wan)."""
    if abs(value) >= 1e4:
        return f"{value / 1e4:.4g}万"
    return f"{value:,.0f}" if value == int(value) else f"{value:g}"


def _value_axis(fig: go.Figure) -> tuple[str, float] | None:
    """The value axis ('x' for horizontal bars, else 'y') and the data's largest value on it (bars of a
    stack summed); None for a figure without one (heat tables, funnels, category-only charts)."""
    traces = [t for t in fig.data if t.type in ("bar", "scatter") and t.meta != "value-labels"
              and getattr(t, "mode", None) != "text"]
    if not traces or any(t.type not in ("bar", "scatter") for t in fig.data):
        return None
    axis = "x" if any(t.type == "bar" and t.orientation == "h" for t in traces) else "y"
    columns = [pd.to_numeric(pd.Series(list(getattr(t, axis))), errors="coerce").reset_index(drop=True)
               for t in traces if getattr(t, axis, None) is not None and len(getattr(t, axis))]
    if not columns or fig.layout[f"{axis}axis"].type in ("category", "date"):
        return None
    if min(c.min() for c in columns) < 0:  # values below zero: plotly's own ticks
        return None
    if fig.layout.barmode == "stack":
        top = pd.concat(columns, axis=1).fillna(0).clip(lower=0).sum(axis=1).max()
    else:
        top = max(c.max() for c in columns)
    return (axis, float(top)) if pd.notna(top) and top > 0 else None


def press_figure(fig: go.Figure, caption: Caption, size: tuple[int, int]) -> go.Figure:
    """A copy of the figure laid out for its canvas: every text at least 24 px; margins from the longest
    label; title and the period actually plotted; the unit above the value axis, clear of its ticks; value
    labels in a column of their own; the footer wrapped beneath the axis; a long ranking keeps the rows
    that fit at that size and says so."""
    width, height = size
    out = go.Figure(fig)  # a copy with its arrays (to_dict would turn them into base64 specs)
    value_axis = _value_axis(out)
    if value_axis:  # at least three ticks on the value axis, none beyond the data
        ticks = value_ticks(value_axis[1])
        out.update_layout({f"{value_axis[0]}axis": {"tickmode": "array", "tickvals": ticks,
                                                     "ticktext": [tick_text(v) for v in ticks]}})
    base = 26 if width >= 1920 else 24
    title_size = base + 14
    period = plotted_period(out, caption.period)
    hbars = [t for t in out.data if t.type == "bar" and t.orientation == "h" and t.y is not None]
    named = [t for t in out.data if t.name and t.showlegend is not False]
    foot = footer_lines(caption, base - 2 if width >= 1920 else base, width - 2 * PAD)
    x_title = bool(out.layout.xaxis.title.text)
    bottom = base * 1.6 + (base * 1.8 if x_title else 0) + 16 + len(foot) * base * LINE + PAD
    rows = max((len(t.y) for t in hbars), default=0)
    subtitle, keep = [period], rows
    for _ in range(3):  # the subtitle wraps to the canvas; a longer one leaves fewer rows, which changes its note
        lines = wrap(subtitle, base, width - 2 * PAD)
        top = PAD + title_size * LINE + len(lines) * base * LINE + 16 \
            + (base * 2 if len(named) > 1 or out.layout.shapes else 0)
        plot_height = height - top - bottom
        # a ranking keeps its weakest rows (drawn on top); 1.5 em per line
        keep = int(plot_height // (base * 1.5)) if rows and plot_height / rows < base * 1.5 else rows
        hidden = int((out.layout.meta or {}).get(RANKING_HIDDEN, 0))
        wanted = [period, ranking_note(rows, keep, hidden)] if keep < rows else [period]
        if wanted == subtitle:
            break
        subtitle = wanted
    if keep < rows:
        for trace in out.data:
            if trace.y is not None and len(trace.y) == rows:
                for attr in ("x", "y", "text", "customdata"):
                    values = getattr(trace, attr)
                    if values is not None and not isinstance(values, str):
                        trace.update({attr: list(values)[-keep:]})
                colours = trace.marker.color if trace.type == "bar" else None
                if colours is not None and not isinstance(colours, str):
                    trace.marker.color = list(colours)[-keep:]
    left = PAD + max(text_width(t, base) for t in _tick_texts(out, "y")) + 14
    unit = "" if hbars else out.layout.yaxis.title.text or ""
    labels = [t for t in out.data if t.meta == "value-labels" and t.text is not None]
    right = PAD + (max(text_width(x, base) for t in labels for x in t.text) + 12 if labels else 10)
    out.update_layout(
        width=width, height=height, font={"family": CJK, "size": base, "color": "#111"},
        title={"text": f"<b>{plotly_text(caption.title)}</b>", "x": PAD / width, "xanchor": "left", "xref": "container",
               "y": 1 - PAD / height, "yref": "container", "yanchor": "top", "font": {"size": title_size},
               "subtitle": {"text": "<br>".join(plotly_text(line) for line in lines),
                            "font": {"size": base, "color": "#333"}}},
        margin={"l": left, "r": right, "t": top, "b": bottom, "autoexpand": False},
        legend={"font": {"size": base}, "orientation": "h", "x": 1, "xanchor": "right", "y": 1.0, "yanchor": "bottom"},
        paper_bgcolor="white", plot_bgcolor="white",
    )
    out.update_xaxes(tickfont_size=base, title_font_size=base, automargin=False)
    out.update_yaxes(tickfont_size=base, title_font_size=base, automargin=False, title_text="")
    out.update_annotations(font_size=base)
    out.update_traces(textfont_size=base, selector={"type": "bar"})
    out.update_traces(textfont_size=base, selector={"type": "scatter"})
    out.update_traces(line_width=5, marker_size=9, selector={"type": "scatter", "mode": "lines+markers"})
    if rows:  # one label per bar
        out.update_yaxes(tickmode="linear", dtick=1)
    span = _month_span(out)
    if span:  # month ticks as many as fit side by side, level
        room = (width - left - right) / (text_width("2026年10月", base) + 24)
        step = next((m for m in (1, 2, 3, 4, 6, 12, 24) if span / m + 1 <= room), 24)
        out.update_xaxes(dtick=f"M{step}", tickangle=0)
    if unit:  # the value axis's unit, horizontal above its ticks: never over them
        out.add_annotation(text=unit, xref="paper", yref="paper", x=0, y=1, xanchor="right", yanchor="bottom",
                           xshift=-8, yshift=6, showarrow=False, font={"size": base, "color": "#333"})
    out.add_annotation(text="<br>".join(map(plotly_text, foot)), xref="paper", yref="paper", x=0, y=0,
                       xanchor="left", yanchor="top",
                       align="left", xshift=PAD - left, yshift=-(base * 1.6 + (base * 1.8 if x_title else 0) + 16),
                       showarrow=False, font={"size": base - 2 if width >= 1920 else base, "color": "#444"})
    if caption.watermark:
        out.add_annotation(text=press_config().get("watermark", "内部资料"), xref="paper", yref="paper", x=0.5, y=0.5,
                           showarrow=False, textangle=-25, font={"size": 160, "color": "rgba(0,0,0,0.08)"})
    return out


def chart_png(fig: go.Figure, caption: Caption, size: tuple[int, int], fmt: str = "png") -> bytes:
    """The figure as a press PNG of exactly `size` pixels (or as SVG, whose text a test can measure)."""
    press = press_figure(fig, caption, size)
    return _kaleido().calc_fig_sync(press, opts={"format": fmt, "width": size[0], "height": size[1], "scale": 1})


PT = 0.72  # matplotlib sizes are points; at 100 dpi one pixel is 0.72 pt


def map_figure(shapes: pd.DataFrame, colours: dict[str, list[int]], legend: list[tuple[str, tuple]],
               caption: Caption, size: tuple[int, int], unit: str):
    """The press map as a matplotlib figure laid out for its canvas: title and period on top, the footer
    wrapped at the bottom (the 审图号 on a line of its own), the legend beside (16:9) or under (square)
    the map, unit names ≥ 24 px placed so that none overlaps another (a name that does not fit its
    polygon goes beside the map with a leader line)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    matplotlib.rcParams["font.family"] = [CJK, "sans-serif"]
    matplotlib.rcParams["svg.hashsalt"] = "canlian"
    # Names are text: "$x^2$" is a township's name, not TeX (mathtext would draw it as a formula, and fail on
    # an unknown command); no LaTeX either. Every Text made from here on keeps parse_math off.
    matplotlib.rcParams["text.parse_math"] = False
    matplotlib.rcParams["text.usetex"] = False
    width, height = size
    wide = width > height
    base = 26 if wide else 24
    frame = gpd.GeoDataFrame(shapes[["region_code", "name"]].copy(),
                             geometry=shapely.from_geojson(shapes["geojson"].tolist()), crs=4326)
    frame = frame.to_crs(frame.estimate_utm_crs())  # metres: no lat/lon stretching
    fill = [tuple(c / 255 for c in colours.get(code, NO_DATA_COLOUR)) for code in frame["region_code"]]
    fig = plt.figure(figsize=(width / 100, height / 100), dpi=100)
    title_px = base + 14
    fig.text(PAD / width, 1 - PAD / height, caption.title, fontsize=title_px * PT, fontweight="bold", va="top")
    fig.text(PAD / width, 1 - (PAD + title_px * LINE + 8) / height, caption.period, fontsize=base * PT,
             color="#333", va="top")
    foot = footer_lines(caption, base, width - 2 * PAD, with_approval=True)
    foot_px = len(foot) * base * LINE
    fig.text(PAD / width, PAD / height, "\n".join(foot), fontsize=base * PT, color="#444", va="bottom",
             linespacing=LINE)
    handles = [Patch(facecolor=tuple(c / 255 for c in colour), edgecolor="#999", label=label)
               for label, colour in legend] + [Patch(facecolor=tuple(c / 255 for c in NO_DATA_COLOUR),
                                                     edgecolor="#999", label="无数据")]
    top_px = PAD + title_px * LINE + base * LINE + 24
    if wide:
        bottom_px = PAD + foot_px + 20
        ax = fig.add_axes((PAD / width, bottom_px / height, 0.68 - PAD / width, 1 - (top_px + bottom_px) / height))
        fig.legend(handles=handles, title=f"图例（{unit}）", loc="center left", bbox_to_anchor=(0.72, 0.5),
                   fontsize=base * PT, title_fontsize=base * PT, frameon=False)
    else:
        rows = -(-len(handles) // 3)
        legend_px = (rows + 1) * base * 1.6
        bottom_px = PAD + foot_px + 16 + legend_px
        ax = fig.add_axes((PAD / width, bottom_px / height, 1 - 2 * PAD / width, 1 - (top_px + bottom_px) / height))
        fig.legend(handles=handles, title=f"图例（{unit}）", loc="upper left", ncol=3,
                   bbox_to_anchor=(PAD / width - 0.01, (PAD + foot_px + 16 + legend_px) / height),
                   fontsize=base * PT, title_fontsize=base * PT, frameon=False, alignment="left")
    frame.plot(ax=ax, color=fill, edgecolor="white", linewidth=1.2)
    ax.set_axis_off()
    ax.set_aspect("equal", adjustable="datalim")  # the axes keep their box: room beside the county for names
    _place_names(fig, ax, frame, colours, base)
    if caption.watermark:
        fig.text(0.5, 0.5, press_config().get("watermark", "内部资料"), fontsize=140, color="black", alpha=0.07,
                 rotation=25, ha="center", va="center")
    return fig


def _crosses(segment: tuple[tuple[float, float], tuple[float, float]], box) -> bool:
    """Whether a leader line (two points on the canvas) passes through a name's box (or within 3 px of it)."""
    return shapely.LineString(segment).intersects(shapely.box(box.x0 - 3, box.y0 - 3, box.x1 + 3, box.y1 + 3))


def _place_names(fig, ax, frame: gpd.GeoDataFrame, colours: dict[str, list[int]], base: int) -> list:
    """Each unit's name inside its polygon where it overlaps no other name and no leader line (largest
    polygons first, a few nudges tried); else beside the map, in a free slot on the nearer side (then the
    other), with a leader line that crosses no other name. Returns the leader lines drawn (canvas points)."""
    from matplotlib import patheffects

    renderer = fig.canvas.get_renderer()
    to_data = ax.transData.inverted()
    placed = []
    lines: list[tuple[tuple[float, float], tuple[float, float]]] = []
    order = frame.assign(_area=frame.geometry.area).sort_values("_area", ascending=False)
    fig.canvas.draw()  # the axes' final limits (aspect applied) before anything is measured
    centre_x = sum(ax.get_xlim()) / 2
    halo = [patheffects.withStroke(linewidth=4, foreground="white")]  # legible on every fill and edge
    for row, point in zip(order.itertuples(), order.geometry.representative_point(), strict=True):
        text = ax.text(point.x, point.y, row.name, ha="center", va="center", fontsize=base * PT, fontweight="bold",
                       color="#111", path_effects=halo)
        px, py = ax.transData.transform((point.x, point.y))
        for dx, dy in ((0, 0), (0, base * 0.8), (0, -base * 0.8), (base, 0), (-base, 0), (0, base * 1.5),
                       (0, -base * 1.5)):
            text.set_position(to_data.transform((px + dx, py + dy)))
            box = text.get_window_extent(renderer).expanded(1.04, 1.1)
            inside = row.geometry.buffer(0).contains(shapely.Point(*to_data.transform(
                ((box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2))))
            if (inside and not any(box.overlaps(other) for other in placed)
                    and not any(_crosses(line, box) for line in lines)):
                placed.append(box)
                break
        else:  # beside the map with a leader line
            text.remove()
            nearer_left = px < ax.transData.transform((centre_x, 0))[0]
            axes_box = ax.get_window_extent(renderer)
            minx, _, maxx, _ = frame.total_bounds
            done = False
            for left in (nearer_left, not nearer_left):
                x = ax.transData.transform((minx, 0))[0] - 16 if left else ax.transData.transform((maxx, 0))[0] + 16
                for start in (point, _towards(row.geometry, point, minx if left else maxx)):
                    xy = (start.x, start.y)
                    if _leader(ax, row.name, xy, tuple(ax.transData.transform(xy)), x, left, base, placed, lines,
                               axes_box, renderer, to_data):
                        done = True
                        break
                if done:
                    break
    return lines


def _towards(geometry, point, x: float):
    """A point inside the polygon near its edge on the side of `x` (a leader line from there crosses fewer
    names on its way out of the map than one from the middle)."""
    from shapely.ops import nearest_points

    minx, miny, maxx, maxy = geometry.bounds
    inner = geometry.buffer(-0.08 * min(maxx - minx, maxy - miny))
    inner = inner if not inner.is_empty else geometry
    return nearest_points(inner, shapely.Point(x, point.y))[0]


def _leader(ax, name: str, xy, start, x: float, left: bool, base: int, placed: list, lines: list, axes_box,
            renderer, to_data) -> bool:
    """A name beside the map at canvas column `x` with a leader line to its point: the nearest free slot
    (above or below) whose name box overlaps no other name and whose line crosses none. False if none."""
    from matplotlib.text import Text

    py = start[1]
    for step in range(0, 60):
        y = py + (step // 2 + 1) * base * 1.3 * (1 if step % 2 else -1) if step else py
        label = ax.annotate(name, xy=xy, xytext=to_data.transform((x, y)), ha="right" if left else "left",
                            va="center", fontsize=base * PT, color="#111",
                            arrowprops={"arrowstyle": "-", "color": "#555", "lw": 1})
        label.update_positions(renderer)
        box = Text.get_window_extent(label, renderer).expanded(1.04, 1.1)  # the name, not its line
        line = (tuple(start), (box.x1 if left else box.x0, (box.y0 + box.y1) / 2))
        if (not any(box.overlaps(other) for other in placed) and axes_box.y0 <= box.y0 and box.y1 <= axes_box.y1
                and not any(_crosses(line, other) for other in placed)
                and not any(_crosses(earlier, box) for earlier in lines)):
            placed.append(box)
            lines.append(line)
            return True
        label.remove()
    return False


def map_png(shapes: pd.DataFrame, colours: dict[str, list[int]], legend: list[tuple[str, tuple]], caption: Caption,
            size: tuple[int, int], unit: str) -> bytes:
    """A static choropleth: polygons in their class colours, Chinese names, legend, title, footer
    with the map approval line (审图号), optional watermark."""
    import matplotlib.pyplot as plt

    fig = map_figure(shapes, colours, legend, caption, size, unit)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, metadata={"Software": None})
    plt.close(fig)
    return buffer.getvalue()
