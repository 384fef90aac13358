"""The briefing editor in 汇报 (issue 29 §2): the slides listed in words; move, duplicate, delete (and undo),
new title and note, a new script from empty or the example; 加入汇报 proposes the title of the view shown,
refuses a view its page refuses and keeps only its page's parameters; edits from two windows or processes
never lose or misplace a slide. Through AppTest (the pages as a user clicks them) and ui.briefing itself."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from streamlit.testing.v1 import AppTest

from queries.common import Filters
from queries.db import connect
from queries.report import annual_table
from ui import auth, briefing

APP = str(Path(__file__).resolve().parent.parent / "app.py")
LEADER = auth.User("领导甲", "leader")
SLIDES = [("全县总览", "overview", {"year": "2024"}, "开场"), ("康复", "rehabilitation", {"part": "chart"}, "讲康复"),
          ("补贴", "subsidies", {}, ""), ("监测", "monitoring", {}, "")]


@pytest.fixture(scope="module")
def towns(duck_url) -> dict[str, str]:
    """The test county's townships: code → name."""
    table = annual_table(connect(duck_url), 2024, Filters(scope=""))
    return dict(zip(table["区划代码"], table["名称"], strict=True))


@pytest.fixture
def script(duck_url, tmp_path, monkeypatch) -> Path:
    """A four-slide county script and the test warehouse; signed in sessions, no demo user."""
    path = tmp_path / "briefing.yaml"
    briefing.save(briefing.Briefing("测试汇报", [briefing.Slide(*s) for s in SLIDES]), path)
    monkeypatch.setenv("WAREHOUSE_URL", duck_url)
    monkeypatch.setenv("BRIEFING_FILE", str(path))
    monkeypatch.delenv("DEMO_MODE", raising=False)
    return path


def signed(user: auth.User = LEADER, page: str = "briefing", **params: str) -> AppTest:
    """A session signed in as `user`, on a page."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state[auth.SESSION_KEY] = user
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    if page != "overview":
        at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, at.exception
    return at


def titles(path: Path) -> list[str]:
    """The titles of the script's entries, in the file's order."""
    return [e["title"] if isinstance(e, dict) else e for e in yaml.safe_load(path.read_text(encoding="utf-8"))["slides"]]


def keyed(at: AppTest, base: str):
    """The selectbox whose key starts with `base` (its key changes with its labels: ui.briefing_editor)."""
    return next(s for s in at.selectbox if s.key.startswith(base))


def choose(at: AppTest, index: int) -> None:
    """Choose the editor's slide (its place among the entries)."""
    keyed(at, "brief_sel_county").set_value(index).run()


# ---------------------------------------------------------------- the list in words


def test_slides_listed_with_page_area_and_filters_in_words(script, towns):
    town = list(towns)[2]
    briefing.add_slide(briefing.Slide("镇的补贴", "explore", {"metric": "living_coverage_month", "by": "month",
                                                           "town": town, "cat": "4", "from": "2025-01"}), script)
    at = signed()
    table = at.dataframe[0].value
    assert list(table.columns) == ["页", "标题", "页面", "区域", "筛选", "状态", "讲稿"]
    rows = table.set_index("标题")
    assert rows.loc["全县总览", "页面"] == "总览" and rows.loc["全县总览", "区域"] == at.button(key="crumb_county").label
    assert rows.loc["全县总览", "筛选"] == "2024年，显示地图"
    assert rows.loc["康复", "筛选"] == "最新年度，显示对照目标"
    assert rows.loc["镇的补贴", "区域"] == towns[town]
    assert rows.loc["镇的补贴", "筛选"] == "最新年度，肢体残疾，生活补贴月覆盖率，按月份，2025年1月至最新月份"
    words = " ".join(table[["页面", "区域", "筛选"]].to_numpy().ravel())
    for key in ("metric", "town", "cat", "from", "part", "living_coverage", "month", "chart"):
        assert key not in words, key  # words, never the parameters' keys or values


# ---------------------------------------------------------------- each action, through the page


def test_move_down_and_up_follow_the_slide(script):
    at = signed()
    choose(at, 0)
    at.button(key="brief_down").click().run()
    assert titles(script) == ["康复", "全县总览", "补贴", "监测"]
    assert keyed(at, "brief_sel_county").value == 1  # the choice follows the slide: click again
    at.button(key="brief_down").click().run()
    at.button(key="brief_down").click().run()
    assert titles(script) == ["康复", "补贴", "监测", "全县总览"]
    assert at.button(key="brief_down").disabled  # the last one
    at.button(key="brief_up").click().run()
    assert titles(script) == ["康复", "补贴", "全县总览", "监测"]
    assert list(at.dataframe[0].value["标题"]) == titles(script)  # the list shows the file as it is now
    assert not at.exception


