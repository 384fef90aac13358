"""Who is looking: the session's user, the township they may see, and the audience of a view (exact for the
staff of the area, protected for the public: queries.audience.decide, the one policy)."""

from __future__ import annotations

import streamlit as st

from queries import audience as aud
from ui import auth
from ui.state import View


def signed_in() -> auth.User:
    """The session's user (setup() has run require_user before any page draws)."""
    return st.session_state.get(auth.SESSION_KEY) or auth.DEMO_USER


def scope_of(user: auth.User) -> str:
    """The township a user may see ('' = the whole county): the scope every query is called with."""
    return "" if user.county_wide or user.role == "press" else user.area


def audience(view: View) -> str:
    """Who this view is for (queries.audience.decide, the one policy): exact (INTERNAL) for 领导, 分析 and
    乡镇 on their screen at every level and on a 内部会议 slide; suppressed (PUBLIC) for the press role and on
    a 公开场合 slide."""
    return aud.decide(signed_in().role, aud.SLIDE if view.present else aud.SCREEN,
                      meeting=aud.PUBLIC if view.public else aud.INTERNAL)


def suppressing(view: View) -> bool:
    """Whether the view withholds small numbers (its audience is public)."""
    return aud.suppress(audience(view))


# What puts the view a page is drawing outside the public set (issue 25: queries.public_set.page_outside), ''
# when it is in the set: said by the page frame on every run, before anything is drawn, and read by the
# exports (a 导出图片 of a view outside the set is the staff's internal image, `image_audience`).
OUTSIDE_KEY = "outside_public_set"


def outside() -> str:
    """What puts this run's view outside the public set ('' in the set, or outside any page frame)."""
    return st.session_state.get(OUTSIDE_KEY, "")


def image_audience() -> str:
    """The audience of a 导出图片 PNG of this run's view (queries.audience.image): public for a view of the
    set, internal (exact, marked 内部资料) for the staff's image of a view outside it."""
    return aud.image(signed_in().role, not outside())
