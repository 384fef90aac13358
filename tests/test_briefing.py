"""The 汇报 page plays a YAML script: each slide opens its page with its filters in projector mode;
next/previous/end work; a view is added to the script from any page."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from streamlit.testing.v1 import AppTest

from queries.common import Filters
from queries.db import connect
from queries.report import annual_table
from ui import auth, briefing, briefing_ui

APP = str(Path(__file__).resolve().parent.parent / "app.py")


@pytest.fixture
def script(duck_url, tmp_path, monkeypatch) -> Path:
    """A two-slide script and the test warehouse."""
    town = annual_table(connect(duck_url), 2024, Filters(scope="")).iloc[2]["区划代码"]
    path = tmp_path / "briefing.yaml"
    path.write_text(yaml.safe_dump({"title": "测试汇报", "slides": [
        {"title": "总览", "page": "overview", "params": {"year": "2023"}, "note": "先讲总数"},
        {"title": "康复", "page": "rehabilitation", "params": {"town": town}, "note": ""},
        {"title": "坏页", "page": "nonexistent", "params": {}},
    ]}, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("WAREHOUSE_URL", duck_url)
    monkeypatch.setenv("BRIEFING_FILE", str(path))
    return path


def test_play_the_script(script, monkeypatch):
    monkeypatch.delenv("DEMO_MODE")  # an analyst may edit the county's script, so sees its notes
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state[auth.SESSION_KEY] = auth.User("分析员", "analyst")
    at.run()
    at.switch_page("pages/briefing.py").run()
    assert not at.exception
    assert any("坏页" in w.value or "nonexistent" in w.value for w in at.warning)  # bad slide reported, skipped
    at.button(key="brief_go").click().run()
    assert not at.exception
    view = at.session_state["view_state"]
    assert at.title[0].value == "总览" and view.present and view.year == 2023
    assert not any("先讲总数" in t.value for t in at.text)  # the room never sees the speaker note
    # the presenter view (another session, tied by the playing's id) shows it, as plain text, and the next slide
    presenter = AppTest.from_file(APP, default_timeout=60)
    presenter.session_state[auth.SESSION_KEY] = auth.User("分析员", "analyst")
    presenter.run()
    presenter.session_state[briefing_ui.PRESENTER_KEY] = at.session_state[briefing_ui.LIVE_KEY]
    presenter.switch_page("pages/briefing.py").run()
    assert not presenter.exception
    assert any("先讲总数" in t.value for t in presenter.text)
    assert any("康复（康复服务）" in t.value for t in presenter.text)
    # AppTest keeps running the page it last switched to itself; follow the app's own switch first.
    at.switch_page("pages/overview.py").run()
    at.button(key="brief_next").click().run()
    town = yaml.safe_load(script.read_text(encoding="utf-8"))["slides"][1]["params"]["town"]
    assert at.title[0].value == "康复" and at.session_state["view_state"].township == town  # the slide's question
    at.switch_page("pages/rehabilitation.py").run()
    assert at.button(key="brief_next").disabled  # the last valid slide
    # F5 on the projector: a new session (the cookie signs it in) whose URL names the playing comes back to
    # slide 2 and stays in step with the presenter view; a playing that has ended leaves the page as it is
    live_id = at.session_state[briefing_ui.LIVE_KEY]
    assert at.query_params[briefing_ui.LIVE_PARAM] == live_id
    for ended in (False, True):
        reloaded = AppTest.from_file(APP, default_timeout=60)
        reloaded.session_state[auth.SESSION_KEY] = auth.User("分析员", "analyst")
        reloaded.query_params.update({"mode": "present", "town": town, briefing_ui.LIVE_PARAM: live_id})
        if ended:
            briefing.live_end(live_id)
        reloaded.switch_page("pages/rehabilitation.py").run()
        assert not reloaded.exception
        if ended:
            assert briefing_ui.LIVE_PARAM not in reloaded.query_params and reloaded.title[0].value != "康复"
        else:
            assert reloaded.session_state[briefing_ui.AT_KEY] == 1
            reloaded.switch_page("pages/rehabilitation.py").run()  # the app's own switch to the slide's page
            assert reloaded.title[0].value == "康复" and reloaded.session_state["view_state"].present
            assert not reloaded.button(key="brief_prev").disabled  # the clicker's keys work again
    briefing.live_write(live_id, "", 1)
    at.button(key="brief_end").click().run()
    assert at.title[0].value == "汇报" and not at.session_state["view_state"].present


def test_add_current_view_to_script(script, monkeypatch):
    monkeypatch.delenv("DEMO_MODE")  # the demo's user is read-only: sign in as an analyst who may add slides
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state[auth.SESSION_KEY] = auth.User("分析员", "analyst")
    at.query_params["year"] = "2023"
    at.query_params["cat"] = "4"
    at.run()
    at.text_input(key="brief_title").input("肢体残疾总览").run()
    at.button(key="brief_add").click().run()
    assert not at.exception
    loaded, _ = briefing.load(script)
    assert loaded.slides[-1].title == "肢体残疾总览" and loaded.slides[-1].page == "overview"
    assert loaded.slides[-1].params == {"year": "2023", "cat": "4"}


# ---------------------------------------------------------------- owners, plain text, locks (issue 13)

HOSTILE_TITLE = "全县总览 [登录](http://127.0.0.1:9/p) ![](http://127.0.0.1:9/b)"
HOSTILE_NOTE = "内部意见 <img src=http://127.0.0.1:9/note.png> ![](http://127.0.0.1:9/n.png)"


def township_codes(duck_url: str) -> list[str]:
    """Two townships of the test county."""
    return list(annual_table(connect(duck_url), 2024, Filters(scope="")).iloc[:2]["区划代码"])


def signed(user: auth.User, page: str = "overview", **params: str) -> AppTest:
    """A session signed in as `user`, on a page."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state[auth.SESSION_KEY] = user
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    if page != "overview":
        at.switch_page(f"pages/{page}.py").run()
    return at


