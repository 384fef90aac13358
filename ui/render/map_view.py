"""A choropleth of the view's units (pydeck, no tiles), its legend, click to drill, and its press PNG."""

from __future__ import annotations

import html

import pandas as pd
import streamlit as st

from maps import layers, static_map
from queries import dashboard
from queries.disclosure import SMALL
from ui import data, first_paint, press
from ui.labels import md_escape
from ui.render import slide
from ui.render.chart import PRESENT_HEIGHT, can_drill, drill_hint, drill_to
from ui.render.downloads import export_menu
from ui.render.output import Output, unit_frame
from ui.state import Context, View
from ui.wording import unit_word, until_caption

MAP_HEIGHT, MAP_FIT_HEIGHT = 380, 300  # a page's map box, and its height on a laptop screen (ui.page.PAGE_CSS)

POINT_COLOUR = (230, 159, 0)  # the employment bases' dots
MAP_DRAWN = "map_drawn"  # session key: a map was sent to this browser session (its deck.gl is loaded)

PRESENT_CHART_HEIGHT = 480  # 1080 − the question, the headline row and the 截至 line (the most a slide gives it)

def _drill_from_map(key_: str, view: View) -> None:
    """Callback: the clicked polygon's region becomes the area."""
    code = layers.selected_code(st.session_state.get(key_))
    if code:
        drill_to(code, view)

def _map_classes(frame: pd.DataFrame, column: str, unit: str, target: float | None, suppressed: bool = False):
    """Classes of the shown values (hidden ones in their own class), and the legend."""
    series = frame.set_index("unit_code")[column]
    classes, items = (layers.classify_rate(series, target) if unit == "%" and target is not None
                      else layers.classify_count(series, unit, floor=SMALL if suppressed else 0))
    hidden = frame.set_index("unit_code")[f"{column}_hidden"]
    classes = classes.where(~hidden, layers.HIDDEN)
    if hidden.any():
        items = [*items, layers.LegendItem(layers.HIDDEN_LABEL, tuple(layers.HIDDEN_COLOUR))]
    return classes, items

def region_map(out: Output, ctx: Context, units: pd.DataFrame, column: str, unit: str, target: float | None = None,
               points: pd.DataFrame | None = None, point_tooltip: str = "", key_: str = "map", title: str = "",
               block: str = "", missing: str = "") -> None:
    """A choropleth of the view's units coloured by `column` of the publication (withheld values in
    their own class, never 'no data'), legend, notices, click to drill, and a press PNG of the same map
    drawn from the suppressed publication."""
    if missing:  # the dataset does not cover the period: said, not a grey map
        st.info(missing)
        return
    view = out.view
    shapes = data.q(dashboard.boundaries, view.filters)
    if shapes.empty:
        st.info(f"没有{unit_word(view)}边界数据，无法绘制地图；请在导入时提供边界文件。")
        return
    frame = unit_frame(out.pub, units, [column], block)
    frame["value_text"] = frame[f"{column}_text"]
    classes, items = _map_classes(frame, column, unit, target, out.pub.suppressed)
    collection = layers.feature_collection(shapes, frame, classes, items)
    size = 24 if view.present else (13 if view.township else 14)
    height = PRESENT_CHART_HEIGHT if view.present else MAP_HEIGHT
    # On a slide the map fills the screen (its names at 24 px then have room); on a page it is fitted to what
    # a laptop shows of it (ui.page: the map box is MAP_FIT_HEIGHT high there), centred in its taller box elsewhere.
    view_state = (layers.view_for(shapes, 1700, height - 40) if view.present
                  else layers.view_for(shapes, 600, MAP_FIT_HEIGHT - 20))
    stack = [layers.area_layer(collection, view.village)]
    tooltip = "<b>{name}</b><br/>{value_text}"
    has_points = points is not None and len(points) > 0
    if has_points:
        stack.append(layers.point_layer(points, "size_persons", POINT_COLOUR))
        tooltip = point_tooltip or tooltip
    labels = layers.place_labels(collection, size, view_state.zoom)
    stack.append(layers.label_layer(collection, size, view_state.zoom, rows=labels))  # names above the bases' dots
    deck = layers.deck(stack, view_state, tooltip)
    map_key = f"{key_}_{view.township or 'county'}"
    box = PRESENT_HEIGHT if view.present else height
    # On a page, the map's picture first (issue 29 §6): an SVG of the same map at the same place shows as soon
    # as the page's first elements do, and gives way to the interactive map once deck.gl has drawn it. Only
    # while this browser session has not drawn a map yet: afterwards deck.gl is loaded and draws at once.
    if view.present and title:
        slide.part_title(title)
    holder = st.container() if view.present else st.container(key=f"mapbox_{map_key}")  # the same block each run
    light = first_paint.light()  # the session's first run: the picture alone, the deck in the next run
    if not view.present and not st.session_state.get(MAP_DRAWN):
        picture, width, pic_height = static_map.svg(
            collection, view_state.longitude, view_state.latitude, view_state.zoom, labels, size,
            points.assign(radius=layers.point_radius(points["size_persons"])) if has_points else None, POINT_COLOUR)
        st.html(static_map.css(f"st-key-mapbox_{map_key}", picture, width, pic_height, box, MAP_FIT_HEIGHT))
    with holder:
        if light:  # something in the block, or the browser does not draw it (nor its picture)
            st.html(f"<div class='map-box' style='height:{box}px'></div>")  # as high as the deck's block
            first_paint.owe()
        elif not can_drill(view):
            st.pydeck_chart(deck, height=box, key=map_key)
        else:
            st.pydeck_chart(deck, height=box, key=map_key, on_select=lambda: _drill_from_map(map_key, view),
                            selection_mode="single-object")
    if not light:
        st.session_state[MAP_DRAWN] = True
    legend_html(items, unit)
    known = set(shapes["region_code"])
    missing = [n for c, n in (ctx.villages.get(view.township, {}) if view.township else ctx.townships).items()
               if c not in known]
    if missing:
        st.caption(md_escape(f"无边界、未在地图上显示的{unit_word(view)}（{len(missing)}）：{'、'.join(missing[:20])}"
                             + ("…" if len(missing) > 20 else "")))
    if drill_hint(view):
        st.caption(f"点击地图上的{unit_word(view)}可下钻查看。")
    until_caption(ctx)
    if title and not view.present:
        def press_map(caption: press.Caption, size: tuple[int, int]) -> bytes:
            """The PNG, always from the public publication; made only when asked for."""
            safe = unit_frame(out.image(), units, [column], block)
            safe_classes, safe_items = _map_classes(safe, column, unit, target, True)
            colours = {code: list(layers.HIDDEN_COLOUR if c == layers.HIDDEN else safe_items[int(c)].colour)
                       for code, c in safe_classes.items() if c is not None and not pd.isna(c)}
            return press.map_png(shapes, colours, [(i.label, i.colour) for i in safe_items], caption, size, unit)

        export_menu(key_, title, ctx, view, press_map, is_map=True)

def legend_html(items: list[layers.LegendItem], unit: str) -> None:
    """Swatches with class labels, and the no-data colour."""
    items = [*items, layers.LegendItem("无数据", tuple(layers.NO_DATA_COLOUR))]
    spans = "".join(
        f"<span style='display:inline-block;margin-right:14px'><span style='display:inline-block;width:14px;"
        f"height:14px;background:rgb{item.colour};border:1px solid #999;vertical-align:middle;margin-right:4px'>"
        f"</span>{html.escape(item.label)}</span>" for item in items)
    st.html(f"<div class='map-legend' style='font-size:0.9rem'>图例（{html.escape(unit)}）：{spans}</div>")
