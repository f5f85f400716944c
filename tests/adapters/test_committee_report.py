"""The committee's report (issue 16): every figure equals the one worked out independently, in
plain Python, from the records this test writes through the real adapters, on SQLite and on
PostgreSQL; a few are also worked out by hand."""

from __future__ import annotations

import math
import statistics
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import pytest

from adapters.database import UnitOfWork
from adapters.demo_data import load_demo_data
from adapters.sql_committee import SqlCommitteeRecords
from adapters.sql_directory import SqlDirectory
from adapters.sql_reports import SqlReports
from adapters.sql_request_facts import SqlRequestFacts
from adapters.sql_sagir_erp import SqlSagirErp
from adapters.sql_sga import SqlSga
from adapters.sql_ticket_records import SqlTicketRecords
from models.committee import CommitteeLine, CommitteeReport
from models.escalations import EscalationKind
from models.requests import Escalation
from models.service_calendar import MONTREAL, ServiceCalendar
from models.sla import Channel, take_in_charge_deadline
from models.tickets import Step, StepKind, TicketRecord, TicketStatus
from starter.desks.committee import CommitteeDesk, as_csv
from starter.desks.errors import InvalidInput

CALENDAR = ServiceCalendar()
TARGETS = {("RF", "email"): timedelta(hours=8), ("RH", "phone"): timedelta(hours=2)}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=MONTREAL)


# Each ticket as written: its steps after `received`, a check's verdict in its name
# (check+ approved, check- rejected), times in Montreal. Module None: never kept.
TICKETS: list[dict[str, Any]] = [
    {
        "id": "T-2026-000001",
        "mo": "MTQ",
        "channel": Channel.email,
        "module": "RF",
        "status": TicketStatus.returned,
        "received": "2026-11-23 10:00",
        "breached": False,
        "steps": [
            ("take", "2026-11-23 10:30"),
            ("ask", "2026-11-23 11:00"),
            ("answer", "2026-11-24 14:30"),
            ("propose", "2026-11-24 15:00"),
            ("check-", "2026-11-24 15:10"),
            ("propose", "2026-11-24 15:20"),
            ("message", "2026-11-24 15:25"),
            ("check+", "2026-11-24 15:30"),
            ("return", "2026-11-24 15:40"),
        ],
    },
    {
        "id": "T-2026-000002",
        "mo": "MTQ",
        "channel": Channel.phone,
        "module": "RH",
        "status": TicketStatus.closed,
        "received": "2026-11-24 11:50",
        "breached": True,
        "steps": [
            ("breached", "2026-11-24 14:05"),
            ("take", "2026-11-24 14:10"),
            ("forward", "2026-11-24 14:20"),
            ("back", "2026-11-25 10:00"),
            ("propose", "2026-11-25 10:30"),
            ("check+", "2026-11-25 10:40"),
            ("return", "2026-11-25 10:50"),
            ("reopen", "2026-11-26 09:00"),
            ("propose", "2026-11-26 09:30"),
            ("check+", "2026-11-26 09:40"),
            ("return", "2026-11-26 09:50"),
            ("close", "2026-11-26 10:00"),
        ],
    },
    {
        "id": "T-2026-000003",
        "mo": "MTQ",
        "channel": Channel.web,
        "module": "RF",
        "status": TicketStatus.forwarded,
        "received": "2026-11-25 16:00",
        "breached": False,
        "steps": [("take", "2026-11-26 09:00"), ("forward", "2026-11-26 09:10")],
    },
    {
        "id": "T-2026-000004",
        "mo": "MTQ",
        "channel": Channel.fax,
        "module": None,
        "status": TicketStatus.received,
        "received": "2026-11-27 16:00",
        "breached": True,
        "steps": [("breached", "2026-11-30 08:30")],
    },
    {
        "id": "T-2026-000005",
        "mo": "MSSS",
        "channel": Channel.email,
        "module": "RM",
        "status": TicketStatus.waiting_client,
        "received": "2026-11-23 09:00",
        "breached": False,
        "steps": [("take", "2026-11-23 09:45"), ("ask", "2026-11-23 10:00")],
    },
    {
        "id": "T-2026-000006",
        "mo": "MSSS",
        "channel": Channel.email,
        "module": "RF",
        "status": TicketStatus.in_charge,
        "received": "2026-11-02 09:00",
        "breached": False,
        "steps": [
            ("take", "2026-11-02 09:30"),
            ("propose", "2026-11-02 10:00"),
            ("check-", "2026-11-02 10:10"),
        ],
    },
    {  # the month before
        "id": "T-2026-000007",
        "mo": "MTQ",
        "channel": Channel.email,
        "module": "RF",
        "status": TicketStatus.returned,
        "received": "2026-10-15 09:00",
        "breached": False,
        "steps": [
            ("take", "2026-10-15 09:05"),
            ("forward", "2026-10-15 09:10"),
            ("back", "2026-10-15 11:10"),
            ("propose", "2026-10-15 11:30"),
            ("check+", "2026-10-15 11:40"),
            ("return", "2026-10-15 11:45"),
        ],
    },
    {  # the month after: in neither month
        "id": "T-2026-000008",
        "mo": "MSSS",
        "channel": Channel.web,
        "module": "RM",
        "status": TicketStatus.in_charge,
        "received": "2026-12-01 09:00",
        "breached": True,
        "steps": [("take", "2026-12-01 09:30")],
    },
]
# (key, MO, kind, when)
ESCALATIONS = [
    ("T-2026-000002/warning", "MTQ", EscalationKind("warning"), "2026-11-24 13:00"),
    ("T-2026-000009/warning", "MSSS", EscalationKind("warning"), "2026-10-20 10:00"),
    ("T-2026-000002/breach", "MTQ", EscalationKind.breach, "2026-11-24 14:05"),
    (
        "depart-MTQ-52310/20261126T150000Z/late",
        "MTQ",
        EscalationKind.late_notice,
        "2026-11-26 10:00",
    ),
]
# An arrival through the web request tool: (MO, received, taken, due)
ARRIVAL = ("MTQ", "2026-11-23 11:00", "2026-11-23 13:30", "2026-11-24 11:00")


