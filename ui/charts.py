"""Plotly figures in the dashboard's style: Chinese labels and units, target lines, one colour per metric.

Each figure is written as one plain spec (traces and layout) and validated once by `go.Figure(spec)`:
building it with `update_layout`/`add_vline` calls costs ten times as much (each call re-validates),
and a page draws several figures on every rerun."""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go

from ui.labels import BELOW_TARGET_COLOUR, HIDDEN_BAR_COLOUR, ON_TARGET_COLOUR, TARGET_COLOUR

FONT = "Noto Sans CJK SC, Noto Sans SC, Microsoft YaHei, PingFang SC, sans-serif"


LABELS_META = "value-labels"  # the text trace that carries a ranking's value labels beside the plot


def text_width(text: str, size: float) -> float:
    """Pixels a line of text takes at `size` px: CJK and full-width forms one em, others about 0.6 em."""
    return sum(size if ord(ch) > 0x2E80 else 0.6 * size for ch in str(text))


def wan(value: float) -> str:
    """A tick label in Chinese units: 8,000, 1.3万, 120万, 1.5亿 (never 13k)."""
    if abs(value) >= 1e8:
        return f"{value / 1e8:.4g}亿"
    if abs(value) >= 1e4:
        return f"{value / 1e4:.4g}万"
    return f"{value:,.0f}" if value == int(value) else f"{value:,.2g}"


def nice_ticks(top: float, count: int = 5) -> list[float]:
    """Round tick values from 0 up to and including `top` (about `count` of them)."""
    if top <= 0:
        return [0.0]
    raw = top / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return [i * step for i in range(math.ceil(top / step) + 1)]


def _value_columns(traces: list[dict], axis: str) -> list[pd.Series]:
    """The values along `axis` ('x' or 'y') of each numeric trace."""
    columns = [pd.to_numeric(pd.Series(list(t[axis])), errors="coerce").fillna(0).reset_index(drop=True)
               for t in traces if t.get("type") in ("bar", "scatter") and t.get(axis) is not None
               and t.get("mode") != "text" and ((t.get("orientation") == "h") == (axis == "x"))]
    return [c for c in columns if len(c)]


def _value_top(traces: list[dict], axis: str, stacked: bool) -> float | None:
    """The largest value along `axis` ('x' or 'y') of numeric traces (stacked: summed per category)."""
    columns = _value_columns(traces, axis)
    if not columns:
        return None
    if stacked:
        return float(pd.concat(columns, axis=1).fillna(0).sum(axis=1).max())
    return float(max(c.max() for c in columns))


def chinese_ticks(traces: list[dict], axis: dict, name: str, stacked: bool = False) -> dict:
    """The value axis with Chinese tick labels (1.3万, not plotly's 13k) unless it sets its own ticks."""
    if "tickvals" in axis or axis.get("type") in ("category", "date"):
        return axis
    top = _value_top(traces, name, stacked)
    if top is None or top < 1000:
        # whole numbers (households, persons) under 5: ticks 0, 1, 2 … never "0.5户"
        whole = top is not None and top < 5 and all((c % 1 == 0).all() for c in _value_columns(traces, name))
        return {"exponentformat": "none", **({"dtick": 1} if whole else {}), **axis}
    if "range" in axis:
        top = max(top, float(axis["range"][1]) * 0.95)
    ticks = [v for v in nice_ticks(top) if "range" not in axis or v <= axis["range"][1]]
    return {"tickmode": "array", "tickvals": ticks, "ticktext": [wan(v) for v in ticks], **axis}


def fit_label_margin(fig: go.Figure, size: float, extra: float = 24) -> go.Figure:
    """Room on the right for the value labels drawn beside a ranking (they stay clear of the target line)."""
    labels = [t for t in fig.data if t.meta == LABELS_META and t.text is not None]
    if labels:
        widest = max((text_width(x, size) for t in labels for x in t.text), default=0)
        fig.update_layout(margin_r=int(widest + extra))
    return fig


