"""The in-memory fakes keep their ports' promises (the ones the SQL adapters' tests prove on a
database), so a desk test on a fake proves what it says. mypy checks that each stands where its
port is expected."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from adapters.fakes import (
    FakeAuditTrail,
    FakeCounters,
    FakeDirectory,
    FakeMailer,
    FakeReports,
    FakeRequestFacts,
    FakeSagirErp,
    FakeTicketRecords,
    FakeTokens,
)
from adapters.ports import (
    AuditTrail,
    Counters,
    Directory,
    Escalations,
    Mailer,
    Reports,
    RequestFacts,
    SagirErp,
    TicketRecords,
    Tokens,
)
from models import ticket_lifecycle as lifecycle
from models.audit import AuditEvent, Outcome
from models.mail import Mail
from models.roles import Caller, Role
from models.sagir import AccountStatus, ErpRefused
from models.sla import Channel
from models.tickets import BreachEscalation, OpenTicket, TakeTicket, TicketRecord

AT = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


def test_each_fake_stands_where_its_port_is_expected() -> None:
    records, facts = FakeTicketRecords(), FakeRequestFacts()
    # mypy checks each fake against the port its place in this tuple names.
    ports: tuple[
        Directory,
        TicketRecords,
        Escalations,
        SagirErp,
        Mailer,
        Counters,
        AuditTrail,
        RequestFacts,
        Reports,
        Tokens,
    ] = (
        FakeDirectory(),
        records,
        records,
        FakeSagirErp(),
        FakeMailer(),
        FakeCounters(),
        FakeAuditTrail(),
        facts,
        FakeReports(records, facts),
        FakeTokens(),
    )
    assert len(ports) == 10


def ticket_record(steps: int) -> TicketRecord:
    state = lifecycle.open_ticket(
        OpenTicket(
            ticket_id="T-2026-000001",
            mo="MTQ",
            channel=Channel.phone,
            requester="u-mtq-1",
            subject="Accès",
            description="Accès refusé",
            module="RF",
            received_at=AT,
            due=AT + timedelta(minutes=15),
        )
    )
    if steps > 1:
        state = lifecycle.take(state, TakeTicket(agent="agent-tremblay"), AT)
    return TicketRecord.of(state)


def test_an_older_or_repeated_version_of_a_ticket_changes_nothing() -> None:
    records = FakeTicketRecords()
    taken = ticket_record(steps=2)
    records.record(taken)
    records.record(ticket_record(steps=1))
    records.record(taken)

    kept = records.get("T-2026-000001")
    assert kept is not None
    assert (kept.version, kept.assignee, len(kept.steps)) == (2, "agent-tremblay", 2)


def test_numbers_are_counted_per_series() -> None:
    counters = FakeCounters()
    numbers = [counters.next_number(series) for series in ("T-2026", "T-2026", "T-2027", "T-2026")]
    assert numbers == [1, 2, 1, 3]


def test_an_escalation_is_recorded_once_and_answers_the_first_times_supervisors() -> None:
    records = FakeTicketRecords()
    breach = BreachEscalation(
        idempotency_key="T-2026-000001/breach",
        ticket_id="T-2026-000001",
        mo="MTQ",
        due=AT,
        breached_at=AT,
    )

    assert records.escalate(breach, ["super-cote"]) == ["super-cote"]
    assert records.escalate(breach, ["super-cote", "super-new"]) == ["super-cote"]
    assert records.escalations_of("T-2026-000001") == ["T-2026-000001/breach"]


def audit_event(action: str) -> AuditEvent:
    return AuditEvent(
        at=AT,
        workflow_id="T-2026-000001",
        mo="MTQ",
        actor="agent-tremblay",
        role="ca_agent",
        action=action,
        outcome=Outcome.done,
    )


def test_the_audit_trail_appends_once_per_source_key_and_its_chain_verifies() -> None:
    trail = FakeAuditTrail()
    first = trail.append(audit_event("ticket.take"), source_key="run-1/1")

    assert trail.append(audit_event("ticket.take"), source_key="run-1/1") is None
    assert first is not None and first.seq == 1
    assert [e.seq for e in trail.entries("T-2026-000001")] == [1]
    assert trail.verify() == []


def test_an_altered_audit_entry_breaks_the_chain() -> None:
    trail = FakeAuditTrail()
    trail.append(audit_event("ticket.take"))
    trail.append(audit_event("ticket.close"))

    entry = trail.entries()[0]
    trail._entries[0] = entry.model_copy(update={"actor": "agent-gagnon"})

    assert [(b.seq, b.problem.split(":")[0]) for b in trail.verify()] == [(1, "altered")]


def test_counters_never_give_a_number_twice_in_a_series() -> None:
    counters = FakeCounters()
    assert [counters.next_number(s) for s in ("param-MTQ-2026",) * 2 + ("param-MSSS-2026",)] == [
        1,
        2,
        1,
    ]


def test_a_token_authenticates_its_holder_until_it_is_revoked() -> None:
    tokens = FakeTokens()
    caller = Caller(role=Role.ca_agent, subject="agent-tremblay")
    issued = tokens.create(caller, "poste de Julie", AT)

    assert tokens.authenticate(issued.token) == caller
    assert tokens.authenticate(issued.token + "x") is None
    assert tokens.authenticate("sdk_nothing") is None
    revoked = tokens.revoke(issued.info.id, AT)
    assert revoked is not None and revoked.revoked_at == AT
    assert tokens.authenticate(issued.token) is None


def test_request_facts_fold_and_the_report_reads_them_beside_the_tickets() -> None:
    records, facts = FakeTicketRecords(), FakeRequestFacts()
    records.record(ticket_record(steps=2))
    due = AT + timedelta(days=1)
    facts.note("arrivee-MTQ-45871", "run-1", "arrivee", "MTQ", due, received_at=AT)
    facts.note("arrivee-MTQ-45871", "run-1", "arrivee", "MTQ", due, taken_at=AT)
    facts.note("arrivee-MTQ-45871", "run-1", "arrivee", "MTQ", due, taken_at=due)
    reports = FakeReports(records, facts)

    found = reports.request_facts(month="2026-11", mo="MTQ")

    assert [(f.id, f.channel, f.taken_at) for f in found] == [
        ("T-2026-000001", "phone", AT),
        ("arrivee-MTQ-45871", "web", AT),
    ]
    assert reports.request_facts(month="2026-12") == []


def test_a_mail_is_queued_once_per_key() -> None:
    mailer = FakeMailer()
    mail = Mail(
        idempotency_key="arrivee-MTQ-45871/welcome", to="a@b.example", subject="s", body="b"
    )

    assert [mailer.send(mail, AT), mailer.send(mail, AT)] == [True, False]
    assert mailer.sent("arrivee-MTQ-45871/") == [mail]
    assert mailer.sent("depart-") == []


def test_a_delivered_secret_mail_keeps_its_place_but_loses_its_body() -> None:
    mailer = FakeMailer()
    secret = Mail(
        idempotency_key="m/reset/mail", to="a@b.example", subject="s", body="pw", secret=True
    )
    plain = Mail(idempotency_key="m/welcome", to="a@b.example", subject="s", body="Bienvenue")
    mailer.send(secret, AT)
    mailer.send(plain, AT + timedelta(seconds=1))

    assert [mailer.delivered("m/reset/mail"), mailer.delivered("m/reset/mail")] == [True, False]
    assert not mailer.delivered("m/welcome")
    assert not mailer.delivered("never/queued")
    assert mailer.sent("m/") == [secret.model_copy(update={"body": ""}), plain]
    assert not mailer.send(secret, AT)


def test_an_erp_write_under_a_spent_key_changes_nothing_and_a_refused_one_spends_no_key() -> None:
    erp = FakeSagirErp()

    with pytest.raises(ErpRefused, match="has no SAGIR account to change"):
        erp.activate_account("k/activate", "MTQ", "45871", AT)
    assert not erp.write_done("k/activate")

    assert erp.create_account("k/account", "MTQ", "45871", AT)
    assert erp.activate_account("k/activate", "MTQ", "45871", AT)
    assert not erp.create_account("k/account", "MTQ", "45871", AT)
    assert erp.access_of("MTQ", "45871").account is AccountStatus.active
