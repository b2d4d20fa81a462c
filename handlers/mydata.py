"""/mydata for people: a readable summary of what is held, in the person's language.

The file beside it (handlers/privacy.py) stays machine-readable JSON with English keys; this
text tells the same story in words: who we think they are, where they live, what they consented
to, their roles, and the items they made or took part in, each with its status in words and
local times, and how many of their photos are kept (the pictures are only in the file). Long
lists show their latest few and say how many more the file has.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from handlers.core.context import Ctx
from handlers.core.i18n import N_
from handlers.needs.common import STATUS_LABELS as NEED_STATUS
from handlers.proposals.common import STATUS_LABELS as PROPOSAL_STATUS
from handlers.reports.common import CATEGORIES as REPORT_CATEGORIES
from handlers.reports.common import STATUS_LABELS as REPORT_STATUS
from storage.models import Region
from storage.repos import regions

SHOWN = 5
ROLES = {
    "admin": N_("role.admin"),
    "organizer": N_("role.organizer"),
    "grid_worker": N_("role.grid_worker"),
}
SIGNUP_STATUS = {
    "confirmed": N_("exports.signup_confirmed"),
    "waitlisted": N_("exports.signup_waitlisted"),
    "promoted": N_("exports.signup_promoted"),
    "attended": N_("exports.signup_attended"),
    "absent": N_("exports.signup_absent"),
    "cancelled": N_("exports.signup_cancelled"),
}
LANG_NAMES = {"zh_CN": "中文", "en": "English"}


def _when(ctx: Ctx, value: Any) -> str:
    if not value:
        return "—"
    try:
        return ctx.when(datetime.fromisoformat(str(value)))
    except ValueError:
        return str(value)


def _label(ctx: Ctx, labels: dict[str, str], code: Any) -> str:
    return ctx.t(labels[code]) if code in labels else str(code or "—")


def _section(ctx: Ctx, key: str, lines: list[str]) -> list[str]:
    """A titled list: its latest SHOWN lines, and how many more the file holds."""
    if not lines:
        return []
    shown = [f"· {line}" for line in lines[-SHOWN:]]
    if len(lines) > SHOWN:
        shown.append(ctx.t("exports.mydata_more", n=len(lines) - SHOWN))
    return [ctx.t(key, n=len(lines)), *shown]


async def _home(ctx: Ctx, region_id: Any) -> str:
    region = await regions.by_id(ctx.session, int(region_id)) if region_id else None
    if not isinstance(region, Region):
        return "—"
    return " ".join(await regions.path_names(ctx.session, region))


async def summary(ctx: Ctx, data: dict[str, Any], masked_phone: str) -> str:
    """The person's data as a few readable lines in their language (see the module's note)."""
    profile = data["profile"]
    consent = profile.get("consent_at")
    sensitive = profile.get("sensitive_consent_at")
    parts = [
        ctx.t(
            "exports.mydata_profile",
            name=profile.get("display_name") or "—",
            lang=LANG_NAMES.get(str(profile.get("lang")), str(profile.get("lang"))),
            home=await _home(ctx, profile.get("home_region_id")),
            phone=masked_phone,
            registered=_when(ctx, profile.get("registered_at")),
        ),
        ctx.t(
            "exports.mydata_consent",
            version=profile.get("consent_version") or "—",
            at=_when(ctx, consent),
            sensitive=_when(ctx, sensitive) if sensitive else ctx.t("exports.mydata_no"),
        ),
    ]
    held = [
        f"{_label(ctx, ROLES, r['role'])}（{r['region']}）"
        for r in data.get("roles", [])
        if not r.get("revoked_at")
    ]
    if held:
        parts.append(ctx.t("exports.mydata_roles", roles=ctx.join(held)))
    if data.get("volunteer_profile"):
        parts.append(ctx.t("exports.mydata_volunteer"))
    parts += _section(
        ctx,
        "exports.mydata_proposals",
        [
            f"#{p['id']} {p['title']} · {_label(ctx, PROPOSAL_STATUS, p['status'])}"
            for p in data.get("proposals", [])
        ],
    )
    parts += _section(
        ctx,
        "exports.mydata_needs",
        [
            f"#{n['id']} {n.get('service', '')} · {_label(ctx, NEED_STATUS, n['status'])}"
            f" · {_when(ctx, n.get('created_at'))}"
            for n in data.get("needs", [])
        ],
    )
    parts += _section(
        ctx,
        "exports.mydata_reports",
        [
            f"#{r['id']} {_label(ctx, REPORT_CATEGORIES, r['category'])}"
            f" · {_label(ctx, REPORT_STATUS, r['status'])} · {_when(ctx, r.get('created_at'))}"
            for r in data.get("reports", [])
        ],
    )
    parts += _section(
        ctx,
        "exports.mydata_signups",
        [
            f"{s['title']} · {_when(ctx, s.get('starts_at'))}"
            f" · {_label(ctx, SIGNUP_STATUS, s['status'])}"
            for s in data.get("activity_signups", [])
        ],
    )
    photos = [p for p in data.get("photos", []) if p.get("jpeg_base64")]
    if photos:  # the pictures themselves are only in the file
        parts.append(ctx.t("exports.mydata_photos", n=len(photos)))
    records = data.get("service_records", [])
    if records:
        hours = f"{float(data.get('service_hours_total', 0)):g}"
        parts.append(ctx.t("exports.mydata_hours", n=len(records), hours=hours))
    return "\n".join(parts)
