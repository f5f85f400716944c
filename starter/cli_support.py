"""What every command group shares: `--json`, dates, and how a state and its steps print."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

import click
from pydantic import BaseModel

from models.timestamps import local_text
from starter.errors import InvalidInput

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


def parse_date(option: str, text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{option}: {text!r} is not a date like 2026-12-07") from None


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
        click.echo(f"  {number:>3}. {local_text(step.at)}  {step.kind:<17} {step.actor}{note}")
