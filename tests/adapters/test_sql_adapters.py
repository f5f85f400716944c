"""The SQL adapters on SQLite and PostgreSQL alike (the `uow` fixture runs each test on both)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from adapters.database import UnitOfWork
from adapters.demo_data import load_demo_data
from adapters.sql_counters import SqlCounters
from adapters.sql_directory import SqlDirectory
from adapters.sql_sagir_erp import SqlSagirErp
from adapters.sql_ticket_records import SqlTicketRecords
from models.directory import AgentRole
from models.sla import Channel
from models.tickets import BreachEscalation, Step, StepKind, TicketRecord, TicketStatus

T0 = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


def record(version: int, status: TicketStatus = TicketStatus.received) -> TicketRecord:
    steps = [
        Step(
            seq=n,
            kind=StepKind.received if n == 1 else StepKind.take,
            actor=f"a{n}",
            at=T0 + timedelta(minutes=n),
        )
        for n in range(1, version + 1)
    ]
    return TicketRecord(
        id="T-2026-000001",
        mo="MTQ",
        channel=Channel.phone,
        urgent=True,
        status=status,
        received_at=T0,
        due=T0 + timedelta(minutes=15),
        taken_at=None,
        assignee=None,
        breached=False,
        version=version,
        steps=steps,
    )


def test_ticket_numbers_are_sequential_and_unique_per_year(uow: UnitOfWork) -> None:
    counters = SqlCounters(uow)
    assert [counters.next_number("T-2026") for _ in range(3)] == [1, 2, 3]
    assert counters.next_number("T-2027") == 1


def test_projection_keeps_the_newest_version_and_ignores_repeats(uow: UnitOfWork) -> None:
    records = SqlTicketRecords(uow)
    records.record(record(2, TicketStatus.in_charge))
    records.record(record(2, TicketStatus.in_charge))  # a retried activity
    records.record(record(1))  # a stale write arriving late
    stored = records.get("T-2026-000001")
    assert stored is not None
    assert (stored.version, stored.status) == (2, TicketStatus.in_charge)
    assert [(s.seq, s.actor, s.at) for s in stored.steps] == [
        (1, "a1", T0 + timedelta(minutes=1)),
        (2, "a2", T0 + timedelta(minutes=2)),
    ]
    assert stored.received_at == T0 and stored.received_at.tzinfo is not None


def test_escalation_is_recorded_once_per_key(uow: UnitOfWork) -> None:
    records = SqlTicketRecords(uow)
    escalation = BreachEscalation(
        idempotency_key="T-2026-000001/breach",
        ticket_id="T-2026-000001",
        mo="MTQ",
        due=T0,
        breached_at=T0,
    )
    assert records.escalate(escalation, ["super-cote"]) == ["super-cote"]
    assert records.escalate(escalation, ["someone-else"]) == ["super-cote"]
    assert records.escalations_of("T-2026-000001") == ["T-2026-000001/breach"]


def test_demo_data_loads_once_with_a_supervisor(uow: UnitOfWork) -> None:
    directory, erp = SqlDirectory(uow), SqlSagirErp(uow)
    assert load_demo_data(directory, erp) is True
    assert load_demo_data(directory, erp) is False
    assert any(agent.role is AgentRole.supervisor for agent in directory.agents())
    assert directory.mo("MTQ") is not None and directory.mo("XYZ") is None


def test_dossier_personne_is_found_by_mo_and_employee_number(uow: UnitOfWork) -> None:
    load_demo_data(SqlDirectory(uow), SqlSagirErp(uow))
    erp = SqlSagirErp(uow)
    person = erp.person("MTQ", "45871")
    assert person is not None and person.work_email.endswith("@mtq.example")
    assert erp.person("MSSS", "45871") is None  # another MO's employee number
    assert "Bouchard" not in repr(person) and "14" not in repr(person)
