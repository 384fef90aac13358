"""Slides on a wall, in a real browser (Debian's headless Chromium): every page and part in projector mode
fits one 1920×1080 screen without scrolling, its text is at least 24 px with the question the largest, no
banner; the presenter view (another window) shows the note, the next slide and a clock and stays in step
with the projected page, which never shows the note; clicker keys move both; a drill returns to the top."""

from __future__ import annotations

import os
import re
import time

import pytest

from tests.test_browser import SHOTS, assert_no_error, click_until, serving, settle, wait_drawn
from ui.render.slide import PAGE_PARTS

pytestmark = pytest.mark.slow
SLIDES = [(page, part) for page, parts in PAGE_PARTS.items() for part in parts] + [("about", "")]
NOTE = "先讲清楚未达标乡镇各差多少人"

# Every visible text's font size in the main area: HTML elements with their own text, and plotly's SVG text.
FONT_SIZES_JS = """() => {
  const main = document.querySelector('[data-testid=stMain]');
  const out = [];
  for (const el of main.querySelectorAll('*')) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const box = el.getBoundingClientRect(), style = getComputedStyle(el);
    if (box.width === 0 || box.height === 0 || style.visibility === 'hidden' || style.display === 'none') continue;
    out.push({text: el.textContent.trim().slice(0, 40), size: parseFloat(style.fontSize), tag: el.tagName});
  }
  return out;
}"""


@pytest.fixture(scope="module")
def demo(duck_url, tmp_path_factory):
    """The dashboard in demo mode (banner on every screen page) with its own briefing script."""
    briefing = tmp_path_factory.mktemp("slides") / "briefing.yaml"
    env = {**os.environ, "WAREHOUSE_URL": duck_url, "BRIEFING_FILE": str(briefing), "DEMO_MODE": "1"}
    with serving(env) as url:
        yield url


