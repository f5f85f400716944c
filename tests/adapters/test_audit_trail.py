"""The audit trail (issue 5): every entry chained to the one before; `audit verify` finds an
altered, removed or reordered entry. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, update

from adapters.database import AuditRow, UnitOfWork
from adapters.sql_audit import SqlAuditTrail
from models.audit import AuditEvent, Outcome
from tests.payload_keys import TEST_AUDIT_KEYS

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)


@pytest.fixture
def trail(uow: UnitOfWork) -> SqlAuditTrail:
    trail = SqlAuditTrail(uow, TEST_AUDIT_KEYS)
    for n, (action, outcome) in enumerate(
        [
            ("arrival.start", Outcome.done),
            ("arrival.take", Outcome.refused),
            ("arrival.take", Outcome.done),
            ("departure.record", Outcome.refused),
            ("departure.record", Outcome.done),
        ]
    ):
        trail.append(
            AuditEvent(
                at=NOW + timedelta(minutes=n),
                workflow_id="arrivee-MTQ-45871" if n < 3 else "depart-MTQ-52310",
                mo="MTQ",
                actor="agent-roy",
                role="ca_agent",
                action=action,
                outcome=outcome,
                detail=f"step {n}",
            )
        )
    return trail


def test_an_untouched_trail_verifies_and_links_each_entry_to_the_one_before(
    trail: SqlAuditTrail,
) -> None:
    entries = trail.entries()
    assert [entry.seq for entry in entries] == [1, 2, 3, 4, 5]
    assert all(
        later.prev_hash == earlier.hash
        for earlier, later in zip(entries, entries[1:], strict=False)
    )
    assert trail.verify() == []
    assert [e.seq for e in trail.entries("depart-MTQ-52310")] == [4, 5]


def test_an_altered_entry_is_detected(trail: SqlAuditTrail, uow: UnitOfWork) -> None:
    with uow.begin() as session:
        session.execute(update(AuditRow).where(AuditRow.seq == 2).values(outcome="done"))
    assert [(b.seq, b.problem.split(":")[0]) for b in trail.verify()] == [(2, "altered")]


def test_a_removed_entry_is_detected(trail: SqlAuditTrail, uow: UnitOfWork) -> None:
    with uow.begin() as session:
        session.execute(delete(AuditRow).where(AuditRow.seq == 3))
    problems = [(b.seq, b.problem) for b in trail.verify()]
    assert (4, "entries 3..3 removed") in problems


def test_the_newest_entry_removed_is_detected(trail: SqlAuditTrail, uow: UnitOfWork) -> None:
    with uow.begin() as session:
        session.execute(delete(AuditRow).where(AuditRow.seq == 5))
    assert [b.problem for b in trail.verify()] == [
        "the newest entries removed: the head says 5, the chain ends at 4"
    ]


def test_reordered_entries_are_detected(trail: SqlAuditTrail, uow: UnitOfWork) -> None:
    # Swap the contents of entries 2 and 3, keeping their numbers.
    entries = {entry.seq: entry for entry in trail.entries()}
    with uow.begin() as session:
        for seq, other in ((2, entries[3]), (3, entries[2])):
            session.execute(
                update(AuditRow)
                .where(AuditRow.seq == seq)
                .values(
                    action=other.action,
                    outcome=other.outcome.value,
                    detail=other.detail,
                    at=other.at,
                    prev_hash=other.prev_hash,
                    hash=other.hash,
                )
            )
    assert {b.seq for b in trail.verify()} >= {2, 3}
