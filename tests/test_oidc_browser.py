"""Sign-in through a running OpenID Connect provider, end to end in headless Chromium.

The provider (tests/oidc_idp.py: oidc-provider-mock behind its own password page and session) runs on
127.0.0.2; the dashboard (scripts/serve.py) on 127.0.0.1 reads an `[auth]` section from a secrets.toml in a
temporary folder (`--secrets.files`), so the repository's own configuration is untouched. Each person signs
in on the provider's page in a fresh browser context and sees what their role should; signing out ends the
dashboard session and the provider's, so the next sign-in asks for the password again.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

import pytest

from bench.pgserver import free_port
from tests.oidc_idp import Provider, running_provider
from tests.test_browser import SHOTS, assert_no_error, serving, settle

pytestmark = pytest.mark.slow

ROLE_CLAIM, AREA_CLAIM = "canlian_role", "canlian_area"
UNKNOWN_TOWN = "990199999000"


def secrets_toml(redirect_uri: str, client_id: str, client_secret: str, metadata_url: str) -> str:
    """The [auth] section an office writes for its provider (README, 部署与安全)."""
    return (f'[auth]\nredirect_uri = "{redirect_uri}"\ncookie_secret = "{secrets.token_hex(32)}"\n'
            f'client_id = "{client_id}"\nclient_secret = "{client_secret}"\n'
            f'server_metadata_url = "{metadata_url}"\n')


@pytest.fixture(scope="module")
def towns(duck_url) -> tuple[tuple[str, str], tuple[str, str]]:
    """Two townships of the test county as (code, name): a township user's own, and another."""
    from queries.common import Filters
    from queries.db import connect
    from queries.report import annual_table

    table = annual_table(connect(duck_url), 2024, Filters(scope=""))
    return tuple((row["区划代码"], row["名称"]) for _, row in table.iloc[[1, 4]].iterrows())  # type: ignore[return-value]


@pytest.fixture(scope="module")
def oidc(duck_url, towns, tmp_path_factory):
    """The provider with its people, and the dashboard signing in through it: (dashboard URL, provider, audit log)."""
    (own, _), _ = towns
    folder = tmp_path_factory.mktemp("oidc")
    with running_provider() as provider:
        people = {
            "zhang": {"name": "张局长", ROLE_CLAIM: "领导"},
            "li": {"name": "李干事", ROLE_CLAIM: "乡镇", AREA_CLAIM: own},
            "wang": {"name": "王宣传", ROLE_CLAIM: ["staff", "宣传"]},
            "zhao": {"name": "赵分析", ROLE_CLAIM: "analyst"},
            "guest": {"name": "访客甲", ROLE_CLAIM: "访客"},
            "stray": {"name": "错乡镇", ROLE_CLAIM: "乡镇", AREA_CLAIM: UNKNOWN_TOWN},
        }
        for subject, claims in people.items():
            provider.add_user(subject, f"{subject}-password", claims)
        port = free_port()
        redirect_uri = f"http://127.0.0.1:{port}/oauth2callback"
        client_id, client_secret = provider.register_client(redirect_uri)
        (folder / "secrets.toml").write_text(
            secrets_toml(redirect_uri, client_id, client_secret, provider.metadata_url), encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if k not in ("DEMO_MODE", "OIDC_ROLE_MAP", "OIDC_PROVIDER")}
        env |= {"WAREHOUSE_URL": duck_url, "AUDIT_LOG": str(folder / "audit.log"), "USERS_FILE": str(folder / "none.yaml"),
                "OIDC_ROLE_CLAIM": ROLE_CLAIM, "OIDC_AREA_CLAIM": AREA_CLAIM,
                "BRIEFING_FILE": str(folder / "briefing.yaml")}
        with serving(env, port, ["--secrets.files", str(folder / "secrets.toml")]) as url:
            yield url, provider, folder / "audit.log"