def test_role_rules():
    town, other = "990101002000", "990101003000"
    leader, analyst = auth.User("甲", "leader"), auth.User("乙", "analyst")
    township, press = auth.User("丙", "township", town), auth.User("丁", "press")
    assert briefing.may_edit(leader, "") and briefing.may_edit(analyst, "")
    assert not briefing.may_edit(township, "") and not briefing.may_edit(press, "")
    assert briefing.may_edit(township, town) and not briefing.may_edit(township, other)
    assert not briefing.may_edit(leader, town)  # a township's script is the township's own
    assert not briefing.may_edit(auth.DEMO_USER, "")  # the public demo changes nothing
    assert briefing.may_play(township, town) and not briefing.may_play(township, "") and not briefing.may_play(township, other)
    assert briefing.may_play(press, "") and not briefing.may_play(press, town)
    assert not briefing.shows_notes(township, "") and not briefing.shows_notes(press, "")


def test_titles_and_notes_are_plain_and_limited(tmp_path):
    path = tmp_path / "b.yaml"
    briefing.add_slide(briefing.Slide("标" * 5000 + "\x1b[31m", "overview", {"year": "2024"}, "讲" * 50_000), path)
    slide = briefing.load(path)[0].slides[0]
    assert len(slide.title) == briefing.MAX_TITLE and len(slide.note) == briefing.MAX_NOTE
    assert briefing.plain("a\u202eb\x00c\nd", 10) == "abc d"  # direction override, NUL, newline in a title
    assert briefing.plain("a\nb", 10, multiline=True) == "a\nb"
    with pytest.raises(briefing.BriefingError):
        briefing.add_slide(briefing.Slide("x", "../../etc/passwd"), path)


