"""`sagir-desk registre`: the registre d'autorité the MO keeps: show, declare, change, end, the
relèves' coverage, the personnes autorisées's absences (declared, ended, cancelled) and the
history of changes. It needs only the database, not the engine."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from models.registre import (
    AbsenceDeclaration,
    AbsenceEnd,
    ChangeValidity,
    Declaration,
    RegistreLine,
)
from models.sagir import Absence, AuthorityKind
from models.timestamps import local_text
from starter.cli import session
from starter.cli.output import json_option, parse_date, print_model, print_models
from starter.desks.errors import parse

if TYPE_CHECKING:
    from starter.desks.registre import GuardedRegistre

T = TypeVar("T")


@click.group()
def registre() -> None:
    """The registre d'autorité: personnes autorisées and relèves, kept by the MO."""


@registre.command("show")
@click.option("--mo", required=True)
@json_option
def registre_show(mo: str, as_json: bool) -> None:
    """The MO's personnes autorisées and relèves, with their validity."""
    lines = _with_registre(lambda desk: desk.show(mo))
    if as_json:
        return print_models(lines)
    if not lines:
        click.echo("none")
    for line in lines:
        _print_line(line)


@registre.command("history")
@click.option("--mo", required=True)
@json_option
def registre_history(mo: str, as_json: bool) -> None:
    """Every change of the MO's registre: who, when, what."""
    changes = _with_registre(lambda desk: desk.history(mo))
    if as_json:
        return print_models(changes)
    if not changes:
        click.echo("none")
    for change in changes:
        click.echo(
            f"{local_text(change.changed_at)}  line {change.line_id:<4} {change.action.value:<8} "
            f"{change.changed_by:<16} {change.detail}"
        )


@registre.command("declare", cls=session.Changing)
@click.option("--mo", required=True)
@click.option("--employee", "employee_number", required=True)
@click.option("--kind", required=True, type=click.Choice([k.value for k in AuthorityKind]))
@click.option("--releve-of", default=None, help="For a relève: whose relève it is.")
@click.option(
    "--releve",
    default=None,
    help="For a new personne autorisée: their first relève, declared with them on the same "
    "validity (every personne autorisée must have a valid relève).",
)
@click.option("--from", "valid_from", required=True, help="Valid from, YYYY-MM-DD.")
@click.option("--until", "valid_until", default=None, help="Valid until, YYYY-MM-DD.")
@click.option("--by", required=True, help="Who at the MO makes the change.")
@json_option
def registre_declare(
    as_json: bool, by: str, valid_from: str, valid_until: str | None, **fields: Any
) -> None:
    """Declare a personne autorisée (with their first relève) or a relève."""
    declaration = parse(
        Declaration,
        valid_from=parse_date("--from", valid_from),
        valid_until=parse_date("--until", valid_until),
        **fields,
    )
    _print_result(_with_registre(lambda desk: desk.declare(declaration, by)), as_json)


@registre.command("change", cls=session.Changing)
@click.argument("line_id", type=int)
@click.option("--mo", required=True)
@click.option("--from", "valid_from", default=None, help="New first day, YYYY-MM-DD.")
@click.option("--until", "valid_until", default=None, help="New last day, YYYY-MM-DD.")
@click.option("--open-ended", is_flag=True, help="No last day.")
@click.option("--by", required=True, help="Who at the MO makes the change.")
@json_option
def registre_change(
    line_id: int,
    mo: str,
    valid_from: str | None,
    valid_until: str | None,
    as_json: bool,
    **fields: Any,
) -> None:
    """Change a line's validity dates."""
    change = parse(
        ChangeValidity,
        line_id=line_id,
        valid_from=parse_date("--from", valid_from),
        valid_until=parse_date("--until", valid_until),
        **fields,
    )
    _print_result(_with_registre(lambda desk: desk.change(mo, change)), as_json)


@registre.command("end", cls=session.Changing)
@click.argument("line_id", type=int)
@click.option("--mo", required=True)
@click.option("--on", "last_day", required=True, help="The last day it is valid, YYYY-MM-DD.")
@click.option("--by", required=True, help="Who at the MO makes the change.")
@json_option
def registre_end(line_id: int, mo: str, last_day: str, by: str, as_json: bool) -> None:
    """End a line (refused if it would leave the MO with nobody to authorise)."""
    day = parse_date("--on", last_day)
    assert day is not None
    _print_result(_with_registre(lambda desk: desk.end(mo, line_id, day, by)), as_json)