def test_delete_and_undo(script):
    at = signed()
    choose(at, 1)
    at.button(key="brief_delete").click().run()
    assert titles(script) == ["全县总览", "补贴", "监测"]
    assert "康复" not in list(at.dataframe[0].value["标题"])
    at.button(key="brief_undo").click().run()
    assert titles(script) == ["全县总览", "康复", "补贴", "监测"]
    restored = briefing.load(script)[0].slides[1]
    assert (restored.page, restored.params, restored.note) == ("rehabilitation", {"part": "chart"}, "讲康复")
    assert not [b for b in at.button if b.key == "brief_undo"]  # undone once


def test_duplicate_puts_the_copy_after_it(script):
    at = signed()
    choose(at, 1)
    at.button(key="brief_dup").click().run()
    slides = briefing.load(script)[0].slides
    assert [s.title for s in slides] == ["全县总览", "康复", "康复", "补贴", "监测"]
    assert slides[2] == slides[1]
    assert keyed(at, "brief_sel_county").value == 2  # the copy is chosen, to rename


def test_rename_and_edit_the_note(script):
    at = signed()
    choose(at, 1)
    assert at.text_input(key="brief_edit_title").value == "康复"  # filled from the chosen slide
    assert at.text_area(key="brief_edit_note").value == "讲康复"
    at.text_input(key="brief_edit_title").input("康复服务：差距在哪 <b>x</b>\u202e").run()
    at.text_area(key="brief_edit_note").input("第一行\n第二行").run()
    at.button(key="brief_save").click().run()
    slide = briefing.load(script)[0].slides[1]
    assert slide.title == "康复服务：差距在哪 <b>x</b>" and slide.note == "第一行\n第二行"  # plain text, kept as typed
    assert at.dataframe[0].value["标题"][1] == slide.title
    choose(at, 2)
    assert at.text_input(key="brief_edit_title").value == "补贴"  # another slide: its own text
    at.text_input(key="brief_edit_title").input("   ").run()
    at.button(key="brief_save").click().run()
    assert any("标题不能为空" in e.value for e in at.error) and titles(script)[2] == "补贴"


def test_new_script_from_empty_and_from_the_example_keeps_the_old_one(script):
    from queries.audience import PUBLIC

    briefing.set_audience(PUBLIC, script)  # a 公开场合 script: its successor is one too until changed
    before = script.read_bytes()
    at = signed()
    at.text_input(key="brief_new_title").input("三季度汇报").run()
    at.button(key="brief_new").click().run()
    assert not at.exception
    fresh = briefing.load(script)[0]
    assert fresh.title == "三季度汇报" and fresh.entries() == [] and fresh.audience == PUBLIC
    backups = list(script.parent.glob("briefing.yaml.*.bak"))
    assert len(backups) == 1 and backups[0].read_bytes() == before  # nothing lost
    assert any(backups[0].name in s.value.replace("\\", "") for s in at.success)
    assert any("还没有幻灯片" in i.value for i in at.info) and not at.dataframe
    at.radio(key="brief_new_from").set_value("example").run()
    at.button(key="brief_new").click().run()
    assert [s.title for s in briefing.load(script)[0].slides] == [s.title for s in briefing.example().slides]
    assert len(list(script.parent.glob("briefing.yaml.*.bak"))) == 1  # the empty one had nothing to keep


def test_a_slide_changed_elsewhere_is_not_touched(script):
    at = signed()
    choose(at, 1)
    # another window renames slide 2 meanwhile: this window's 删除 names the slide it drew, so it is refused
    briefing.edit("text", briefing.refs(briefing.load(script)[0])[1], script, title="别处改过")
    at.button(key="brief_delete").click().run()
    assert titles(script) == ["全县总览", "别处改过", "补贴", "监测"]
    assert any("另一个窗口" in e.value for e in at.error)
    assert list(at.dataframe[0].value["标题"]) == titles(script)  # and now shows the file as it is
    # an append elsewhere does not disturb a move here
    briefing.add_slide(briefing.Slide("别处加的", "about"), script)
    choose(at, 1)
    at.button(key="brief_up").click().run()
    assert titles(script) == ["别处改过", "全县总览", "补贴", "监测", "别处加的"]