def test_township_user_adds_to_own_script_and_sees_no_county_note(script, duck_url, monkeypatch):
    monkeypatch.delenv("DEMO_MODE")
    town, _ = township_codes(duck_url)
    user = auth.User("镇干部", "township", town)
    at = signed(user, year="2024")
    at.text_input(key="brief_title").input(HOSTILE_TITLE).run()
    at.text_area(key="brief_note").input(HOSTILE_NOTE).run()
    at.button(key="brief_add").click().run()
    assert not at.exception, at.exception
    county = yaml.safe_load(script.read_text(encoding="utf-8"))
    assert len(county["slides"]) == 3  # the county's script is untouched
    own, _ = briefing.load(briefing.script_path(town))
    assert own.slides[-1].title == HOSTILE_TITLE and own.slides[-1].params["town"] == town

    at = signed(user, "briefing")
    assert not at.exception, at.exception
    assert not [s for s in at.selectbox if s.key.startswith("brief_start")] or "先讲总数" not in str(at.dataframe[0].value)
    frame_ = at.dataframe[0].value
    assert "讲稿" in frame_.columns  # the township's own script: they may edit it, so they see its notes
    assert not [s for s in at.selectbox if s.key == "brief_area"]  # no other script to choose
    assert all("先讲总数" not in str(v) for v in frame_.to_numpy().ravel())


def test_leader_sees_no_township_note_and_no_markdown_from_a_title(script, duck_url, monkeypatch):
    from tests.test_names_are_data import markdown_problems, page_markdown

    monkeypatch.delenv("DEMO_MODE")
    town, _ = township_codes(duck_url)
    # A township's slide whose title names the county, but whose view is the township.
    briefing.add_slide(briefing.Slide(HOSTILE_TITLE, "overview", {"town": town, "year": "2024"}, HOSTILE_NOTE),
                       briefing.script_path(town))
    at = signed(auth.User("领导", "leader"), "briefing")
    at.selectbox(key="brief_area").set_value(town).run()
    assert "讲稿" not in at.dataframe[0].value.columns  # a leader does not edit a township's script
    at.button(key="brief_go").click().run()
    at.switch_page("pages/overview.py").run()
    assert not at.exception, at.exception
    assert at.session_state["view_state"].township == town
    problems = [p for body, html in page_markdown(at) for p in markdown_problems(body, html)]
    assert not problems, problems
    shown = [h.value for h in at.html if "slide-page" in h.value]
    name = at.session_state["view_state"].township
    town_name = annual_table(connect(duck_url), 2024, Filters(scope="")).set_index("区划代码").loc[town, "名称"]
    assert shown and town_name in shown[0] and "全县" not in shown[0], shown  # the area on screen, not the title's
    assert name and not [t for t in at.text if "内部意见" in t.value]  # no note for a non-editor


def test_township_user_cannot_play_the_county_script(script, duck_url, monkeypatch):
    monkeypatch.delenv("DEMO_MODE")
    town, _ = township_codes(duck_url)
    at = signed(auth.User("镇干部", "township", town), "briefing")
    assert not at.exception, at.exception
    assert not at.dataframe  # their own script is empty; the county's is not offered
    assert any("还没有幻灯片" in i.value for i in at.info)


APPENDER = """
import sys
from pathlib import Path
from ui import briefing
path, who, n = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
for i in range(n):
    briefing.add_slide(briefing.Slide(f"{who}{i}", "overview", {"year": "2024"}, "x" * 500), path)
"""


