"""Issue 25 §1: a public slide or an image of a view outside the public set. A 公开场合 slide (mode=public or a
公开场合 briefing script) of a page drilled into a township or village, filtered by category or level, or over a
month range of its own shows no number: it says the view is not public and offers the nearest public view
(the same page, the county by township, the same year). The staff's 导出图片 of such a view is an internal image
(exact as their screen, marked 内部资料 on the image and in its file name, audited as 内部版); a view of the
set still gives the public image."""

from __future__ import annotations

import json
import re

import pytest
from conftest import open_app, shown_text

from queries import audience as aud
from queries import public_set
from ui import auth

ANALYST = auth.User("分析员", "analyst")
LEADER = auth.User("领导", "leader")
PRESS = auth.User("宣传员", "press")
OUTSIDE = "不在对外公开的数据范围内"


@pytest.fixture(autouse=True)
def signed_in_env(duck_url, monkeypatch, tmp_path):
    """The test warehouse, no demo mode (each test signs in as its role), an audit log of its own."""
    monkeypatch.setenv("WAREHOUSE_URL", duck_url)
    monkeypatch.delenv("DEMO_MODE", raising=False)
    monkeypatch.setenv("AUDIT_LOG", str(tmp_path / "audit.log"))
    monkeypatch.setenv("BRIEFING_FILE", str(tmp_path / "briefing.yaml"))


@pytest.fixture(scope="module")
def town(duck_url) -> str:
    """A township of the test county."""
    from queries.common import Filters
    from queries.db import connect
    from queries.report import annual_table

    return str(annual_table(connect(duck_url), 2024, Filters(scope="")).iloc[0]["区划代码"])


def numbers_drawn(at) -> int:
    """How many charts, maps, tables and number cards the run drew (a refused slide draws none)."""
    cards = [h for h in at.html if "class='kpi-card'" in h.value]
    return len(at.get("plotly_chart")) + len(at.get("deck_gl_json_chart")) + len(at.dataframe) + len(cards)


def test_page_outside():
    """The rule in words: the county view of a page is in the set; a township, village, category, level or a
    trend range other than the year's is not; 数据比对 and 预警 have no public view; 数据说明 is public."""
    year = ("2024-01", "2024-12")
    assert public_set.page_outside("monitoring", "防返贫监测", span=year, year_span=year) == ""
    assert public_set.page_outside("rehabilitation", "康复服务") == ""
    assert "单个乡镇" in public_set.page_outside("rehabilitation", "康复服务", township="1")
    assert "单个村" in public_set.page_outside("rehabilitation", "康复服务", township="1", village="2")
    assert "类别或等级" in public_set.page_outside("subsidies", "两项补贴", level=2)
    assert "2024年3月至2024年11月" in public_set.page_outside("monitoring", "防返贫监测", span=("2024-03", "2024-11"),
                                                        year_span=year)
    assert public_set.page_outside("warnings", "预警") == "“预警”页面的数据"
    assert public_set.page_outside("about", "数据说明", township="1") == ""
    assert aud.image("leader", True) == aud.PUBLIC and aud.image("analyst", False) == aud.INTERNAL
    assert aud.image("press", False) == aud.PUBLIC and aud.image("stranger", False) == aud.PUBLIC


@pytest.mark.parametrize(("page", "link", "said"), [
    ("rehabilitation", {"town": "T"}, "单个乡镇"),
    ("overview", {"town": "T", "village": "V"}, "单个村"),
    ("subsidies", {"cat": "2"}, "类别或等级"),
    ("employment", {"level": "1"}, "类别或等级"),
    ("monitoring", {"from": "2024-01", "to": "2024-11"}, "任选的月份范围"),
])
def test_a_public_slide_outside_the_set_shows_no_number_and_offers_the_public_view(page, link, said, town, duck_url):
    from queries.db import connect

    village = connect(duck_url).frame("SELECT region_code FROM dim_region WHERE township_code = :town AND level = "
                                      "'village' ORDER BY region_code", town=town).iloc[0, 0]
    params = {k: {"T": town, "V": village}.get(v, v) for k, v in {"year": "2024", **link}.items()}
    at = open_app(page, {**params, "mode": "public"}, user=ANALYST)
    assert not at.exception, at.exception
    warning = " ".join(w.value for w in at.warning)
    assert OUTSIDE in warning and said in warning and public_set.PUBLIC_WORDS in warning, warning
    assert numbers_drawn(at) == 0  # no number of the view was drawn
    at.button(key="outside_public").click().run()  # the nearest public view: the county by township, same year
    assert not at.exception, at.exception
    view = at.session_state["view_state"]
    assert (view.township, view.village, view.category, view.level, view.year) == ("", "", 0, 0, 2024)
    assert view.present and view.public and not any(OUTSIDE in w.value for w in at.warning)
    assert at.session_state["published"].suppressed and numbers_drawn(at) > 0
    # the same view at an internal meeting (内部会议) is the staff's own: shown, exact
    inside = open_app(page, {**params, "mode": "present"}, user=ANALYST)
    assert not inside.exception and not any(OUTSIDE in w.value for w in inside.warning)
    assert not inside.session_state["published"].suppressed


def test_a_public_slide_of_the_county_is_shown_with_the_years_months():
    """The county view on a 公开场合 slide is in the set: shown (suppressed), its trend over the year's months
    (no range chosen), not the internal default of 24 months."""
    at = open_app("monitoring", {"year": "2024", "mode": "public"}, user=ANALYST)
    assert not at.exception and not any(OUTSIDE in w.value for w in at.warning)
    pub = at.session_state["published"]
    assert pub.suppressed
    months = sorted(k.split("@", 1)[1] for k in pub.cells if k.startswith("flow_eliminated@") and k[-5:] != "total")
    assert months[0] == "2024-01" and months[-1] == "2024-12", months