def figure(traces: list[dict], height: int = 380, y_title: str = "", x_title: str = "",
           xaxis: dict | None = None, yaxis: dict | None = None, **layout: object) -> go.Figure:
    """The common layout (CJK font, white background, legend on top, axis titles with units, Chinese
    number ticks) around `traces`; `xaxis`, `yaxis` and further layout keys add to it."""
    stacked = layout.get("barmode") == "stack"
    xaxis = chinese_ticks(traces, xaxis or {}, "x", stacked)
    yaxis = chinese_ticks(traces, yaxis or {}, "y", stacked)
    return go.Figure({"data": traces, "layout": {
        "height": height, "font": {"family": FONT, "size": 14}, "plot_bgcolor": "white",
        "paper_bgcolor": "white", "margin": {"l": 10, "r": 10, "t": 40, "b": 10},
        "legend": {"orientation": "h", "y": 1.12, "x": 0}, "hoverlabel": {"font": {"family": FONT}},
        "separators": ".,",
        "xaxis": {"title": {"text": x_title, "standoff": 12}, "automargin": True, **xaxis},
        "yaxis": {"title": {"text": y_title, "standoff": 12}, "automargin": True, "gridcolor": "#e5e5e5",
                  "zerolinecolor": "#cccccc", **yaxis},
        **layout,
    }})


def _target_line(value: float, label: str, vertical: bool) -> dict:
    """A dashed target line across the plot with its label (shapes and annotations of the layout)."""
    line = {"color": TARGET_COLOUR, "dash": "dash", "width": 2}
    font = {"color": TARGET_COLOUR}
    if vertical:
        return {"shapes": [{"type": "line", "xref": "x", "yref": "paper", "x0": value, "x1": value, "y0": 0,
                            "y1": 1, "line": line}],
                "annotations": [{"xref": "x", "yref": "paper", "x": value, "y": 1, "text": label,
                                 "showarrow": False, "yanchor": "bottom", "font": font}]}
    return {"shapes": [{"type": "line", "xref": "paper", "yref": "y", "x0": 0, "x1": 1, "y0": value, "y1": value,
                        "line": line}],
            "annotations": [{"xref": "paper", "yref": "y", "x": 1, "y": value, "text": label, "showarrow": False,
                             "xanchor": "right", "yanchor": "bottom", "font": font}]}


def _labels(values: pd.Series, percent: bool, texts: pd.Series | None = None) -> list[str]:
    """Value labels: the publication's text where given (marks of withheld values included), else one
    decimal for percentages, thousands separators for counts."""
    if texts is not None:
        return list(texts)
    return ["—" if pd.isna(v) else (f"{v:,.1f}" if percent else f"{v:,.0f}") for v in values]


RANKING_HIDDEN = "withheld"  # layout.meta of a ranking: how many of its units are withheld


def ranked_bars(frame: pd.DataFrame, value: str, colour: str, unit: str, target: float | None = None,
                ascending: bool = True, text: str | None = None, title: str = "") -> go.Figure:
    """Horizontal bars, one per unit, weakest on top; the code rides along for click-to-drill."""
    # Withheld values keep their bar's place and label ('<5', '—'), at the bottom: never dropped.
    data = frame.sort_values(value, ascending=not ascending, na_position="first")
    labels = list(data[text]) if text else _labels(data[value], unit == "%", data.get(f"{value}_text"))
    bar = {"type": "bar", "x": data[value].fillna(0), "y": data["name"], "orientation": "h",
           "marker": {"color": target_colours(data[value], target, higher_is_better=ascending, colour=colour)},
           "customdata": data[["unit_code"]].to_numpy(), "showlegend": False,
           "hovertemplate": "%{y}：%{x:,.1f}" + unit + "<extra></extra>"}
    if unit == "%":  # bars start at zero and end at 100%; the labels stand in a column beyond it, so the
        # target line (≤ 100%) never crosses them
        top, xaxis = 100.0, {"range": [0, 100], "tickvals": [0, 20, 40, 60, 80, 100]}
    else:
        top = float(data[value].max()) if data[value].notna().any() else 0
        top = top or 1
        xaxis = {"range": [0, top]}
    column = {"type": "scatter", "mode": "text", "x": [top] * len(data), "y": data["name"], "text": labels,
              "textposition": "middle right", "cliponaxis": False, "showlegend": False, "hoverinfo": "skip",
              "meta": LABELS_META, "textfont": {"color": "#222"}}
    extra = _target_line(target, f"目标 {target:g}{unit}", vertical=True) if target is not None else {}
    fig = figure([bar, column], height=max(300, 24 * len(data) + 80),
                 x_title=f"{title}（{unit}）" if title else unit, xaxis=xaxis, clickmode="event+select",
                 dragmode=False, showlegend=False, **extra)
    fig.layout.meta = {RANKING_HIDDEN: int(data[value].isna().sum())}  # the first bars (a slide drops them)
    return fit_label_margin(fig, 14)


