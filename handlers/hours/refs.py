"""How a service record is named to people: by the item it came from, never by its own id.

Hours from a task carry the need's number ("服务需求 #12", the one number the resident, the
volunteer and organizers use); hours from an activity carry the activity's name; only a record
entered by hand is named by its own number. /hours_fix takes the number shown: a need's number
finds the volunteer's record from that need, "r12" (a button's payload) a record by its id.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core.context import Ctx
from handlers.core.i18n import Translator
from handlers.core.numbers import parse_id
from storage.models import Activity, Assignment, ServiceRecord


@dataclass(frozen=True)
class Ref:
    """A record's name, translated in the reader's language."""

    key: str
    need: int | None = None
    title: str = ""
    record: int | None = None

    def localize(self, i18n: Translator, lang: str) -> str:
        """The name in `lang`."""
        return i18n.translate(lang, self.key, id=self.need or self.record, title=self.title)

    def names(self, content: str) -> bool:
        """The name already says what the record's content says (an activity's hours carry
        its title): messages then leave the content out instead of repeating it."""
        return self.key == "hours.ref_activity" and self.title.strip() == content.strip()

    def code(self) -> str:
        """What /hours_fix takes for this record (a button's payload)."""
        return str(self.need) if self.need is not None else f"r{self.record}"


async def ref_of(session: AsyncSession, record: ServiceRecord) -> Ref:
    """The record's name: its need's number, its activity, or its own number."""
    if record.assignment_id is not None:
        need_id = await session.scalar(
            select(Assignment.need_id).where(Assignment.id == record.assignment_id)
        )
        if need_id is not None:
            return Ref("hours.ref_need", need=int(need_id))
    if record.activity_id is not None:
        activity = await session.get(Activity, record.activity_id)
        if activity is not None:
            return Ref("hours.ref_activity", title=activity.title, record=record.id)
    return Ref("hours.ref_record", record=record.id)


async def ref_for(ctx: Ctx, record: ServiceRecord) -> str:
    """The record's name in the language of the person being answered."""
    return (await ref_of(ctx.session, record)).localize(ctx.deps.i18n, ctx.lang)


async def record_named(session: AsyncSession, person_id: int, text: str) -> ServiceRecord | None:
    """The person's record a typed number names: "12" their record from need 12 (else their
    record 12, a record entered by hand shown by its own number), "r12" their record 12."""
    raw = text.strip().lstrip("#＃")
    by_id = raw[:1].lower() == "r"
    number = parse_id(raw[1:] if by_id else raw)
    if number is None:
        return None
    if not by_id:
        found = await session.scalar(
            select(ServiceRecord)
            .join(Assignment, Assignment.id == ServiceRecord.assignment_id)
            .where(ServiceRecord.person_id == person_id, Assignment.need_id == number)
            .order_by(ServiceRecord.id.desc())
            .limit(1)
        )
        if found is not None:
            return found
    record = await session.get(ServiceRecord, number)
    return record if record is not None and record.person_id == person_id else None