@registre.command("coverage")
@click.option("--mo", required=True)
@json_option
def registre_coverage(mo: str, as_json: bool) -> None:
    """Each personne autorisée's relèves valid today, and the first day none is."""
    coverage = _with_registre(lambda desk: desk.coverage(mo))
    if as_json:
        return print_models(coverage)
    if not coverage:
        click.echo("none")
    for one in coverage:
        releves = ", ".join(one.releves_today) or "none today"
        gap = f"no relève from {one.uncovered_from}" if one.uncovered_from else "covered"
        absent = "  absent today" if one.absent_today else ""
        click.echo(f"{one.employee_number:<12} relève: {releves:<20} {gap}{absent}")


@registre.group("absence")
def absence() -> None:
    """A personne autorisée's absences: meanwhile their relève authorises in their place."""


@absence.command("list")
@click.option("--mo", required=True)
@json_option
def absence_list(mo: str, as_json: bool) -> None:
    """The MO's absences, past and to come."""
    absences = _with_registre(lambda desk: desk.absences(mo))
    if as_json:
        return print_models(absences)
    if not absences:
        click.echo("none")
    for one in absences:
        _print_absence(one)


@absence.command("declare", cls=session.Changing)
@click.argument("line_id", type=int)
@click.option("--mo", required=True)
@click.option("--from", "absent_from", required=True, help="First day absent, YYYY-MM-DD.")
@click.option("--until", "absent_until", required=True, help="Last day absent, YYYY-MM-DD.")
@click.option("--by", required=True, help="Who at the MO makes the change.")
@json_option
def absence_declare(
    line_id: int, mo: str, absent_from: str, absent_until: str, by: str, as_json: bool
) -> None:
    """Declare the personne autorisée of LINE_ID absent from today on (refused unless a relève
    of theirs is valid on every day of the absence)."""
    declaration = parse(
        AbsenceDeclaration,
        line_id=line_id,
        absent_from=parse_date("--from", absent_from),
        absent_until=parse_date("--until", absent_until),
        by=by,
    )
    absence = _with_registre(lambda desk: desk.declare_absence(mo, declaration))
    if as_json:
        return print_model(absence)
    _print_absence(absence)


@absence.command("end", cls=session.Changing)
@click.argument("absence_id", type=int)
@click.option("--mo", required=True)
@click.option("--on", "last_day", default=None, help="The absence's new last day, YYYY-MM-DD.")
@click.option("--cancel", is_flag=True, help="Cancel an absence not yet begun.")
@click.option("--by", required=True, help="Who at the MO makes the change.")
@json_option
def absence_end(
    absence_id: int, mo: str, last_day: str | None, cancel: bool, by: str, as_json: bool
) -> None:
    """End absence ABSENCE_ID sooner (--on a day from today on), or cancel it (--cancel)
    before it begins; the person authorises again from the next day."""
    end = parse(
        AbsenceEnd,
        absence_id=absence_id,
        last_day=parse_date("--on", last_day),
        cancel=cancel,
        by=by,
    )
    absence = _with_registre(lambda desk: desk.end_absence(mo, end))
    if as_json:
        return print_model(absence)
    if end.cancel:
        click.echo(
            f"cancelled absence {absence.id} of {absence.employee_number} "
            f"({absence.absent_from} to {absence.absent_until})"
        )
        return None
    _print_absence(absence)


def _print_absence(absence: Absence) -> None:
    click.echo(
        f"absence {absence.id:<4} line {absence.line_id:<4} {absence.employee_number}  "
        f"absent {absence.absent_from} to {absence.absent_until}  "
        f"declared by {absence.declared_by}"
    )


def _with_registre(action: Callable[[GuardedRegistre], T]) -> T:
    return session.run_on_database(lambda desks: desks.registre, action)


def _print_line(line: RegistreLine) -> None:
    releve = f" (relève of {line.releve_of})" if line.releve_of else ""
    click.echo(
        f"line {line.id:<4} {line.kind.value:<19} {line.employee_number}{releve}  "
        f"valid {line.valid_from} to {line.valid_until or 'open'}"
    )


def _print_result(line: RegistreLine, as_json: bool) -> None:
    if as_json:
        return print_model(line)
    _print_line(line)
