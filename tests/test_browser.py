"""A real browser (Debian's headless Chromium) against `streamlit run` on loopback: every page opens,
a township is clicked on the map to drill down, no error text shows, and each page is photographed."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest

from bench.pgserver import free_port
from tests.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: F401 (other tests import them from here)

pytestmark = pytest.mark.slow  # a real server and Chromium
ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "var" / "screenshots"
PAGES = ["overview", "monitoring", "subsidies", "rehabilitation", "employment", "accessibility", "explore", "about",
         "briefing"]


@pytest.fixture(scope="module")
def server(duck_url, tmp_path_factory):
    """The dashboard served on 127.0.0.1 from the test county's warehouse (its own briefing script)."""
    briefing = tmp_path_factory.mktemp("briefing") / "briefing.yaml"
    with serving({**os.environ, "WAREHOUSE_URL": duck_url, "BRIEFING_FILE": str(briefing)}) as url:
        yield url


@contextmanager
def serving(env: dict[str, str], port: int | None = None, args: Sequence[str] = (),
            command: Sequence[str] = ("scripts/serve.py",)) -> Iterator[str]:
    """scripts/serve.py (or another Python command) on a loopback port (a free one unless given) with this
    environment and extra `streamlit run` arguments; its URL once it accepts."""
    port = port or free_port()
    proc = subprocess.Popen([sys.executable, *command, "--server.port", str(port), *args], cwd=ROOT,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.terminate()
                raise TimeoutError(f"serve.py did not listen on port {port} within 60 s") from None
            time.sleep(0.3)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def settle(page) -> None:
    """Wait until the script has run and stayed idle for a second (see notes-stack.md)."""
    page.wait_for_selector("[data-testid=stApp][data-test-script-state=notRunning]", timeout=60_000)
    quiet_since = deadline = time.monotonic()
    deadline += 60
    while time.monotonic() - quiet_since < 1.0:
        if time.monotonic() > deadline:
            raise TimeoutError("the page kept rerunning for 60 s")
        state = page.get_attribute("[data-testid=stApp]", "data-test-script-state")
        if state != "notRunning":
            quiet_since = time.monotonic()
        time.sleep(0.1)


def wait_drawn(page) -> None:
    """Wait until every map has its canvas and every chart its plot (they draw after the script ends);
    raise after 30 s."""
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid=stDeckGlJsonChart]')].every(d => d.querySelector('canvas'))
              && [...document.querySelectorAll('.js-plotly-plot')].every(p => p.querySelector('.main-svg'))""",
        timeout=30_000)


def click_until(page, x: float, y: float, condition: str, seconds: float = 30) -> None:
    """Click at (x, y) until the JavaScript condition holds (a map takes its clicks once its layers are
    drawn); raise after `seconds`."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    deadline = time.monotonic() + seconds
    while True:
        page.mouse.click(x, y)
        try:
            page.wait_for_function(condition, timeout=2_000)
            return
        except PlaywrightTimeout:
            if time.monotonic() > deadline:
                raise


def assert_no_error(page) -> None:
    """No exception box, no error alert and no "page not found" dialog on the page."""
    assert page.get_by_text("Page not found").count() == 0
    assert page.locator("[data-testid=stException]").count() == 0, page.locator(
        "[data-testid=stException]").first.inner_text()
    errors = page.locator("[data-testid=stAlertContentError]")
    assert errors.count() == 0, errors.first.inner_text()