def test_text_typed_over_a_slide_changed_elsewhere_is_kept(script):
    at = signed()
    choose(at, 1)
    at.text_input(key="brief_edit_title").input("我的新标题").run()
    at.text_area(key="brief_edit_note").input("我写了很久的讲稿").run()
    briefing.edit("text", briefing.refs(briefing.load(script)[0])[1], script, note="别处改的讲稿")
    at.button(key="brief_save").click().run()
    assert briefing.load(script)[0].slides[1].note == "别处改的讲稿"  # not written over unseen
    assert any("仍在“编辑”框中" in e.value for e in at.error)
    assert at.text_input(key="brief_edit_title").value == "我的新标题"  # nothing typed is lost
    assert at.text_area(key="brief_edit_note").value == "我写了很久的讲稿"
    at.button(key="brief_save").click().run()  # saved on purpose, having seen the message
    assert (briefing.load(script)[0].slides[1].title, briefing.load(script)[0].slides[1].note) == (
        "我的新标题", "我写了很久的讲稿")


def test_unknown_entries_are_kept_through_edits(script):
    raw = yaml.safe_load(script.read_text(encoding="utf-8"))
    raw["slides"].insert(1, {"title": "旧版页面", "page": "old_page", "params": {"year": "2023"}, "note": "手写"})
    script.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    at = signed()
    choose(at, 0)
    at.button(key="brief_down").click().run()  # past the kept entry: it stays as written
    after = yaml.safe_load(script.read_text(encoding="utf-8"))["slides"]
    assert after[0] == raw["slides"][1] and [e["title"] for e in after] == ["旧版页面", "全县总览", "康复", "补贴", "监测"]
    choose(at, 0)
    assert at.button(key="brief_dup").disabled  # it cannot be played: fixed by hand, not renamed here
    assert at.dataframe[0].value["状态"][0] == "不能放映：页面“old_page”不存在"


def test_who_sees_the_editor(script, duck_url, towns):
    town = next(iter(towns))
    for user, editor in ((LEADER, True), (auth.User("乙", "analyst"), True), (auth.User("丁", "press"), False),
                         (auth.User("丙", "township", town), True)):
        at = signed(user)
        assert bool([b for b in at.button if b.key == "brief_delete"]) == (editor and user.role != "township"), user
        assert bool([b for b in at.button if b.key == "brief_new"]) == editor, user
    at = signed(LEADER)
    at.selectbox(key="brief_area").set_value(town).run()  # a township's script: the leader plays, does not edit
    assert not [b for b in at.button if b.key in ("brief_new", "brief_delete")]


def test_an_action_after_the_rights_ended_changes_nothing(script):
    at = signed()
    choose(at, 1)
    at.session_state[auth.SESSION_KEY] = auth.User("领导甲", "press")  # the account lost its rights meanwhile
    before = script.read_bytes()
    at.button(key="brief_delete").click().run()  # its callback runs before the page's sign-in check
    assert script.read_bytes() == before
    assert any("无权编辑" in e.value for e in at.error)


def test_unreadable_script_offers_no_editor(script):
    script.write_bytes(b"title: x\nslides:\n\t- title: a\n")
    at = signed()
    assert any("制表符" in e.value for e in at.error)
    assert not [b for b in at.button if b.key in ("brief_new", "brief_delete", "brief_up")]
    with pytest.raises(briefing.BriefingError):
        briefing.new_script("新", False, script)
    assert script.read_bytes() == b"title: x\nslides:\n\t- title: a\n"


# ---------------------------------------------------------------- 加入汇报


def test_add_proposes_the_title_of_the_view_shown(script, towns):
    at = signed(page="overview", year="2024")
    county = at.button(key="crumb_county").label
    assert at.text_input(key="brief_title").value == f"{county}总览"
    at.text_input(key="brief_title").input("我自己的标题").run()
    at.button(key="brief_add").click().run()
    assert titles(script)[-1] == "我自己的标题"
    town = list(towns)[1]
    at.session_state["view_state"] = at.session_state["view_state"].__class__(
        **{**at.session_state["view_state"].__dict__, "township": town})  # drilled into a township
    at.run()
    assert at.text_input(key="brief_title").value == f"{towns[town]}总览"  # not the previous slide's title
    at.switch_page("pages/rehabilitation.py").run()
    assert at.text_input(key="brief_title").value == f"{towns[town]}康复服务"
    at.switch_page("pages/explore.py").run()
    assert at.text_input(key="brief_title").value == f"{towns[town]}康复服务率（按乡镇（街道））"
    at.selectbox(key=next(s.key for s in at.selectbox if s.key.startswith("x_metric"))).set_value("subsidy_amount").run()
    assert at.text_input(key="brief_title").value == f"{towns[town]}两项补贴发放金额（按乡镇（街道））"


