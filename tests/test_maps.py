"""The map layer builders, through the JSON of their pdk.Deck (no browser needed)."""

from __future__ import annotations

import html
import itertools
import json

import pandas as pd
import pytest

from maps import layers
from maps.layers import NO_DATA_COLOUR
from queries.common import Filters
from queries.dashboard import boundaries
from queries.db import connect


@pytest.fixture(scope="module")
def shapes(duck_url) -> pd.DataFrame:
    """Township boundaries of the test county."""
    return boundaries(connect(duck_url), Filters(scope=""))


def deck_json(shapes: pd.DataFrame, values: pd.DataFrame, target: float | None = 85) -> dict:
    """A full choropleth deck as parsed JSON."""
    series = values.set_index("unit_code")["v"]
    classes, legend = layers.classify_rate(series, target) if target else layers.classify_count(series, "人")
    values = values.assign(value_text=values["v"].astype(str))
    collection = layers.feature_collection(shapes, values, classes, legend)
    deck = layers.deck([layers.area_layer(collection, shapes["region_code"].iloc[0]), layers.label_layer(collection)],
                       layers.view_for(shapes), "<b>{name}</b><br/>{value_text}")
    return json.loads(deck.to_json())


def test_choropleth_colours_by_class_and_no_data(shapes):
    codes = shapes["region_code"].tolist()
    values = pd.DataFrame({"unit_code": codes[:-1], "v": [60.0 + i for i in range(len(codes) - 1)]})
    spec = deck_json(shapes, values)
    areas = next(layer for layer in spec["layers"] if layer["id"] == layers.LAYER_AREAS)
    assert areas["@@type"] == "GeoJsonLayer" and areas["pickable"] is True
    fills = {f["properties"]["region_code"]: f["properties"]["fill"][:3] for f in areas["data"]["features"]}
    assert fills[codes[-1]] == NO_DATA_COLOUR  # no data is its own grey, not the lowest class
    assert fills[codes[0]] == layers.TARGET_CLASSES[0] and NO_DATA_COLOUR not in layers.TARGET_CLASSES
    assert areas["getFillColor"] == "@@=properties.fill"
    assert areas["lineWidthUnits"] == "pixels"
    selected = next(f for f in areas["data"]["features"] if f["properties"]["region_code"] == codes[0])
    assert selected["properties"]["line_width"] == 3


def test_labels_render_chinese_offline(shapes):
    values = pd.DataFrame({"unit_code": shapes["region_code"], "v": 90.0})
    spec = deck_json(shapes, values)
    labels = next(layer for layer in spec["layers"] if layer["id"] == layers.LAYER_LABELS)
    assert labels["@@type"] == "TextLayer"
    assert labels["characterSet"] == "auto"  # a plain string, not a JavaScript expression
    assert "Noto Sans CJK SC" in labels["fontFamily"]
    assert sorted(row["name"] for row in labels["data"]) == sorted(shapes["name"])
    assert spec.get("mapStyle") in (None, "__MAP_STYLE__")  # no remote style URL: no base map is fetched
    assert layers.deck([], layers.view_for(shapes), "").map_provider is None
    assert spec["initialViewState"]["zoom"] > 7  # fitted to a county, not the world


def test_count_legend_and_points(shapes):
    values = pd.DataFrame({"unit_code": shapes["region_code"], "v": range(len(shapes))})
    series = values.set_index("unit_code")["v"]
    classes, legend = layers.classify_count(series, "人")
    assert 2 <= len(legend) <= 5 and legend[-1].label.startswith("≥")
    assert classes.max() == len(legend) - 1 and classes.min() == 0
    points = pd.DataFrame({"lon": [117.0], "lat": [35.0], "placed_persons": [16], "name": ["基地"]})
    layer = json.loads(layers.deck([layers.point_layer(points, "placed_persons", [230, 159, 0])],
                                   layers.view_for(shapes), "").to_json())["layers"][0]
    assert layer["@@type"] == "ScatterplotLayer" and layer["getPosition"] == "@@=[lon, lat]"
    assert layer["data"][0]["radius"] == 200 + 120 * 4


@pytest.mark.parametrize("target, values, expected", [
    (85, [50, 72, 84.9, 85, 93, 99, 100], [0, 1, 1, 2, 3, 4, 4]),
    (100, [50, 90, 96, 99, 100], [0, 1, 2, 3, 3]),
])
def test_rate_classes_around_target(target, values, expected):
    classes, legend = layers.classify_rate(pd.Series(values), target)
    assert classes.tolist() == expected
    assert len(legend) == max(expected) + 1


