"""A plotly chart of a publication: on a page (click a bar to drill), on a slide (24 px text, the weakest
ten of a ranking), or said in words when it has nothing to draw; its press PNG."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from queries import disclosure
from queries.publish import Publication
from ui import charts, first_paint, press
from ui import view_state as vs
from ui.render import slide
from ui.render.downloads import export_menu
from ui.render.output import Output
from ui.state import Context, View
from ui.viewer import signed_in
from ui.wording import until_caption

PRESENT_ROWS = 10

# On a slide the main chart or map takes the height the rest of the screen leaves (height "stretch" in the
# flex column of ui.page.PRESENT_CSS): a longer question, wrapped cards or more notes make it shorter, never
# the slide taller than the screen.
PRESENT_HEIGHT = "stretch"

# Plotly's toolbar speaks English ("Download plot as a png", "Zoom") and its Chinese locale is a script
# fetched from a CDN: the toolbar is off; images come from the page's own 导出图片 (press PNG).
PLOTLY_CONFIG = {"displayModeBar": False, "displaylogo": False, "scrollZoom": False}

def can_drill(view: View) -> bool:
    """Whether a click on a bar or a region drills into it: not below a village, not for the press role
    (its view stays the county's). Where it cannot, no text invites a click."""
    return not view.village and signed_in().role != "press"

def drill_hint(view: View) -> bool:
    """Whether a page says "点击…可下钻": where a click drills, and not on a slide (no such text there)."""
    return can_drill(view) and not view.present

def chart(out: Output, make: Callable[[Publication], go.Figure], ctx: Context, key_: str, title: str = "",
          drill: bool = False, note: str = "", missing: str = "", part: str = "", period: str = "") -> None:
    """A plotly chart drawn from the view's publication, its 截至 line and any note on what it does not
    follow; bars of units drill into the clicked unit; a press PNG drawn from the suppressed publication.
    A chart whose dataset does not cover the period says so (`missing`) instead of drawing empty bars.
    A chart that is a `part` of its own is drawn on a slide only when the slide shows that part."""
    if out.view.present and part:
        if not slide.shows(out.view, part):
            return
        slide.mark_drawn()
    if missing:
        st.info(missing)
        return
    view = out.view
    fig = make(out.pub)
    if view.present:
        fig = present_figure(fig)
        if title:
            slide.part_title(title)
    if not plotted_values(fig):  # an empty axis (plotly's −1..1) says nothing: say why there is no chart
        st.info(ALL_HIDDEN if disclosure.legend_needed(out.pub) else NOTHING_TO_PLOT)
        until_caption(ctx)
        return
    config = PLOTLY_CONFIG
    height = PRESENT_HEIGHT if view.present else "content"
    if first_paint.light():  # the session's first run: a box of the chart's height, the chart in the next run
        first_paint.chart_box(fig.layout.height or 450)
    elif drill and can_drill(view):
        st.plotly_chart(fig, key=key_, on_select=lambda: _drill_from_chart(key_, view), selection_mode="points",
                        config=config, height=height)
    else:
        st.plotly_chart(fig, key=key_, config=config, height=height)
    if note:
        st.caption(note)
    until_caption(ctx)
    if title and not view.present:
        export_menu(key_, title, ctx, view, lambda caption, size: press.chart_png(make(out.image()), caption, size),
                    period=period)

ALL_HIDDEN = "所选范围的数值均已隐去（人数少于5或可据以推算），不绘制图表；可选择更大的范围或不按类别、等级筛选。"

NOTHING_TO_PLOT = "所选范围没有可绘制的数值。"

def plotted_values(fig: go.Figure) -> int:
    """How many numbers the chart draws: the bars' or lines' values and a heatmap's cells (withheld ones are
    None; labels and target lines are not values)."""
    count = 0
    for trace in fig.data:
        if trace.meta == "value-labels":
            continue
        if trace.type == "heatmap":
            values = [v for row in (trace.z or []) for v in (row or [])]
        elif trace.type in ("bar", "scatter"):
            values = trace.x if trace.type == "bar" and trace.orientation == "h" else trace.y
        else:
            count += 1
            continue
        count += sum(1 for v in (values if values is not None else []) if v is not None and not pd.isna(v))
    return count

def present_figure(fig: go.Figure) -> go.Figure:
    """Chart text of at least 24 px for a projector, sized to the rest of one 1080 px screen; a long ranking
    keeps its weakest ten (drawn on top) of the units it can rank: withheld ones are left out and counted
    under it (ten bars of "—" and the strongest units would read as the weakest)."""
    ranking = any(t.type == "bar" and t.orientation == "h" for t in fig.data)
    withheld = int((fig.layout.meta or {}).get(charts.RANKING_HIDDEN, 0)) if ranking else 0
    for trace in fig.data:
        if ranking and trace.y is not None and (len(trace.y) > PRESENT_ROWS or withheld):
            keep = slice(withheld, None) if len(trace.y) - withheld <= PRESENT_ROWS else slice(-PRESENT_ROWS, None)
            for attr in ("x", "y", "text", "customdata"):
                values = getattr(trace, attr)
                if values is not None and not isinstance(values, str):
                    trace.update({attr: list(values)[keep]})
            colours = trace.marker.color if trace.type == "bar" else None
            if colours is not None and not isinstance(colours, str):
                trace.marker.color = list(colours)[keep]
    if withheld:
        fig.update_xaxes(title_text=f"{fig.layout.xaxis.title.text or ''}　另有{withheld}个数值已隐去，未列入排名")
    fig.update_layout(font={"size": 24}, legend={"font": {"size": 24}}, height=None, autosize=True,
                      hoverlabel={"font": {"size": 24}})
    fig.update_xaxes(tickfont_size=24, title_font_size=24)
    fig.update_yaxes(tickfont_size=24, title_font_size=24)
    fig.update_traces(textfont_size=24, selector={"type": "bar"})
    fig.update_traces(textfont_size=24, selector={"type": "scatter"})
    fig.update_annotations(font_size=24)
    charts.fit_label_margin(fig, 24)
    return fig

def _drill_from_chart(key_: str, view: View) -> None:
    """Callback: the clicked bar's unit becomes the area."""
    points = st.session_state[key_].selection.get("points") or []
    if points and points[0].get("customdata"):
        drill_to(points[0]["customdata"][0], view)

def drill_to(code: str, view: View) -> None:
    """Township at county level, village inside a township."""
    if view.township:
        vs.set_area(view.township, code)
    else:
        vs.set_area(code)
