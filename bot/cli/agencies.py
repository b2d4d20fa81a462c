"""`linli admin department …` and `unit-invite`: departments (吹哨报到) and unit staff."""

from __future__ import annotations

import typer

from bot.bootstrap import App
from bot.cli.common import admin_action, admin_app

department_app = typer.Typer(
    help="Departments and property companies that take hand-offs (吹哨报到).", no_args_is_help=True
)
admin_app.add_typer(department_app, name="department")


@department_app.command("add")
def department_add(
    code: str = typer.Argument(..., help="A short code of your choosing, e.g. CY-JS-CG."),
    name: str = typer.Argument(..., help="The name people see, e.g. 劲松街道城管执法队."),
    kind: str = typer.Argument(
        ..., help="chengguan, police, market, housing, fire or property (物业)."
    ),
    regions: list[str] = typer.Argument(..., help="Region codes it serves (their subtrees)."),
) -> None:
    """Register a department serving some regions (again: adds regions to it)."""
    from handlers.departments import add_department

    async def work(application: App) -> None:
        async with application.db.transaction() as session:
            dept = await add_department(
                session, code, name, kind, regions, application.deps.clock()
            )
        typer.echo(f"{dept.code} {dept.name}")

    admin_action(work)


@department_app.command("invite")
def department_invite(
    code: str = typer.Argument(..., help="The department's code."),
    lead: bool = typer.Option(False, "--lead", help="Its leads also hear of overdue hand-offs."),
    count: int = typer.Option(1, min=1, max=500, help="How many single-use codes."),
    days: int = typer.Option(14, min=1, max=365, help="Days until the codes expire."),
) -> None:
    """Single-use codes for a department's staff, redeemed in chat with /join CODE."""
    from handlers.departments import create_invites

    async def work(application: App) -> None:
        async with application.db.transaction() as session:
            codes = await create_invites(
                session,
                application.deps.clock(),
                department_code=code,
                lead=lead,
                count=count,
                valid_days=days,
            )
        for one in codes:
            typer.echo(one)

    admin_action(work)


@admin_app.command("unit-invite")
def unit_invite(
    unit: int = typer.Argument(..., help="The unit's number (see /units)."),
    count: int = typer.Option(1, min=1, max=500, help="How many single-use codes."),
    days: int = typer.Option(14, min=1, max=365, help="Days until the codes expire."),
) -> None:
    """Single-use codes for more of a unit's staff, redeemed in chat with /join CODE."""
    from handlers.core.errors import UserError
    from handlers.departments import create_invites
    from storage.models import Unit

    async def work(application: App) -> None:
        async with application.db.transaction() as session:
            if await session.get(Unit, unit) is None:
                raise UserError("units.not_found", id=unit)
            codes = await create_invites(
                session, application.deps.clock(), unit_id=unit, count=count, valid_days=days
            )
        for one in codes:
            typer.echo(one)

    admin_action(work)
