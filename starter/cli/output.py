"""How every command reads dates and prints: one `--json` option, a state's rows and steps, the
lines of a list. Only click and the models here, so that `--help` stays fast."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import click

from models.timestamps import local_text, parse_instant
from starter.desks.errors import InvalidInput

if TYPE_CHECKING:
    from pydantic import BaseModel

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")
limit_option = click.option(
    "--limit", default=100, show_default=True, help="How many at most (up to 500)."
)
cursor_option = click.option(
    "--cursor", default=None, help="Where to begin: the cursor a previous page printed."
)


def page_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """`--limit` and `--cursor`: a list is read a page at a time, never cut short silently."""
    return limit_option(cursor_option(command))


def print_more(found: Any) -> None:
    """After a page: how many the list holds, and how to read the next page."""
    if found.next_cursor is not None:
        shown = len(found.items)
        click.echo(
            f"{shown} of {found.total}; the next page: --cursor {found.next_cursor}", err=True
        )


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


def print_requests(found: Any, as_json: bool) -> None:
    """A page of arrivals, departures, parameterisation or access requests."""
    print_more(found)
    if as_json:
        return print_models(found.items)
    if not found.items:
        click.echo("none")
    for item in found.items:
        flags = ("BREACHED " if item.breached else "WARNED " if item.warned else "") + (
            "LATE" if item.late_notice else ""
        )
        click.echo(
            f"{item.id:<26} {item.mo:<8} {item.status:<20} due {local_text(item.due)}  {flags}"
        )
