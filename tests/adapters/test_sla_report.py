"""The SLA report (issue 5): its figures equal those worked out by hand from the ticket records,
on SQLite and PostgreSQL; the CSV and the chart come from the same lines."""

from __future__ import annotations

from datetime import datetime

import pytest

from adapters.database import UnitOfWork
from adapters.demo_data import load_demo_data
from adapters.sql_directory import SqlDirectory
from adapters.sql_reports import SqlReports
from adapters.sql_request_facts import SqlRequestFacts
from adapters.sql_sagir_erp import SqlSagirErp
from adapters.sql_sga import SqlSga
from adapters.sql_ticket_records import SqlTicketRecords
from models.reports import SlaLine, percentile
from models.requests import Escalation
from models.service_calendar import MONTREAL, ServiceCalendar
from models.sla import Channel
from models.tickets import TicketRecord, TicketStatus
from starter.desks.errors import InvalidInput
from starter.desks.reports import ReportDesk, as_csv, as_png


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=MONTREAL)


# (id, MO, channel, received, due, taken, breached), times in Montreal.
TICKETS = [
    (
        "T-2026-000001",
        "MTQ",
        Channel.email,
        "2026-11-23 10:00",
        "2026-11-24 10:00",
        "2026-11-23 10:30",
        False,
    ),
    (
        "T-2026-000002",
        "MTQ",
        Channel.phone,
        "2026-11-24 11:50",
        "2026-11-24 14:05",
        "2026-11-24 14:10",
        True,
    ),
    (
        "T-2026-000003",
        "MTQ",
        Channel.web,
        "2026-11-25 16:00",
        "2026-11-26 16:00",
        "2026-11-26 09:00",
        False,
    ),
    ("T-2026-000004", "MTQ", Channel.fax, "2026-11-27 16:00", "2026-11-30 08:30", None, True),
    (
        "T-2026-000005",
        "MSSS",
        Channel.email,
        "2026-11-23 09:00",
        "2026-11-24 09:00",
        "2026-11-23 09:45",
        False,
    ),
    (
        "T-2026-000006",
        "MTQ",
        Channel.phone,
        "2026-12-01 08:30",
        "2026-12-01 08:45",
        "2026-12-01 08:40",
        False,
    ),
]


@pytest.fixture
def desk(uow: UnitOfWork) -> ReportDesk:
    load_demo_data(SqlDirectory(uow), SqlSagirErp(uow), SqlSga(uow))
    records = SqlTicketRecords(uow)
    for number, mo, channel, received, due, taken, breached in TICKETS:
        records.record(
            TicketRecord(
                id=number,
                mo=mo,
                channel=channel,
                urgent=False,
                status=TicketStatus.in_charge if taken else TicketStatus.received,
                received_at=at(received),
                due=at(due),
                taken_at=at(taken) if taken else None,
                assignee="agent-roy" if taken else None,
                breached=breached,
                version=1,
                steps=[],
            )
        )
    records.record_escalation(
        Escalation(
            idempotency_key="depart-MTQ-52310/20261126T150000Z/late",
            workflow_id="depart-MTQ-52310",
            mo="MTQ",
            reason="late departure notice",
            at=at("2026-11-26 10:00"),
        ),
        ["super-cote"],
    )
    # An arrival (through the web request tool), kept from its workflow's steps.
    SqlRequestFacts(uow).note(
        "arrivee-MTQ-45871",
        "run-1",
        "arrivee",
        "MTQ",
        at("2026-11-24 11:00"),
        received_at=at("2026-11-23 11:00"),
        taken_at=at("2026-11-23 13:30"),
    )
    return ReportDesk(SqlReports(uow), ServiceCalendar())


def test_sla_report_figures_equal_those_worked_out_from_the_ticket_records(
    desk: ReportDesk,
) -> None:
    # Open minutes to take in charge, by hand: T1 10:00→10:30 = 30; T2 11:50→12:00 and
    # 14:00→14:10 (Tuesday afternoon opens at 14:00) = 20; T3 16:00→16:30 and 08:30→09:00 = 60;
    # T5 = 45; T6 = 10. T4 is not taken. The arrival: 11:00→12:00 and 13:00→13:30 = 90.
    assert desk.sla() == [
        SlaLine(
            mo="MSSS",
            month="2026-11",
            received=1,
            received_by_channel={"email": 1},
            taken=1,
            taken_on_time=1,
            breached=0,
            median_open_minutes=45,
            p90_open_minutes=45,
            late_departure_notices=0,
        ),
        SlaLine(
            mo="MTQ",
            month="2026-11",
            received=5,
            received_by_channel={"email": 1, "fax": 1, "phone": 1, "web": 2},
            taken=4,
            taken_on_time=3,  # T2 was taken after its 14:05 deadline
            breached=2,
            median_open_minutes=45,  # between 30 and 60
            p90_open_minutes=90,
            late_departure_notices=1,
        ),
        SlaLine(
            mo="MTQ",
            month="2026-12",
            received=1,
            received_by_channel={"phone": 1},
            taken=1,
            taken_on_time=1,
            breached=0,
            median_open_minutes=10,
            p90_open_minutes=10,
            late_departure_notices=0,
        ),
    ]
    assert [line.month for line in desk.sla(month="2026-12")] == ["2026-12"]
    assert [line.mo for line in desk.sla(mo="MSSS")] == ["MSSS"]


def test_sla_report_as_csv_and_as_a_chart(desk: ReportDesk) -> None:
    lines = desk.sla()
    rows = as_csv(lines).splitlines()
    assert rows[0].startswith("mo,month,received,received_by_channel,taken,taken_on_time")
    assert rows[2] == "MTQ,2026-11,5,email=1 fax=1 phone=1 web=2,4,3,2,45.0,90.0,1"
    assert as_png(lines).startswith(b"\x89PNG")


def test_a_month_that_is_not_one_is_refused(desk: ReportDesk) -> None:
    with pytest.raises(InvalidInput, match="month: '2026-13' is not a month like 2026-11"):
        desk.sla(month="2026-13")


def test_90th_percentile_is_a_value_that_occurred_nearest_rank() -> None:
    assert percentile([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 0.9) == 90
    assert percentile([5], 0.9) == 5
    assert percentile([], 0.9) is None