@pytest.fixture(scope="module")
def leader_server(duck_url, tmp_path_factory):
    """Signed-in dashboard with a leader (who edits the county's script, so sees its notes)."""
    from ui import auth, briefing

    folder = tmp_path_factory.mktemp("leader")
    users = folder / "users.yaml"
    auth.add_user("领导甲", "leader", "leader-pass-123", path=users)
    script = folder / "briefing.yaml"
    script.write_text("title: 汇报\nslides: []\n", encoding="utf-8")
    for title, page, params, note in (("全县总览", "overview", {}, "开场"),
                                      ("康复服务对照目标", "rehabilitation", {"part": "chart"}, NOTE),
                                      ("两项补贴", "subsidies", {}, "")):
        briefing.add_slide(briefing.Slide(title, page, params, note), script)
    env = {k: v for k, v in os.environ.items() if k != "DEMO_MODE"}
    env |= {"WAREHOUSE_URL": duck_url, "USERS_FILE": str(users), "AUDIT_LOG": str(folder / "audit.log"),
            "BRIEFING_FILE": str(script)}
    with serving(env) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium from Debian (no browser download)."""
    from playwright.sync_api import sync_playwright

    from tests.test_browser import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


def settled_height(page, quiet_s: float = 1.0, timeout_s: float = 20.0) -> list[int]:
    """[scrollHeight, clientHeight] of the main area once unchanged for `quiet_s` (a chart that redraws to its
    size, or a rerun's elements replacing the last run's, pass through taller states)."""
    measure = ("(() => { const m = document.querySelector('[data-testid=stMain]');"
               " return [m.scrollHeight, m.clientHeight]; })()")
    last, since, deadline = page.evaluate(measure), time.monotonic(), time.monotonic() + timeout_s
    while time.monotonic() - since < quiet_s and time.monotonic() < deadline:
        time.sleep(0.2)
        now = page.evaluate(measure)
        if now != last:
            last, since = now, time.monotonic()
    return last


@pytest.mark.parametrize(("name", "part"), SLIDES)
def test_every_slide_is_one_screen(demo, browser, name, part):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    path = "" if name == "overview" else name
    page.goto(f"{demo}/{path}?year=2024&mode=present" + (f"&part={part}" if part else ""))
    settle(page)
    assert_no_error(page)
    wait_drawn(page)
    # Streamlit scrolls inside its own container: the slide fits when that container has nothing to scroll.
    main = settled_height(page)
    page.screenshot(path=SHOTS / f"slide-{name}-{part or 'main'}.png")
    assert main[0] <= main[1] <= 1080, f"{name}/{part}: {main[0]} px tall on a {main[1]} px screen"
    assert not page.get_by_text("演示模式").first.is_visible()  # no banner on a slide
    sizes = page.evaluate(FONT_SIZES_JS)
    small = [s for s in sizes if s["size"] < 24]
    assert not small, small[:5]
    svg = page.evaluate("""[...document.querySelectorAll('.js-plotly-plot svg text')]
        .filter(t => t.textContent.trim() && t.getBoundingClientRect().width > 0)
        .map(t => parseFloat(t.style.fontSize || getComputedStyle(t).fontSize))""")
    assert not svg or min(svg) >= 24, min(svg)
    question = page.evaluate("parseFloat(getComputedStyle(document.querySelector('h1')).fontSize)")
    assert question == max(s["size"] for s in sizes)  # the question is the largest text
    # nothing cut at the right: no element of the main area reaches past the screen
    overflow = page.evaluate("""[...document.querySelectorAll('[data-testid=stMain] *')]
        .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && e.getClientRects().length)
        .map(e => e.tagName + ' ' + (e.textContent || '').slice(0, 30))""")
    assert not overflow, overflow[:5]
    page.close()


def test_ranking_below_target_in_the_warning_colour(demo, browser):
    from ui.labels import BELOW_TARGET_COLOUR, ON_TARGET_COLOUR

    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    page.goto(f"{demo}/rehabilitation?year=2024&mode=present&part=chart")
    settle(page)
    wait_drawn(page)
    page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot .bars path').length > 0"
                           " && document.querySelector('.js-plotly-plot .shapelayer path')", timeout=30_000)
    fills = page.evaluate("[...document.querySelectorAll('.js-plotly-plot .bars path')].map(p => p.style.fill)")

    def rgb(hex_: str) -> str:
        return "rgb({}, {}, {})".format(*(int(hex_[i:i + 2], 16) for i in (1, 3, 5)))

    assert fills and set(fills) <= {rgb(BELOW_TARGET_COLOUR), rgb(ON_TARGET_COLOUR), "rgb(150, 150, 170)"}
    assert rgb(BELOW_TARGET_COLOUR) in fills
    # the dashed target line never crosses a value label
    line = page.evaluate("(() => { const s = document.querySelector('.js-plotly-plot .shapelayer path');"
                         " const b = s.getBoundingClientRect(); return [b.left, b.right]; })()")
    labels = page.evaluate("""[...document.querySelectorAll('.js-plotly-plot .scatterlayer text')]
        .map(t => { const b = t.getBoundingClientRect(); return [b.left, b.right]; })""")
    assert labels and all(right < line[0] or left > line[1] for left, right in labels)
    page.close()


def _sign_in(page, url: str, path: str) -> None:
    """Open `path` and sign in as the leader."""
    page.goto(f"{url}/{path}")
    page.get_by_label("用户名").fill("领导甲")
    page.get_by_label("密码").fill("leader-pass-123")
    page.get_by_role("button", name="登录").click()
    settle(page)


def test_presenter_view_in_step_with_the_wall_and_clicker_keys(leader_server, browser):
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    wall = context.new_page()
    _sign_in(wall, leader_server, "briefing")
    link = wall.get_by_role("link", name="打开演示者视图（新窗口）").get_attribute("href")
    assert re.fullmatch(r"briefing\?presenter=[0-9a-f]{16}", link)
    notes = context.new_page()  # the presenter window: the same browser, signed in already (issue 29 §1)
    notes.goto(f"{leader_server}/{link}")
    notes.get_by_text("等待开始").wait_for(timeout=30_000)
    assert notes.get_by_label("密码").count() == 0
    wall.get_by_role("button", name="开始汇报（投影模式）").click()
    wall.wait_for_function("() => document.querySelector('h1') && document.querySelector('h1')?.innerText === '全县总览'",
                           timeout=30_000)
    notes.get_by_text("第 1/3 页").wait_for(timeout=30_000)
    assert notes.get_by_text("康复服务对照目标（康复服务）").is_visible()  # the next slide
    notes.wait_for_function("() => /已用时 \\d\\d:\\d\\d/.test(document.body.innerText)", timeout=10_000)  # clock
    assert re.search(r"\d\d:\d\d:\d\d", notes.locator("#presenter-clock").inner_text())
    # a clicker on the wall: → moves both screens (pressed once the page is idle: its key listener is in place)
    settle(wall)
    wall.keyboard.press("ArrowRight")
    wall.wait_for_function("() => document.querySelector('h1')?.innerText === '康复服务对照目标'", timeout=30_000)
    notes.get_by_text("第 2/3 页").wait_for(timeout=30_000)
    assert notes.get_by_text(NOTE).is_visible()
    # the note and the next slide's title are read from a laptop at arm's length: at least 24 px
    sizes = {t["text"]: t["size"] for t in notes.evaluate(FONT_SIZES_JS)}
    following = [size for text, size in sizes.items() if "两项补贴（两项补贴）" in text]  # the next slide's title
    assert sizes[NOTE] >= 24 and following and min(following) >= 24, sizes
    settle(wall)
    assert NOTE not in wall.locator("body").inner_text()  # the room never sees the note
    assert_no_error(wall)
    # the presenter's clicker: PageDown moves the wall, PageUp brings it back
    settle(notes)
    notes.keyboard.press("PageDown")
    wall.wait_for_function("() => document.querySelector('h1')?.innerText === '两项补贴'", timeout=30_000)
    notes.get_by_text("第 3/3 页").wait_for(timeout=30_000)
    settle(notes)
    notes.keyboard.press("PageUp")
    wall.wait_for_function("() => document.querySelector('h1')?.innerText === '康复服务对照目标'", timeout=30_000)
    # F5 on the wall: the same slide comes back (signed in by the cookie), still in step with the presenter
    settle(wall)
    wall.reload()
    wall.wait_for_function("() => document.querySelector('h1')?.innerText === '康复服务对照目标'", timeout=30_000)
    settle(wall)
    notes.keyboard.press("PageDown")
    wall.wait_for_function("() => document.querySelector('h1')?.innerText === '两项补贴'", timeout=30_000)
    notes.keyboard.press("PageUp")
    wall.wait_for_function("() => document.querySelector('h1')?.innerText === '康复服务对照目标'", timeout=30_000)
    wall.screenshot(path=SHOTS / "briefing-wall.png")
    notes.screenshot(path=SHOTS / "briefing-presenter.png")
    context.close()


def test_a_drill_returns_to_the_top(demo, browser):
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    page.goto(f"{demo}/rehabilitation?year=2024")
    settle(page)
    deck = page.locator("[data-testid=stDeckGlJsonChart]").first
    deck.scroll_into_view_if_needed()
    wait_drawn(page)
    page.evaluate("document.querySelector('[data-testid=stMain]').scrollBy(0, 200)")  # read down the page
    deck.scroll_into_view_if_needed()
    assert page.evaluate("document.querySelector('[data-testid=stMain]').scrollTop") > 100
    box = deck.bounding_box()
    click_until(page, box["x"] + box["width"] / 2, box["y"] + box["height"] / 2,
                "() => new URL(location.href).searchParams.has('town')")
    settle(page)
    page.wait_for_function("() => document.querySelector('[data-testid=stMain]').scrollTop === 0", timeout=10_000)
    page.close()


def test_overview_fits_a_laptop_screen(demo, browser):
    """At 1366×768 (sidebar open, demo banner shown) the eight cards and the map are on the first screen,
    every headline number on one line with its unit."""
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    page.goto(f"{demo}/?year=2024")
    settle(page)
    wait_drawn(page)
    # the map's canvas sized to its box (deck.gl sizes it on its first frame): no fixed wait
    page.wait_for_function("""() => { const c = document.querySelector('[data-testid=stDeckGlJsonChart] canvas');
        return c && c.width > 0 && c.height > 0 && c.getBoundingClientRect().height >= 250; }""", timeout=30_000)
    page.screenshot(path=SHOTS / "laptop-overview.png")
    boxes = page.evaluate("""() => {
      const r = e => e.getBoundingClientRect();
      const values = [...document.querySelectorAll('.kpi-value')].map(e => ({
        text: e.textContent, bottom: r(e).bottom, height: r(e).height, size: parseFloat(getComputedStyle(e).fontSize),
        right: r(e).right, cardRight: r(e.parentElement).right}));
      const cards = [...document.querySelectorAll('.kpi-card')].map(e => r(e).bottom);
      const map = r(document.querySelector('[data-testid=stDeckGlJsonChart]'));
      const canvas = r(document.querySelector('[data-testid=stDeckGlJsonChart] canvas'));
      return {values, cards, map: {top: map.top, bottom: map.bottom}, canvas: {bottom: canvas.bottom, height: canvas.height}};
    }""")
    assert len(boxes["values"]) == 8
    assert max(boxes["cards"]) <= 768, boxes["cards"]
    assert boxes["map"]["bottom"] <= 768 and boxes["canvas"]["bottom"] <= 768, boxes
    assert boxes["canvas"]["height"] >= 250, boxes  # a map to read, not a strip
    for value in boxes["values"]:
        assert value["height"] < 1.6 * value["size"], value  # one line: "元" never alone on the next
        assert value["right"] <= value["cardRight"], value  # and inside its card
    page.close()
