"""Who a view is for: 内部 (internal: exact numbers) or 公开 (public: small numbers withheld), issue 24.

Suppression protects people from the public, not from the staff who act on them. So the audience of a
view, not its medium, decides whether `disclosure.apply` withholds anything, and ONE function decides it:
`decide(role, medium, meeting, version)`. Everything that publishes numbers asks it — the page on screen
and on a projector slide (ui.page.audience), the press PNGs, the XLSX tables, the report draft.

- 宣传 (press): always 公开, whatever the medium, meeting or version asked for.
- 导出图片 (a PNG made for publication): 公开, whoever makes it — of a view of the public set; the staff's
  image of a view outside the set is 内部 and marked 内部资料 (`image`).
- A slide: the meeting's audience — 内部会议 (the default: exact, marked 内部资料 注意保密) or 公开场合.
- An export (XLSX, report draft): the version chosen — 内部版 (exact, marked and audited) or 对外版.
- The screen of 领导, 分析 or 乡镇: 内部, at county, township and village level and with any filter.
- Anything else (an unknown role or medium): 公开 — the policy fails closed.

Nothing here imports streamlit; `disclosure` is left as it is: this module only says when it applies.
"""

from __future__ import annotations

from collections.abc import Iterable

from queries.publish import LEGEND, MEAN, RATE, Publication

INTERNAL, PUBLIC = "internal", "public"
SCREEN, SLIDE, IMAGE, TABLE, DRAFT = "screen", "slide", "image", "table", "draft"
INTERNAL_ROLES = frozenset({"leader", "analyst", "township"})  # they act on the people behind the numbers

AUDIENCES = {INTERNAL: "内部", PUBLIC: "公开"}
MEETINGS = {INTERNAL: "内部会议", PUBLIC: "公开场合"}  # a briefing's or projector's audience
VERSIONS = {INTERNAL: "内部版", PUBLIC: "对外版"}  # an export's
# What every page says about the numbers it shows.
BANNER = {INTERNAL: "内部数据，请勿外传", PUBLIC: "对外口径：人数少于5的数字已隐去"}
SLIDE_MARK = "内部资料 注意保密"  # the corner of every internal slide
EXPORT_MARK = "内部资料"  # the header/footer and file name of an internal export
# The legend says only what a symbol means in that audience: internally "—" is only "nothing to divide by".
INTERNAL_LEGEND = "—：无法计算（分母为0或无数据）"
PUBLIC_LEGEND = LEGEND


def _key(value: str, known: dict[str, str]) -> str:
    """An audience key from its key or Chinese label ('内部会议', '对外版', 'public'); PUBLIC otherwise."""
    if value in known:
        return value
    return next((k for k, label in known.items() if label == value), PUBLIC)


def decide(role: str, medium: str, meeting: str = INTERNAL, version: str = INTERNAL) -> str:
    """The audience of a view: INTERNAL (exact) or PUBLIC (suppressed). `role` is the user's role key,
    `medium` one of SCREEN, SLIDE, IMAGE, TABLE, DRAFT; `meeting` a slide's audience (内部会议/公开场合),
    `version` an export's (内部版/对外版), each as key or label. Unknown values give PUBLIC."""
    if role not in INTERNAL_ROLES:
        return PUBLIC
    if medium == SCREEN:
        return INTERNAL
    if medium == SLIDE:
        return _key(meeting, MEETINGS)
    if medium in (TABLE, DRAFT):
        return _key(version, VERSIONS)
    return PUBLIC  # IMAGE, and any medium this function does not know


def image(role: str, in_public_set: bool) -> str:
    """The audience of a 导出图片 PNG: an image of a view of the public set (queries.public_set) is made for
    publication, PUBLIC whoever makes it; a view outside the set cannot be published at all, so the staff's
    image of it is INTERNAL (exact, as on their screen, marked 内部资料 on the image and in its file name).
    Anyone else gets PUBLIC (the press never sees a view outside the set)."""
    return INTERNAL if not in_public_set and role in INTERNAL_ROLES else PUBLIC


def suppress(audience: str) -> bool:
    """Whether `disclosure.apply` must withhold for this audience (anything but INTERNAL does)."""
    return audience != INTERNAL


def export_versions(role: str, medium: str) -> list[str]:
    """The versions of an export a role may choose, first the default: 领导 and 分析 both (内部版 first), 宣传 the
    对外版 of a table only (what its screen shows, cell for cell), everyone else none. An image has one."""
    if medium == IMAGE:
        return [PUBLIC]
    if role in ("leader", "analyst") and medium in (TABLE, DRAFT):
        return [INTERNAL, PUBLIC]
    if role == "press" and medium == TABLE:
        return [PUBLIC]
    return []


def legend_text(pub: Publication, keys: Iterable[str] | None = None) -> str:
    """The symbols' legend the publication needs ('' when it shows no symbol): the public one wherever a
    cell is withheld; for an exact publication only what its "—" means (a rate or mean without a base),
    when one of `keys` (the cells drawn beside the legend, e.g. a table's; default all) shows it."""
    if any(cell.mark for cell in pub.cells.values()):
        return PUBLIC_LEGEND
    drawn = list(pub.cells) if keys is None else [k for k in keys if k in pub.cells]
    if not pub.suppressed and any(pub.cells[k].kind in (RATE, MEAN) and pub.cells[k].value is None
                                  and not pub.cells[k].missing for k in drawn):
        return INTERNAL_LEGEND
    return ""


def marked_name(name: str, audience: str) -> str:
    """An export's file name, '内部资料_…' for an internal one (a leaked file says what it is)."""
    return f"{EXPORT_MARK}_{name}" if audience == INTERNAL else name
