"""`linli admin`: imports, roles and invite codes, demo data, audit log, exports, reports."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from bot.bootstrap import App
from bot.cli.common import (
    admin_action,
    admin_app,
    broadcast_app,
    report_app,
    run_app,
    translate,
)
from bot.settings import get_settings


@admin_app.command("import")
def admin_import(
    kind: str = typer.Argument(
        ..., help="regions, catalog, organizations, volunteers, staff or residents."
    ),
    path: Path = typer.Argument(..., exists=True, dir_okay=False, help="A .csv or .xlsx file."),
    errors: Path = typer.Option(
        None, "--errors", help="Also write the refused rows to this .csv or .xlsx file."
    ),
) -> None:
    """Import a table; bad rows are reported by line number and the good rows kept."""
    from handlers.admin.exports import write
    from handlers.admin.imports import COLUMNS, import_rows
    from handlers.admin.tables import TableError, read_rows

    if kind not in COLUMNS:
        raise typer.BadParameter(f"choose one of: {', '.join(COLUMNS)}", param_hint="KIND")

    async def work(application: App) -> int:
        from storage import migrate

        await migrate.upgrade(application.db.engine)
        async with application.db.transaction() as session:
            report = await import_rows(
                session, kind, read_rows(path, COLUMNS[kind]), application.deps.clock()
            )
        refused = []
        for line, key, params in report.errors:
            reason = translate(key, **params)
            typer.echo(translate("import.row_error", line=line, reason=reason), err=True)
            refused.append(
                {
                    "line": line,
                    "column": params.get("column", ""),
                    "value": params.get("value", ""),
                    "reason": reason,
                }
            )
        if errors is not None:  # through the export writer: cells are made safe for Excel there
            fmt = "xlsx" if errors.suffix.lower() == ".xlsx" else "csv"
            errors.write_bytes(write(refused, fmt))
        typer.echo(
            translate(
                "import.summary", kind=kind, imported=report.imported, failed=len(report.errors)
            )
        )
        return len(report.errors)

    try:
        failed = run_app(work)
    except TableError as exc:
        typer.echo(translate("import.file_error", reason=str(exc)), err=True)
        raise typer.Exit(2) from exc
    raise typer.Exit(1 if failed else 0)


@admin_app.command("grant")
def admin_grant(
    person: str = typer.Argument(..., help="Person id, or channel:id such as telegram:12345."),
    role: str = typer.Argument(..., help="admin, organizer or grid_worker."),
    region: str = typer.Argument(..., help="Region code the role covers (its whole subtree)."),
) -> None:
    """Grant a role over a region subtree."""
    from handlers.admin import roles

    async def work(application: App) -> None:
        async with application.db.transaction() as session:
            await roles.grant(session, person, role, region, application.deps.clock())
        typer.echo(translate("admin.granted", person=person, role=role, region=region))

    admin_action(work)


@admin_app.command("revoke")
def admin_revoke(
    person: str = typer.Argument(..., help="Person id, or channel:id."),
    role: str = typer.Argument(..., help="The role to take away."),
    region: str = typer.Argument(..., help="Region code of the grant."),
) -> None:
    """Revoke a role over a region."""
    from handlers.admin import roles

    async def work(application: App) -> None:
        async with application.db.transaction() as session:
            count = await roles.revoke(session, person, role, region, application.deps.clock())
        typer.echo(translate("admin.revoked", count=count))

    admin_action(work)


@admin_app.command("invite")
def admin_invite(
    role: str = typer.Argument(..., help="admin, organizer or grid_worker; or `revoke`."),
    region: str = typer.Argument(..., help="Region code the role will cover (after revoke: CODE)."),
    count: int = typer.Option(1, min=1, max=500, help="How many single-use codes."),
    days: int = typer.Option(14, min=1, max=365, help="Days until the codes expire."),
) -> None:
    """Create single-use invite codes, redeemed at /start; `invite revoke CODE` cancels one."""
    from handlers.admin import roles

    async def revoke(application: App) -> None:
        async with application.db.transaction() as session:
            invite = await roles.revoke_invite(session, region, application.deps.clock())
        typer.echo(translate("admin.invite_revoked", code=invite.code))

    async def work(application: App) -> None:
        if role == "revoke":
            return await revoke(application)
        async with application.db.transaction() as session:
            codes = await roles.create_invites(
                session, role, region, application.deps.clock(), count=count, valid_days=days
            )
        for code in codes:
            typer.echo(code)

    admin_action(work)


@admin_app.command("seed-demo")
def admin_seed_demo() -> None:
    """Load the demo district (劲松街道) into the configured database, without running the demo."""
    from handlers.admin.seed import seed_demo
    from storage import migrate

    async def work(application: App) -> None:
        await migrate.upgrade(application.db.engine)
        async with application.db.transaction() as session:
            reports = await seed_demo(
                session, application.deps.clock(), application.settings.policy_version
            )
        for report in reports:
            typer.echo(
                translate(
                    "import.summary",
                    kind=report.kind,
                    imported=report.imported,
                    failed=len(report.errors),
                )
            )

    run_app(work)


@admin_app.command("audit")
def admin_audit(
    limit: int = typer.Option(50, min=1, max=100_000, help="How many entries, newest first."),
    action: list[str] = typer.Option(
        [], "--action", help="Only this action (repeatable); 'role.' means every role.* action."
    ),
) -> None:
    """List the audit log of privileged actions (role grants, broadcasts, decisions, exports)."""
    from zoneinfo import ZoneInfo

    from rich import box
    from rich.console import Console as TableConsole
    from rich.table import Table

    from bot.operations import audit_rows

    async def work(application: App) -> Any:
        async with application.db.transaction() as session:
            return await audit_rows(session, limit=limit, actions=action)

    rows = run_app(work)
    tz = ZoneInfo(get_settings().tz)
    headers = ("id", "time", "actor", "action", "target", "details")
    table = Table(*headers, box=box.SIMPLE, title=translate("ops.audit_title"))
    for row in rows:
        at = row.at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
        table.add_row(str(row.id), at, row.actor, row.action, row.target, row.details)
    TableConsole(width=200, color_system=None, markup=False, highlight=False).print(table)


@admin_app.command("export")
def admin_export(
    kind: str = typer.Argument(
        ...,
        help="proposals, projects, needs, reports, records, departments, handoffs, resources,"
        " unit_needs or project_list.",
    ),
    fmt: str = typer.Option("csv", "--format", help="csv, xlsx or json."),
    out: Path = typer.Option(None, "--out", help="File to write (default: standard output)."),
    region: str = typer.Option("", help="Only this region's subtree (a region code)."),
    lang: str = typer.Option(
        "zh", "--lang", help="Headers, labels and times for people in zh or en (CSV, XLSX)."
    ),
) -> None:
    """Export items for the community office (audited).

    CSV and XLSX are for people: headers and statuses in words, times in LINLI_TZ. JSON is for
    programs: English keys, codes and UTC ISO times, as each feature's rows have them.
    """
    from handlers.admin.exports import EXPORTERS, FORMATS, exporter, write
    from handlers.admin.present import language, present
    from storage.repos import audit
    from storage.repos import regions as region_repo

    if kind not in EXPORTERS:
        raise typer.BadParameter(f"choose one of: {', '.join(EXPORTERS)}", param_hint="KIND")
    if fmt not in FORMATS:
        raise typer.BadParameter(f"choose one of: {', '.join(FORMATS)}", param_hint="--format")
    try:
        lang = language(lang)
    except ValueError:
        raise typer.BadParameter("choose zh or en", param_hint="--lang") from None

    async def work(application: App) -> bytes:
        async with application.db.transaction() as session:
            scope = await region_repo.by_code(session, region) if region else None
            if region and scope is None:
                from handlers.core.errors import UserError

                raise UserError("admin.no_region", code=region)
            rows = await exporter(kind)(session, scope)
            audit.record(
                session,
                actor_id=None,
                action="export",
                target=kind,
                now=application.deps.clock(),
                region=region,
                rows=len(rows),
                format=fmt,
            )
            if fmt != "json":
                rows = present(rows, application.deps.i18n, lang, kind)
            return write(rows, fmt)

    data = admin_action(work)
    if out is None:
        import sys

        sys.stdout.buffer.write(data)
    else:
        out.write_bytes(data)


@admin_app.command("mydata")
def admin_mydata(
    person: str = typer.Argument(..., help="Person id, or channel:id such as wechat:oAbC123."),
    out: Path = typer.Option(None, "--out", help="File to write (default: standard output)."),
) -> None:
    """Export everything held about one person, as /mydata would (audited): for someone who
    asks in person, or whose chat cannot receive the file."""
    from handlers.admin.roles import find_person
    from handlers.privacy import export_person

    async def work(application: App) -> str:
        async with application.db.transaction() as session:
            found = await find_person(session, person)
            export = await export_person(
                session,
                found.id,
                application.deps.clock(),
                application.settings.policy_version,
                actor_id=None,
            )
        return export.content

    content = admin_action(work)
    if out is None:
        typer.echo(content)
    else:
        out.write_text(content, encoding="utf-8")
        typer.echo(translate("admin.mydata_written", path=str(out)), err=True)


@admin_app.command("office-link")
def admin_office_link(
    person: str = typer.Argument(
        ..., help="Staff member: id, or channel:id such as console:王海燕."
    ),
) -> None:
    """Send a one-time sign-in link for the office console to a staff member's own chats."""
    from handlers.admin.roles import find_person
    from handlers.core.notify import Sink
    from handlers.office import send_link

    async def work(application: App) -> int:
        async with application.db.transaction() as session:
            found = await find_person(session, person)
            sink = Sink.bare(session, application.deps, application.deps.clock())
            return await send_link(sink, found)

    sent = admin_action(work)
    typer.echo(translate("office.link_sent", chats=sent))


