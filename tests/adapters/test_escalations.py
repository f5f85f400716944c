"""Issue 12, "supervisors see escalations": listed newest first, filtered by MO, kind and day,
a page at a time; acknowledged once, with who and when."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from adapters.database import UnitOfWork
from adapters.listing import BadCursor
from adapters.sql_escalations import SqlEscalations
from adapters.sql_ticket_records import SqlTicketRecords
from models.escalations import EscalationKind, EscalationQuery
from models.requests import Escalation

# 23:30 in Montréal on 25 November is 04:30 UTC on the 26th: a Montréal day, not a UTC one.
LATE_EVENING = datetime(2026, 11, 26, 4, 30, tzinfo=UTC)


def escalate(uow: UnitOfWork, key: str, mo: str, at: datetime, kind: EscalationKind | None) -> None:
    SqlTicketRecords(uow).record_escalation(
        Escalation(
            idempotency_key=key,
            workflow_id=key.split("/")[0],
            mo=mo,
            reason="not taken in charge in time",
            at=at,
            kind=kind,
        ),
        ["super-cote"],
    )


@pytest.fixture
def escalations(uow: UnitOfWork) -> SqlEscalations:
    escalate(uow, "T-2026-000001/breach", "MTQ", LATE_EVENING, None)
    escalate(uow, "depart-MTQ-45871/late", "MTQ", LATE_EVENING + timedelta(hours=8), None)
    escalate(
        uow,
        "arrivee-MSSS-10233/given-up",
        "MSSS",
        LATE_EVENING + timedelta(days=2),
        EscalationKind.given_up,
    )
    return SqlEscalations(uow)


def keys(escalations: SqlEscalations, **query: object) -> list[str]:
    return [item.key for item in escalations.page(EscalationQuery(**query)).items]  # type: ignore[arg-type]


def test_escalations_are_listed_newest_first_with_their_kind(
    escalations: SqlEscalations,
) -> None:
    page = escalations.page(EscalationQuery())
    assert [(item.key, item.kind) for item in page.items] == [
        ("arrivee-MSSS-10233/given-up", EscalationKind.given_up),
        ("depart-MTQ-45871/late", EscalationKind.late_notice),  # kind read from the key
        ("T-2026-000001/breach", EscalationKind.breach),
    ]
    assert page.total == 3 and page.items[2].notified == ["super-cote"]


def test_escalations_filter_by_mo_kind_and_montreal_day(escalations: SqlEscalations) -> None:
    assert keys(escalations, mo="MSSS") == ["arrivee-MSSS-10233/given-up"]
    assert keys(escalations, kind=EscalationKind.late_notice) == ["depart-MTQ-45871/late"]
    assert keys(escalations, since=date(2026, 11, 25), until=date(2026, 11, 25)) == [
        "T-2026-000001/breach"
    ]
    assert keys(escalations, since=date(2026, 11, 26), until=date(2026, 11, 26)) == [
        "depart-MTQ-45871/late"
    ]


def test_escalations_come_a_page_at_a_time_none_left_out(escalations: SqlEscalations) -> None:
    first = escalations.page(EscalationQuery(limit=2))
    assert first.next_cursor is not None
    rest = escalations.page(EscalationQuery(limit=2, cursor=first.next_cursor))
    assert [item.key for item in first.items + rest.items] == keys(escalations)
    assert rest.next_cursor is None
    with pytest.raises(BadCursor):
        escalations.page(EscalationQuery(cursor="not-a-cursor"))


def test_a_supervisors_acknowledgement_is_kept_once_with_who_and_when(
    escalations: SqlEscalations,
) -> None:
    at = LATE_EVENING + timedelta(days=3)
    seen = escalations.acknowledge("T-2026-000001/breach", "super-cote", at)
    assert seen is not None and (seen.acknowledged_by, seen.acknowledged_at) == ("super-cote", at)
    again = escalations.acknowledge("T-2026-000001/breach", "super-other", at + timedelta(hours=1))
    assert again is not None and again.acknowledged_by == "super-cote"  # the first stands
    assert keys(escalations, acknowledged=False) == [
        "arrivee-MSSS-10233/given-up",
        "depart-MTQ-45871/late",
    ]
    assert keys(escalations, acknowledged=True) == ["T-2026-000001/breach"]
    assert escalations.acknowledge("T-2026-000404/breach", "super-cote", at) is None


def test_a_warning_told_to_every_agent_on_duty_is_recorded_with_all_of_them(
    uow: UnitOfWork,
) -> None:
    """A warning goes to every agent on duty: a large CA's codes must all fit (a short column
    refused the insert on PostgreSQL, and the activity retried forever)."""
    on_duty = [f"agent-{n:03d}-{'x' * 50}" for n in range(120)]
    warning = Escalation(
        idempotency_key="T-2026-000009/warning",
        workflow_id="T-2026-000009",
        mo="MTQ",
        reason="not taken in charge yet",
        at=LATE_EVENING,
        kind=EscalationKind.warning,
    )
    assert SqlTicketRecords(uow).record_escalation(warning, on_duty) == on_duty
    view = SqlEscalations(uow).get("T-2026-000009/warning")
    assert view is not None and view.notified == on_duty
