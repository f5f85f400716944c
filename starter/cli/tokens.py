"""`sagir-desk token`: bearer tokens of the HTTP API and the command line, issued to a role (and
an MO for the MO's roles). Run on the desk's own machine: whoever can run it administers the
desk, so it needs no token itself."""

from __future__ import annotations

import click

from models.roles import Caller, Role
from models.timestamps import local_text
from models.tokens import TokenInfo
from starter.cli.output import json_option, print_model, print_models
from starter.cli.session import administer
from starter.desks.errors import parse


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
    caller = parse(Caller, role=role, mo=mo, subject=subject)
    issued = administer(lambda desks: desks.tokens.issue(caller, note))
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
    found = administer(lambda desks: desks.tokens.list())
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
    info = administer(lambda desks: desks.tokens.revoke(token_id))
    if as_json:
        return print_model(info)
    click.echo(f"token {info.id} ({_who(info)}) revoked {local_text(info.revoked_at)}")


def _who(info: TokenInfo) -> str:
    caller = info.caller
    return f"{caller.role.value} {caller.subject}" + (f" of {caller.mo}" if caller.mo else "")