def test_concurrent_appends_from_two_processes_lose_nothing(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "briefing.yaml"
    briefing.save(briefing.Briefing("并发", []), path)
    root = Path(__file__).resolve().parent.parent
    procs = [subprocess.Popen([sys.executable, "-c", APPENDER, str(path), who, "40"], cwd=root)
             for who in ("甲", "乙")]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    titles = [s.title for s in briefing.load(path)[0].slides]
    assert sorted(titles) == sorted([f"甲{i}" for i in range(40)] + [f"乙{i}" for i in range(40)])
    assert not list(tmp_path.glob(".briefing.yaml-*"))  # no temporary file left behind


# ---------------------------------------------------------------- hand-edited scripts are never lost (issue 23)

TAB_SCRIPT = "title: 手工编辑的汇报\nslides:\n  - title: 总览\n    page: overview\n\t- title: 康复\n    page: rehabilitation\n"
GBK_SCRIPT = "title: 手工编辑的汇报\nslides:\n  - title: 总览\n    page: overview\n    note: 用记事本另存为了GBK\n"


@pytest.mark.parametrize("content, problem", [
    (TAB_SCRIPT.encode("utf-8"), "第5行第1列有制表符"),
    (GBK_SCRIPT.encode("gbk"), "第1行有不是 UTF-8 编码的字节"),
    ("- 只是一个列表\n".encode(), "格式不对"),
], ids=["tab", "gbk", "a-list"])
def test_a_script_that_cannot_be_read_is_never_written_over(content, problem, tmp_path):
    path = tmp_path / "briefing.yaml"
    path.write_bytes(content)
    script, problems = briefing.load(path)
    assert script.error and problem in script.error and str(path) in script.error and problems == [script.error]
    with pytest.raises(briefing.BriefingError) as refused:
        briefing.add_slide(briefing.Slide("新的一页", "overview", {"year": "2024"}), path)
    assert str(path) in str(refused.value) and problem in str(refused.value) and "没有写入" in str(refused.value)
    with pytest.raises(briefing.BriefingError):
        briefing.save(briefing.Briefing("汇报", [briefing.Slide("x", "overview")]), path)
    assert path.read_bytes() == content  # not one byte changed


def test_add_to_briefing_refuses_an_unreadable_script_on_screen(script, monkeypatch):
    monkeypatch.delenv("DEMO_MODE")
    script.write_bytes(TAB_SCRIPT.encode("utf-8"))
    at = signed(auth.User("分析员", "analyst"))
    at.text_input(key="brief_title").input("总览").run()
    at.button(key="brief_add").click().run()
    assert not at.exception
    errors = " ".join(e.value for e in at.error).replace("\\", "")
    assert script.name in errors and "制表符" in errors and "没有写入" in errors
    assert script.read_bytes() == TAB_SCRIPT.encode("utf-8")
    at.switch_page("pages/briefing.py").run()  # the 汇报 page says the same, and plays nothing
    assert any("制表符" in e.value for e in at.error) and not at.dataframe  # no slides listed to play
    assert script.read_bytes() == TAB_SCRIPT.encode("utf-8")


def test_slides_naming_an_unknown_page_are_kept_and_said_not_playable(script, monkeypatch):
    monkeypatch.delenv("DEMO_MODE")
    before = yaml.safe_load(script.read_text(encoding="utf-8"))["slides"]
    before.insert(1, {"title": "旧版页面", "page": "old_page", "params": {"year": "2023"}, "note": "手写的讲稿"})
    before.append("随手写的一行")
    script.write_text(yaml.safe_dump({"title": "测试汇报", "slides": before}, allow_unicode=True), encoding="utf-8")
    assert briefing.add_slide(briefing.Slide("新的一页", "about"), script) == 3  # three playable slides
    after = yaml.safe_load(script.read_text(encoding="utf-8"))["slides"]
    assert after[1] == before[1] and after[3] == before[3] and after[4] == before[4]  # kept verbatim, in place
    assert [e["title"] for e in after if isinstance(e, dict)] == ["总览", "旧版页面", "康复", "坏页", "新的一页"]
    at = signed(auth.User("分析员", "analyst"), "briefing")
    assert not at.exception
    table = at.dataframe[0].value
    status = dict(zip(table["标题"], table["状态"], strict=True))
    assert status["旧版页面"] == "不能放映：页面“old_page”不存在" and status["总览"] == "可放映"
    assert status["随手写的一行"] == "不能放映：不是一页幻灯片的写法"
    assert any("old_page" in w.value.replace("\\", "") and "保留" in w.value for w in at.warning)
