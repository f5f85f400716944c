"""`sagir-desk password`: an agent resets a user's password once their identity matches; the
temporary one goes to the user's work email only."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from models.departures import BirthDayMonth
from models.passwords import PasswordResetRequest, PasswordResetState
from models.timestamps import local_text
from starter.cli import session
from starter.cli.output import json_option, print_model, print_rows, print_steps
from starter.desks.errors import parse

if TYPE_CHECKING:
    from starter.desks.passwords import GuardedPasswords

T = TypeVar("T")


@click.group()
def password() -> None:
    """Password help: reset after checking the user's identity."""


@password.command("reset", cls=session.Changing)
@click.option("--mo", required=True)
@click.option("--employee", "employee_number", required=True, help="The user's employee number.")
@click.option("--birth-day", type=int, prompt=True, hide_input=True, help="Prompted if absent.")
@click.option("--birth-month", type=int, prompt=True, hide_input=True, help="Prompted if absent.")
@click.option("--agent", required=True, help="The CA agent helping the user.")
@json_option
def password_reset(as_json: bool, birth_day: int, birth_month: int, **fields: Any) -> None:
    """Reset a user's password; the temporary one goes to their work email only."""
    birth = parse(BirthDayMonth, birth_day=birth_day, birth_month=birth_month)
    request = parse(PasswordResetRequest, birth=birth, **fields)
    _print_password(_with_passwords(lambda passwords: passwords.reset(request)), as_json)


@password.command("show")
@click.argument("reset_id")
@json_option
def password_show(reset_id: str, as_json: bool) -> None:
    """Show a reset (id like motdepasse-MTQ-2026-000001)."""
    _print_password(_with_passwords(lambda passwords: passwords.show(reset_id)), as_json)


def _with_passwords(action: Callable[[GuardedPasswords], Awaitable[T]]) -> T:
    return session.run(lambda desks: desks.passwords, action)


def _print_password(state: PasswordResetState, as_json: bool) -> None:
    if as_json:
        return print_model(state)
    rows = [
        ("reset", state.id),
        ("user", f"{state.mo}/{state.employee_number}"),
        ("status", state.status.value),
        ("reset at", local_text(state.reset_at)),
    ]
    if state.status.value == "reset":
        rows.append(("password", "sent to the user's work email only"))
    if state.reason:
        rows.append(("reason", state.reason))
    print_rows(rows)
    print_steps(state.steps)
