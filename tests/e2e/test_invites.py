"""Invite codes: expiry and revocation are checked when the role is granted, not only when typed."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from handlers.admin import roles
from handlers.core.errors import UserError
from storage.models import AuditEntry, InviteCode, RoleGrant
from tests.e2e.test_cli import run
from tests.support.chat import Chat
from tests.support.cli import seed_data_dir
from tests.support.clock import FakeClock

STEPS = [("/start", "请选择语言"), ("1", "身份"), ("2", "请输入邀请码")]
HOME = [("3", "网格"), ("4", "称呼"), ("王网格", "隐私政策")]  # 和谐家园社区, 第一网格
INVALID = "邀请码无效、已使用或已过期"


async def _code(chat: Chat, days: int = 14) -> str:
    async with chat.app.db.transaction() as session:
        [code] = await roles.create_invites(
            session, "grid_worker", "CY-JS-03-G1", chat.app.deps.clock(), valid_days=days
        )
    return code


async def _grants(chat: Chat) -> int:
    async with chat.app.db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(RoleGrant)) or 0)


async def _revoke(chat: Chat, code: str) -> None:
    async with chat.app.db.transaction() as session:
        await roles.revoke_invite(session, code, chat.app.deps.clock())


async def test_a_code_that_expires_before_consent_grants_nothing(
    chat: Chat, clock: FakeClock
) -> None:
    code = await _code(chat, days=1)
    before = await _grants(chat)
    await chat.script("gw", [*STEPS, (code, "请选择您所在的社区"), *HOME])
    clock.advance(days=1, seconds=1)
    got = await chat.text("gw", "1")  # consents a day later
    assert "登记完成" in got and INVALID in got and "已授予" not in got
    assert await _grants(chat) == before
    async with chat.app.db.transaction() as session:
        invite = await session.get(InviteCode, code)
        assert invite is not None and invite.used_at is None


async def test_a_revoked_code_is_refused_when_typed_and_when_redeemed(chat: Chat) -> None:
    typed_later = await _code(chat)
    await _revoke(chat, typed_later)
    await chat.script("a", [*STEPS, (typed_later, INVALID)])
    revoked_meanwhile = await _code(chat)
    before = await _grants(chat)
    await chat.script("b", [*STEPS, (revoked_meanwhile, "请选择您所在的社区"), *HOME])
    await _revoke(chat, revoked_meanwhile)
    got = await chat.text("b", "1")
    assert INVALID in got and "已授予" not in got and await _grants(chat) == before


async def test_a_used_code_cannot_be_revoked(chat: Chat) -> None:
    code = await _code(chat)
    await chat.script("gw", [*STEPS, (code, "请选择您所在的社区"), *HOME, ("1", "已授予")])
    with pytest.raises(UserError) as refused:
        await _revoke(chat, code)
    assert refused.value.key == "admin.invite_used"


@pytest.mark.slow  # it starts `linli` processes
def test_cli_revokes_a_code_and_the_audit_log_lists_it(
    tmp_path: Path, sqlite_template: Path
) -> None:
    seed_data_dir(tmp_path / "data", sqlite_template)
    created = run(["admin", "invite", "organizer", "CY-JS-02"], tmp_path)
    [code] = created.stdout.split()
    revoked = run(["admin", "invite", "revoke", code.lower()], tmp_path)
    assert revoked.returncode == 0 and f"邀请码 {code} 已撤销" in revoked.stdout, revoked.stderr
    unknown = run(["admin", "invite", "revoke", "NOSUCHCODE"], tmp_path)
    assert unknown.returncode == 1 and "找不到邀请码" in unknown.stderr
    listed = run(["admin", "audit", "--action", "invite.revoke"], tmp_path)
    assert listed.returncode == 0 and f"invite:{code}" in listed.stdout, listed.stdout


async def test_revocation_is_audited(chat: Chat) -> None:
    code = await _code(chat)
    await _revoke(chat, code)
    async with chat.app.db.transaction() as session:
        entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "invite.revoke"))
    assert entry is not None and entry.target == f"invite:{code}"
    assert entry.details["role"] == "grid_worker"
