"""Issue 25 §4, from the attacker's side: nothing the page withholds reaches the browser. A real dashboard
process (scripts/serve.py, production flags, DEMO_MODE off, password sign-in from a users file) is opened as a
press (宣传) user over Streamlit's raw websocket (tests/wsclient.py, what a browser tab receives); every public
page's every element is read — plotly figure JSON (traces, text, customdata, hover text), pydeck layer data,
dataframe Arrow payloads, Markdown, HTML, headings, texts — and none may carry a withheld value.

The withheld values are the true ones, computed from the extracts by the independent pandas of
tests/expected.py (nothing of queries/): each township's counts of the year, and each employment base's
安置人数 and 带动户数. A value is withheld where the page shows a mark ("<5", "×") in its place. Checks:
- a base whose 安置人数 (or 带动户数) the page marks: no element's record for that base (its map point, its
  table row, a bar, a sentence naming it) carries its true number;
- a township record (a bar, map feature, table row, sentence naming the township) showing a mark carries no
  true count of 1-4 of that township, anywhere in it (a shown count is never 1-4 publicly, so a 1-4 there is
  a withheld value sent along);
- a sentence naming a township (Markdown, HTML, alerts, headings, the map's tooltip) says none of its true
  counts of 1-4 ("3人", "3户");
- a bar or point labelled with a mark carries no value on its value axis (0 or nothing);
- every check is seen to bite: the pages do mark bases and townships, so the loops ran over something.
One server for the module; slow (a process start and eight pages)."""

from __future__ import annotations

import asyncio
import base64
import html
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from queries import public_set
from tests.expected import clean, expected_annual, township
from tests.test_serving import PROD, _free_port, _stop, flags
from tests.test_side_doors import _wait_health
from tests.wsclient import Client
from ui import auth

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse 42"
YEAR = 2024
MARKS = ("<5", "×")
# The public pages (the set's page views, 指标分析 by township, 数据说明) as their URL paths.
PAGES = [("" if p == "overview" else p) for p in public_set.PAGES] + ["explore", "about"]
NUMBER = re.compile(r"(?<![\d.])(\d+)(?:\.0+)?(?![\d.])")  # integer tokens of a text ("安置3人", "3")


@pytest.fixture(scope="module")
def press_pages(duck_url, tmp_path_factory) -> dict[str, list]:
    """One production server; a press user signs in and opens every public page of 2024: page → elements."""
    tmp = tmp_path_factory.mktemp("public-socket")
    env = {k: v for k, v in os.environ.items() if k not in ("DEMO_MODE", "TRUSTED_PROXIES", "IDLE_TIMEOUT_MIN",
                                                            "PUBLIC_SET_LINKED")}
    env.update(USERS_FILE=str(tmp / "users.yaml"), AUDIT_LOG=str(tmp / "audit.log"), SIGNIN_DB=str(tmp / "signin.sqlite"),
               WAREHOUSE_URL=duck_url, BRIEFING_FILE=str(tmp / "briefing.yaml"))
    saved = {k: os.environ.get(k) for k in ("USERS_FILE", "SIGNIN_DB")}
    os.environ.update(USERS_FILE=env["USERS_FILE"], SIGNIN_DB=env["SIGNIN_DB"])
    auth.add_user("宣传员", "宣传", PASSWORD)
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "scripts/serve.py", *flags(PROD), "--server.allowedHosts", "127.0.0.1",
                             "--server.port", str(port)], cwd=ROOT, env=env, stdout=(tmp / "serve.log").open("w"),
                            stderr=subprocess.STDOUT)

    async def read_all() -> dict[str, list]:
        out = {}
        async with Client(port) as tab:
            await tab.sign_in("宣传员", PASSWORD)
            for page in PAGES:
                run = await tab.rerun(page, query=f"year={YEAR}")
                assert run.status == 0 or run.elements, page
                assert not run.of("exception"), (page, [str(e.exception.message) for e in run.of("exception")])
                out[page] = run.elements
        return out

    try:
        _wait_health(port, proc)
        yield asyncio.run(read_all())
    finally:
        _stop(proc)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


