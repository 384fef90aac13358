"""What a page publishes, for the audience of its view: the publication (exact or suppressed) the
screen draws and the one every export takes (`Output`), and the units' shown values for charts and maps."""

from __future__ import annotations

import os
from collections.abc import Callable

import pandas as pd
import streamlit as st

from queries import audience as aud
from queries import disclosure, public_set
from queries.publish import Publication, key
from queries.text import plotly_text
from ui.state import View
from ui.viewer import audience, image_audience


def keep_published() -> bool:
    """Whether a run keeps its publication in the session state (KEEP_PUBLISHED=1: the tests, which read it
    back). A served session does not: Streamlit keeps a closed session's state for two minutes (up to 128
    sessions), and a province page's publication is some 45,000 cells (issue 23 §11)."""
    return os.environ.get("KEEP_PUBLISHED") == "1"


class Output:
    """What a page publishes: the publication as this view's audience may see it (`pub`: exact for an
    internal audience, suppressed for a public one), and, made only when an export asks for it, the other
    one (`of(audience)`): `safe()` is the public one every press image and 对外版 is drawn from."""

    def __init__(self, build: Callable[[], Publication], view: View) -> None:
        self._build = build
        self.view = view
        self.audience = audience(view)
        self._pubs: dict[str, Publication] = {}
        self.pub = self.of(self.audience)
        if keep_published():  # what this run drew, for the tests to read back; not kept by a served session
            st.session_state["published"] = self.pub

    def of(self, who: str) -> Publication:
        """The publication for an audience: exact (INTERNAL) or with every small number withheld (PUBLIC).
        A public one assumes nothing known from another view: the public sees no view exactly."""
        if who not in self._pubs:
            pub, suppress = self._build(), aud.suppress(who)
            preset = self._preset(pub) if suppress else None
            self._pubs[who] = disclosure.apply(pub, suppress, preset) if preset else disclosure.apply(pub, suppress)
            if keep_published():  # every version made (the exports'), for the tests to read back
                st.session_state.setdefault("published_of", {})[who] = self._pubs[who]
        return self._pubs[who]

    def _preset(self, pub: Publication) -> dict[str, str | None] | None:
        """The public set's marks for this view's unit tables (issue 25: solved once per import over every
        year with the identities between years and stored in the warehouse, so a year's table has the same
        marks on every page and in every year's view), when the view is the set's — the county by township,
        every category and level; else None (the table withheld on its own), and also when the warehouse has
        no marks (imported before public_marks, or with PUBLIC_SET_LINKED=0: `public_set.stored_marks`) or
        the opt-out PUBLIC_SET_LINKED=0 is set."""
        v = self.view
        if not pub.table or not public_set.linked() or v.township or v.village or v.category or v.level or v.scope:
            return None
        from ui import data  # late: data opens the warehouse

        marks = data.q(public_set.stored_marks)
        return public_set.preset_for(marks, pub, v.year) or None if marks else None

    def safe(self) -> Publication:
        """The publication with every small number withheld (对外版 exports)."""
        return self.of(aud.PUBLIC)

    def image(self) -> Publication:
        """The publication a 导出图片 PNG is drawn from: an image of a view of the public set is made for
        publication (public); the staff's image of a view outside the set is internal, exact as their screen
        and marked 内部资料 (`ui.viewer.image_audience`, issue 25)."""
        return self.of(image_audience())

NAME_CHARS = 12  # real township and village names have 2-7 characters

def chart_name(name: object) -> str:
    """A unit's name as a chart's label: plotly reads tags (<a>, <b>) and entities in its text, so &, < and >
    are escaped (not quotes: plotly knows no &quot; and would print it), and a name longer than any real
    one is shortened ("…") so that it cannot squeeze the bars off the chart. A dollar sign is written as its
    entity: where MathJax is loaded plotly typesets "$…$" as TeX; the entity is drawn as "$"."""
    text = str(name)
    return plotly_text(text if len(text) <= NAME_CHARS else text[:NAME_CHARS - 1] + "…")

def unit_frame(pub: Publication, units: pd.DataFrame, columns: list[str], block: str = "") -> pd.DataFrame:
    """The units (code, name) with each column's shown value (NaN when withheld or missing) and its text
    (`COLUMN_text`: '<5', '×', '—' or the number), for charts and maps."""
    out = units[["unit_code", "name"]].copy()
    out["name"] = out["name"].map(chart_name)
    for column in columns:
        keys = [key(column, code, block) for code in units["unit_code"]]
        out[column] = [pub.shown(k) for k in keys]
        out[column] = out[column].astype("float64")
        out[f"{column}_text"] = [pub.text(k) for k in keys]
        out[f"{column}_hidden"] = [pub.hidden(k) for k in keys]
    return out
