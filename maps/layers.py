"""Boundaries from the warehouse → pydeck layers: a classed choropleth with a legend, labels, points.

Small functions returning `pdk.Layer` / `pdk.Deck`; tested through their JSON. No base map is
needed (`map_provider=None`): nothing is fetched from the internet.
"""

from __future__ import annotations

import html
import itertools
import json
import math
import os
from dataclasses import dataclass

import pandas as pd
import pydeck as pdk
import shapely
import shapely.geometry

# pydeck looks for its Jupyter widget (a failed import of ipywidgets, never cached) twice on every
# Deck: about a millisecond each time, on every rerun of a page with a map. This is not a notebook.
pdk.bindings.deck.has_jupyter_extra = lambda: False

CJK_FONT = '"Noto Sans CJK SC", "Noto Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif'
# Sequential blues (colour-blind safe), light = low; for rates against a target, a diverging scale.
NO_DATA_COLOUR = [220, 220, 220]  # a region without data (never a withheld one: HIDDEN_COLOUR)
SEQUENTIAL = [[222, 235, 247], [158, 202, 225], [66, 146, 198], [33, 113, 181], [8, 48, 107]]
TARGET_CLASSES = [[213, 94, 0], [240, 170, 90], [189, 215, 238], [66, 146, 198], [8, 81, 156]]
LAYER_AREAS, LAYER_LABELS, LAYER_POINTS = "areas", "labels", "points"
# A withheld value (small-number suppression) has its own class: never drawn as "no data".
HIDDEN, HIDDEN_LABEL, HIDDEN_COLOUR = -1, "已隐去（人数少或可推算）", [150, 150, 170]
# An office with its own map service may set a style URL (its tiles stay on its own network).
MAP_STYLE_URL = os.environ.get("MAP_STYLE_URL") or None


def literal(text: str) -> str:
    """A string prop pydeck must pass as a string (unquoted strings become JavaScript expressions)."""
    return f"'{text}'"


@dataclass(frozen=True)
class LegendItem:
    """One class of a map legend: label and colour."""

    label: str
    colour: tuple[int, int, int]


def classify_rate(values: pd.Series, target: float) -> tuple[pd.Series, list[LegendItem]]:
    """Classes of a rate around its target (warm below it, blue at or above it); NaN → no data."""
    if target >= 100:  # 应补尽补: anything under 99% is a gap
        edges = [target - 15, target - 5, target - 1]
        colours = [TARGET_CLASSES[0], TARGET_CLASSES[1], TARGET_CLASSES[3], TARGET_CLASSES[4]]
    else:
        edges = [target - 15, target, target + (100 - target) / 2, 98.0]
        colours = TARGET_CLASSES
    bounds = [f"{e:g}" for e in edges]
    labels = [f"< {bounds[0]}%"] + [f"{a}–{b}%" for a, b in itertools.pairwise(bounds)] + [f"≥ {bounds[-1]}%"]
    idx = values.apply(lambda v: None if pd.isna(v) else sum(v >= e for e in edges))
    return idx, [LegendItem(lbl, tuple(c)) for lbl, c in zip(labels, colours, strict=True)]


def classify_count(values: pd.Series, unit: str, floor: int = 0) -> tuple[pd.Series, list[LegendItem]]:
    """Up to five classes of a count, with round breaks near the quintiles; NaN → no data. With `floor`
    (small counts withheld: what is shown is 0 or at least `floor`) no class lies between 0 and `floor`."""
    present = values.dropna()
    if present.empty:
        return values.map(lambda _: None), []
    top = int(present.max())
    breaks = sorted({int(_nice(present.quantile(q))) for q in (0.2, 0.4, 0.6, 0.8)} - {0})
    if present.min() == 0 and top >= 1:  # none and some are never one colour (e.g. 0 or 1 person to visit)
        breaks = sorted({1, *breaks})
    if floor:
        breaks = sorted({floor} | {b for b in breaks if b > floor}) if top >= floor else []
    breaks = [b for b in breaks if b <= top]
    lows = [0, *breaks]
    labels = []
    for i, low in enumerate(lows):
        high = lows[i + 1] - 1 if i + 1 < len(lows) else top
        text = f"{low:,}{unit}" if high <= low else f"{low:,}–{high:,}{unit}"
        if floor and i == 0:
            text = f"0{unit}"  # 1 to floor-1 are withheld, in their own class
        labels.append(f"≥ {low:,}{unit}" if 0 < i == len(lows) - 1 and high > low else text)
    idx = values.apply(lambda v: None if pd.isna(v) else sum(v >= b for b in breaks))
    # Evenly spread over the palette from its lightest, so few classes still read light → dark.
    step = (len(SEQUENTIAL) - 1) / max(len(labels) - 1, 1)
    palette = [SEQUENTIAL[round(i * step)] for i in range(len(labels))]
    return idx, [LegendItem(lbl, tuple(c)) for lbl, c in zip(labels, palette, strict=True)]


