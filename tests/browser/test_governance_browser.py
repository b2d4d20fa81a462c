"""Governance pages in a real headless Chromium: a joint meeting scheduled from the meetings page
and opened (agenda with the month's hot issue), participants invited from its page (told in
chat), a report handed to 城管 from its page, and the hand-offs page listing it with the
departments' rates; the department's staff told in chat.
Skipped, saying why, without Chromium (the fixtures are test_office_browser.py's)."""

from __future__ import annotations

from bot.console import Console
from tests.browser.test_office_browser import (  # noqa: F401  (fixtures used by name)
    CHROMIUM,
    _shots,
    engine_name,
    playwright_api,
    server,
    settings,
)
from tests.support.chat import Chat
from tests.support.clock import FakeClock
from tests.support.meetings import hot_month
from tests.support.needs_reports import make_report
from tests.support.office import link_for
from tests.support.proposals import propose, set_threshold


async def test_a_meeting_and_a_hand_off_in_the_browser(
    server: str,  # noqa: F811
    chat: Chat,
    clock: FakeClock,
) -> None:
    app = chat.app
    await hot_month(chat, clock.now)
    await set_threshold(chat, "CY-JS-01", 2)
    await propose(chat, "王凤兰", "加装电梯", "我们103号楼都是老人，六层没有电梯，希望加装电梯。")
    await chat.text("李福海", "/cosign 1")
    await chat.text("赵淑兰", "/cosign 1")
    report = await make_report(app, text="小区门口有人占道经营，堵住了人行道")
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

        await page.click("#tab-meetings")
        await page.wait_for_selector("#meeting-list")
        await page.fill("#schedule-date", "2026-12-10")
        await page.fill("#schedule-time", "14:00")
        await page.fill("#schedule-place", "社区党群服务中心二楼会议室")
        await page.click("#do-schedule")
        await page.wait_for_selector("#done")
        assert "联席会议 #1" in await page.inner_text("h1")
        assert "2026-12-10 14:00" in await page.inner_text("#meeting-when")
        agenda = await page.inner_text("#agenda")
        assert (
            "#1 加装电梯" in agenda
            and "每月一题：报事·私装地锁" in agenda
            and "3 件（前期 1 件）" in agenda
        )
        # participants invited from the page: told through the bot (checked below)
        await page.select_option("#invite-capacity", label="居民代表")
        await page.fill("#invite-names", "王凤兰、李福海")
        await page.click("#do-invite")
        await page.wait_for_selector("#done")
        assert "已邀请" in await page.inner_text("#done")
        invited = await page.inner_text("#participants")
        assert "王凤兰" in invited and "李福海" in invited and "居民代表" in invited
        if shots:
            await page.screenshot(path=str(shots / "meeting.png"), full_page=True)
        await page.click("#tab-meetings")
        await page.click("a.meeting-link")
        await page.wait_for_selector("#agenda")

        await page.goto(f"{server}/office/reports/{report}")
        await page.wait_for_selector("#form-handoff")
        await page.select_option("#handoff-department", label="劲松街道城管执法队 · 城管")
        await page.select_option("#handoff-days", "3")
        await page.fill("#form-handoff input[name=note]", "占道严重，请尽快处理")
        await page.click("#do-handoff")
        await page.wait_for_selector("#live-handoff")
        assert "已吹哨" in await page.inner_text("#done")

        await page.click("nav.crumbs >> text=劲松北社区")
        await page.click("#tab-handoffs")
        await page.wait_for_selector("#handoff-list")
        listed = await page.inner_text("#handoff-list")
        assert "劲松街道城管执法队" in listed and f"#{report}" in listed and "待报到" in listed
        assert "劲松街道城管执法队" in await page.inner_text("#department-rates")
        if shots:
            await page.screenshot(path=str(shots / "handoffs.png"), full_page=True)
        await browser.close()
    said: list[str] = []
    await Console(app, write=said.append).deliver()
    told = [said[i + 1] for i, line in enumerate(said) if line.endswith("→ 赵志强:")]
    assert any(f"#{report}" in text and "占道严重" in text for text in told), said
    to_wang = [said[i + 1] for i, line in enumerate(said) if line.endswith("→ 王凤兰:")]
    assert any("邀请您以居民代表身份参加" in text for text in to_wang), said
    assert not errors, errors
