"""The choropleth as a static SVG picture, drawn exactly where deck.gl will draw it (issue 29 §6).

A shared link shows its cards and this picture first; the interactive pydeck map takes its place once
deck.gl (a 3 MB bundle the browser loads and evaluates after the page's first elements) has drawn. The
picture is the same Web Mercator projection at the same zoom, centred on the view's centre, so that
centred in the map's box it lies where the deck's polygons will: the same fills, borders and names (placed
by `layers.place_labels`), and the points of a point layer. Names are text (XML-escaped), never markup.
"""

from __future__ import annotations

import base64
import html
import math

import pandas as pd
import shapely
import shapely.geometry

from maps.layers import CJK_FONT, mercator_pixels

EARTH_M = 40_075_016.686  # the equator's length: deck.gl's metres per pixel at a latitude and zoom


def _rings(geometry: dict) -> list[list[tuple[float, float]]]:
    """Every ring (exterior and holes) of a GeoJSON polygon or multipolygon, as (lon, lat) lists."""
    shape = shapely.geometry.shape(geometry)
    polygons = list(shape.geoms) if hasattr(shape, "geoms") else [shape]
    rings = []
    for polygon in polygons:
        if polygon.is_empty or not hasattr(polygon, "exterior"):
            continue
        rings.append(list(polygon.exterior.coords))
        rings.extend(list(interior.coords) for interior in polygon.interiors)
    return rings


def _path(ring: list[tuple[float, float]], zoom: float, cx: float, cy: float) -> tuple[str, list[tuple[int, int]]]:
    """An SVG subpath of a ring in whole pixels around the centre, consecutive repeats dropped."""
    pixels: list[tuple[int, int]] = []
    for lon, lat in ring:
        x, y = mercator_pixels(lon, lat, zoom)
        point = (round(x - cx), round(y - cy))
        if not pixels or point != pixels[-1]:
            pixels.append(point)
    if len(pixels) < 3:
        return "", pixels
    return "M" + "L".join(f"{x} {y}" for x, y in pixels) + "Z", pixels


def svg(collection: dict, longitude: float, latitude: float, zoom: float, labels: list[dict], size: float,
        points: pd.DataFrame | None = None, point_colour: tuple[int, int, int] = (230, 159, 0)) -> tuple[str, int, int]:
    """The SVG of the map (features with `fill` [r, g, b, a], `line`, `line_width` as `layers.area_layer` sets
    them; `labels` as `layers.place_labels` returns them; points with lon, lat and `radius` in metres), its
    width and height in pixels. Its centre is the view's centre."""
    cx, cy = mercator_pixels(longitude, latitude, zoom)
    half_w = half_h = 1.0
    shapes = []
    for feature in collection["features"]:
        props = feature["properties"]
        parts = []
        for ring in _rings(feature["geometry"]):
            d, pixels = _path(ring, zoom, cx, cy)
            if d:
                parts.append(d)
                half_w = max(half_w, *(abs(x) + 2 for x, _ in pixels))
                half_h = max(half_h, *(abs(y) + 2 for _, y in pixels))
        if not parts:
            continue
        r, g, b, a = [*props.get("fill", [220, 220, 220]), 255][:4]
        line = props.get("line", [255, 255, 255])
        shapes.append(f"<path d='{''.join(parts)}' fill='rgb({r},{g},{b})' fill-opacity='{a / 255:.3f}' "
                      f"stroke='rgb({line[0]},{line[1]},{line[2]})' stroke-width='{props.get('line_width', 1)}' "
                      "fill-rule='evenodd'/>")
    if points is not None and len(points):
        metres_per_pixel = EARTH_M * math.cos(math.radians(latitude)) / (512 * 2**zoom)
        for row in points.itertuples():
            x, y = mercator_pixels(float(row.lon), float(row.lat), zoom)
            radius = max(float(row.radius) / metres_per_pixel, 0.5)
            shapes.append(f"<circle cx='{x - cx:.1f}' cy='{y - cy:.1f}' r='{radius:.1f}' "
                          f"fill='rgb{tuple(point_colour)}' fill-opacity='0.784' stroke='#fff' stroke-width='1'/>")
    texts = []
    for label in labels:
        x, y = mercator_pixels(label["position"][0], label["position"][1], zoom)
        x, y = x - cx + label["offset"][0], y - cy + label["offset"][1]
        texts.append(f"<text x='{x:.1f}' y='{y:.1f}'>{html.escape(str(label['name']), quote=True)}</text>")
        width = sum(size if ord(ch) > 0x2E80 else 0.6 * size for ch in str(label["name"]))
        half_w, half_h = max(half_w, abs(x) + width / 2 + 4), max(half_h, abs(y) + size)
    width, height = 2 * math.ceil(half_w), 2 * math.ceil(half_h)
    font = html.escape(CJK_FONT, quote=True)
    body = (f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
            f"viewBox='{-width // 2} {-height // 2} {width} {height}'>{''.join(shapes)}"
            f"<g font-family=\"{font}\" font-size='{size}' font-weight='600' fill='rgb(20,20,20)' "
            "stroke='rgba(255,255,255,0.92)' stroke-width='3' paint-order='stroke' text-anchor='middle' "
            f"dominant-baseline='central'>{''.join(texts)}</g></svg>")
    return body, width, height


def css(box_class: str, picture: str, width: int, height: int, box_height: int, fit_height: int) -> str:
    """A style that shows `picture` (SVG text) centred in the block of class `box_class` (the container of
    the pydeck chart) until the deck's canvas is there, and keeps the block as high as the map meanwhile
    (`fit_height` on a laptop screen, as ui.page.PAGE_CSS sizes the map), its centre where the deck's will
    be. The picture travels base64-encoded in a data URL: nothing in it can end the style."""
    data = base64.b64encode(picture.encode("utf-8")).decode("ascii")
    block = f".{box_class}"
    # Centred on the deck's centre: the deck is box_height high at the top of its block (fit_height on a
    # laptop screen, where the block stays box_height high below it).
    return (f"<style>{block} {{background: url(\"data:image/svg+xml;base64,{data}\") center "
            f"{(box_height - height) / 2:g}px / {width}px {height}px no-repeat; min-height: {box_height}px;}}\n"
            f"@media (max-height: 820px) {{{block} {{min-height: {fit_height}px; "
            f"background-position: center {(fit_height - height) / 2:g}px;}}}}\n"
            f"{block}:has(canvas) {{background: none; min-height: 0;}}\n"
            f"{block} [data-testid=stSkeleton] {{opacity: 0;}}</style>")