def _nice(x: float) -> float:
    """A round number near x (1, 2, 5 × 10^n) so legend breaks read well."""
    if x <= 0:
        return 0
    power = 10 ** math.floor(math.log10(x))
    return min((m * power for m in (1, 2, 5, 10)), key=lambda v: abs(v - x))


def feature_collection(shapes: pd.DataFrame, values: pd.DataFrame, classes: pd.Series,
                       legend: list[LegendItem]) -> dict:
    """GeoJSON features with name, value text and fill colour in their properties. deck.gl puts a tooltip
    template's values into the page as HTML, so `name` is HTML-escaped there (a region named
    `<img src=x onerror=…>` stays text); `label` keeps the name as it is for the TextLayer, which draws glyphs."""
    features = []
    by_code = values.set_index("unit_code") if len(values) else values
    for row in shapes.itertuples():
        cls = classes.get(row.region_code)
        text = by_code["value_text"].get(row.region_code, "无数据") if len(by_code) else "无数据"
        if cls is None or pd.isna(cls):
            colour = NO_DATA_COLOUR
        else:
            colour = HIDDEN_COLOUR if int(cls) == HIDDEN else list(legend[int(cls)].colour)
        features.append({
            "type": "Feature",
            "geometry": json.loads(row.geojson),
            "properties": {"region_code": row.region_code, "name": html.escape(str(row.name)), "label": row.name,
                           "value_text": html.escape(str(text)),
                           "fill": [*colour, 220]},
        })
    return {"type": "FeatureCollection", "features": features}


def area_layer(collection: dict, selected: str = "") -> pdk.Layer:
    """The choropleth: polygons filled by class, white borders, the selected one outlined."""
    for feature in collection["features"]:
        feature["properties"]["line"] = [20, 20, 20] if feature["properties"]["region_code"] == selected \
            else [255, 255, 255]
        feature["properties"]["line_width"] = 3 if feature["properties"]["region_code"] == selected else 1
    return pdk.Layer(
        "GeoJsonLayer", collection, id=LAYER_AREAS, pickable=True, stroked=True, filled=True,
        get_fill_color="properties.fill", get_line_color="properties.line",
        get_line_width="properties.line_width", line_width_units=literal("pixels"),
        auto_highlight=True, highlight_color=[0, 0, 0, 40],
    )


def mercator_pixels(lon: float, lat: float, zoom: float) -> tuple[float, float]:
    """Where deck.gl draws a point at this zoom (Web Mercator, a 512-pixel world at zoom 0)."""
    world = 512 * 2**zoom
    y = math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))
    return (lon + 180) / 360 * world, (1 - y / math.pi) / 2 * world


def text_box(text: str, size: float) -> tuple[float, float]:
    """A label's width and height in pixels: CJK characters a full em, others a little over half."""
    return sum(size if ord(ch) > 0x2E80 else 0.6 * size for ch in text) + 4, size * 1.15


# Where a label may stand, tried in order: on its point, then just above or below it (multiples of its height).
_NUDGES = (0.0, -1.0, 1.0)


def place_labels(collection: dict, size: float, zoom: float | None) -> list[dict]:
    """Each region's name at a point inside it, unless it would overlap a name already placed: the larger
    regions are placed first and a label that fits nowhere near its point is left out (its region still
    has its tooltip, ranking and table row). Without a zoom every name is placed on its point. Returns rows
    with name, position and pixel offset."""
    candidates = []
    for feature in collection["features"]:
        shape = shapely.geometry.shape(feature["geometry"])
        point = shapely.point_on_surface(shape)
        candidates.append((shape.area, feature, point))
    placed: list[tuple[float, float, float, float]] = []
    rows = []
    for _, feature, point in sorted(candidates, key=lambda c: -c[0]):
        name = feature["properties"]["label"]
        width, height = text_box(name, size)
        x, y = mercator_pixels(point.x, point.y, zoom) if zoom is not None else (0.0, 0.0)
        for nudge in _NUDGES:
            box = (x - width / 2, y + nudge * height - height / 2, x + width / 2, y + nudge * height + height / 2)
            free = not any(box[0] < o[2] and o[0] < box[2] and box[1] < o[3] and o[1] < box[3] for o in placed)
            if zoom is None or free:
                placed.append(box)
                rows.append({"name": name, "position": [point.x, point.y], "offset": [0, nudge * height]})
                break
    return rows