def test_add_refuses_a_breakdown_the_page_refuses(script):
    at = signed(page="explore", metric="without_measure", by="category")
    assert any("不能按残疾类别分析" in w.value for w in at.warning)  # the page's own sentence
    assert at.button(key="brief_add").disabled
    assert any("不能加入汇报" in w.value and "不能按残疾类别分析" in w.value for w in at.warning)
    with pytest.raises(briefing.BriefingError, match="不能按残疾类别分析"):
        briefing.add_slide(briefing.Slide("x", "explore", {"metric": "without_measure", "by": "category"}), script)
    assert titles(script) == [s[0] for s in SLIDES]
    at = signed(page="explore", by="village")  # villages without a township: refused too
    assert at.button(key="brief_add").disabled


def test_a_slide_stores_only_its_own_page_parameters(script):
    at = signed(page="explore", metric="subsidy_amount", by="month", cols="category", year="2024", cat="4")
    at.switch_page("pages/rehabilitation.py").run()  # the view still carries 指标分析's choices
    at.button(key="brief_add").click().run()
    assert briefing.load(script)[0].slides[-1].params == {"year": "2024", "cat": "4"}
    at.switch_page("pages/overview.py").run()  # a metric the overview does not map is not kept either
    at.button(key="brief_add").click().run()
    assert briefing.load(script)[0].slides[-1].params == {"year": "2024", "cat": "4"}
    at.switch_page("pages/about.py").run()
    at.button(key="brief_add").click().run()
    assert briefing.load(script)[0].slides[-1].params == {}


def test_add_to_the_untouched_example_starts_a_new_script(tmp_path, duck_url, monkeypatch):
    path = tmp_path / "briefing.yaml"
    monkeypatch.setenv("WAREHOUSE_URL", duck_url)
    monkeypatch.setenv("BRIEFING_FILE", str(path))
    monkeypatch.delenv("DEMO_MODE", raising=False)
    at = signed(page="overview")  # the county's script starts as the example
    assert briefing.is_example(briefing.load(path)[0])
    assert at.radio(key="brief_instead").value is True  # offered: a new script, not slides 6… of the example
    at.button(key="brief_add").click().run()
    county = at.button(key="crumb_county").label
    assert titles(path) == [f"{county}总览"]
    assert len(list(tmp_path.glob("briefing.yaml.*.bak"))) == 1
    at.button(key="brief_add").click().run()  # no longer the example: appended
    assert titles(path) == [f"{county}总览"] * 2
    assert not [r for r in at.radio if r.key == "brief_instead"]
    briefing.new_script("示例", True, path)
    at.run()
    at.radio(key="brief_instead").set_value(False).run()  # chosen: after the example's five
    at.button(key="brief_add").click().run()
    assert len(titles(path)) == len(briefing.example().slides) + 1


# ---------------------------------------------------------------- two processes editing at once

EDITOR = """
import sys
from pathlib import Path
from ui import briefing
path, n = Path(sys.argv[1]), int(sys.argv[2])
done = 0
while done < n:
    script = briefing.load(path)[0]
    refs = briefing.refs(script)
    try:
        briefing.edit("down" if done % 2 else "up", refs[len(refs) // 2], path)
        done += 1
    except briefing.BriefingError:
        pass
"""
ADDER = """
import sys
from pathlib import Path
from ui import briefing
path, n = Path(sys.argv[1]), int(sys.argv[2])
for i in range(n):
    briefing.add_slide(briefing.Slide(f"加{i}", "overview", {"year": "2024"}), path)
"""


