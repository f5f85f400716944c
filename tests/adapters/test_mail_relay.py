"""Outgoing mail is delivered and never lost (issue 12): the relay's round on a real SMTP server
in the test process and a real database (SQLite and PostgreSQL), with a clock the test moves.
The server down, refusing for a while or for good, a relay killed after the server took a mail,
two relays at once: every mail ends sent once, or failed and escalated. A round (issue 14)
drains batch after batch on one connection, which a refusal does not break and a dropped
connection does not cost a mail."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from temporalio.exceptions import ApplicationError

from activities import mail_relay
from activities.mail_relay import LEASE, ROUND_BUDGET, MailRelayActivities, escalation_key
from adapters.database import EscalationRow, OutboxRow, UnitOfWork
from adapters.demo_data import load_demo_data
from adapters.mail_sink import body_of, read_message
from adapters.outbox_mailer import OutboxMailer
from adapters.sealed_mail import REMOVED, MailKeys
from adapters.smtp_mail_server import SmtpMailServer, SmtpServer
from adapters.sql_directory import SqlDirectory
from adapters.sql_outbox import SqlOutbox
from adapters.sql_sagir_erp import SqlSagirErp
from adapters.sql_sga import SqlSga
from adapters.sql_ticket_records import SqlTicketRecords
from models.escalations import EscalationKind
from models.mail import Delivery, Handed, Mail, RelayReport, message_id
from tests.mail_server import SENDER, ScriptedHandler, TestSmtp
from tests.payload_keys import TEST_KEYS

T0 = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
MAIL_KEYS = MailKeys.of([(key.key_id, key.secret) for key in TEST_KEYS])
ADDRESS = "annie.morin@mtq.example"
SUBJECT = "Votre arrivée : accès préparés"
BODY = "Bonjour, vos accès SAGIR sont prêts. Été, façade, œuvre."
SECRET = "Temp-0042-secret"


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


class Killed(BaseException):
    """The relay's process dies (SIGKILL): nothing after this point runs."""


class KilledAfterAcceptance:
    """The real server, but the relay dies right after the server accepted `key` (its 250
    received, the status not yet written)."""

    def __init__(self, smtp: TestSmtp, key: str) -> None:
        self._server = smtp.mail_server()
        self._key = key

    def deliver(self, delivery: Delivery, now: datetime) -> Handed:
        reply = self._server.deliver(delivery, now)
        if delivery.mail.idempotency_key == self._key:
            raise Killed
        return reply


@pytest.fixture
def desk_db(uow: UnitOfWork) -> UnitOfWork:
    """The database with the demo's agents: a supervisor receives the escalations."""
    load_demo_data(SqlDirectory(uow), SqlSagirErp(uow), SqlSga(uow))
    return uow


def relay(
    uow: UnitOfWork, clock: Clock, server: object, max_attempts: int = 8
) -> MailRelayActivities:
    return MailRelayActivities(
        SqlOutbox(uow, MAIL_KEYS),
        server,  # type: ignore[arg-type]
        SqlTicketRecords(uow),
        SqlDirectory(uow),
        max_attempts,
        clock,
    )


def queue(uow: UnitOfWork, key: str, to: str = ADDRESS, at: datetime = T0, **extra: object) -> str:
    mail = Mail(idempotency_key=key, to=to, subject=SUBJECT, body=BODY, **extra)  # type: ignore[arg-type]
    assert OutboxMailer(uow, MAIL_KEYS).send(mail, at)
    return key


def our_logs(caplog: pytest.LogCaptureFixture) -> str:
    """What the desk logged (the test server's own log, `mail.log`, is the other side's)."""
    return "\n".join(
        record.getMessage() for record in caplog.records if not record.name.startswith("mail.")
    )


def row(uow: UnitOfWork, key: str) -> OutboxRow:
    with uow.begin() as session:
        found = session.get(OutboxRow, key)
        assert found is not None
        return found