def kind_of(name: str) -> StepKind:
    return StepKind.check if name.startswith("check") else StepKind(name)


def taken_at(ticket: dict[str, Any]) -> datetime | None:
    return next((at(when) for name, when in ticket["steps"] if name == "take"), None)


def due_of(ticket: dict[str, Any]) -> datetime:
    return take_in_charge_deadline(ticket["channel"], at(ticket["received"]), CALENDAR)


@pytest.fixture
def desk(uow: UnitOfWork) -> CommitteeDesk:
    load_demo_data(SqlDirectory(uow), SqlSagirErp(uow), SqlSga(uow))
    write_records(uow)
    return CommitteeDesk(SqlReports(uow), SqlCommitteeRecords(uow), CALENDAR, TARGETS)


def write_records(uow: UnitOfWork) -> None:
    """The tickets, escalations and arrival above, through the adapters that keep them."""
    records = SqlTicketRecords(uow)
    for ticket in TICKETS:
        steps = [
            Step(seq=1, kind=StepKind.received, actor="u-1", at=at(ticket["received"])),
            *(
                Step(seq=seq, kind=kind_of(name), actor="agent-roy", at=at(when))
                for seq, (name, when) in enumerate(ticket["steps"], start=2)
            ),
        ]
        records.record(
            TicketRecord(
                id=ticket["id"],
                mo=ticket["mo"],
                channel=ticket["channel"],
                urgent=False,
                status=ticket["status"],
                received_at=at(ticket["received"]),
                due=due_of(ticket),
                taken_at=taken_at(ticket),
                assignee="agent-roy" if taken_at(ticket) else None,
                breached=ticket["breached"],
                version=len(steps),
                steps=steps,
                module=ticket["module"] or "",
            )
        )
    for key, mo, kind, when in ESCALATIONS:
        records.record_escalation(
            Escalation(
                idempotency_key=key,
                workflow_id=key.split("/")[0],
                mo=mo,
                reason="a reason",
                at=at(when),
                kind=kind,
            ),
            ["super-cote"],
        )
    mo, received, taken, due = ARRIVAL
    SqlRequestFacts(uow).note(
        "arrivee-MTQ-45871",
        "run-1",
        "arrivee",
        mo,
        at(due),
        received_at=at(received),
        taken_at=at(taken),
    )


# --- the independent computation, from the tables above ----------------------------------------


def minutes(start: datetime, end: datetime) -> float:
    return CALENDAR.open_time_between(start, end).total_seconds() / 60


def nearest_rank(values: list[float]) -> float | None:
    return sorted(values)[math.ceil(0.9 * len(values)) - 1] if values else None


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def month(text: str) -> str:
    return text[:7]  # every time above is Montreal's


