"""A page as one projector slide: the question, one headline row and one main chart or map, nothing else.

A page draws its sections into containers it gets from here. On screen they are ordinary columns; in
projector mode only the headline row and the one part the slide names (`View.part`, from the URL or the
briefing script; the page's first part by default) are visible, full width, and everything else goes into
containers that the slide's CSS hides. What does not fit one screen is another part, so another slide.
"""

from __future__ import annotations

import html

import streamlit as st

from ui.state import View

# The parts a page can show as a slide, in order; the first is the slide's part when none is named.
PAGE_PARTS: dict[str, dict[str, str]] = {
    "overview": {"map": "地图", "chart": "排名"},
    "monitoring": {"map": "地图", "chart": "按监测类别", "trend": "每月纳入与消除"},
    "subsidies": {"map": "覆盖率地图", "chart": "覆盖率排名", "trend": "每月发放金额"},
    "rehabilitation": {"map": "地图", "chart": "对照目标"},
    "employment": {"map": "基地分布", "chart": "安置人数排名"},
    "accessibility": {"chart": "计划与完成", "trend": "户均支出"},
    "compare": {"map": "地图", "chart": "排名"},
    "warnings": {"map": "地图", "chart": "排名"},
}
HIDDEN_KEY = "slide_off"  # container keys starting with this are hidden on a slide (ui.page.PRESENT_CSS)
_STATE = "_slide"


def begin(page: str) -> None:
    """Start a run: which page draws, no headline row or part drawn yet."""
    st.session_state[_STATE] = {"page": page, "headline": False, "drawn": False, "hidden": 0}


def _state() -> dict:
    """This run's slide bookkeeping (a page run outside setup() gets a blank one)."""
    if _STATE not in st.session_state:
        begin("")
    return st.session_state[_STATE]


def parts(page: str) -> dict[str, str]:
    """The parts a page offers as slides ({} for pages that are one slide as they are)."""
    return PAGE_PARTS.get(page, {})


def part(view: View) -> str:
    """The part this slide shows: the view's, if the page has it, else the page's first. A map that cannot be
    drawn (a drilled township whose villages have no boundaries) is never a slide's part: the next part (the
    ranking) is shown instead of a box saying there is no map."""
    offered = parts(_state()["page"])
    chosen = view.part if view.part in offered else next(iter(offered), "")
    if chosen == "map" and view.present and not has_map(view):
        return next((p for p in offered if p != "map"), chosen)
    return chosen


def has_map(view: View) -> bool:
    """Whether the view's units have boundaries to draw (the query is cached with the page's)."""
    from queries import dashboard
    from ui import data

    return not data.q(dashboard.boundaries, view.filters).empty


def hidden():
    """A container the slide does not show (its widgets still exist, so the page runs as on screen)."""
    state = _state()
    state["hidden"] += 1
    return st.container(key=f"{HIDDEN_KEY}_{state['hidden']}")


def shows(view: View, name: str) -> bool:
    """Whether a section named `name` is drawn visibly in this view."""
    return not view.present or (bool(name) and name == part(view))


def columns(view: View, spec: list[int] | int, names: tuple[str, ...]):
    """Columns on screen; on a slide one full-width container for the column whose part is shown and
    hidden ones for the others."""
    if not view.present:
        return st.columns(spec)
    out = []
    for name in names:
        if shows(view, name):
            _state()["drawn"] = True
            out.append(st.container())
        else:
            out.append(hidden())
    return out


def headline(view: View, count: int, names: tuple[str, ...] = ()):
    """A row of cards; a slide shows only its first headline row (that row's parts, if named, must
    include the slide's part)."""
    if not view.present:
        return st.columns(count)
    state = _state()
    if not state["headline"] and (not names or part(view) in names):
        state["headline"] = True
        return st.columns(count)
    box = hidden()
    return box.columns(count)


def part_title(title: str) -> None:
    """What the slide's map or chart shows ('示范县各乡镇康复服务率排名'): on a page the section's heading says it,
    but headings are off on a slide, whose question may be the page's (a bare ?mode=present link)."""
    st.html(f"<div class='slide-part'>{html.escape(title)}</div>")


def mark_drawn() -> None:
    """The slide's part has been drawn (by a component that is a part of its own)."""
    _state()["drawn"] = True


def end(view: View) -> None:
    """Past the page's main visuals: a slide stops here once its part is drawn."""
    if view.present and (_state()["drawn"] or not parts(_state()["page"])):
        st.stop()
