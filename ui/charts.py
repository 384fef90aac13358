"""Plotly figures in the dashboard's style: Chinese labels and units, target lines, one colour per metric."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from ui.labels import TARGET_COLOUR

FONT = "Noto Sans CJK SC, Noto Sans SC, Microsoft YaHei, PingFang SC, sans-serif"


def styled(fig: go.Figure, height: int = 380, y_title: str = "", x_title: str = "") -> go.Figure:
    """Common layout: CJK font, white background, legend on top, axis titles with units."""
    fig.update_layout(
        height=height, font={"family": FONT, "size": 14}, plot_bgcolor="white", paper_bgcolor="white",
        margin={"l": 10, "r": 10, "t": 40, "b": 10}, legend={"orientation": "h", "y": 1.12, "x": 0},
        hoverlabel={"font_family": FONT}, separators=".,",
    )
    fig.update_yaxes(title_text=y_title, gridcolor="#e5e5e5", zerolinecolor="#cccccc")
    fig.update_xaxes(title_text=x_title)
    return fig


def ranked_bars(frame: pd.DataFrame, value: str, colour: str, unit: str, target: float | None = None,
                ascending: bool = True, text: str | None = None, title: str = "") -> go.Figure:
    """Horizontal bars, one per unit, weakest on top; the code rides along for click-to-drill."""
    data = frame.dropna(subset=[value]).sort_values(value, ascending=not ascending)
    fig = go.Figure(go.Bar(
        x=data[value], y=data["name"], orientation="h", marker_color=colour,
        customdata=data[["unit_code"]].to_numpy(),
        text=data[text] if text else data[value].map(lambda v: f"{v:,.1f}" if unit == "%" else f"{v:,.0f}"),
        textposition="outside", cliponaxis=False,
        hovertemplate="%{y}：%{x:,.1f}" + unit + "<extra></extra>",
    ))
    if target is not None:
        fig.add_vline(x=target, line_color=TARGET_COLOUR, line_dash="dash", line_width=2,
                      annotation_text=f"目标 {target:g}{unit}", annotation_position="top",
                      annotation_font_color=TARGET_COLOUR)
    styled(fig, height=max(300, 24 * len(data) + 80), x_title=f"{title}（{unit}）" if title else unit)
    fig.update_layout(clickmode="event+select", dragmode=False)
    if unit != "%" and len(data):
        fig.update_xaxes(range=[0, float(data[value].max()) * 1.45 or 1])  # room for the value labels
    if unit == "%":
        # Room on the right for the value labels beyond 100%.
        fig.update_xaxes(range=[min(60, float(data[value].min()) - 5) if len(data) else 0, 122],
                         tickvals=[0, 20, 40, 60, 80, 100])
    return fig


def month_lines(frame: pd.DataFrame, x: str, series: dict[str, tuple[str, str]], y_title: str,
                kind: str = "line") -> go.Figure:
    """One line (or bar group) per series: {column: (label, colour)} over months."""
    fig = go.Figure()
    for column, (label, colour) in series.items():
        if kind == "bar":
            fig.add_bar(x=frame[x], y=frame[column], name=label, marker_color=colour)
        else:
            fig.add_scatter(x=frame[x], y=frame[column], name=label, mode="lines+markers",
                            line={"color": colour, "width": 3}, marker={"size": 5})
    styled(fig, y_title=y_title)
    fig.update_xaxes(tickformat="%Y年%-m月", dtick="M3" if len(frame) > 12 else "M1")
    return fig


def grouped_bars(frame: pd.DataFrame, x: str, series: dict[str, tuple[str, str]], y_title: str,
                 barmode: str = "group", target: float | None = None) -> go.Figure:
    """Vertical bars per category of x, one colour per series; an optional target line."""
    fig = go.Figure()
    for column, (label, colour) in series.items():
        fig.add_bar(x=frame[x], y=frame[column], name=label, marker_color=colour,
                    text=frame[column].map(lambda v: f"{v:,.1f}" if "%" in y_title else f"{v:,.0f}"),
                    textposition="outside" if barmode == "group" else "inside")
    if target is not None:
        fig.add_hline(y=target, line_color=TARGET_COLOUR, line_dash="dash", line_width=2,
                      annotation_text=f"目标 {target:g}%", annotation_font_color=TARGET_COLOUR)
    styled(fig, y_title=y_title)
    fig.update_layout(barmode=barmode)
    fig.update_xaxes(type="category")
    return fig


def funnel(stages: list[str], values: list[float], colour: str) -> go.Figure:
    """Enrolled → with measures → eliminated, as a funnel with percentages of the first stage."""
    fig = go.Figure(go.Funnel(y=stages, x=values, marker_color=colour, textinfo="value+percent initial",
                              texttemplate="%{value:,}户（%{percentInitial:.1%}）"))
    return styled(fig, height=300)


def stacked_hbars(frame: pd.DataFrame, label: str, series: dict[str, tuple[str, str]], unit: str) -> go.Figure:
    """Horizontal stacked bars, one row per unit (largest on top), one colour per series."""
    data = frame.assign(_total=frame[list(series)].sum(axis=1)).sort_values("_total")
    fig = go.Figure()
    for column, (name, colour) in series.items():
        fig.add_bar(x=data[column], y=data[label], name=name, orientation="h", marker_color=colour,
                    hovertemplate="%{y} " + name + "：%{x:,}" + unit + "<extra></extra>")
    styled(fig, height=max(320, 22 * len(data) + 80), x_title=unit)
    fig.update_layout(barmode="stack")
    fig.update_yaxes(type="category")
    return fig
