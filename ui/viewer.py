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