# --- what the browser got, as records ------------------------------------------------------------------------
@dataclass
class Record:
    """One data point as sent: a bar or point of a trace, a map datum, a table row, or a text."""

    where: str
    labels: set[str] = field(default_factory=set)  # the names it carries (a township's, a base's, a category's)
    numbers: list[float] = field(default_factory=list)  # every number it carries
    texts: list[str] = field(default_factory=list)  # every text it carries (shown or not)
    values: list[float] = field(default_factory=list)  # a chart point's value axis
    hidden: list[float] = field(default_factory=list)  # numbers it carries that no text of it shows
    sentence: str = ""  # a clause of a text element (Markdown, HTML, alert, heading, tooltip)

    @property
    def marked(self) -> bool:
        return any(m in t for t in self.texts for m in MARKS)

    def carries(self, value: int) -> bool:
        """Whether the number `value` is anywhere in it: as a number, or as an integer token of a text."""
        return any(n == value for n in self.numbers) or any(
            int(tok) == value for t in self.texts for tok in NUMBER.findall(t))


def _plain(values) -> list:
    """A plotly array as the browser gets it: a list, or {'dtype', 'bdata'[, 'shape']} (a typed array)."""
    if isinstance(values, dict) and "bdata" in values:
        array = np.frombuffer(base64.b64decode(values["bdata"]), dtype=np.dtype(values["dtype"]))
        if values.get("shape"):
            array = array.reshape([int(s) for s in str(values["shape"]).split(",")])
        return array.tolist()
    if isinstance(values, list | tuple):
        return list(values)
    return []


STYLE_KEYS = {"fill", "line", "line_width"}  # a map feature's colours and outline: drawing, not data


def _split(items) -> tuple[set[str], list[float], list[str]]:
    """Strings (names, texts) and numbers of a nested value (a map feature's colours left out)."""
    labels, numbers, texts = set(), [], []
    stack = [items]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(v for k, v in item.items() if k not in STYLE_KEYS)
        elif isinstance(item, list | tuple):
            stack.extend(item)
        elif isinstance(item, bool) or item is None:
            continue
        elif isinstance(item, int | float | np.integer | np.floating):
            if np.isfinite(item):
                numbers.append(float(item))
        else:
            text = html.unescape(str(item))
            labels.add(text)
            texts.append(text)
    return labels, numbers, texts


def _figure_records(spec: dict, where: str) -> list[Record]:
    out = []
    for t, trace in enumerate(spec.get("data", [])):
        if trace.get("type") == "heatmap":
            z = _plain(trace.get("z"))
            text = _plain(trace.get("text"))
            xs, ys = _plain(trace.get("x")), _plain(trace.get("y"))
            for j, row in enumerate(z):
                for i, value in enumerate(row or []):
                    items = [value, xs[i] if i < len(xs) else None, ys[j] if j < len(ys) else None,
                             text[j][i] if j < len(text) and isinstance(text[j], list) and i < len(text[j]) else None]
                    labels, numbers, texts = _split(items)
                    out.append(Record(f"{where} trace {t} [{j},{i}]", labels, numbers, texts, numbers[:1], numbers[:1]))
            continue
        arrays = {a: _plain(trace.get(a)) for a in ("x", "y", "text", "customdata", "hovertext", "ids", "labels",
                                                     "values", "r", "theta")}
        n = max((len(v) for v in arrays.values()), default=0)
        numeric = [a for a in ("x", "y") if arrays[a] and all(v is None or isinstance(v, int | float)
                                                               for v in arrays[a])]
        value_axis = numeric[0] if len(numeric) == 1 else ""
        if trace.get("meta") == "value-labels" and value_axis and len(set(arrays[value_axis])) <= 1:
            value_axis = ""  # the labels' own column, one position for all: not a value
        for i in range(n):
            items = [v[i] for v in arrays.values() if i < len(v)]
            labels, numbers, texts = _split(items)
            if isinstance(trace.get("text"), str):
                texts.append(trace["text"])
            values = [float(v) for v in ([arrays[value_axis][i]] if value_axis and i < len(arrays[value_axis]) else [])
                      if v is not None]
            extra = _split([arrays["customdata"][i]] if i < len(arrays["customdata"]) else [])[1]
            out.append(Record(f"{where} trace {t} ({trace.get('name')}) [{i}]", labels, numbers, texts, values,
                              [*values, *extra]))
    annotations = [a.get("text", "") for a in spec.get("layout", {}).get("annotations", [])]
    out.append(Record(f"{where} annotations", set(), [], [html.unescape(str(a)) for a in annotations]))
    return out


