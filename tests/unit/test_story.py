"""The auditor's story of a request, built from its steps and the audit trail (pure)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from models.audit import AuditEntry, Outcome
from models.requests import StepLog
from models.service_calendar import ServiceCalendar
from models.story import story

MONTREAL = ZoneInfo("America/Montreal")
CALENDAR = ServiceCalendar()


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=MONTREAL)


def entry(
    seq: int, action: str, actor: str, role: str, outcome: Outcome, **more: str
) -> AuditEntry:
    return AuditEntry(
        seq=seq,
        at=at("2026-11-24T10:30"),
        workflow_id="arrivee-MTQ-45871",
        mo="MTQ",
        actor=actor,
        role=role,
        action=action,
        outcome=outcome,
        prev_hash="0" * 64,
        hash="1" * 64,
        **more,
    )


STEPS = [
    StepLog(kind="received", actor="rh-mtq", at=at("2026-11-24T10:00")),
    StepLog(kind="take", actor="agent-roy", at=at("2026-11-25T11:00")),
]
ENTRIES = [
    entry(1, "arrivee.received", "rh-mtq", "mo", Outcome.done, source_key="arrivee-MTQ-45871/r1/0"),
    entry(2, "arrival.take", "verif-1", "auditor", Outcome.refused, detail="403 role: no"),
    entry(
        3,
        "arrivee.take",
        "agent-roy",
        "ca_agent",
        Outcome.done,
        source_key="arrivee-MTQ-45871/r1/1",
    ),
]


def test_a_take_after_the_deadline_says_how_many_open_minutes_late() -> None:
    lines = story(STEPS, ENTRIES, at("2026-11-24T10:00"), at("2026-11-25T10:00"), CALENDAR)
    take = lines[-1]
    assert (take.who, take.role, take.what) == ("agent-roy", "ca_agent", "take")
    assert take.rule.endswith("due 2026-11-25 10:00 EST: 60 open minutes late")


def test_the_story_holds_the_receipt_with_its_deadline_and_the_refused_attempt_in_time_order() -> (
    None
):
    lines = story(STEPS, ENTRIES, at("2026-11-24T10:00"), at("2026-11-25T10:00"), CALENDAR)
    assert [(line.what, line.outcome) for line in lines] == [
        ("received", Outcome.done),
        ("attempt: arrival.take", Outcome.refused),
        ("take", Outcome.done),
    ]
    assert lines[0].rule == "to be taken in charge by 2026-11-25 10:00 EST"
    assert (lines[1].who, lines[1].role, lines[1].detail) == ("verif-1", "auditor", "403 role: no")
