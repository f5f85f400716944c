"""The intake's records on SQLite and PostgreSQL: a message recorded once with its reserved
ticket number in the same transaction, its personal data sealed at rest, triage sorted once,
the owed steps listed until delivered, the MOs' mail domains."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from adapters.database import UnitOfWork
from adapters.demo_data import MOS
from adapters.sql_directory import SqlDirectory
from adapters.sql_inbound import AlreadySorted, SqlInbound
from adapters.sql_mail_domains import SqlMailDomains
from models.inbound import Delivery, Outcome, ParsedAttachment, ParsedMail, Routing
from models.sla import Channel
from tests.workflows.harness import TEST_MAIL_KEYS

AT = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
SENDER = "ginette.pelchat@mtq.gouv.qc.ca"


def parsed(key: str, files: int = 1) -> ParsedMail:
    return ParsedMail(
        key=key,
        sender=SENDER,
        subject="Dossier Pelchat",
        text="Texte confidentiel de Pelchat",
        attachments=[
            ParsedAttachment(
                file_name=f"Pelchat-{n}.pdf", content_type="application/pdf", data=b"%d" % n
            )
            for n in range(files)
        ],
    )


NEW = Routing(outcome=Outcome.ticket, channel=Channel.email, mo="MTQ")
TRIAGE = Routing(outcome=Outcome.triage, channel=Channel.fax, reason="unknown domain")


@pytest.fixture
def inbound(uow: UnitOfWork) -> SqlInbound:
    return SqlInbound(uow, TEST_MAIL_KEYS)


def test_a_message_is_recorded_once_with_its_ticket_number_and_files(
    inbound: SqlInbound,
) -> None:
    first = inbound.record(parsed("a" * 64, files=2), NEW, AT, 2026)
    assert first is not None
    assert (first.ticket_id, first.delivery, len(first.attachments)) == (
        "T-2026-000001",
        Delivery.pending,
        2,
    )
    assert inbound.record(parsed("a" * 64), NEW, AT, 2026) is None  # delivered twice
    second = inbound.record(parsed("b" * 64), NEW, AT, 2026)
    assert second is not None and second.ticket_id == "T-2026-000002"  # no number lost
    assert inbound.pending() == ["a" * 64, "b" * 64]
    inbound.failed("a" * 64, "Unavailable")
    inbound.delivered("b" * 64, AT)
    assert inbound.pending() == ["a" * 64]
    assert [a.ticket_id for a in inbound.attachments("T-2026-000001")] == ["T-2026-000001"] * 2


def test_sender_subject_text_and_file_names_are_sealed_at_rest(
    uow: UnitOfWork, inbound: SqlInbound
) -> None:
    inbound.record(parsed("c" * 64), NEW, AT, 2026)
    with uow.engine.connect() as connection:
        stored = repr(connection.execute(text("SELECT * FROM inbound_mail")).all())
        stored += repr(connection.execute(text("SELECT * FROM attachments")).all())
    assert "Pelchat" not in stored and SENDER not in stored
    opened = inbound.get("c" * 64)
    assert opened is not None and opened.sender == SENDER and opened.text.endswith("Pelchat")
    # Copied onto another row, a sealed value does not open.
    with uow.begin() as session:
        session.execute(text(f"UPDATE inbound_mail SET subject = body WHERE id = '{'c' * 64}'"))
    with pytest.raises(ValueError, match="altered"):
        inbound.get("c" * 64)


def test_triage_is_listed_by_receipt_and_sorted_once(inbound: SqlInbound) -> None:
    for n, key in enumerate(("d" * 64, "e" * 64, "f" * 64)):
        inbound.record(parsed(key), TRIAGE, AT + timedelta(minutes=n), None)
    page, total = inbound.triage(2)
    assert total == 3 and [m.id for m in page] == ["d" * 64, "e" * 64]
    rest, _ = inbound.triage(2, f"{page[-1].received_at.isoformat()}/{page[-1].id}")
    assert [m.id for m in rest] == ["f" * 64]
    assert page[0].attachments[0].ticket_id is None
    sorted_ = inbound.sort("d" * 64, "MTQ", "agent-roy", AT, 2026)
    assert (sorted_.outcome, sorted_.ticket_id, sorted_.delivery) == (
        Outcome.ticket,
        "T-2026-000001",
        Delivery.pending,
    )
    assert sorted_.attachments[0].ticket_id == "T-2026-000001"
    with pytest.raises(AlreadySorted):
        inbound.sort("d" * 64, "MTQ", "agent-gagnon", AT, 2026)
    discarded = inbound.discard("e" * 64, "agent-roy", AT)
    assert (discarded.outcome, discarded.sorted_by) == (Outcome.ignored, "agent-roy")
    assert inbound.triage(10)[1] == 1
    assert inbound.matching("ffffffff") == ["f" * 64]


def test_mail_domains_name_their_mo_and_who_declared_them(uow: UnitOfWork) -> None:
    directory = SqlDirectory(uow)
    for mo in MOS:
        directory.add_mo(mo)
    domains = SqlMailDomains(uow)
    domains.declare("mtq.gouv.qc.ca", "MTQ", "super-cote", AT)
    domains.declare("msss.gouv.qc.ca", "MSSS", "super-cote", AT)
    assert domains.mapping() == {"msss.gouv.qc.ca": "MSSS", "mtq.gouv.qc.ca": "MTQ"}
    assert domains.all()[1].declared_by == "super-cote"
    assert domains.remove("msss.gouv.qc.ca") and not domains.remove("msss.gouv.qc.ca")
    assert domains.mapping() == {"mtq.gouv.qc.ca": "MTQ"}