def _deck_records(spec: dict, where: str) -> list[Record]:
    out = []
    for layer in spec.get("layers", []):
        data = layer.get("data")
        rows = data.get("features", []) if isinstance(data, dict) else data if isinstance(data, list) else []
        for i, row in enumerate(rows):
            labels, numbers, texts = _split(row.get("properties", row) if isinstance(row, dict) else row)
            if isinstance(row, dict) and "geometry" in row:  # a feature: its coordinates are not data
                labels, numbers, texts = _split(row.get("properties", {}))
            out.append(Record(f"{where} layer {layer.get('id')} [{i}]", labels, numbers, texts, [], numbers))
    return out


def _frame_records(data: bytes, where: str) -> list[Record]:
    frame = pa.ipc.open_stream(data).read_all().to_pandas()
    if not isinstance(frame.index, pd.RangeIndex):  # an index of names or codes is data; 0, 1, 2… is not
        frame = frame.reset_index()
    out = []
    for i, row in enumerate(frame.itertuples(index=False)):
        labels, numbers, texts = _split([None if isinstance(v, float) and pd.isna(v) else v for v in row])
        out.append(Record(f"{where} row {i}", labels, numbers, texts, [], numbers))  # a table shows texts
    return out


def _text_records(text: str, where: str) -> list[Record]:
    """A text cut into clauses (a sentence naming a township says its numbers in the same clause)."""
    plain = html.unescape(re.sub(r"<[^>]+>", " ", text))
    return [Record(f"{where}: {clause.strip()[:60]}", {clause}, [], [clause], sentence=clause)
            for clause in re.split(r"[。；;\n]|，(?=[^，]*[镇乡街道区村])", plain) if clause.strip()]


def records(elements: list, page: str) -> list[Record]:
    """Every record of a page's elements."""
    out = []
    for n, (kind, element) in enumerate(elements):
        where = f"{page or 'overview'} #{n} {kind}"
        proto = getattr(element, kind)
        if kind == "plotly_chart":
            out += _figure_records(json.loads(proto.spec), where)
        elif kind == "deck_gl_json_chart":
            out += _deck_records(json.loads(proto.json), where)
            if proto.tooltip:
                out += _text_records(proto.tooltip, where + " tooltip")
        elif kind in ("dataframe", "table"):
            out += _frame_records(proto.arrow_data.data, where)
        elif hasattr(proto, "body") and isinstance(proto.body, str):
            out += _text_records(proto.body, where)
    return out


# --- the truth, independent of the dashboard -------------------------------------------------------------------
def truth_of(extracts: Path) -> tuple[dict[str, set[int]], pd.DataFrame]:
    """Each township's true counts of 1-4 in the year (by name), and each base recognised by the year with
    its true 安置人数 and 带动户数 (tests/expected.py: pandas over the extracts)."""
    annual = expected_annual(extracts, YEAR)
    counts = [c for c in annual.columns if c not in ("名称", "就业基地数") and "金额" not in c]  # (bases: a tally)
    small = {row["名称"]: {int(v) for v in row[counts] if 0 < v < 5} for _, row in annual.iterrows()}
    bases = clean(extracts, "就业基地")
    bases = bases[bases["认定年度"].astype(float).astype(int) <= YEAR].assign(
        town=lambda b: township(b["村社区代码"]), placed=lambda b: b["安置残疾人数"].astype(float).astype(int),
        lifted=lambda b: b["带动户数"].astype(float).astype(int))
    return small, bases[["基地编号", "基地名称", "town", "placed", "lifted"]]