@admin_app.command("office-password")
def admin_office_password(
    person: str = typer.Argument(
        ..., help="Staff member: id, or channel:id such as console:王海燕."
    ),
    login: str = typer.Option("", "--login", help="Login name (3-32 letters, digits, . _ -)."),
    remove: bool = typer.Option(False, "--remove", help="Remove their password instead."),
) -> None:
    """Set (asked twice, not echoed) or remove a staff member's optional console password."""
    from handlers.admin.roles import find_person
    from handlers.office import passwords

    secret = ""
    if not remove:
        if not login:
            raise typer.BadParameter("--login is needed", param_hint="--login")
        secret = typer.prompt("password", hide_input=True, confirmation_prompt=True)

    async def work(application: App) -> str:
        async with application.db.transaction() as session:
            found = await find_person(session, person)
            now = application.deps.clock()
            name = found.display_name or str(found.id)
            if remove:
                gone = await passwords.remove_password(session, found.id, now, actor_id=None)
                key = "office.password.removed_cli" if gone else "office.password.none_cli"
                return translate(key, name=name)
            await passwords.set_password(session, found, login, secret, now, actor_id=None)
            return translate("office.password.set_cli", name=name, login=login)

    typer.echo(admin_action(work))


@broadcast_app.command("status")
def broadcast_status(broadcast_id: int = typer.Argument(..., help="The notice number.")) -> None:
    """Show a broadcast's progress: sent, blocked, failed, held (WeChat window), pending."""
    from handlers.broadcasts import describe
    from handlers.core.errors import UserError
    from storage.repos import broadcasts

    async def work(application: App) -> None:
        async with application.db.transaction() as session:
            found = await broadcasts.get(session, broadcast_id)
            if found is None:
                raise UserError("broadcasts.not_found", id=broadcast_id)
            counts = await broadcasts.progress(session, broadcast_id)
        typer.echo(describe(application.deps, application.settings.lang, found, counts))

    admin_action(work)


@report_app.command("1710")
def report_1710(
    region: str = typer.Option("", help="Only communities in this region's subtree (a code)."),
) -> None:
    """Per community: social organizations by tier against the "1710" target (1 + 7 + 10)."""
    from rich import box
    from rich.console import Console as TableConsole
    from rich.table import Table

    from handlers.core.errors import UserError
    from handlers.organizations import report_1710 as rows_1710
    from handlers.organizations import table_1710
    from storage.repos import regions as region_repo

    async def work(application: App) -> Any:
        async with application.db.transaction() as session:
            scope = await region_repo.by_code(session, region) if region else None
            if region and scope is None:
                raise UserError("admin.no_region", code=region)
            return await rows_1710(session, scope)

    rows = admin_action(work)
    headers, cells = table_1710(translate, rows)
    table = Table(*headers, box=box.SIMPLE, title=translate("orgs.report.title"))
    for cell in cells:
        table.add_row(*cell)
    TableConsole(width=160, color_system=None, markup=False, highlight=False).print(table)
    met = sum(1 for row in rows if row.met)
    typer.echo(translate("orgs.report.summary", met=met, total=len(rows)))
