"""Party members reporting to their home community (双报到)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, utcnow

# 社区党员: a member whose organization is in the community; 在职党员: a member working elsewhere
# who reports (报到) to the community they live in, and to it through their unit as well.
PARTY_KINDS = ("community", "in_service")


class PartyMember(Base):
    """A person's report as a party member to their home community; organizers confirm it."""

    __tablename__ = "party_members"

    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    unit_name: Mapped[str] = mapped_column(String(150), default="")  # in-service members' unit
    # The unit when registered (驻区单位); unit_name then repeats its name. Text only otherwise.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    reported_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