def audit_records(path: Path) -> list[dict]:
    """The dashboard's audit log as records."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def start_sign_in(page, url: str, provider: Provider) -> None:
    """From the dashboard's sign-in page to the provider's own password page."""
    page.goto(f"{url}/")
    settle(page)
    assert page.get_by_text("请使用单位统一身份认证登录").count() == 1
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{provider.issuer}/login**", timeout=30_000)


def provider_password(page, url: str, subject: str, password: str) -> None:
    """Type name and password on the provider's page; wait until the dashboard has run once more."""
    page.get_by_label("用户名").fill(subject)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{url}/**", timeout=30_000)
    settle(page)


def sign_in(browser, url: str, provider: Provider, subject: str, requests: list[str] | None = None):
    """A fresh browser (its own cookies) signed in as `subject` through the provider: (context, page).
    Every URL the browser asks for is appended to `requests` if given."""
    context = browser.new_context(viewport={"width": 1600, "height": 1600})
    if requests is not None:
        context.on("request", lambda r: requests.append(r.url))
    page = context.new_page()
    start_sign_in(page, url, provider)
    provider_password(page, url, subject, f"{subject}-password")
    return context, page


def drawn(page) -> None:
    """Wait until every plotly chart has drawn its text (it draws after the script has finished)."""
    page.wait_for_function("""() => {
        const charts = document.querySelectorAll('[data-testid=stPlotlyChart]');
        return charts.length > 0 && Array.from(charts).every(c => c.querySelector('.main-svg text'));
    }""", timeout=30_000)


def table_cells(page) -> list[str]:
    """The texts of the cells that the page's tables have drawn (the grid's accessible cells)."""
    cells = page.locator("[data-testid=stDataFrame] [role=gridcell]")
    cells.first.wait_for(state="attached", timeout=30_000)
    return cells.all_inner_texts()


def signed_in_as(page) -> str:
    """The sidebar's 已登录 line."""
    return page.get_by_text("已登录：").first.inner_text()


def test_leader_sees_the_county_and_sign_out_ends_both_sessions(oidc, browser, towns):
    url, provider, audit_log = oidc
    (_, own_name), (_, other_name) = towns
    requests: list[str] = []
    context, page = sign_in(browser, url, provider, "zhang", requests)
    assert_no_error(page)
    assert page.locator("h1").first.inner_text().strip() == "总览"
    assert signed_in_as(page) == "已登录：张局长（领导）"
    drawn(page)
    body = page.locator("[data-testid=stMain]").inner_text()
    assert own_name in body and other_name in body  # every township
    # issue 24: a leader chooses the 内部版 (exact) or the 对外版 of a table (before: analysts only)
    page.get_by_text("下载 Excel（内部版）").first.wait_for(timeout=30_000)
    assert page.get_by_text("下载 Excel（对外版）").count() >= 1
    cells = table_cells(page)
    assert own_name in cells and "<5" not in cells  # full numbers at township level (rows by name)
    page.screenshot(path=SHOTS / "oidc_leader.png", full_page=True)
    assert provider.portal.password_sign_ins.count("zhang") == 1

    # Single sign-on: without the dashboard's cookie but with the provider's session, signing in again needs
    # no password. So the password page after sign-out below shows that the provider's session really ended.
    context.clear_cookies(domain="127.0.0.1")
    page.goto(f"{url}/")
    settle(page)
    page.get_by_role("button", name="登录").click()
    page.get_by_text("已登录：").first.wait_for(timeout=30_000)
    settle(page)
    assert signed_in_as(page) == "已登录：张局长（领导）"
    assert provider.portal.password_sign_ins.count("zhang") == 1
    sessions_before = len(provider.portal.sessions)

    # 退出登录: /auth/logout → the provider's end_session_endpoint → back to the dashboard's first page.
    with page.expect_navigation(url=f"{url}/", timeout=30_000):
        page.get_by_role("button", name="退出登录").click()
    settle(page)
    assert page.get_by_text("请使用单位统一身份认证登录").count() == 1
    assert len(provider.portal.ended) == 1
    ended = provider.portal.ended[-1]
    assert ended.get("id_token_hint") and ended.get("post_logout_redirect_uri") == f"{url}/oauth2callback"
    assert len(provider.portal.sessions) == sessions_before - 1
    events = [(r["event"], r["user"]) for r in audit_records(audit_log)]
    assert ("sign_in", "张局长") in events and ("sign_out", "张局长") in events

    # A new visit in the same browser: the dashboard asks again, and so does the provider (the password page).
    fresh = context.new_page()
    start_sign_in(fresh, url, provider)
    assert fresh.get_by_label("密码").count() == 1
    provider_password(fresh, url, "zhang", "zhang-password")
    assert signed_in_as(fresh) == "已登录：张局长（领导）"
    assert provider.portal.password_sign_ins.count("zhang") == 2
    # Offline: the whole round (sign-in, single sign-on, sign-out, sign-in) asked nothing of the internet.
    assert not [u for u in requests if not u.startswith((url, provider.issuer, "data:", "blob:"))]
    assert any(u.startswith(f"{provider.issuer}/oauth2/end_session") for u in requests)
    context.close()


def test_township_user_kept_to_own_township(oidc, browser, towns):
    url, provider, _ = oidc
    (own, own_name), (other, other_name) = towns
    context, page = sign_in(browser, url, provider, "li")
    assert signed_in_as(page) == f"已登录：李干事（乡镇，{own}）"
    page.goto(f"{url}/rehabilitation?year=2024&town={other}")
    settle(page)
    assert_no_error(page)
    assert page.locator("h1").first.inner_text().strip() == "康复服务"
    assert page.evaluate("new URL(location.href).searchParams.get('town')") == own
    assert page.get_by_text("只能查看").count() >= 1
    drawn(page)
    body = page.locator("[data-testid=stMain]").inner_text()
    assert own_name in body and other_name not in body
    page.screenshot(path=SHOTS / "oidc_township.png", full_page=True)
    context.close()


def test_press_user_gets_suppressed_views_and_public_tables_only(oidc, browser):
    url, provider, _ = oidc
    context, page = sign_in(browser, url, provider, "wang")
    assert_no_error(page)
    assert signed_in_as(page) == "已登录：王宣传（宣传）"
    drawn(page)
    assert page.get_by_text("内部版").count() == 0  # issue 24: the press gets the 对外版 of a table only
    assert "<5" in table_cells(page)  # small counts hidden (the leader's same table shows them)
    page.screenshot(path=SHOTS / "oidc_press.png", full_page=True)
    context.close()


def test_analyst_by_english_key_gets_table_exports(oidc, browser):
    url, provider, _ = oidc
    context, page = sign_in(browser, url, provider, "zhao")
    assert_no_error(page)
    assert signed_in_as(page) == "已登录：赵分析（分析）"
    drawn(page)
    page.get_by_text("下载 Excel").first.wait_for(timeout=30_000)
    context.close()


@pytest.mark.parametrize("subject, message, reason", [
    ("guest", "未分配驾驶舱角色", "no known role in claims"),
    ("stray", f"区划代码 {UNKNOWN_TOWN}）不在本驾驶舱的数据中", "unknown township in claims"),
])
def test_account_without_a_role_or_known_township_is_refused(oidc, browser, subject, message, reason):
    url, provider, audit_log = oidc
    context, page = sign_in(browser, url, provider, subject)
    errors = page.locator("[data-testid=stAlertContentError]")
    assert errors.count() == 1 and message in errors.first.inner_text()
    assert page.get_by_text("已登录：").count() == 0 and page.locator(".kpi-value").count() == 0  # no data shown
    page.screenshot(path=SHOTS / f"oidc_refused_{subject}.png", full_page=True)
    refused = [r for r in audit_records(audit_log) if r["event"] == "sign_in_failed" and r["details"].get("sub") == subject]
    assert [r["details"]["reason"] for r in refused] == [reason]
    # 退出登录 on the refusal ends the provider's session too, so another account can sign in.
    ended = len(provider.portal.ended)
    with page.expect_navigation(url=f"{url}/", timeout=30_000):
        page.get_by_role("button", name="退出登录").click()
    settle(page)
    assert len(provider.portal.ended) == ended + 1
    start_sign_in(page, url, provider)  # the dashboard's sign-in page, then the provider's password page
    context.close()