def test_selection_event_to_region_code():
    event = {"selection": {"indices": {"areas": [2]}, "objects": {"areas": [
        {"type": "Feature", "properties": {"region_code": "990101100000", "name": "红桥镇"}}]}}}
    assert layers.selected_code(event) == "990101100000"
    assert layers.selected_code({"selection": {"indices": {}, "objects": {}}}) is None
    assert layers.selected_code(None) is None


def test_map_of_a_publication_colours_every_unit_with_a_value(duck_url, shapes):
    """A unit with a value (0 included) gets a class; a withheld one its own class, never "no data"; the map's
    texts are the publication's, as on the chart and the table of the same view."""
    from queries import dashboard, disclosure
    from queries.publish import Publication, add_units
    from ui.render.map_view import _map_classes
    from ui.render.output import unit_frame

    units = dashboard.unit_table(connect(duck_url), Filters(scope=""), 2024)
    units.loc[units.index[0], "base_placed"] = 0
    pub = Publication()
    add_units(pub, units)
    disclosure.apply(pub, True)
    frame = unit_frame(pub, units, ["base_placed"])
    frame["value_text"] = frame["base_placed_text"]
    classes, items = _map_classes(frame, "base_placed", "人", None)
    collection = layers.feature_collection(shapes, frame, classes, items)
    by_code = {f["properties"]["region_code"]: f["properties"] for f in collection["features"]}
    for code, hidden in zip(frame["unit_code"], frame["base_placed_hidden"], strict=True):
        if code not in by_code:
            continue
        props = by_code[code]
        assert props["fill"][:3] != NO_DATA_COLOUR, code  # never "no data" for a unit of the table
        assert (props["fill"][:3] == layers.HIDDEN_COLOUR) == hidden, code
        assert props["value_text"] == html.escape(pub.text(f"base_placed@{code}"))  # the tooltip is HTML


@pytest.mark.parametrize("values", [[0, 0, 0, 0, 0, 0, 1, 1], [0, 0, 0, 0, 0, 0, 0, 0, 2, 40]])
def test_none_and_some_are_never_one_class(values):
    # a small county's 比对项: most townships 0, a few 1 — the map tells them apart
    classes, legend = layers.classify_count(pd.Series(values, dtype=float), "人")
    assert legend[0].label == "0人" and len({classes[i] for i, v in enumerate(values) if v == 0}) == 1
    assert not {classes[i] for i, v in enumerate(values) if v == 0} & {classes[i] for i, v in enumerate(values) if v}


def test_counts_with_small_ones_withheld_have_no_class_below_five():
    values = pd.Series({"a": 0.0, "b": 7.0, "c": 30.0, "d": None})
    classes, legend = layers.classify_count(values, "户", floor=5)
    assert legend[0].label == "0户" and not any("–4" in item.label for item in legend)
    assert classes["a"] == 0 and classes["b"] >= 1 and pd.isna(classes["d"])


@pytest.mark.parametrize("size", [13, 24])  # a township on screen, a projector slide
def test_names_never_overlap_at_the_view_zoom(shapes, size):
    import math

    values = pd.DataFrame({"unit_code": shapes["region_code"], "v": 90.0})
    collection = layers.feature_collection(shapes, values.assign(value_text="90"), pd.Series(dtype=float), [])
    zoom = layers.view_for(shapes).zoom
    rows = layers.label_layer(collection, size, zoom).data
    boxes = []
    for row in rows:  # the box each name covers on the screen, from deck.gl's Web Mercator at this zoom
        lon, lat = row["position"]
        world = 512 * 2**zoom
        x = (lon + 180) / 360 * world + row["offset"][0]
        y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * world + row["offset"][1]
        width = sum(size if ord(ch) > 0x2E80 else 0.6 * size for ch in row["name"])
        boxes.append((row["name"], x - width / 2, y - size / 2, x + width / 2, y + size / 2))
    for (a, *p), (b, *q) in itertools.combinations(boxes, 2):
        assert not (p[0] < q[2] and q[0] < p[2] and p[1] < q[3] and q[1] < p[3]), (a, b)
    assert len(rows) >= 0.7 * len(shapes)  # most names stay; the ones left out are the crowded small ones
    every = layers.label_layer(collection, size).data  # without a zoom (tests, exports): every name
    assert len(every) == len(shapes)


