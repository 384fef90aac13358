"""Slides that must still be one screen (issue 23, Presentation), in headless Chromium at 1920×1080 on a county
where one township's villages have no boundaries: a rare category and level (its notes, a ranking with every
value withheld) fits with its footer; a drilled township without village boundaries opens on the ranking, not
on a box saying there is no map; a chart whose values are all withheld says so instead of an empty axis; a
slide played from 汇报 shows the slide alone (no buttons, its title once, the subtitle clear of it), fits the
screen with a two-line title, and is still turned by the keys."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import geopandas as gpd
import pytest

from data.importer import Importer
from tests.conftest import KEY, UNTIL
from tests.test_browser import SHOTS, assert_no_error, serving, settle, wait_drawn
from tests.test_slides import browser, settled_height  # noqa: F401 (the module's browser fixture)

pytestmark = pytest.mark.slow
BARE = "990101001000"  # the township whose villages lose their boundaries
LONG_TITLE = "就业帮扶：言语一级残疾人的就业基地分布与各乡镇安置人数对照，请各乡镇对照检查并于年底前补齐短板"[:60]


@pytest.fixture(scope="module")
def bare_county(extracts, tmp_path_factory) -> str:
    """The test county without the village boundaries of one township."""
    folder = Path(shutil.copytree(extracts, tmp_path_factory.mktemp("bare") / "extracts"))
    (folder / "rejects.csv").unlink(missing_ok=True)
    villages = gpd.read_file(folder / "村边界.shp", encoding="utf-8")
    for part in folder.glob("村边界.*"):
        part.unlink()
    villages[~villages["XZQDM"].astype(str).str.startswith(BARE[:9])].to_file(folder / "村边界.shp", encoding="utf-8")
    path = str(folder.parent / "bare.duckdb")
    Importer(folder, path, UNTIL, KEY, log=lambda *_: None).run()
    return path


@pytest.fixture(scope="module")
def site(bare_county, tmp_path_factory):
    """The dashboard with a leader and a county script whose first slide has a two-line title and a rare
    category and level."""
    from ui import auth, briefing

    folder = tmp_path_factory.mktemp("fit")
    users = folder / "users.yaml"
    auth.add_user("领导甲", "leader", "leader-pass-123", path=users)
    script = folder / "briefing.yaml"
    script.write_text("title: 汇报\nslides: []\n", encoding="utf-8")
    for title, page, params in ((LONG_TITLE, "employment", {"year": "2024", "cat": "3", "level": "1"}),
                                ("全县康复服务地图", "rehabilitation", {"year": "2024"})):
        briefing.add_slide(briefing.Slide(title, page, params, "讲稿"), script)
    env = {k: v for k, v in os.environ.items() if k != "DEMO_MODE"}
    env |= {"WAREHOUSE_URL": bare_county, "USERS_FILE": str(users), "AUDIT_LOG": str(folder / "audit.log"),
            "BRIEFING_FILE": str(script), "DEMO_MODE": "1"}
    with serving(env) as url:
        yield url


def open_slide(browser, url: str, shot: str):  # noqa: F811
    """A 1920×1080 page at `url`, settled and drawn, photographed."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    page.goto(url)
    settle(page)
    assert_no_error(page)
    wait_drawn(page)
    settled_height(page)
    page.screenshot(path=SHOTS / f"{shot}.png")
    return page


def fits(page) -> None:
    """Nothing to scroll, and the 截至 line (the slide's last) on the screen."""
    main = settled_height(page)
    assert main[0] <= main[1] <= 1080, f"{main[0]} px tall on a {main[1]} px screen"
    bottom = page.evaluate("Math.max(...[...document.querySelectorAll('[data-testid=stMain] p')]"
                           ".filter(p => p.innerText.startsWith('数据截至')).map(p => p.getBoundingClientRect().bottom))")
    assert 0 < bottom <= 1080, bottom
    visuals = page.evaluate("""[...document.querySelectorAll(
        '[data-testid=stMain] :is([data-testid=stDeckGlJsonChart], .js-plotly-plot)')]
        .map(e => e.getBoundingClientRect().height).filter(h => h > 0)""")
    assert all(h >= 300 for h in visuals), f"the main visual is {visuals} px high: it should take the rest of the screen"


@pytest.mark.parametrize("name", ["rehabilitation", "employment"])
@pytest.mark.parametrize("part", ["map", "chart"])
def test_a_rare_category_and_level_fits(site, browser, name, part):  # noqa: F811
    page = open_slide(browser, f"{site}/{name}?year=2024&mode=present&cat=3&level=1&part={part}", f"fit-{name}-{part}")
    fits(page)
    page.close()


def test_a_public_slide_outside_the_set_says_so(site, browser):  # noqa: F811
    """A 公开场合 slide of a rare category and level is outside the public set (issue 25 §1): no chart at all (it
    was one whose every value was withheld, ALL_HIDDEN), the sentence saying what is public, the way to it."""
    page = open_slide(browser, f"{site}/rehabilitation?year=2024&mode=public&cat=3&level=1&part=chart",  # 公开场合
                      "fit-outside-set")
    assert page.get_by_text("不在对外公开的数据范围内").is_visible()
    assert page.get_by_role("button", name="查看对外公开的").is_visible()
    assert page.locator("[data-testid=stMain] .js-plotly-plot").count() == 0
    main = settled_height(page)  # nothing to scroll (no 截至 line: no number on the slide)
    assert main[0] <= main[1] <= 1080, main
    page.close()


def test_a_township_without_village_boundaries_opens_on_the_ranking(site, browser):  # noqa: F811
    page = open_slide(browser, f"{site}/?year=2024&mode=present&town={BARE}", "fit-no-boundaries")
    box = page.get_by_text("边界数据")
    assert not any(box.nth(i).is_visible() for i in range(box.count()))  # drawn for the screen page only
    assert page.locator("[data-testid=stMain] .js-plotly-plot").first.is_visible()
    fits(page)
    page.close()


def test_played_from_the_briefing_the_slide_is_alone_and_fits(site, browser):  # noqa: F811
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    page.goto(f"{site}/briefing")
    settle(page)
    page.get_by_role("button", name="开始汇报（投影模式）").click()
    page.wait_for_function(f"() => document.querySelector('h1')?.innerText === '{LONG_TITLE}'", timeout=30_000)
    settle(page)
    wait_drawn(page)
    page.screenshot(path=SHOTS / "fit-briefing-long-title.png")
    assert page.evaluate("document.querySelector('h1').getBoundingClientRect().height") > 100  # two lines
    fits(page)
    for label in ("上一页", "下一页", "回到本页", "结束汇报"):
        assert not page.get_by_text(label).first.is_visible(), label
    assert page.locator("body").inner_text().count(LONG_TITLE) == 1  # the question once
    gap = page.evaluate("document.querySelector('.slide-page').getBoundingClientRect().top"
                        " - document.querySelector('h1').getBoundingClientRect().bottom")
    assert gap >= 4, f"the subtitle touches the title ({gap:.1f} px)"
    page.keyboard.press("ArrowRight")  # the keys still turn the pages
    page.wait_for_function("() => document.querySelector('h1')?.innerText === '全县康复服务地图'", timeout=30_000)
    settle(page)
    wait_drawn(page)
    page.screenshot(path=SHOTS / "fit-briefing-map.png")
    fits(page)
    page.keyboard.press("Escape")  # and end the briefing
    page.wait_for_function("() => document.querySelector('h1')?.innerText === '汇报'", timeout=30_000)
    page.close()
