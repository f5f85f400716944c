"""How every command reads dates and prints: one `--json` option, a state's rows and steps, the
lines of a list. Only click and the models here, so that `--help` stays fast."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import click

from models.timestamps import local_text, parse_instant
from starter.desks.errors import InvalidInput

if TYPE_CHECKING:
    from pydantic import BaseModel

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


def parse_date(option: str, text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{option}: {text!r} is not a date like 2026-12-07") from None


def required_date(option: str, text: str) -> date:
    found = parse_date(option, text)
    assert found is not None
    return found


def instant(text: str) -> datetime:
    """A time a person typed: ISO 8601, Montreal time when it has no offset."""
    try:
        return parse_instant(text)
    except ValueError as error:
        raise InvalidInput(str(error)) from None


def print_model(state: BaseModel) -> None:
    click.echo(state.model_dump_json(indent=2))


def print_models(found: Sequence[BaseModel]) -> None:
    click.echo(json.dumps([item.model_dump(mode="json") for item in found], indent=2))


def print_rows(rows: Iterable[tuple[str, str]]) -> None:
    for label, value in rows:
        click.echo(f"{label:>12}: {value}")


def print_steps(steps: Iterable[Any]) -> None:
    click.echo("       steps:")
    for number, step in enumerate(steps, start=1):
        note = f"  {step.note}" if step.note else ""
        kind = getattr(step.kind, "value", step.kind)
        click.echo(f"  {number:>3}. {local_text(step.at)}  {kind:<17} {step.actor}{note}")


def print_requests(found: Sequence[Any], as_json: bool) -> None:
    """A list of arrivals, departures, parameterisation or access requests."""
    if as_json:
        return print_models(found)
    if not found:
        click.echo("none")
    for item in found:
        flags = ("BREACHED " if item.breached else "") + ("LATE" if item.late_notice else "")
        click.echo(
            f"{item.id:<26} {item.mo:<8} {item.status:<20} due {local_text(item.due)}  {flags}"
        )
