"""`sagir-desk audit`, for auditors: the audit trail and the check that nobody altered, removed
or reordered an entry (the database only); workflows' histories as timelines, the workflows
found by filters, and the replay of a history on the current code (the engine too)."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from models.timestamps import local_text
from starter.cli import session
from starter.cli.output import json_option, parse_date, print_model, print_models

if TYPE_CHECKING:
    from starter.desks.auditor import GuardedAuditor, Verification

T = TypeVar("T")

EXIT_TAMPERED = 3


@click.group()
def audit() -> None:
    """The audit trail: who did what, when, and how it ended."""


@audit.command("verify")
@json_option
def audit_verify(as_json: bool) -> None:
    """Check every entry's seal and link, and the chain against its checkpoints outside the
    database; exit code 3 when anything was altered, removed, reordered, cut back or wiped."""
    verification = session.run(
        lambda desks: desks.auditor, lambda auditor: auditor.verify(), engine_optional=True
    )
    if as_json:
        print_model(verification)
    elif verification.breaks:
        for found in verification.breaks:
            click.echo(f"entry {found.seq}: {found.problem}")
    else:
        click.echo(
            f"audit trail intact: {verification.entries} entries, each sealed and linked to the "
            "one before"
        )
        click.echo(f"checked against {_checkpoints(verification)}")
    for unread in verification.unread:
        click.echo(f"not read: {unread}", err=True)
    if verification.breaks:
        sys.exit(EXIT_TAMPERED)


def _checkpoints(verification: Verification) -> str:
    count = len(verification.checkpoints)
    if not count:
        return "no checkpoint yet (one is kept now)"
    newest = max(verification.checkpoints, key=lambda checkpoint: checkpoint.at)
    return (
        f"{count} checkpoint{'s' if count > 1 else ''} kept outside the database, the newest "
        f"{local_text(newest.at)} at entry {newest.seq}"
    )


@audit.command("trail")
@click.argument("record_id", required=False)
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV.")
@json_option
def audit_trail(record_id: str | None, as_csv: bool, as_json: bool) -> None:
    """The trail's entries, all or for one record (a workflow id, a registre...)."""
    entries = _with_trail(lambda auditor: auditor.entries(record_id))
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


@audit.command("history")
@click.argument("workflow_id")
@click.option("--raw", is_flag=True, help="The engine's events instead of the story.")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV.")
@json_option
def audit_history(workflow_id: str, raw: bool, as_csv: bool, as_json: bool) -> None:
    """A request's story: each step with when, who, role, outcome and the rule it met, and the
    attempts refused on the way (--raw: the engine's events, payloads opened)."""
    from starter.desks.auditor import story_csv, timeline_csv

    if not raw:
        lines = _with_auditor(lambda auditor: auditor.story(workflow_id))
        if as_json:
            return print_models(lines)
        if as_csv:
            click.echo(story_csv(lines), nl=False)
            return
        for line in lines:
            said = f"  {line.detail}" if line.detail else ""
            rule = f"  [{line.rule}]" if line.rule else ""
            click.echo(
                f"{local_text(line.at)}  {line.who:<16} {line.role:<14} {line.what:<22} "
                f"{line.outcome.value:<8}{said}{rule}"
            )
        return
    timeline = _with_auditor(lambda auditor: auditor.history(workflow_id))
    if as_json:
        return print_models(timeline)
    if as_csv:
        click.echo(timeline_csv(timeline), nl=False)
        return
    for event in timeline:
        detail = json.dumps(event.detail, ensure_ascii=False, default=str)
        click.echo(f"{event.event_id:>4}  {local_text(event.at)}  {event.kind:<40} {detail[:160]}")


@audit.command("list")
@click.option("--mo", default=None)
@click.option("--process", default=None, help="ticket, arrivee, depart, param, acces, ...")
@click.option("--status", default=None)
@click.option("--breached/--not-breached", default=None)
@click.option("--late/--not-late", "late_notice", default=None, help="Late departure notices.")
@click.option("--since", default=None, help="Started on or after, YYYY-MM-DD.")
@click.option("--until", default=None, help="Started on or before, YYYY-MM-DD.")
@json_option
def audit_list(as_json: bool, since: str | None, until: str | None, **filters: Any) -> None:
    """Workflows found through the engine's visibility."""
    first, last = parse_date("--since", since), parse_date("--until", until)
    found = _with_auditor(lambda auditor: auditor.find(since=first, until=last, **filters))
    if as_json:
        return print_models(found)
    if not found:
        click.echo("none")
    for item in found:
        flags = ("BREACHED " if item.breached else "") + ("LATE" if item.late_notice else "")
        click.echo(
            f"{item.id:<34} {item.process:<10} {item.mo:<8} {item.status:<18} "
            f"{local_text(item.started_at)}  {flags}"
        )


@audit.command("replay")
@click.argument("workflow_id")
@json_option
def audit_replay(workflow_id: str, as_json: bool) -> None:
    """Replay a stored history on the current code; exit code 3 if it no longer leads to the
    same decisions."""
    verdict = _with_auditor(lambda auditor: auditor.replay(workflow_id))
    if as_json:
        print_model(verdict)
    elif verdict.same_decisions:
        click.echo(f"{workflow_id}: {verdict.events} events replay to the same decisions")
    else:
        click.echo(f"{workflow_id}: replay differs: {verdict.problem}")
    if not verdict.same_decisions:
        sys.exit(EXIT_TAMPERED)


def _with_auditor(action: Callable[[GuardedAuditor], Awaitable[T]]) -> T:
    # The auditor's desk reads histories through the engine's client itself: connected first.
    return session.run(lambda desks: desks.auditor, action, engine_first=True)


def _with_trail(action: Callable[[GuardedAuditor], T]) -> T:
    return session.run_on_database(lambda desks: desks.auditor, action)
