"""`sagir-desk token`: bearer tokens of the HTTP API, issued to a role (and an MO for the MO's
roles). Run on the desk's own machine: whoever can run it administers the desk."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from models.roles import Caller, Role
from models.timestamps import local_text
from models.tokens import TokenInfo
from starter.cli_support import json_option, print_model, print_models
from starter.settings import Settings
from starter.ticket_desk import parse_step

if TYPE_CHECKING:
    from adapters.database import UnitOfWork

T = TypeVar("T")


@click.group()
def token() -> None:
    """Bearer tokens of the HTTP API (stored hashed)."""


@token.command("create")
@click.option("--role", required=True, type=click.Choice([role.value for role in Role]))
@click.option("--mo", default=None, help="The MO, for mo_hr, personne_autorisee and mo_user.")
@click.option(
    "--subject",
    required=True,
    help="Who holds it: an agent's code, an employee number, a user code.",
)
@click.option("--note", default="", help="What it is for.")
@json_option
def token_create(role: str, mo: str | None, subject: str, note: str, as_json: bool) -> None:
    """Issue a token; it is shown once and kept only hashed."""
    caller = parse_step(Caller, role=role, mo=mo, subject=subject)
    issued = _with_access(lambda access: access.issue(caller, note))
    if as_json:
        return print_model(issued)
    click.echo(issued.token)
    click.echo(
        f"token {issued.info.id}: {_who(issued.info)}. Shown once; keep it secret.", err=True
    )


@token.command("list")
@json_option
def token_list(as_json: bool) -> None:
    """Every token (never their secrets)."""
    found = _with_access(lambda access: access.list())
    if as_json:
        return print_models(found)
    if not found:
        click.echo("none")
    for info in found:
        state = f"revoked {local_text(info.revoked_at)}" if info.revoked_at else "active"
        click.echo(
            f"{info.id}  {_who(info):<40} {local_text(info.created_at)}  {state}  {info.note}"
        )


@token.command("revoke")
@click.argument("token_id")
@json_option
def token_revoke(token_id: str, as_json: bool) -> None:
    """Revoke a token: it stops working at once."""
    info = _with_access(lambda access: access.revoke(token_id))
    if as_json:
        return print_model(info)
    click.echo(f"token {info.id} ({_who(info)}) revoked {local_text(info.revoked_at)}")


def _who(info: TokenInfo) -> str:
    caller = info.caller
    return f"{caller.role.value} {caller.subject}" + (f" of {caller.mo}" if caller.mo else "")


def _with_access(action: Callable[[Any], T]) -> T:
    from starter.connections import with_database

    return with_database(_access, action)


def _access(settings: Settings, uow: UnitOfWork) -> Any:
    from adapters.sql_directory import SqlDirectory
    from adapters.sql_sagir_erp import SqlSagirErp
    from adapters.sql_tokens import SqlTokens
    from starter.access_control import AccessControl

    return AccessControl(SqlDirectory(uow), SqlSagirErp(uow), SqlTokens(uow))
