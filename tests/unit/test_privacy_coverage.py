"""Privacy can't be forgotten: every table linked to a person is exported by /mydata and handled
by /forget (storage/repos/privacy.py), or is on the documented exemption list below with a reason.

A table is linked to a person when a column references `persons.id`, or when it is keyed by a
chat address (`channel` + `user_id`). A new table of that kind fails this test until the export
(`collect` / `_items`) and the erasure (`erase` / `_anonymize_items`) name its model, or it is
exempted here with the reason it may stay.
"""

from __future__ import annotations

import ast
from pathlib import Path

import storage.models
from storage.models.base import Base

PRIVACY = Path(storage.models.__file__).parents[1] / "repos" / "privacy.py"
EXPORT = ("collect", "_items")
ERASURE = ("erase", "_anonymize_items")

# table → why it is not (fully) in the export or the erasure. Keep each reason true.
NOT_EXPORTED = {
    "handoffs": "a report's hand-off between offices: a record of staff acting in office",
    "resource_bookings": "an organizer's booking of a unit's resource, made in office",
    "staff_invites": "one-time codes staff hand out; who used one is in the staff_of section",
    "unit_signups": "a unit's group sign-up to an activity, made by its staff in office",
    "units": "a unit's registration (驻区单位), the unit's data, not its registrant's",
    "persons": "the person row itself: exported as the profile section",
    "outbox": "messages sent to the person are their own chat history, held by the platform",
    "processed_updates": "redelivery guard: replies already in the person's chat, kept 14 days",
    "downloads": "the export files themselves, expiring within 30 minutes",
    "dialog_states": "the step of a dialog in progress, no content beyond the answers being typed",
    "broadcasts": "an organizer's official notice to an audience, not data about the author",
    "meetings": "a joint meeting's public record (agenda, minutes, notice) its organizer keeps",
    "invite_codes": "one-time codes staff hand out; who used one is in the roles section",
    "office_links": "office sign-in links, valid for minutes and purged daily",
    "office_sessions": "office sessions, valid for an hour and purged daily",
    "office_passwords": "a staff console credential (login name, one-way hash), never shown back",
    "proposal_events": "a proposal's public history; the person's proposals are exported",
    "task_offers": "offers made to a volunteer by the matcher; their tasks are exported",
    "assignments": "a volunteer's tasks reach the export as service records once done (a gap: "
    "open tasks are listed by /mytasks only)",
    "checkin_attempts": "a count of wrong check-in codes for brute-force protection, kept a day",
    "need_series": "a recurring need's rule (weekly / daily); its visits are exported as needs",
}
NOT_ERASED = {
    "handoffs": "the accountability record of a hand-off between offices must outlive the actor",
    "resource_bookings": "a booking is the community's record of a unit's resource in use",
    "staff_invites": "one-time codes staff hand out; no personal content",
    "unit_signups": "a unit's group sign-up: places counted for the unit, no personal content",
    "units": "a unit's registration (驻区单位) stays; it is the unit's, not its registrant's",
    "persons": "erased in place: the row stays, anonymized, so aggregates stay intact",
    "audit_log": "the accountability log of privileged actions must outlive the actor",
    "broadcasts": "an organizer's official notice to an audience, not data about the author",
    "meetings": "a joint meeting's public record (agenda, minutes, notice) its organizer keeps",
    "invite_codes": "one-time codes staff hand out; no personal content",
    "office_links": "office sign-in links, valid for minutes and purged daily",
    "office_sessions": "office sessions, valid for an hour and purged daily; roles are revoked",
    "proposals": "a proposal is public; the proposer's link is cut by retention after it closes",
    "proposal_cosigns": "a public co-signature count; no content",
    "proposal_events": "a proposal's public history",
    "task_offers": "offers are withdrawn with the person's open work; no content",
    "report_metoos": "a click adding weight to someone else's report, no content",
    "activities": "an organizer's public activity; stays with its sign-ups and hours",
    "activity_signups": "sign-ups are cancelled with the person's open work; hours stay",
    "need_series": "only a repeat rule; the series ends at its next sweep once the served person "
    "or its creator is erased, and its needs are erased with theirs",
}


def _linked_tables() -> set[str]:
    linked = set()
    for table in Base.metadata.sorted_tables:
        names = set(table.columns.keys())
        to_person = any(
            fk.column.table.name == "persons" for c in table.columns for fk in c.foreign_keys
        )
        if to_person or {"channel", "user_id"} <= names or table.name == "persons":
            linked.add(table.name)
    return linked


# Tables a feature's own repository exports and erases, through functions the privacy repository
# calls by name: table → (export function, erasure function) of that repository.
DELEGATED = {"relay_messages": ("relay.of_person", "relay.erase_person")}


def _named_in(functions: tuple[str, ...]) -> set[str]:
    """Tables whose model the given functions of storage/repos/privacy.py mention (or whose
    repository's export or erasure function they call, see DELEGATED)."""
    tree = ast.parse(PRIVACY.read_text(encoding="utf-8"))
    names: set[str] = set()
    calls: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.AsyncFunctionDef | ast.FunctionDef) and node.name in functions:
            names |= {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
            calls |= {
                f"{n.value.id}.{n.attr}"
                for n in ast.walk(node)
                if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)
            }
    by_class = {m.class_.__name__: m.local_table.name for m in Base.registry.mappers}
    side = 0 if functions == EXPORT else 1
    delegated = {table for table, pair in DELEGATED.items() if pair[side] in calls}
    return {by_class[name] for name in names if name in by_class} | delegated


def test_every_table_linked_to_a_person_is_exported_or_exempted() -> None:
    missing = _linked_tables() - _named_in(EXPORT) - set(NOT_EXPORTED)
    assert not missing, f"add to the /mydata export or exempt with a reason: {sorted(missing)}"


def test_every_table_linked_to_a_person_is_erased_or_exempted() -> None:
    missing = _linked_tables() - _named_in(ERASURE) - set(NOT_ERASED)
    assert not missing, f"add to /forget's erasure or exempt with a reason: {sorted(missing)}"


def test_exemptions_name_real_linked_tables_only() -> None:
    linked = _linked_tables()
    assert set(NOT_EXPORTED) <= linked and set(NOT_ERASED) <= linked
    assert not set(NOT_EXPORTED) & _named_in(EXPORT) - {"persons"}
    assert not set(NOT_ERASED) & _named_in(ERASURE) - {"persons"}