def test_the_press_is_never_outside(town):
    """The press's view is the county's whatever the link asks (the frame puts it there): nothing to refuse."""
    at = open_app("rehabilitation", {"year": "2024", "town": town, "cat": "2", "mode": "public"}, user=PRESS)
    assert not at.exception and not any(OUTSIDE in w.value for w in at.warning)
    assert at.session_state["published"].suppressed and numbers_drawn(at) > 0


def test_a_township_users_public_slide_says_it_has_no_public_view(town, monkeypatch):
    at = open_app("rehabilitation", {"year": "2024", "mode": "public"}, user=auth.User("镇干部", "township", area=town))
    assert not at.exception, at.exception
    assert any(OUTSIDE in w.value for w in at.warning) and any("乡镇账号只能查看本乡镇" in i.value for i in at.info)
    assert "outside_public" not in [b.key for b in at.button]  # the county is not theirs to show
    assert numbers_drawn(at) == 0


@pytest.mark.parametrize(("page", "params", "refusal"), [
    ("explore", {"metric": "rehab_rate", "by": "township", "cat": "4"}, "类别或等级"),  # a filter: outside too
    ("explore", {"metric": "rehab_rate", "by": "category"}, "对外口径不提供"),
    ("rehabilitation", {"town": "T"}, "单个乡镇"),
])
def test_a_public_briefing_script_refuses_its_slides_outside_the_set(page, params, refusal, town, tmp_path):
    """A 公开场合 script plays a slide outside the set as the page refuses it (the refusal that 'did not fire'
    was a test that played the script's first slide, the example's 总览, then opened 指标分析 by township)."""
    from ui import briefing

    params = {k: town if v == "T" else v for k, v in {"year": "2024", **params}.items()}
    script = tmp_path / "briefing.yaml"
    briefing.add_slide(briefing.Slide("外面", page, params), script, instead_of_example=True)
    briefing.set_audience("public", script)
    at = open_app("briefing", {}, user=ANALYST)
    assert not at.exception, at.exception
    at.button(key="brief_go").click().run()
    at.switch_page(f"pages/{page}.py").run()  # AppTest does not follow st.switch_page
    assert not at.exception, at.exception
    view = at.session_state["view_state"]
    assert view.present and view.public and at.session_state["briefing_at"] == 0
    assert any(refusal in w.value for w in at.warning), [w.value for w in at.warning]
    assert numbers_drawn(at) == 0


# --- 导出图片 of a view outside the set: the staff's internal image ----------------------------------------------
class _Open:  # the export popover, open (AppTest cannot click it open)
    open = True

    def __enter__(self):
        return self

    def __exit__(self, *_):
        return False


@pytest.fixture
def images(monkeypatch):
    """Every chart PNG made: (figure, caption); the export popover open; the draft menu off."""
    import streamlit as st

    from ui import press
    from ui.render import screen

    made = []
    monkeypatch.setattr(st, "popover", lambda *a, **k: _Open())
    monkeypatch.setattr(press, "chart_png", lambda fig, caption, size: made.append((fig, caption)) or b"png")
    monkeypatch.setattr(screen, "draft_download", lambda ctx, view: None)
    return made


def _texts(fig) -> list[str]:
    return [str(x) for t in fig.data if t.text is not None and not isinstance(t.text, str) for x in t.text]


def test_the_staffs_image_of_a_township_is_internal_exact_and_marked(images, town, tmp_path):
    at = open_app("rehabilitation", {"year": "2024", "town": town}, user=LEADER)
    assert not at.exception, at.exception
    screen_pub = at.session_state["published"]
    assert not screen_pub.suppressed
    assert any(OUTSIDE in w.value and "内部版" in w.value for w in at.warning)  # the menu says why
    at.button(key="rehab_rank_make").click().run()
    assert not at.exception, at.exception
    fig, caption = images[-1]
    texts = _texts(fig)
    assert not any(t in ("×",) or t.startswith("<5") for t in texts), texts  # exact, as the screen
    assert any(re.search(r"差[1-4]人", t) for t in texts), texts  # the small gaps a public image withholds
    assert caption.internal and caption.watermark and caption.period.startswith(aud.SLIDE_MARK)
    file, _ = at.session_state["rehab_rank_png"]
    assert file.startswith(f"{aud.EXPORT_MARK}_"), file
    (record,) = [json.loads(line) for line in (tmp_path / "audit.log").read_text(encoding="utf-8").splitlines()
                 if '"export"' in line]
    assert record["details"]["version"] == "内部版" and record["details"]["file"] == file


def test_the_staffs_image_of_the_county_is_public(images):
    at = open_app("rehabilitation", {"year": "2024"}, user=LEADER)
    assert not at.exception, at.exception
    assert not at.session_state["published"].suppressed and not any(OUTSIDE in w.value for w in at.warning)
    at.button(key="rehab_rank_make").click().run()
    fig, caption = images[-1]
    assert not caption.internal and caption.legend == aud.PUBLIC_LEGEND
    assert any(t in ("—", "×") or t.startswith("<5") for t in _texts(fig))
    assert not at.session_state["rehab_rank_png"][0].startswith(aud.EXPORT_MARK)
    assert "导出图片为对外口径" in shown_text(at)