def waits(ticket: dict[str, Any], opening: str, closing: str) -> list[float | None]:
    """Each `opening` step's open minutes to the next `closing` one (None: not yet)."""
    steps = ticket["steps"]
    found: list[float | None] = []
    for index, (name, when) in enumerate(steps):
        if name == opening:
            end = next((w for n, w in steps[index + 1 :] if n == closing), None)
            found.append(None if end is None else minutes(at(when), at(end)))
    return found


def resolution(ticket: dict[str, Any]) -> tuple[float, float, float] | None:
    """(minutes without the client's wait, the client's wait, at the DGGIR) once returned and
    not reopened since."""
    names = [name for name, _ in ticket["steps"]]
    if "return" not in names:
        return None
    last = len(names) - 1 - names[::-1].index("return")
    if "reopen" in names[last:]:
        return None
    elapsed = minutes(at(ticket["received"]), at(ticket["steps"][last][1]))
    client = sum(w for w in waits(ticket, "ask", "answer") if w is not None)
    dggir = sum(w for w in waits(ticket, "forward", "back") if w is not None)
    return elapsed - client, client, dggir


def expected_line(mo: str | None, of: str) -> CommitteeLine:
    tickets = [t for t in TICKETS if mo in (None, t["mo"]) and month(t["received"]) == of]
    arrivals = [ARRIVAL] if mo in (None, ARRIVAL[0]) and month(ARRIVAL[1]) == of else []
    # Every request as (channel, received, taken, due, breached).
    requests = [
        (t["channel"].value, at(t["received"]), taken_at(t), due_of(t), t["breached"])
        for t in tickets
    ] + [("web", at(r), at(tk), at(d), False) for _, r, tk, d in arrivals]
    taken = [(r, tk, d) for _, r, tk, d, _ in requests if tk is not None]
    take_minutes = [minutes(r, tk) for r, tk, _ in taken]
    resolved = [(t, found) for t in tickets if (found := resolution(t)) is not None]
    targeted = [
        (found[0], TARGETS[(t["module"], t["channel"].value)])
        for t, found in resolved
        if (t["module"], t["channel"].value) in TARGETS
    ]
    forwards = [w for t in tickets for w in waits(t, "forward", "back")]
    questions = [w for t in tickets for w in waits(t, "ask", "answer")]
    forwarded = [w for w in forwards if w is not None]
    answered = [w for w in questions if w is not None]
    returned = [t for t in tickets if any(n == "return" for n, _ in t["steps"])]
    reopened = [t for t in returned if any(n == "reopen" for n, _ in t["steps"])]
    checks = [n for t in tickets for n, _ in t["steps"] if n.startswith("check")]
    escalations = [e for e in ESCALATIONS if mo in (None, e[1]) and month(e[3]) == of]
    breaches = [t for t in tickets if t["breached"]]
    return CommitteeLine(
        mo=mo,
        month=of,
        received=len(requests),
        received_by_channel=dict(sorted(Counter(r[0] for r in requests).items())),
        taken=len(taken),
        taken_on_time=sum(1 for _, tk, d in taken if tk <= d),
        breached=sum(1 for r in requests if r[4]),
        median_take_minutes=median(take_minutes),
        p90_take_minutes=nearest_rank(take_minutes),
        late_departure_notices=sum(1 for e in escalations if e[2] is EscalationKind.late_notice),
        breaches_by_channel=dict(sorted(Counter(r[0] for r in requests if r[4]).items())),
        tickets=len(tickets),
        breaches_by_module=dict(
            sorted(Counter(t["module"] or "unknown" for t in breaches).items())
        ),
        resolved=len(resolved),
        median_resolution_minutes=median([found[0] for _, found in resolved]),
        p90_resolution_minutes=nearest_rank([found[0] for _, found in resolved]),
        client_wait_minutes=sum(found[1] for _, found in resolved),
        dggir_minutes=sum(found[2] for _, found in resolved),
        with_target=len(targeted),
        within_target=sum(1 for took, target in targeted if took <= target.total_seconds() / 60),
        within_target_rate=rate(
            sum(1 for took, target in targeted if took <= target.total_seconds() / 60),
            len(targeted),
        ),
        warnings=sum(1 for e in escalations if e[2].value == "warning"),
        forwards=len(forwards),
        forwards_back=len(forwarded),
        median_forward_minutes=median(forwarded),
        p90_forward_minutes=nearest_rank(forwarded),
        returned=len(returned),
        reopened=len(reopened),
        reopen_rate=rate(len(reopened), len(returned)),
        quality_checks=len(checks),
        quality_rejections=checks.count("check-"),
        rejection_rate=rate(checks.count("check-"), len(checks)),
        questions=len(questions),
        questions_answered=len(answered),
        median_question_wait_minutes=median(answered),
        p90_question_wait_minutes=nearest_rank(answered),
    )