def _svg_of(style: str):
    """The SVG inside a static map's style (a base64 data URL), parsed."""
    import base64
    import re
    import xml.etree.ElementTree as ET

    data = re.search(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", style).group(1)
    return ET.fromstring(base64.b64decode(data).decode("utf-8"))


def test_static_map_lies_where_the_deck_draws(shapes):
    """The static picture (issue 29 §6) is the deck's map: every polygon in its colour, each vertex where deck.gl's
    Web Mercator puts it at the view's zoom relative to the view's centre (the picture is centred in the map's
    box as the deck is), every name placed as the label layer places it, names as text."""
    import math

    from maps import static_map

    ns = "{http://www.w3.org/2000/svg}"
    hostile = shapes.copy()
    hostile.loc[hostile.index[0], "name"] = "<b>镇</b>&$x$"
    values = pd.DataFrame({"unit_code": hostile["region_code"], "v": [60.0 + i for i in range(len(hostile))]})
    classes, legend = layers.classify_rate(values.set_index("unit_code")["v"], 85)
    collection = layers.feature_collection(hostile, values.assign(value_text="x"), classes, legend)
    layers.area_layer(collection)
    view = layers.view_for(hostile, 600, 280)
    labels = layers.place_labels(collection, 14, view.zoom)
    text, width, height = static_map.svg(collection, view.longitude, view.latitude, view.zoom, labels, 14)
    root = _svg_of(static_map.css("box", text, width, height, 380, 300))
    assert (int(root.get("width")), int(root.get("height"))) == (width, height)
    paths = root.findall(f"{ns}path")
    assert len(paths) == len(collection["features"])
    world = 512 * 2**view.zoom
    cx = (view.longitude + 180) / 360 * world
    cy = (1 - math.asinh(math.tan(math.radians(view.latitude))) / math.pi) / 2 * world
    for path, feature in zip(paths, collection["features"], strict=True):
        r, g, b, _ = feature["properties"]["fill"]
        assert path.get("fill") == f"rgb({r},{g},{b})"
        lon, lat = feature["geometry"]["coordinates"][0][0] if feature["geometry"]["type"] == "Polygon" \
            else feature["geometry"]["coordinates"][0][0][0]
        x = (lon + 180) / 360 * world - cx
        y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * world - cy
        first = path.get("d")[1:].split("L")[0].split()
        assert abs(float(first[0]) - x) <= 0.5 and abs(float(first[1]) - y) <= 0.5
        assert abs(float(first[0])) <= width / 2 and abs(float(first[1])) <= height / 2  # inside the picture
    names = [t.text for t in root.iter(f"{ns}text")]
    assert names == [row["name"] for row in labels] and "<b>镇</b>&$x$" in names  # text, not markup


def test_static_map_on_a_page_then_the_deck(duck_url, monkeypatch):
    """On 总览 the map's box carries the static picture of the very map the deck draws (same units, same
    colours), shown until the deck's canvas is there; a slide (projector) has none."""
    from tests.conftest import open_app

    monkeypatch.setenv("WAREHOUSE_URL", duck_url)
    at = open_app()
    assert not at.exception
    style = next(h.value for h in at.html if "st-key-mapbox_overview_map_county" in h.value)
    assert ".st-key-mapbox_overview_map_county:has(canvas) {background: none" in style.replace("\n", " ")
    root = _svg_of(style)
    spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    areas = next(layer for layer in spec["layers"] if layer["id"] == layers.LAYER_AREAS)
    fills = [f"rgb({r},{g},{b})" for r, g, b, _ in (f["properties"]["fill"] for f in areas["data"]["features"])]
    assert [p.get("fill") for p in root.findall("{http://www.w3.org/2000/svg}path")] == fills
    slide = open_app(params={"mode": "present"})
    assert not slide.exception and not any("st-key-mapbox" in h.value for h in slide.html)
    again = open_app()  # the same session's next run: deck.gl is loaded in its browser, no picture is sent
    again.run()
    assert not again.exception and not any("st-key-mapbox" in h.value for h in again.html)
    assert again.get("deck_gl_json_chart")


def test_a_served_session_keeps_no_publication(duck_url, monkeypatch):
    """Streamlit keeps a closed session's state for two minutes (up to 128 sessions): the publication a run drew
    is kept in it only for the tests (KEEP_PUBLISHED=1, tests/conftest.py), never by a served session (issue 23 §11)."""
    from tests.conftest import open_app

    monkeypatch.setenv("WAREHOUSE_URL", duck_url)
    assert "published" in open_app().session_state  # the tests read it back
    monkeypatch.delenv("KEEP_PUBLISHED")  # as served
    served = open_app()
    assert not served.exception and "published" not in served.session_state
