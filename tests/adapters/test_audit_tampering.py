"""Whoever can write the desk's database cannot quietly rewrite the audit trail: every kind of
tampering is found by `verify`, each with its own sentence. The seal's key lives in the
configuration; the checkpoints, outside the database (here the file). SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, update

from adapters.database import AuditHeadRow, AuditRow, UnitOfWork
from adapters.file_checkpoints import FileCheckpoints
from adapters.sql_audit import SqlAuditTrail
from models.audit import AuditEvent, Outcome, SealKeys, canonical, seal
from tests.payload_keys import TEST_AUDIT_KEYS

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
MONTREAL = ZoneInfo("America/Montreal")
# What an intruder could write: the same key id, a secret they do not have.
FORGED_KEYS = SealKeys.of([(TEST_AUDIT_KEYS.signing, b"not the desk's key, a guess at it")])


def event(n: int, at: datetime | None = None) -> AuditEvent:
    return AuditEvent(
        at=at or NOW + timedelta(minutes=n),
        workflow_id=f"T-2026-00000{n}",
        mo="MTQ",
        actor="agent-roy",
        role="ca_agent",
        action="ticket.take",
        outcome=Outcome.done,
        detail=f"step {n}",
    )


@pytest.fixture
def trail(uow: UnitOfWork) -> SqlAuditTrail:
    trail = SqlAuditTrail(uow, TEST_AUDIT_KEYS)
    for n in range(1, 6):
        trail.append(event(n), source_key=f"T-2026-00000{n}/run/{n}")
    return trail


@pytest.fixture
def checkpoints(trail: SqlAuditTrail, tmp_path: Path) -> FileCheckpoints:
    """A checkpoint of the trail at its fifth entry, kept in a file."""
    kept = FileCheckpoints(tmp_path / "audit-checkpoints.jsonl")
    kept.record(trail.head())
    return kept


def problems(trail: SqlAuditTrail, checkpoints: FileCheckpoints | None = None) -> list[str]:
    return [b.problem for b in trail.verify(checkpoints.latest(10) if checkpoints else ())]


def test_an_untouched_trail_verifies_against_its_checkpoints(
    trail: SqlAuditTrail, checkpoints: FileCheckpoints
) -> None:
    assert problems(trail, checkpoints) == []
    assert [entry.key_id for entry in trail.entries()] == [TEST_AUDIT_KEYS.signing] * 5


def test_an_entry_received_in_montreal_time_verifies_once_the_database_gives_it_back_in_utc(
    uow: UnitOfWork,
) -> None:
    trail = SqlAuditTrail(uow, TEST_AUDIT_KEYS)
    trail.append(event(1, at=datetime(2026, 11, 25, 10, 0, 0, 123456, tzinfo=MONTREAL)))
    assert trail.verify() == []


COLUMNS: dict[str, Any] = {
    "at": NOW - timedelta(days=1),
    "workflow_id": "T-2026-999999",
    "mo_code": "MSSS",
    "actor": "agent-gagnon",
    "role": "auditor",
    "action": "ticket.close",
    "outcome": "refused",
    "detail": "nothing to see",
    "source_key": "elsewhere/run/1",
}


@pytest.mark.parametrize("seq", [1, 3, 5])
@pytest.mark.parametrize("column", sorted(COLUMNS))
def test_an_edit_of_any_column_of_any_entry_is_found(
    trail: SqlAuditTrail, uow: UnitOfWork, column: str, seq: int
) -> None:
    with uow.begin() as session:
        session.execute(
            update(AuditRow).where(AuditRow.seq == seq).values({column: COLUMNS[column]})
        )
    assert trail.verify()[0].seq == seq
    assert problems(trail) == ["altered: its content no longer matches its seal"]


def test_an_entry_sealed_again_by_someone_without_the_key_is_found(
    trail: SqlAuditTrail, uow: UnitOfWork
) -> None:
    forged = seal(FORGED_KEYS, 3, event(3).model_copy(update={"detail": "rewritten"}), "x" * 64)
    with uow.begin() as session:
        session.execute(
            update(AuditRow).where(AuditRow.seq == 3).values(detail=forged.detail, hash=forged.hash)
        )
    assert problems(trail)[0] == "altered: its content no longer matches its seal"


def test_an_entry_sealed_with_a_key_nobody_configured_is_found(
    trail: SqlAuditTrail, uow: UnitOfWork
) -> None:
    with uow.begin() as session:
        session.execute(update(AuditRow).where(AuditRow.seq == 2).values(key_id="intrus"))
    assert problems(trail) == ["sealed with an unknown key 'intrus'"]


def test_the_first_entry_removed_is_found(trail: SqlAuditTrail, uow: UnitOfWork) -> None:
    with uow.begin() as session:
        session.execute(delete(AuditRow).where(AuditRow.seq == 1))
    assert problems(trail) == [
        "the first entries 1..1 removed",
        "not linked to the entry before it",
    ]


def test_an_entry_in_the_middle_removed_is_found(trail: SqlAuditTrail, uow: UnitOfWork) -> None:
    with uow.begin() as session:
        session.execute(delete(AuditRow).where(AuditRow.seq == 3))
    assert problems(trail) == ["entries 3..3 removed", "not linked to the entry before it"]


def test_the_newest_entry_removed_is_found(trail: SqlAuditTrail, uow: UnitOfWork) -> None:
    with uow.begin() as session:
        session.execute(delete(AuditRow).where(AuditRow.seq == 5))
    assert problems(trail) == ["the newest entries removed: the head says 5, the chain ends at 4"]


def test_the_newest_entry_removed_and_the_head_moved_back_is_found_by_the_checkpoint(
    trail: SqlAuditTrail, checkpoints: FileCheckpoints, uow: UnitOfWork
) -> None:
    fourth = trail.entries()[3]
    with uow.begin() as session:
        session.execute(delete(AuditRow).where(AuditRow.seq == 5))
        session.execute(update(AuditHeadRow).values(seq=4, hash=fourth.hash))
    assert problems(trail) == []  # the chain alone cannot tell: that is what checkpoints are for
    [found] = problems(trail, checkpoints)
    assert found.startswith("truncated: the checkpoint of 20")
    assert found.endswith("saw entry 5, the trail ends at 4")


def test_the_trail_and_its_head_wiped_are_found_by_the_checkpoint(
    trail: SqlAuditTrail, checkpoints: FileCheckpoints, uow: UnitOfWork
) -> None:
    with uow.begin() as session:
        session.execute(delete(AuditRow))
        session.execute(delete(AuditHeadRow))
    [found] = problems(trail, checkpoints)
    assert found.startswith("wiped: the trail is empty, but the checkpoint of 20")
    assert found.endswith("saw 5 entries")


def test_a_stretch_rewritten_and_chained_again_with_the_key_is_found_by_the_checkpoint(
    trail: SqlAuditTrail, checkpoints: FileCheckpoints, uow: UnitOfWork
) -> None:
    """Someone who had the key itself rewrites entry 3 and seals every entry after it again:
    the chain holds, the checkpoint taken before does not."""
    entries = {entry.seq: entry for entry in trail.entries()}
    prev = entries[2].hash
    with uow.begin() as session:
        for seq in range(3, 6):
            original = entries[seq]
            changed = AuditEvent(**original.model_dump(include=set(AuditEvent.model_fields)))
            if seq == 3:
                changed = changed.model_copy(update={"detail": "rewritten"})
            again = seal(TEST_AUDIT_KEYS, seq, changed, prev, original.source_key)
            session.execute(
                update(AuditRow)
                .where(AuditRow.seq == seq)
                .values(detail=again.detail, prev_hash=again.prev_hash, hash=again.hash)
            )
            prev = again.hash
        session.execute(update(AuditHeadRow).values(hash=prev))
    assert problems(trail) == []
    [found] = problems(trail, checkpoints)
    assert found.startswith("rewritten: entry 5 is not the one the checkpoint of 20")


def test_entries_written_before_the_trail_was_sealed_still_verify_and_their_edits_show(
    uow: UnitOfWork,
) -> None:
    """An entry of before the keys (no key id): its SHA-256 as it was computed then."""
    trail = SqlAuditTrail(uow, TEST_AUDIT_KEYS)
    old = event(1, at=datetime(2026, 11, 25, 10, 0, tzinfo=MONTREAL))
    fields = {"seq": 1, **old.model_dump(mode="json"), "prev_hash": "0" * 64}
    text = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    with uow.begin() as session:
        session.add(
            AuditRow(
                seq=1,
                at=old.at,
                workflow_id=old.workflow_id,
                mo_code=old.mo,
                actor=old.actor,
                role=old.role,
                action=old.action,
                outcome=old.outcome.value,
                detail=old.detail,
                prev_hash="0" * 64,
                hash=hashlib.sha256(text.encode()).hexdigest(),
                key_id=None,
            )
        )
        session.add(AuditHeadRow(id=1, seq=1, hash=hashlib.sha256(text.encode()).hexdigest()))
    trail.append(event(2))
    assert trail.verify() == []
    with uow.begin() as session:
        session.execute(update(AuditRow).where(AuditRow.seq == 1).values(actor="agent-gagnon"))
    assert problems(trail) == ["altered: its content no longer matches its seal"]


def test_the_canonical_form_names_every_column() -> None:
    text = canonical(7, event(7), "p" * 64, "k", "src")
    assert set(json.loads(text)) == {
        "seq",
        "at",
        "workflow_id",
        "mo",
        "actor",
        "role",
        "action",
        "outcome",
        "detail",
        "prev_hash",
        "key_id",
        "source_key",
    }