def test_moves_and_appends_from_two_processes_lose_nothing(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "briefing.yaml"
    briefing.save(briefing.Briefing("并发", [briefing.Slide(f"原{i}", "overview") for i in range(6)]), path)
    root = Path(__file__).resolve().parent.parent
    procs = [subprocess.Popen([sys.executable, "-c", code, str(path), "30"], cwd=root) for code in (EDITOR, ADDER)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    assert sorted(titles(path)) == sorted([f"原{i}" for i in range(6)] + [f"加{i}" for i in range(30)])


# ---------------------------------------------------------------- a leader in a real browser (slow)

SIX = ("总览", "康复服务", "两项补贴", "防返贫监测", "指标分析", "就业帮扶")


@pytest.fixture(scope="module")
def leader_url(duck_url, tmp_path_factory):
    """The dashboard with a leader account and a county script that does not exist yet (it starts as the
    example); (url, script path)."""
    import os

    from tests.test_browser import serving

    folder = tmp_path_factory.mktemp("editor")
    users = folder / "users.yaml"
    auth.add_user("领导甲", "leader", "leader-pass-123", path=users)
    env = {k: v for k, v in os.environ.items() if k != "DEMO_MODE"}
    env |= {"WAREHOUSE_URL": duck_url, "USERS_FILE": str(users), "AUDIT_LOG": str(folder / "audit.log"),
            "BRIEFING_FILE": str(folder / "briefing.yaml")}
    with serving(env) as url:
        yield url, folder / "briefing.yaml"


def _add_view(page) -> str:
    """加入汇报 in the sidebar with the proposed title; the title added."""
    from tests.test_browser import settle

    settle(page)
    page.get_by_role("button", name="加入汇报").click(no_wait_after=True)  # a popover: nothing to navigate
    field = page.get_by_label("本页标题")
    field.wait_for(timeout=30_000)
    title = field.input_value()
    page.get_by_role("button", name="加入汇报脚本").click()
    page.get_by_text("已加入").wait_for(timeout=30_000)
    settle(page)
    page.keyboard.press("Escape")
    return title


@pytest.mark.slow
def test_a_leader_builds_reorders_and_presents_six_slides(leader_url, browser):
    from tests.test_browser import SHOTS, assert_no_error, settle
    from tests.test_slides import _sign_in

    url, path = leader_url
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    wall = context.new_page()
    _sign_in(wall, url, "")
    added = []
    for name in SIX:  # the pages from the sidebar, each view added with the title proposed for it
        if name != "总览":
            wall.locator("[data-testid=stSidebarNav]").get_by_role("link", name=name, exact=True).click()
            settle(wall)
        added.append(_add_view(wall))
        assert name.replace("指标分析", "康复服务率") in added[-1], added  # the view shown, not the last title
    assert titles(path) == added  # a new script (the example's five were not kept in front of them)
    wall.locator("[data-testid=stSidebarNav]").get_by_role("link", name="汇报", exact=True).click()
    settle(wall)
    # reorder: the sixth slide to third place, with three clicks on 上移 (the choice follows the slide)
    wall.locator("[class*='st-key-brief_sel_county']").click()
    wall.get_by_role("option", name=f"第6页　{added[5]}（就业帮扶）").click()
    settle(wall)
    for _ in range(3):
        wall.locator(".st-key-brief_up button").click()
        settle(wall)
    order = [added[0], added[1], added[5], added[2], added[3], added[4]]
    assert titles(path) == order
    # and a new title for the first
    wall.locator("[class*='st-key-brief_sel_county']").click()
    wall.get_by_role("option", name=f"第1页　{added[0]}（总览）").click()
    settle(wall)
    wall.get_by_role("button", name="编辑").click()
    wall.get_by_label("标题", exact=True).fill("今年工作总览")
    wall.get_by_label("讲稿（只在演示者视图中显示）").fill("先讲总数")
    wall.locator(".st-key-brief_save button").click()
    settle(wall)
    order[0] = "今年工作总览"
    assert titles(path) == order
    # the choices name the new title (a keyed selectbox would keep showing the old one)
    assert "今年工作总览" in wall.locator("[class*='st-key-brief_sel_county'] input").input_value()
    assert "今年工作总览" in wall.locator("[class*='st-key-brief_start'] input").input_value()
    assert_no_error(wall)
    wall.screenshot(path=SHOTS / "briefing-editor.png")
    # present it: the presenter window beside the wall, both in step
    link = wall.get_by_role("link", name="打开演示者视图（新窗口）").get_attribute("href")
    notes = context.new_page()  # the same browser: signed in already (the cookie session, issue 29 §1)
    notes.goto(f"{url}/{link}")
    notes.get_by_text("等待开始").wait_for(timeout=30_000)
    wall.get_by_role("button", name="开始汇报（投影模式）").click()
    for n, title in enumerate(order, start=1):
        wall.wait_for_function(f"() => document.querySelector('h1')?.innerText === {title!r}", timeout=30_000)
        notes.get_by_text(f"第 {n}/6 页").wait_for(timeout=30_000)
        if n == 1:
            assert notes.get_by_text("先讲总数").is_visible()
        settle(wall)
        assert_no_error(wall)
        wall.keyboard.press("ArrowRight")
    context.close()