def label_layer(collection: dict, size: int = 14, zoom: float | None = None,
                rows: list[dict] | None = None) -> pdk.Layer:
    """Chinese names at a point inside each polygon, dark with a white halo (legible on any fill and off
    the polygon; character_set 'auto' makes deck.gl build the CJK glyphs it needs from the local font).
    Given the view's zoom, names never overlap (`place_labels`; `rows`: its result, when already made)."""
    rows = place_labels(collection, size, zoom) if rows is None else rows
    return pdk.Layer(
        "TextLayer", pd.DataFrame(rows, columns=["name", "position", "offset"]), id=LAYER_LABELS,
        get_position="position", get_text="name", get_size=size, get_pixel_offset="offset",
        get_color=[20, 20, 20], font_settings={"sdf": True}, outline_width=3, outline_color=[255, 255, 255, 235],
        character_set=literal("auto"), font_family=literal(CJK_FONT), font_weight=600,
        get_text_anchor=literal("middle"), get_alignment_baseline=literal("center"), pickable=False,
    )


def point_radius(sizes: pd.Series) -> pd.Series:
    """A point's radius in metres: its area grows with the persons it stands for."""
    return 200 + 120 * sizes.clip(lower=0).pow(0.5)


def point_layer(points: pd.DataFrame, size_column: str, colour: list[int]) -> pdk.Layer:
    """Circles at lon/lat, area proportional to `size_column` (persons placed). Text columns are HTML-escaped:
    they only feed the tooltip, which deck.gl renders as HTML."""
    data = points.copy()
    for column in data.columns:
        if data[column].dtype == object or pd.api.types.is_string_dtype(data[column]):
            data[column] = data[column].map(lambda v: html.escape(v) if isinstance(v, str) else v)
    data["radius"] = point_radius(data[size_column])
    return pdk.Layer(
        "ScatterplotLayer", data, id=LAYER_POINTS, get_position=["lon", "lat"], get_radius="radius",
        radius_units=literal("meters"), get_fill_color=[*colour, 200], get_line_color=[255, 255, 255],
        stroked=True, line_width_min_pixels=1, pickable=True,
    )


def view_for(shapes: pd.DataFrame, width: float = 620, height: float | None = None) -> pdk.ViewState:
    """A view that fits the polygons into about `width` × `height` pixels (any height if not given)."""
    minx, miny, maxx, maxy = shapely.total_bounds(shapely.from_geojson(shapes["geojson"].tolist()))
    left, bottom = mercator_pixels(minx, miny, 0)
    right, top = mercator_pixels(maxx, maxy, 0)
    fits = [width / max(right - left, 1e-9)] + ([height / max(bottom - top, 1e-9)] if height else [])
    zoom = math.log2(min(fits))
    return pdk.ViewState(longitude=(minx + maxx) / 2, latitude=(miny + maxy) / 2, zoom=round(zoom, 2))


def deck(layers: list[pdk.Layer], view: pdk.ViewState, tooltip_html: str) -> pdk.Deck:
    """A Deck with no base map (offline), a Chinese tooltip."""
    tooltip = {"html": tooltip_html, "style": {"fontFamily": CJK_FONT, "fontSize": "14px"}}
    if MAP_STYLE_URL:
        return pdk.Deck(layers=layers, initial_view_state=view, map_provider="carto", map_style=MAP_STYLE_URL,
                        tooltip=tooltip)
    # map_provider=None and no map_style: no base map, and no request for a remote style.
    return pdk.Deck(layers=layers, initial_view_state=view, map_provider=None, tooltip=tooltip)


def selected_code(selection: dict | None, layer_id: str = LAYER_AREAS) -> str | None:
    """The region code of the clicked polygon in a pydeck selection event, if any."""
    if not selection:
        return None
    objects = (selection.get("selection") or {}).get("objects") or {}
    picked = objects.get(layer_id) or []
    if not picked:
        return None
    first = picked[0]
    return (first.get("properties") or first).get("region_code")
