"""The office console in a real headless Chromium (Debian's `chromium`, driven by Playwright).

Signs in through the link the bot sent over the console channel, opens the dashboard and the map
of a community, filters, opens a report, hands it to another grid worker, sees that worker get
it in chat, downloads a ledger and opens the file. Skipped, saying why, without Chromium.
A second run opens a need's and a proposal's timeline pages, a report's page with its photo
(the image must load), sets a console password and signs in with it.
Set LINLI_OFFICE_SCREENSHOTS=DIR to keep screenshots (docs/office.md uses them).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
from collections.abc import AsyncIterator
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.bootstrap import App
from bot.console import Console
from bot.settings import Settings
from bot.web import create_web_app
from tests.support.chat import Chat
from tests.support.needs_reports import make_need, make_report, move_need
from tests.support.office import link_for
from tests.support.photos import stored_photo
from tests.support.proposals import propose

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:
    pytest.skip(
        "browser tier skipped: no Chromium here (apt-get install -y chromium; .ci/run does it)",
        allow_module_level=True,
    )
playwright_api = pytest.importorskip(
    "playwright.async_api", reason="browser tier skipped: Playwright is not installed"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


PORT = _free_port()
BASE = f"http://127.0.0.1:{PORT}"


@pytest.fixture
def engine_name() -> str:
    """One engine is enough for the browser tier (the HTTP tests run on both)."""
    return "sqlite"


@pytest.fixture
def settings() -> Settings:
    return Settings(LINLI_LANG="zh_CN", LINLI_PUBLIC_URL=BASE)


@pytest.fixture
async def server(demo_app: App) -> AsyncIterator[str]:
    """`linli serve`'s ASGI app on 127.0.0.1, in this event loop."""
    import uvicorn

    web = create_web_app(demo_app, [], senders=False)
    config = uvicorn.Config(web, host="127.0.0.1", port=PORT, log_level="warning", lifespan="off")
    srv = uvicorn.Server(config)
    task = asyncio.create_task(srv.serve())
    while not srv.started:
        await asyncio.sleep(0.05)
    yield BASE
    srv.should_exit = True
    await task


def _shots() -> Path | None:
    where = os.environ.get("LINLI_OFFICE_SCREENSHOTS")
    if not where:
        return None
    path = Path(where)
    path.mkdir(parents=True, exist_ok=True)
    return path


async def test_an_organizer_works_a_report_in_the_browser(
    server: str, chat: Chat, tmp_path: Path
) -> None:
    app = chat.app
    report = await make_report(app, text="楼下有人私装地锁，挡住消防通道")
    await make_report(
        app, region_code="CY-JS-01-G3-B1", category="illegal_ads", text="电线杆小广告"
    )
    await make_need(app)
    link = await link_for(chat, "王海燕")  # over the console channel, as the chat answers
    shots = _shots()
    async with playwright_api.async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        page = await browser.new_page(
            viewport={"width": 1280, "height": 900}, accept_downloads=True
        )
        page.set_default_timeout(120_000)  # a bound on waiting, generous for a loaded CI machine
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))

        await page.goto(link)
        await page.click("#sign-in")
        await page.wait_for_selector("#rates")
        assert "劲松北社区" in await page.inner_text("h1")
        await page.wait_for_selector("#trend svg")
        if shots:
            await page.screenshot(path=str(shots / "dashboard.png"), full_page=True)

        await page.click("#tab-map")
        await page.wait_for_selector("#map[data-ready]")
        await page.wait_for_selector("path.point-report")
        assert await page.locator("path.point").count() == 3
        if shots:
            await page.screenshot(path=str(shots / "map.png"), full_page=True)
        await page.select_option("#f-kind", "reports")
        await page.select_option("#f-category", "ground_lock")
        await page.click("#map-apply")
        # A selector, not wait_for_function: the page's CSP forbids the eval that one polls with.
        await page.wait_for_selector('#map[data-count="1"]')
        assert await page.locator("path.point").count() == 1
        await page.locator("path.point-report").first.click()
        await page.click("a.map-item")

        await page.wait_for_selector("#timeline")
        assert f"#{report}" in await page.inner_text("h1")
        await page.select_option("#worker", label="杨帆 · 第二网格")
        await page.click("#do-reassign")
        await page.wait_for_selector("#done")
        assert "已转派" in await page.inner_text("#done")
        assert "转派" in await page.inner_text("#timeline")
        if shots:
            await page.screenshot(path=str(shots / "report.png"), full_page=True)

        said: list[str] = []
        await Console(app, write=said.append).deliver()  # the console channel's outbox sender
        told = [said[i + 1] for i, line in enumerate(said) if line.endswith("→ 杨帆:")]
        assert any(f"#{report}" in text and "交给您处理" in text for text in told), said

        await page.click("nav.crumbs >> text=劲松北社区")  # the report page is its grid's
        await page.click("#tab-reports")
        await page.select_option("#f-status", "open")
        await page.fill("#f-q", "小广告")
        async with page.expect_navigation():
            await page.click("#list-apply")
        assert await page.locator("a.report-link").count() == 1
        if shots:
            await page.screenshot(path=str(shots / "reports.png"), full_page=True)

        await page.click("#tab-ledgers")
        await page.select_option("#ledger-kind", "reports")
        async with page.expect_download() as info:
            await page.click("#ledger-download")
        download = await info.value
        saved = tmp_path / download.suggested_filename
        await download.save_as(saved)
        rows = list(load_workbook(BytesIO(saved.read_bytes())).active.iter_rows(values_only=True))
        assert rows[0][:3] == ("编号", "类别", "状态") and len(rows) == 3
        assert saved.name.startswith("报事台账")
        await browser.close()
    assert not errors, errors