def test_a_mail_sent_while_the_server_is_down_waits_and_goes_once_when_it_is_back(
    desk_db: UnitOfWork, smtp: TestSmtp, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    key = queue(desk_db, "arrivee-MTQ-45871/2026-11-24T15:00:00+00:00/notify/employee/active")
    clock = Clock()
    activities = relay(desk_db, clock, smtp.mail_server())
    smtp.stop()

    assert activities.deliver_due() == RelayReport(retried=1)
    waiting = row(desk_db, key)
    assert (waiting.status, waiting.attempts) == ("queued", 1)
    assert waiting.next_attempt_at == T0 + timedelta(seconds=30)
    assert waiting.server_reply is not None and "did not answer" in waiting.server_reply

    clock.now = T0 + timedelta(seconds=20)  # not due yet: nothing is tried
    assert activities.deliver_due() == RelayReport()

    clock.now = T0 + timedelta(seconds=30)
    assert activities.deliver_due() == RelayReport(retried=1)  # still down
    assert row(desk_db, key).next_attempt_at == T0 + timedelta(seconds=90)  # 30 s, then 60 s

    smtp.start()
    clock.now = T0 + timedelta(seconds=90)
    assert activities.deliver_due() == RelayReport(sent=1)
    clock.now = T0 + timedelta(hours=2)
    assert activities.deliver_due() == RelayReport()  # nothing goes twice

    sent = row(desk_db, key)
    assert (sent.status, sent.attempts, sent.sent_at) == ("sent", 3, T0 + timedelta(seconds=90))
    assert sent.server_reply == "250 2.0.0 Ok: kept in the sink"
    [kept] = smtp.kept()
    assert (kept.to, kept.subject, kept.duplicate) == (ADDRESS, SUBJECT, False)
    assert kept.message_id == message_id(key, "sagir-desk.local")
    message = read_message(Path(kept.file))
    assert message["Auto-Submitted"] == "auto-generated"
    assert "=?utf-8?" in Path(kept.file).read_text().lower()  # the French subject RFC 2047-encoded
    assert body_of(message).strip() == BODY
    logged = our_logs(caplog)
    assert "1 sent" in logged
    assert ADDRESS not in logged and SUBJECT not in logged and BODY not in logged


def test_a_relay_killed_after_the_server_took_a_mail_resends_it_after_the_lease_with_the_same_message_id(  # noqa: E501
    desk_db: UnitOfWork, smtp: TestSmtp
) -> None:
    first = queue(desk_db, "T-2026-000001/notify/taken", at=T0 - timedelta(minutes=1))
    killed = queue(desk_db, "T-2026-000002/notify/taken", to="luc.roy@mtq.example")
    third = queue(desk_db, "T-2026-000003/notify/taken", at=T0 + timedelta(minutes=1))
    clock = Clock()

    with pytest.raises(Killed):
        relay(desk_db, clock, KilledAfterAcceptance(smtp, killed)).deliver_due()
    assert row(desk_db, first).status == "sent"
    assert (row(desk_db, killed).status, row(desk_db, third).status) == ("sending", "queued")

    # A new worker's relay: the claim is fresh, so the killed mail is left alone for now.
    activities = relay(desk_db, clock, smtp.mail_server())
    clock.now = T0 + timedelta(minutes=2)
    assert activities.deliver_due() == RelayReport(sent=1)  # the third only
    clock.now = T0 + LEASE
    assert activities.deliver_due() == RelayReport(sent=1)  # the lease is out: sent again
    clock.now = T0 + timedelta(hours=1)
    assert activities.deliver_due() == RelayReport()

    assert {row(desk_db, key).status for key in (first, killed, third)} == {"sent"}
    assert row(desk_db, killed).attempts == 2
    kept = smtp.kept()
    by_id: dict[str, list[bool]] = {}
    for message in kept:
        by_id.setdefault(message.message_id, []).append(message.duplicate)
    assert by_id == {
        message_id(first, "sagir-desk.local"): [False],
        message_id(killed, "sagir-desk.local"): [False, True],  # the resend, marked
        message_id(third, "sagir-desk.local"): [False],
    }
    assert [message.file.endswith("-duplicate.eml") for message in kept].count(True) == 1


def test_an_address_refused_for_good_fails_at_once_and_is_escalated_without_the_address(
    desk_db: UnitOfWork, smtp: TestSmtp, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    gone = "parti.depuis.longtemps@mtq.example"
    smtp.handler.refused[gone] = f"550 5.1.1 <{gone}>: Recipient address rejected"
    key = queue(desk_db, "depart-MTQ-52310/2026-11-24T15:00:00+00:00/notify/hr/done", to=gone)
    clock = Clock()

    assert relay(desk_db, clock, smtp.mail_server()).deliver_due() == RelayReport(failed=1)

    failed = row(desk_db, key)
    assert (failed.status, failed.attempts, failed.next_attempt_at) == ("failed", 1, None)
    assert failed.server_reply == "550 5.1.1 <adresse>: Recipient address rejected"
    with desk_db.begin() as session:
        escalation = session.get(EscalationRow, escalation_key(key))
        assert escalation is not None
        seen = (escalation.kind, escalation.workflow_id, escalation.notified, escalation.reason)
    # What a supervisor sees: the mail, the refusal in plain words, no address.
    assert seen == (
        EscalationKind.mail_failed.value,
        "depart-MTQ-52310",
        "super-cote",
        f"mail {key} refused for good by the mail server: "
        "550 5.1.1 <adresse>: Recipient address rejected",
    )
    assert escalation_key(key) == f"{key}/mail-failed"
    assert smtp.kept() == []
    assert "escalated to super-cote" in our_logs(caplog)
    assert gone not in our_logs(caplog)


def test_a_mail_the_server_keeps_deferring_fails_after_the_last_attempt_and_is_escalated(
    desk_db: UnitOfWork, smtp: TestSmtp
) -> None:
    smtp.handler.data_answers = ["451 4.3.0 Mailbox busy, try again later"] * 10
    key = queue(desk_db, "param-MTQ-2026-000001/mail/applied")
    clock = Clock()
    activities = relay(desk_db, clock, smtp.mail_server(), max_attempts=3)

    waits = []
    for _ in range(3):
        report = activities.deliver_due()
        after = row(desk_db, key)
        if after.next_attempt_at is not None:
            waits.append(after.next_attempt_at - clock.now)
            clock.now = after.next_attempt_at
    assert report == RelayReport(failed=1)
    assert waits == [timedelta(seconds=30), timedelta(seconds=60)]
    failed = row(desk_db, key)
    assert (failed.status, failed.attempts) == ("failed", 3)
    assert failed.server_reply == "451 4.3.0 Mailbox busy, try again later"
    with desk_db.begin() as session:
        escalation = session.get(EscalationRow, f"{key}/mail-failed")
        assert escalation is not None and escalation.kind == "mail_failed"
        assert "after 3 attempts" in escalation.reason
    clock.now += timedelta(days=1)
    assert activities.deliver_due() == RelayReport()  # failed stays failed
    assert smtp.kept() == []


def test_a_secret_mail_is_delivered_with_its_secret_and_its_body_removed_after(
    desk_db: UnitOfWork, smtp: TestSmtp
) -> None:
    key = "motdepasse-MTQ-2026-000001/reset/mail"
    assert OutboxMailer(desk_db, MAIL_KEYS).send(
        Mail(
            idempotency_key=key,
            to=ADDRESS,
            subject="SAGIR : mot de passe temporaire",
            body=f"Votre mot de passe temporaire SAGIR : {SECRET}",
            secret=True,
        ),
        T0,
    )
    assert SECRET not in row(desk_db, key).body  # sealed while queued

    assert relay(desk_db, Clock(), smtp.mail_server()).deliver_due() == RelayReport(sent=1)

    [kept] = smtp.kept()
    assert SECRET in body_of(read_message(Path(kept.file)))
    assert (row(desk_db, key).status, row(desk_db, key).body) == ("sent", REMOVED)


def test_two_relays_at_once_never_send_one_mail_twice(desk_db: UnitOfWork, smtp: TestSmtp) -> None:
    keys = [
        queue(desk_db, f"T-2026-{n:06d}/notify/taken", at=T0 + timedelta(seconds=n))
        for n in range(1, 25)
    ]
    clock = Clock()
    clock.now = T0 + timedelta(minutes=1)
    relays = [relay(desk_db, clock, smtp.mail_server()) for _ in range(2)]
    start = threading.Barrier(2)
    reports: list[RelayReport] = []

    def run(activities: MailRelayActivities) -> None:
        start.wait()
        reports.append(activities.deliver_due())

    threads = [threading.Thread(target=run, args=(activities,)) for activities in relays]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(report.sent for report in reports) == len(keys)
    kept = smtp.kept()
    assert sorted(message.message_id for message in kept) == sorted(
        message_id(key, "sagir-desk.local") for key in keys
    )
    assert not any(message.duplicate for message in kept)
    assert {row(desk_db, key).attempts for key in keys} == {1}


def test_a_mail_claimed_by_one_relay_cannot_be_claimed_by_another_until_the_lease_is_out(
    desk_db: UnitOfWork,
) -> None:
    key = queue(desk_db, "T-2026-000009/notify/taken")
    outbox = SqlOutbox(desk_db, MAIL_KEYS)

    held = outbox.claim(key, T0, LEASE)
    assert held is not None and held.mail.to == ADDRESS and held.attempts == 1
    assert outbox.claim(key, T0, LEASE) is None
    assert outbox.claim(key, T0 + LEASE - timedelta(seconds=1), LEASE) is None
    taken_over = outbox.claim(key, T0 + LEASE, LEASE)
    assert taken_over is not None and taken_over.attempts == 2
    # The first relay's late report of a passing failure changes nothing: the claim moved on.
    assert not outbox.mark_retry(held, "451 later", T0 + LEASE)
    assert row(desk_db, key).status == "sending"


def test_mail_queued_before_the_relay_existed_is_delivered_with_a_message_id(
    desk_db: UnitOfWork, smtp: TestSmtp
) -> None:
    key = queue(desk_db, "arrivee-MSSS-10233/notify/hr/received")
    with desk_db.begin() as session:  # as migration 0009 left an older row
        old = session.get(OutboxRow, key)
        assert old is not None
        old.message_id, old.workflow_id = None, None

    assert relay(desk_db, Clock(), smtp.mail_server()).deliver_due() == RelayReport(sent=1)
    assert [m.message_id for m in smtp.kept()] == [message_id(key, "sagir-desk.local")]
    with desk_db.begin() as session:
        assert session.scalars(select(OutboxRow.status)).all() == ["sent"]


def test_a_relay_round_on_a_worker_without_smtp_says_what_to_set_and_leaves_mail_queued(
    desk_db: UnitOfWork,
) -> None:
    key = queue(desk_db, "T-2026-000010/notify/taken")
    with pytest.raises(ApplicationError, match="SAGIR_SMTP_URL is not set on this worker"):
        relay(desk_db, Clock(), None).deliver_due()
    assert (row(desk_db, key).status, row(desk_db, key).attempts) == ("queued", 0)


# --- a round: batch after batch, on one connection (issue 14) ---------------------------------


class WatchedHandler(ScriptedHandler):
    """The test server, noting which connection (the client's port) carried each message, and
    dropping a connection on cue: right after accepting message number `close_after` (as a
    server closes an idle connection), or instead of answering the RCPT of `drop_at`."""

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.connections: list[int] = []  # each accepted message's connection
        self.close_after: int | None = None
        self.drop_at: str | None = None

    async def handle_RCPT(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address == self.drop_at:
            self.drop_at = None
            server.transport.close()  # no answer: the client sees the connection reset
            return "250 2.1.5 Ok"
        return await super().handle_RCPT(server, session, envelope, address, options)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        answer = await super().handle_DATA(server, session, envelope)
        if answer.startswith("250"):
            self.connections.append(session.peer[1])
            if len(self.connections) == self.close_after:
                # Closed once the 250 is written (the transport flushes it first).
                asyncio.get_running_loop().call_soon(server.transport.close)
        return answer


@pytest.fixture
def watched(tmp_path: Path) -> Iterator[TestSmtp]:
    server = TestSmtp(tmp_path / "mail")
    server.handler = WatchedHandler(server.folder)
    server.start()
    yield server
    server.stop()


def handler(smtp: TestSmtp) -> WatchedHandler:
    assert isinstance(smtp.handler, WatchedHandler)
    return smtp.handler


def per_connection(smtp: TestSmtp, messages: int) -> SmtpMailServer:
    return SmtpMailServer(SmtpServer.from_url(smtp.url), SENDER, timeout=5, per_connection=messages)


def queue_many(uow: UnitOfWork, count: int) -> list[str]:
    return [
        queue(uow, f"T-2026-{n:06d}/notify/taken", to=f"client.{n}@mtq.example", at=T0)
        for n in range(1, count + 1)
    ]


def received_ids(smtp: TestSmtp) -> list[str]:
    return sorted(message.message_id for message in smtp.kept())


def ids_of(keys: list[str]) -> list[str]:
    return sorted(message_id(key, "sagir-desk.local") for key in keys)


def test_a_round_delivers_every_due_mail_batch_after_batch_until_none_is_due(
    desk_db: UnitOfWork, watched: TestSmtp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mail_relay, "BATCH", 4)  # 11 mails: three batches in one round
    keys = queue_many(desk_db, 11)

    assert relay(desk_db, Clock(), watched.mail_server()).deliver_due() == RelayReport(sent=11)

    assert received_ids(watched) == ids_of(keys)
    assert {row(desk_db, key).status for key in keys} == {"sent"}


def test_mail_queued_while_a_round_runs_goes_in_that_round(
    desk_db: UnitOfWork, watched: TestSmtp, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A communiqué's batches are queued while the relay delivers the first ones.
    monkeypatch.setattr(mail_relay, "BATCH", 2)
    first = queue_many(desk_db, 2)
    server = watched.mail_server()
    later: list[str] = []

    class QueuingMore:
        def deliver(self, delivery: Delivery, now: datetime) -> Handed:
            if not later:
                later.append(queue(desk_db, "T-2026-000099/notify/taken"))
            return server.deliver(delivery, now)

    assert relay(desk_db, Clock(), QueuingMore()).deliver_due() == RelayReport(sent=3)
    assert received_ids(watched) == ids_of(first + later)


def test_a_round_carries_its_mails_on_one_connection_and_opens_another_after_the_set_number(
    desk_db: UnitOfWork, watched: TestSmtp
) -> None:
    keys = queue_many(desk_db, 12)

    assert relay(desk_db, Clock(), per_connection(watched, 5)).deliver_due() == RelayReport(sent=12)

    connections = handler(watched).connections
    # 5, 5 and 2 messages: three connections, each used in turn.
    assert [connections.count(port) for port in dict.fromkeys(connections)] == [5, 5, 2]
    assert received_ids(watched) == ids_of(keys)


def test_a_mail_refused_in_a_round_is_refused_alone_and_the_connection_goes_on(
    desk_db: UnitOfWork, watched: TestSmtp
) -> None:
    keys = queue_many(desk_db, 6)
    watched.handler.refused["client.2@mtq.example"] = "550 5.1.1 Recipient address rejected"
    clock = Clock()
    activities = relay(desk_db, clock, watched.mail_server())

    # The fourth mail's DATA is deferred once (the second DATA the server sees: the second mail
    # never reaches DATA).
    watched.handler.data_answers = ["250 ok", "250 ok", "451 4.3.0 Mailbox busy"]
    assert activities.deliver_due() == RelayReport(sent=4, retried=1, failed=1)
    assert (row(desk_db, keys[1]).status, row(desk_db, keys[3]).status) == ("failed", "queued")
    assert len(set(handler(watched).connections)) == 1  # reset after each refusal, kept

    clock.now = T0 + timedelta(seconds=30)
    assert activities.deliver_due() == RelayReport(sent=1)
    assert received_ids(watched) == ids_of([key for key in keys if key != keys[1]])


def test_a_server_that_closes_the_connection_between_mails_costs_no_attempt(
    desk_db: UnitOfWork, watched: TestSmtp
) -> None:
    keys = queue_many(desk_db, 6)
    handler(watched).close_after = 3  # the connection closed after the third mail's 250

    assert relay(desk_db, Clock(), watched.mail_server()).deliver_due() == RelayReport(sent=6)

    # The fourth mail met the closed connection before anything was sent: opened again, sent.
    assert len(set(handler(watched).connections)) == 2
    assert {row(desk_db, key).attempts for key in keys} == {1}
    assert received_ids(watched) == ids_of(keys)


def test_a_server_that_drops_the_connection_mid_mail_loses_nothing_and_sends_each_mail_once(
    desk_db: UnitOfWork, watched: TestSmtp
) -> None:
    keys = queue_many(desk_db, 6)
    handler(watched).drop_at = "client.3@mtq.example"  # dropped at its RCPT, nothing taken
    clock = Clock()
    activities = relay(desk_db, clock, watched.mail_server())

    assert activities.deliver_due() == RelayReport(sent=5, retried=1)
    dropped = row(desk_db, keys[2])
    assert dropped.status == "queued" and "did not answer" in (dropped.server_reply or "")
    clock.now = T0 + timedelta(seconds=30)
    assert activities.deliver_due() == RelayReport(sent=1)

    assert received_ids(watched) == ids_of(keys)  # each once: none lost, none twice
    assert not any(message.duplicate for message in watched.kept())
    assert row(desk_db, keys[2]).attempts == 2


def test_a_round_stops_taking_mail_once_its_time_is_spent_and_the_next_round_goes_on(
    desk_db: UnitOfWork, watched: TestSmtp
) -> None:
    keys = queue_many(desk_db, 6)
    clock = Clock()
    server = watched.mail_server()

    class Slow:
        """Each mail takes a minute of the round's time."""

        def deliver(self, delivery: Delivery, now: datetime) -> Handed:
            clock.now += timedelta(minutes=1)
            return server.deliver(delivery, now)

    activities = relay(desk_db, clock, Slow())
    rounds: list[int] = []
    while len(rounds) < 5 and (report := activities.deliver_due()) != RelayReport():
        rounds.append(report.sent)

    minutes = int(ROUND_BUDGET / timedelta(minutes=1))
    assert rounds == [minutes + 1, 6 - minutes - 1]  # the budget is checked before each mail
    assert received_ids(watched) == ids_of(keys)