def target_colours(values: pd.Series, target: float | None, higher_is_better: bool = True,
                   colour: str = ON_TARGET_COLOUR) -> list[str] | str:
    """One colour per bar: below target in the warning colour, at or above it in the calm one, withheld
    in grey; without a target the metric's own colour."""
    if target is None:
        return colour
    return [HIDDEN_BAR_COLOUR if pd.isna(v) else
            (BELOW_TARGET_COLOUR if (v < target if higher_is_better else v > target) else ON_TARGET_COLOUR)
            for v in values]


def month_lines(frame: pd.DataFrame, x: str, series: dict[str, tuple[str, str]], y_title: str,
                kind: str = "line") -> go.Figure:
    """One line (or bar group) per series: {column: (label, colour)} over months."""
    if kind == "bar":
        traces = [{"type": "bar", "x": frame[x], "y": frame[column].fillna(0), "name": label, "marker": {"color": colour},
                   **({"text": frame[f"{column}_text"].where(frame[column].isna(), ""), "textposition": "outside"}
                      if f"{column}_text" in frame else {})}
                  for column, (label, colour) in series.items()]
    else:
        traces = [{"type": "scatter", "x": frame[x], "y": frame[column], "name": label, "mode": "lines+markers",
                   "line": {"color": colour, "width": 3}, "marker": {"size": 5}}
                  for column, (label, colour) in series.items()]
    return figure(traces, y_title=y_title, xaxis={"tickformat": "%Y年%-m月", "dtick": "M3" if len(frame) > 12 else "M1"})


def grouped_bars(frame: pd.DataFrame, x: str, series: dict[str, tuple[str, str]], y_title: str,
                 barmode: str = "group", target: float | None = None) -> go.Figure:
    """Vertical bars per category of x, one colour per series; an optional target line (one series against a
    target: its bars below it in the warning colour, as on every ranking)."""
    def colours(column: str, colour: str):
        return target_colours(frame[column], target, colour=colour) if target is not None and len(series) == 1 \
            else colour

    traces = [{"type": "bar", "x": frame[x], "y": frame[column].fillna(0), "name": label,
               "marker": {"color": colours(column, colour)},
               "text": _labels(frame[column], "%" in y_title, frame.get(f"{column}_text")),
               "textposition": "outside" if barmode == "group" else "inside", "textangle": 0}
              for column, (label, colour) in series.items()]
    extra = _target_line(target, f"目标 {target:g}%", vertical=False) if target is not None else {}
    # labels inside stacked segments too thin for them are left out (hover has them), not shrunk to dots
    fit = {"uniformtext": {"minsize": 12, "mode": "hide"}} if barmode == "stack" else {}
    return figure(traces, y_title=y_title, xaxis={"type": "category"}, barmode=barmode, **fit, **extra)


def funnel(stages: list[str], values: list[float | None], texts: list[str], colour: str) -> go.Figure:
    """Enrolled → with measures → eliminated, as a funnel labelled with the publication's texts."""
    return figure([{"type": "funnel", "y": stages, "x": [v or 0 for v in values], "marker": {"color": colour},
                    "text": texts, "textinfo": "text"}], height=300)


def stacked_hbars(frame: pd.DataFrame, label: str, series: dict[str, tuple[str, str]], unit: str) -> go.Figure:
    """Horizontal stacked bars, one row per unit (largest on top), one colour per series."""
    data = frame.assign(_total=frame[list(series)].sum(axis=1)).sort_values("_total")
    traces = [{"type": "bar", "x": data[column].fillna(0), "y": data[label], "name": name, "orientation": "h",
               "marker": {"color": colour}, "hovertemplate": "%{y} " + name + "：%{text}<extra></extra>",
               "text": data[f"{column}_text"] if f"{column}_text" in data else data[column],
               "textposition": "none"}
              for column, (name, colour) in series.items()]
    hidden = [[f"{name}{row[f'{column}_text']}" for column, (name, _) in series.items()
               if f"{column}_text" in data and pd.isna(row[column])] for _, row in data.iterrows()]
    if any(hidden):  # withheld segments are said beside their bar, never silently left out
        traces.append({"type": "scatter", "mode": "text", "x": [0] * len(data), "y": data[label],
                       "text": ["　" + "、".join(h) for h in hidden], "textposition": "middle right",
                       "showlegend": False, "hoverinfo": "skip", "textfont": {"color": "#555"}})
    return figure(traces, height=max(320, 22 * len(data) + 80), x_title=unit, yaxis={"type": "category"},
                  xaxis={"rangemode": "tozero"}, barmode="stack")