def expected_report(of: str, before: str, mos: list[str | None]) -> CommitteeReport:
    return CommitteeReport(
        month=of,
        previous_month=before,
        lines=[expected_line(mo, of) for mo in mos],
        previous=[expected_line(mo, before) for mo in mos],
    )


# --- the tests -------------------------------------------------------------------------------


def test_committee_report_figures_equal_an_independent_computation_from_the_records(
    desk: CommitteeDesk,
) -> None:
    found = desk.report("2026-11")
    assert found == expected_report("2026-11", "2026-10", ["MSSS", "MTQ", None])
    assert desk.report("2026-11", "MTQ") == expected_report("2026-11", "2026-10", ["MTQ"])
    # The month after: December against November (T8 alone in December).
    assert desk.report("2026-12") == expected_report("2026-12", "2026-11", ["MSSS", "MTQ", None])


def test_committee_figures_worked_out_by_hand(desk: CommitteeDesk) -> None:
    [msss, mtq, service] = desk.report("2026-11").lines
    # T1: Monday 10:00 to Tuesday 15:40 is 640 open minutes (Tuesday opens at 14:00), of which
    # 510 waiting on the client (Monday 11:00 to Tuesday 14:30): 130. T2, reopened, counts to
    # its last return: Tuesday 11:50 to Thursday 09:50 = 10 + 150 + 420 + 80 = 660, with 220 at
    # the DGGIR (Tuesday 14:20 to Wednesday 10:00: 130 + 90), which stays in.
    assert (mtq.resolved, mtq.median_resolution_minutes) == (2, (130 + 660) / 2)
    assert (mtq.client_wait_minutes, mtq.dggir_minutes) == (510, 220)
    # Targets: T1 (RF by email, 8 open hours) met it; T2 (RH by phone, 2 hours) did not.
    assert (mtq.with_target, mtq.within_target, mtq.within_target_rate) == (2, 1, 0.5)
    assert (mtq.reopened, mtq.returned, mtq.reopen_rate) == (1, 2, 0.5)
    # T1's first check was rejected, T6's only one too (its ticket is back in charge).
    assert (service.quality_checks, service.quality_rejections) == (5, 2)
    assert (mtq.forwards, mtq.forwards_back, mtq.median_forward_minutes) == (2, 1, 220)
    assert (msss.questions, msss.questions_answered, msss.median_question_wait_minutes) == (
        1,
        0,
        None,
    )
    assert mtq.warnings == 1 and mtq.late_departure_notices == 1
    assert mtq.breaches_by_module == {"RH": 1, "unknown": 1}
    assert mtq.breaches_by_channel == {"fax": 1, "phone": 1}
    [mtq_before] = [line for line in desk.report("2026-11").previous if line.mo == "MTQ"]
    assert (mtq_before.tickets, mtq_before.median_resolution_minutes) == (1, 165)


def test_committee_report_as_csv_gives_both_months_and_the_whole_service(
    desk: CommitteeDesk,
) -> None:
    rows = as_csv(desk.report("2026-11")).splitlines()
    assert rows[0].startswith("mo,month,received,taken,taken_on_time,breached,")
    assert [row.split(",")[:2] for row in rows[1:]] == [
        ["MSSS", "2026-11"],
        ["MTQ", "2026-11"],
        ["service", "2026-11"],
        ["MSSS", "2026-10"],
        ["MTQ", "2026-10"],
        ["service", "2026-10"],
    ]
    assert rows[2].endswith("email=1 fax=1 phone=1 web=2,fax=1 phone=1,RH=1 unknown=1")


def test_the_committee_report_is_of_one_month(desk: CommitteeDesk) -> None:
    with pytest.raises(InvalidInput, match="month: the committee's report is of one month"):
        desk.report(None)
    with pytest.raises(InvalidInput, match="month: '2026-13' is not a month like 2026-11"):
        desk.report("2026-13")