@pytest.mark.parametrize("name", PAGES)
def test_page_in_browser(server, browser, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    # Streamlit scrolls inside its own container, so a tall window is what captures the whole page.
    page = browser.new_page(viewport={"width": 1600, "height": 3200})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    path = "" if name == "overview" else name  # the default page lives at the root
    page.goto(f"{server}/{path}?year=2024")
    settle(page)
    assert_no_error(page)
    assert page.locator("h1").first.inner_text().strip()
    wait_drawn(page)
    page.screenshot(path=SHOTS / f"{name}.png", full_page=True)
    offsite = [u for u in requests if not u.startswith((server, "data:", "blob:"))]
    assert not offsite, offsite  # works offline: nothing fetched from the internet
    page.close()


def test_click_township_on_map_drills_down(server, browser):
    page = browser.new_page(viewport={"width": 1600, "height": 1000})
    page.goto(f"{server}/rehabilitation?year=2024")
    settle(page)
    deck = page.locator("[data-testid=stDeckGlJsonChart]").first
    deck.scroll_into_view_if_needed()
    wait_drawn(page)
    box = deck.bounding_box()
    click_until(page, box["x"] + box["width"] / 2, box["y"] + box["height"] / 2,
                "() => new URL(location.href).searchParams.has('town')")
    settle(page)
    assert_no_error(page)
    town = page.evaluate("new URL(location.href).searchParams.get('town')")
    assert len(town) == 12
    # The breadcrumb now offers the way back up to the county.
    assert page.get_by_role("button", name="示范县").is_enabled()
    wait_drawn(page)
    page.screenshot(path=SHOTS / "rehabilitation_township.png", full_page=True)
    page.get_by_role("button", name="示范县").click()
    page.wait_for_function("() => !new URL(location.href).searchParams.has('town')", timeout=30_000)
    page.close()


def test_filters_survive_page_change(server, browser):
    page = browser.new_page(viewport={"width": 1600, "height": 1000})
    page.goto(f"{server}/?year=2023&cat=4")
    settle(page)
    page.locator("[data-testid=stSidebarNavLink]", has_text="康复服务").first.evaluate("e => e.click()")
    page.wait_for_function("() => location.pathname.endsWith('/rehabilitation')", timeout=30_000)
    settle(page)
    params = page.evaluate("Object.fromEntries(new URL(location.href).searchParams)")
    assert params.get("year") == "2023" and params.get("cat") == "4"
    page.close()


def test_projector_mode_is_a_slide(server, browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    page.goto(f"{server}/rehabilitation?year=2024&mode=present")
    settle(page)
    assert_no_error(page)
    assert not page.locator("[data-testid=stSidebar]").is_visible()
    assert not page.locator("[data-testid=stToolbar]").is_visible()
    headline = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.kpi-value')).fontSize)")
    question = page.evaluate("parseFloat(getComputedStyle(document.querySelector('h1')).fontSize)")
    assert question > headline >= 40  # the question reads first, the numbers next
    page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot .ytick text').length > 0",
                           timeout=30_000)
    ticks = page.evaluate("""Array.from(document.querySelectorAll('.js-plotly-plot .ytick text'))
                             .map(t => parseFloat(t.style.fontSize || getComputedStyle(t).fontSize))""")
    assert ticks and min(ticks) >= 24
    page.screenshot(path=SHOTS / "projector.png")
    page.get_by_role("button", name="退出投影模式").click()
    page.wait_for_function("() => !new URL(location.href).searchParams.has('mode')", timeout=30_000)
    page.close()


@pytest.mark.parametrize("menu", ["rehab_rank", "rehab_map"])
def test_press_png_from_a_chart_and_a_map(server, browser, menu):
    """A chart's (and a map's) export menu, opened (its controls are drawn only then), makes a
    1080×1080 PNG on the server and offers it for download: a real PNG of that size."""
    import io

    from PIL import Image

    page = browser.new_page(viewport={"width": 1600, "height": 1400})
    page.goto(f"{server}/rehabilitation?year=2024")
    settle(page)
    assert page.get_by_role("button", name="生成 PNG").count() == 0
    page.locator(f".st-key-{menu}_menu button").first.click()
    page.get_by_text("1080×1080").first.click()
    settle(page)
    page.get_by_role("button", name="生成 PNG").click()
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name="下载 PNG").click(timeout=60_000)
    image = Image.open(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert image.format == "PNG" and image.size == (1080, 1080)
    assert_no_error(page)
    page.close()


def test_briefing_plays_slides(server, browser):
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    page.goto(f"{server}/briefing")
    settle(page)
    page.get_by_role("button", name="开始汇报（投影模式）").click()
    page.wait_for_function("() => new URL(location.href).searchParams.get('mode') === 'present'", timeout=30_000)
    settle(page)
    first = page.locator("h1").first.inner_text()
    # The projected window shows the slide alone: its buttons are hidden, the clicker's keys turn the pages.
    assert not page.get_by_role("button", name="下一页 ▶").is_visible()
    page.keyboard.press("ArrowRight")
    page.wait_for_function(f"() => document.querySelector('h1') && document.querySelector('h1').innerText !== {first!r}",
                           timeout=30_000)
    settle(page)
    assert_no_error(page)
    assert not page.locator("[data-testid=stSidebar]").is_visible()
    page.keyboard.press("Escape")  # ends the briefing
    page.wait_for_function("() => location.pathname.endsWith('/briefing')", timeout=30_000)
    page.close()


@pytest.fixture(scope="module")
def signed_server(duck_url, tmp_path_factory):
    """The dashboard without demo mode: a users file with a township user and a press user."""
    from queries.common import Filters
    from queries.db import connect
    from queries.report import annual_table
    from ui import auth

    folder = tmp_path_factory.mktemp("users")
    users = folder / "users.yaml"
    towns = annual_table(connect(duck_url), 2024, Filters(scope=""))
    own, other = towns.iloc[1], towns.iloc[4]
    auth.add_user("乡镇员", "township", "township-pass-1", area=own["区划代码"], path=users)
    auth.add_user("宣传员", "press", "press-pass-123", path=users)
    env = {k: v for k, v in os.environ.items() if k != "DEMO_MODE"}
    env |= {"WAREHOUSE_URL": duck_url, "USERS_FILE": str(users), "AUDIT_LOG": str(folder / "audit.log")}
    with serving(env) as url:
        yield url, own, other, folder / "audit.log"


def sign_in(page, name: str, password: str) -> None:
    """Fill the sign-in form."""
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def test_township_role_in_browser(signed_server, browser):
    url, own, other, audit_log = signed_server
    page = browser.new_page(viewport={"width": 1600, "height": 1400})
    page.goto(f"{url}/rehabilitation?year=2024&town={other['区划代码']}")
    settle(page)
    sign_in(page, "乡镇员", "wrong-password")
    settle(page)
    assert page.get_by_label("用户名").count() == 1  # still the form
    sign_in(page, "乡镇员", "township-pass-1")
    page.wait_for_selector("h1", timeout=30_000)
    settle(page)
    assert_no_error(page)
    assert page.locator("h1").first.inner_text().strip() == "康复服务"
    assert page.evaluate("new URL(location.href).searchParams.get('town')") == own["区划代码"]
    assert page.get_by_text("只能查看").count() >= 1
    body = page.locator("[data-testid=stMain]").inner_text()
    assert own["名称"] in body and other["名称"] not in body
    page.screenshot(path=SHOTS / "role_township.png", full_page=True)
    events = [line for line in audit_log.read_text(encoding="utf-8").splitlines()]
    assert any('"sign_in_failed"' in e for e in events) and any('"sign_in"' in e for e in events)
    assert not any("township-pass-1" in e or "wrong-password" in e for e in events)
    page.close()


def test_press_role_in_browser(signed_server, browser):
    url = signed_server[0]
    page = browser.new_page(viewport={"width": 1600, "height": 2400})
    page.goto(f"{url}/?year=2024")
    settle(page)
    sign_in(page, "宣传员", "press-pass-123")
    page.wait_for_selector("h1", timeout=30_000)
    settle(page)
    assert_no_error(page)
    assert page.get_by_text("内部版").count() == 0  # issue 24: the press gets a table's 对外版 only
    assert page.get_by_text("对外口径：人数少于5的数字已隐去").count() >= 1  # the page says which audience
    page.screenshot(path=SHOTS / "role_press.png", full_page=True)
    for name in PAGES[:6]:  # no count of 1-4 anywhere on screen, on any page
        page.goto(f"{url}/{'' if name == 'overview' else name}?year=2024&cat=3&level=1")
        settle(page)
        assert page.get_by_label("密码").count() == 0  # a new page load stays signed in (the cookie session)
        page.wait_for_selector("h1", timeout=30_000)
        settle(page)
        assert_no_error(page)
        assert page.locator("h1").first.inner_text().strip()
        assert not SMALL_COUNT.findall(screen_text(page)), (name, SMALL_COUNT.findall(screen_text(page)))
    page.close()


SMALL_COUNT = re.compile(r"(?<![\d,.<×])[1-4][ \t]*(人|户|名)(?!次)")  # within one text, not across lines


def screen_text(page) -> str:
    """Every text drawn on the page, the charts' SVG text included."""
    return page.evaluate("""() => [document.querySelector('[data-testid=stMain]')?.innerText || '',
        ...Array.from(document.querySelectorAll('svg text')).map(t => t.textContent)].join('\\n')""")


@pytest.mark.slow
@pytest.mark.parametrize("name", PAGES[:6])
def test_no_small_count_on_a_projector(server, browser, duck_url, name):
    from queries.dashboard import regions
    from queries.db import connect

    found = regions(connect(duck_url), "")
    town = found[found["level"] == "township"]["region_code"].iloc[3]
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    # issue 24: a 公开场合 slide (mode=public) is suppressed as every projector slide was; a 内部会议 slide
    # (mode=present) is exact now (tests/test_audience.py)
    for view in ("", f"&town={town}"):
        page.goto(f"{server}/{'' if name == 'overview' else name}?year=2024&mode=public{view}")
        settle(page)
        assert_no_error(page)
        found_small = SMALL_COUNT.findall(screen_text(page))
        assert not found_small, (name, view, found_small)
    page.close()


def test_chinese_text_is_drawn_in_its_simplified_chinese_font(server, browser):
    """The theme names the CJK font's Simplified Chinese forms (.streamlit/config.toml): Chromium's own
    fallback drew the page's Chinese in Noto Sans CJK JP, Japanese glyph shapes, on a Linux wall or press PC."""
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    page.goto(f"{server}/?year=2024")
    settle(page)
    selectors = ("h1", ".kpi-label", "[data-testid=stSidebarNavLink] span")
    for selector in selectors:
        page.wait_for_selector(selector)
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    for selector in selectors:
        node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
        assert node, selector
        fonts = {f["familyName"] for f in cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]}
        assert "Noto Sans CJK SC" in fonts and not any(f.endswith(("JP", "KR", "TC", "HK")) for f in fonts), \
            (selector, fonts)
    page.close()


def test_one_click_selects_the_whole_paragraph_to_copy(server, browser):
    """文字解读: opened, one click on the paragraph selects all of it (ready for Ctrl+C), in the page's font."""
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    page.goto(f"{server}/?year=2024")
    settle(page)
    page.get_by_text("文字解读（可复制）").click()
    paragraph = page.locator(".summary-text")
    paragraph.click()
    text = paragraph.inner_text()
    assert text.startswith("截至2024年末") and page.evaluate("window.getSelection().toString()") == text
    assert "mono" not in paragraph.evaluate("e => getComputedStyle(e).fontFamily").lower()
    page.close()
