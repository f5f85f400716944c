"""`sagir-desk audit`: the audit trail, and the check that nobody altered, removed or reordered
an entry. It needs only the database."""

from __future__ import annotations

import csv
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from models.timestamps import local_text
from starter.cli_support import json_option, print_models
from starter.settings import Settings

if TYPE_CHECKING:
    from adapters.database import UnitOfWork

T = TypeVar("T")

EXIT_TAMPERED = 3


@click.group()
def audit() -> None:
    """The audit trail: who did what, when, and how it ended."""


@audit.command("verify")
@json_option
def audit_verify(as_json: bool) -> None:
    """Check the whole chain; exit code 3 when an entry was altered, removed or reordered."""
    breaks = _with_trail(lambda trail: trail.verify())
    if as_json:
        print_models(breaks)
    elif breaks:
        for found in breaks:
            click.echo(f"entry {found.seq}: {found.problem}")
    else:
        count = len(_with_trail(lambda trail: trail.entries()))
        click.echo(f"audit trail intact: {count} entries, each linked to the one before")
    if breaks:
        sys.exit(EXIT_TAMPERED)


@audit.command("trail")
@click.argument("record_id", required=False)
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV.")
@json_option
def audit_trail(record_id: str | None, as_csv: bool, as_json: bool) -> None:
    """The trail's entries, all or for one record (a workflow id, a registre...)."""
    entries = _with_trail(lambda trail: trail.entries(record_id))
    if as_json:
        return print_models(entries)
    if as_csv:
        fields = ["seq", "at", "workflow_id", "mo", "actor", "role", "action", "outcome", "detail"]
        writer = csv.DictWriter(sys.stdout, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        for entry in entries:
            writer.writerow(entry.model_dump(mode="json"))
        return
    if not entries:
        click.echo("none")
    for entry in entries:
        click.echo(
            f"{entry.seq:>6}  {local_text(entry.at)}  {entry.workflow_id:<26} {entry.actor:<16} "
            f"{entry.role:<18} {entry.action:<20} {entry.outcome.value:<8} {entry.detail}"
        )


def _with_trail(action: Callable[[Any], T]) -> T:
    from starter.connections import with_database

    return with_database(_trail, action)


def _trail(settings: Settings, uow: UnitOfWork) -> Any:
    from adapters.sql_audit import SqlAuditTrail

    return SqlAuditTrail(uow)