async def test_timelines_and_a_password_in_the_browser(server: str, chat: Chat) -> None:
    app = chat.app
    need = await make_need(app)
    await move_need(app, need, "matching", actor="王海燕")
    await propose(chat, "王凤兰", "加装电梯", "我们103号楼都是老人，六层没有电梯，希望加装电梯。")
    report = await make_report(app, photo_ref="telegram:before-file")
    await stored_photo(app, report)  # as the worker keeps it once fetched from Telegram
    link = await link_for(chat, "王海燕")
    shots = _shots()
    async with playwright_api.async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        page = await browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(120_000)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        await page.goto(link)
        await page.click("#sign-in")
        await page.wait_for_selector("#rates")
        assert "数据截至" in await page.inner_text("#as-of")

        await page.click("#tab-needs")
        await page.click(f'a.need-link[href="/office/needs/{need}"]')
        await page.wait_for_selector("#timeline")
        timeline = await page.inner_text("#timeline")
        assert "登记需求" in timeline and "待匹配 → 匹配中" in timeline
        if shots:
            await page.screenshot(path=str(shots / "need.png"), full_page=True)

        await page.goto(f"{server}/office/proposals/1")
        await page.wait_for_selector("#cosigners")
        assert "提交提案" in await page.inner_text("#timeline")
        if shots:
            await page.screenshot(path=str(shots / "proposal.png"), full_page=True)

        await page.goto(f"{server}/office/reports/{report}")
        image = page.locator("#timeline a.photo img")
        await image.wait_for()
        await page.wait_for_load_state("load")  # images included
        assert await image.evaluate("img => img.complete && img.naturalWidth") == 640
        if shots:
            await page.screenshot(path=str(shots / "report_photo.png"), full_page=True)

        await page.click("#to-password")
        await page.fill("#pw-form input[name=login]", "wanghy")
        await page.fill("#pw-form input[name=password]", "长城-2026-jinsong")
        await page.fill("#pw-form input[name=repeat]", "长城-2026-jinsong")
        await page.click("#pw-save")
        await page.wait_for_selector("#pw-status")
        await page.click("header form.inline button")  # sign out
        await page.wait_for_url("**/office/bye")

        await page.goto(f"{server}/office/signin")
        await page.fill("#pw-login", "wanghy")
        await page.fill("#pw-password", "长城-2026-jinsong")
        if shots:
            await page.screenshot(path=str(shots / "signin.png"), full_page=True)
        await page.click("#pw-submit")
        await page.wait_for_selector("#rates")
        await browser.close()
    assert not errors, errors