def _names(record: Record) -> set[str]:
    return {html.unescape(x).strip() for x in record.labels}


def _base_marks(pages: dict[str, list]) -> dict:
    """(base name, 'placed' | 'lifted') → whether 就业帮扶's base list marks it, and (name, 'row') → the
    row's place (its own other value may equal the withheld one: the row is read for marks, not for leaks)."""
    out = {}
    for n, (kind, element) in enumerate(pages.get("employment", [])):
        if kind != "dataframe":
            continue
        frame = pa.ipc.open_stream(element.dataframe.arrow_data.data).read_all().to_pandas()
        if not {"基地名称", "安置（人）", "带动（户）"} <= set(frame.columns):
            continue
        for i, row in frame.reset_index(drop=True).iterrows():
            name = html.unescape(str(row["基地名称"]))
            out[(name, "placed")] = str(row["安置（人）"]) in MARKS
            out[(name, "lifted")] = str(row["带动（户）"]) in MARKS
            out[(name, "row")] = f"#{n} dataframe row {i}"
    assert out, "the base list was not found on 就业帮扶"
    return out


def leaks(pages: dict[str, list], small: dict[str, set[int]], bases: pd.DataFrame) -> tuple[list[str], dict]:
    """Every withheld value found in what the pages sent, and how much was checked."""
    found = {page: records(elements, page) for page, elements in pages.items()}
    everything = [r for rs in found.values() for r in rs]
    out = []
    # 1. the bases: a count the base list marks ("<5", "×") is carried by no record of that base — its map
    #    point, its row, a bar or a sentence naming it — as a number or in a text
    withheld_bases = 0
    marked = _base_marks(pages)
    for _, base in bases.iterrows():
        withheld = {base[c] for c in ("placed", "lifted") if marked.get((base["基地名称"], c))}
        if not withheld:
            continue
        withheld_bases += 1
        mine = [r for r in everything if base["基地编号"] in _names(r) or any(base["基地名称"] in x for x in r.labels)]
        for value in withheld:
            out += [f"base {base['基地编号']} {base['基地名称']} = {value}: {r.where}" for r in mine if r.carries(value)
                    and not r.where.endswith(marked[(base["基地名称"], "row")])]
    # 2. the townships: a record of a township showing a mark sends none of its true counts of 1-4 in a number
    #    no text of it shows (a map feature's property, a chart point's value or customdata, a table's number)
    withheld_towns = 0
    for name, values in small.items():
        mine = [r for r in everything if r.marked and name in _names(r)]
        withheld_towns += bool(mine)
        for record in mine:
            shown = {int(tok) for t in record.texts for tok in NUMBER.findall(t)}
            out += [f"{name} = {v}: {record.where}" for v in sorted(values) if v in record.hidden and v not in shown]
    # 2b. a sentence naming a township says none of its true counts of 1-4 (as "3人", "3户")
    for name, values in small.items():
        for record in (r for r in everything if name in r.sentence):
            out += [f"{name} = {v} in words: {record.where}" for v in sorted(values)
                    if re.search(rf"(?<![\d.]){v}(人|户)", record.sentence)]
    # 3. a bar or point labelled with a mark has no value on its value axis
    marked_points = [r for r in everything if r.values and r.marked]
    out += [f"value {r.values} under a mark: {r.where}" for r in marked_points if any(v != 0 for v in r.values)]
    points = [r for r in found.get("employment", []) if " layer points " in r.where]
    return out, {"records": len(everything), "bases": withheld_bases, "townships": withheld_towns,
                 "marked points": len(marked_points), "base points": len(points), "pages": len(found)}


def test_no_public_page_sends_a_withheld_value(press_pages, extracts):
    small, bases = truth_of(extracts)
    found, checked = leaks(press_pages, small, bases)
    assert not found, "\n".join(found[:40])
    # the checks had something to check: bases and townships withheld, marked bars drawn, every base's point sent
    assert checked["pages"] == len(PAGES) and checked["bases"] >= 1 and checked["townships"] >= 3, checked
    assert checked["marked points"] >= 5 and checked["base points"] == len(bases), checked
