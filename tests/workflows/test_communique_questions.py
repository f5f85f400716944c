"""Questions on communiqués (issue 14), asked from the Outil Requête or by replying to the
communiqué's mail (its tag kept in the subject): a DGGIR communiqué's question is a CA ticket
under the 24-hour rule, which the CA answers; an MO communiqué's goes to that MO's author, who
answers it, and never to the CA. The mail intake's SMTP server, a real engine (time-skipping),
worker and SQLite database, as `intake_harness.py` runs them."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from datetime import time, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import update
from temporalio.testing import WorkflowEnvironment

from activities.mail_relay import MailRelayActivities
from adapters.database import InboundMailRow, UnitOfWork
from adapters.outbox_mailer import OutboxMailer
from adapters.sql_communiques import SqlCommuniques
from adapters.sql_directory import SqlDirectory
from adapters.sql_outbox import SqlOutbox
from adapters.sql_ticket_records import SqlTicketRecords
from models.communiques import (
    QUESTION_PERIOD,
    Answer,
    Ask,
    Communique,
    CommuniqueStatus,
    QuestionCounts,
    QuestionStatus,
    QuestionVia,
    Submission,
)
from models.inbound import Delivery, Outcome
from models.roles import Caller, Role
from models.sla import Channel, take_in_charge_deadline
from models.tickets import CheckQuality, ProposeSolution, ReturnToClient, TakeTicket
from starter.desks.communiques import GuardedCommuniques
from starter.desks.errors import Forbidden
from starter.desks.tickets import GuardedTickets
from tests.mail_server import TestSmtp
from tests.workflows.communiques_harness import dggir_submission, mo_submission
from tests.workflows.harness import CALENDAR, TEST_MAIL_KEYS
from tests.workflows.intake_harness import Intake, as_sent, mail, running_intake
from tests.workflows.test_personal_data import opened_text

MONDAY = 0
AGENT = "agent-tremblay"
MO_AUTHOR = "52330"  # the demo's MTQ author (adapters/demo_data.py), melanie.girard@mtq.example
AUTHOR_ADDRESS = "melanie.girard@mtq.example"
ASKER = "jean.doe@mtq.gouv.qc.ca"  # of the MTQ's declared mail domain
QUESTION = "Le versement du 12 vaut-il aussi pour les employés occasionnels ?"
MO_USER = Caller(role=Role.mo_user, mo="MTQ", subject="52311")
CA_AGENT = Caller(role=Role.ca_agent, subject=AGENT)
MTQ_AUTHOR = Caller(role=Role.mo_author, mo="MTQ", subject=MO_AUTHOR)


@pytest.fixture
async def intake(
    time_skipping_env: WorkflowEnvironment, demo_uow: UnitOfWork, task_queue: str, tmp_path: Path
) -> AsyncIterator[Intake]:
    async with running_intake(
        time_skipping_env, demo_uow, task_queue, tmp_path / "attachments"
    ) as running:
        yield running


async def on_a_monday_at_10(intake: Intake) -> None:
    """The engine's clock moved to a Monday 10:00 whose deadline is the next day 10:00."""
    monday = await intake.harness.next_local(
        MONDAY,
        time(10, 0),
        lambda at: take_in_charge_deadline(Channel.email, at, CALENDAR) == at + timedelta(days=1),
    )
    await intake.harness.move_to(monday)


async def sending(intake: Intake, submission: Submission) -> Communique:
    """A communiqué submitted, checked and released, once its mail is queued: questions are
    taken from then (its sending) to the end of its question period."""
    intake.harness.now = await intake.harness.env.get_current_time()
    desk = intake.communiques
    submitted = await desk.submit(submission)
    await desk.check(submitted.id, AGENT)
    await desk.release(submitted.id, AGENT)
    return await until(intake, submitted.id, lambda found: found.status in QUESTION_PERIOD)


async def until(
    intake: Intake, workflow_id: str, holds: Callable[[Communique], bool]
) -> Communique:
    """The desk's record of the communiqué once `holds` (the workflow's notes are written by
    its activities, on the worker's threads)."""
    for _ in range(200):
        found = await intake.communiques.show(workflow_id)
        if holds(found):
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"{workflow_id} stayed {found.status}")


def reply_to(communique: Communique, body: str = QUESTION, **changes: str) -> EmailMessage:
    """A recipient's reply to the communiqué's mail: its subject keeps the tag."""
    values = {
        "sender": f"Jean Doe <{ASKER}>",
        "subject": f"RE: {communique.tag} {communique.title}",
        "body": f"{body}\n\nLe 3 déc. 2026, Centre d'assistance a écrit :\n> {communique.title}\n",
        "message_id": "<question-1@mtq.gouv.qc.ca>",
    }
    values.update(changes)
    return mail(**values)


async def returned(intake: Intake, ticket_id: str) -> None:
    """The CA answers a ticket: the solution proposed, checked by another agent, returned."""
    for name, step in (
        ("take", TakeTicket(agent=AGENT)),
        ("propose", ProposeSolution(agent=AGENT, solution="Oui, pour tous les employés.")),
        ("check_quality", CheckQuality(agent="agent-gagnon", approved=True)),
        ("return_to_client", ReturnToClient(agent=AGENT)),
    ):
        await intake.harness.act(name, ticket_id, step)
    await intake.harness.projected(ticket_id)


async def test_a_question_on_a_dggir_communique_opens_a_ca_ticket_with_the_24_hour_deadline(
    intake: Intake, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await on_a_monday_at_10(intake)
    communique = await sending(intake, dggir_submission(mos=["MTQ"], files=[]))

    # From the Outil Requête, as an MTQ user the communiqué reached.
    intake.harness.now = await intake.harness.env.get_current_time()
    asked = await GuardedCommuniques(intake.communiques, MO_USER).ask(
        Ask(communique_id=communique.id, text=QUESTION, asked_by="52311", mo="MTQ")
    )
    assert asked.ticket_id is not None and asked.via is QuestionVia.outil
    intake.harness.opened.append(asked.ticket_id)
    by_outil = await intake.harness.desk.show(asked.ticket_id)
    assert (by_outil.channel, by_outil.mo, by_outil.requester) == (Channel.web, "MTQ", "52311")
    assert by_outil.due == by_outil.received_at + timedelta(days=1)

    # By mail: a reply to the communiqué, its deadline counted from the desk's receipt.
    code, reply = await intake.send(reply_to(communique))
    received = intake.harness.now
    (message,) = intake.messages()
    assert (message.outcome, message.delivery) == (Outcome.question, Delivery.delivered)
    assert message.ticket_id is not None
    assert (code, reply) == (
        250,
        f"2.0.0 Recu : question sur le communique {communique.tag[1:-1]}, "
        f"billet {message.ticket_id}",
    )
    by_mail = await intake.harness.desk.show(message.ticket_id)
    assert (by_mail.channel, by_mail.mo, by_mail.requester) == (Channel.email, "MTQ", "courriel")
    assert (by_mail.received_at, by_mail.due) == (received, received + timedelta(days=1))
    assert by_mail.subject == f"Question sur le communiqué {communique.tag[1:-1]}"
    assert by_mail.description == f"{communique.title}\n\n{QUESTION}"  # the quote left out
    contact = intake.harness.desk.contacts.of(message.ticket_id)
    assert contact is not None and contact.address == ASKER  # the ticket's notices go back
    questions = await intake.communiques.questions(communique.id)
    assert [(q.via, q.ticket_id, q.asked_by) for q in questions] == [
        (QuestionVia.outil, asked.ticket_id, "52311"),
        (QuestionVia.mail, message.ticket_id, "courriel"),
    ]
    # Both wait in the CA's queue.
    await intake.harness.projected(message.ticket_id)
    queue = await GuardedTickets(intake.harness.desk, CA_AGENT).queue()
    assert {item.id for item in queue.items} == {asked.ticket_id, message.ticket_id}

    # What the engine keeps of the ticket is what any ticket carries: the text sealed, the
    # asker's address not at all (the notices read it from the desk).
    history = await intake.harness.env.client.get_workflow_handle(message.ticket_id).fetch_history()
    assert QUESTION not in history.to_json()
    assert ASKER not in history.to_json()
    assert ASKER not in await opened_text(history)
    assert ASKER not in "\n".join(record.getMessage() for record in caplog.records)


async def test_a_question_on_an_mo_communique_reaches_its_author_and_not_the_ca(
    intake: Intake,
) -> None:
    communique = await sending(intake, mo_submission(author=MO_AUTHOR))
    code, reply = await intake.send(reply_to(communique))
    assert (code, reply) == (250, f"2.0.0 Recu : question sur le communique {communique.tag[1:-1]}")
    (message,) = intake.messages()
    assert (message.outcome, message.delivery, message.ticket_id) == (
        Outcome.question,
        Delivery.delivered,
        None,
    )
    (question,) = await intake.communiques.questions(communique.id)
    assert (question.ticket_id, question.status, question.text) == (
        None,
        QuestionStatus.open,
        QUESTION,
    )
    # The author is told, at their work address; the CA has no ticket and nothing queued.
    outbox = OutboxMailer(intake.uow, TEST_MAIL_KEYS)
    (notice,) = outbox.sent(f"{communique.id}/question/")
    assert notice.to == AUTHOR_ADDRESS
    assert QUESTION in notice.body and communique.tag in notice.subject
    assert intake.question_tickets() == [] and intake.tickets() == []
    assert (await GuardedTickets(intake.harness.desk, CA_AGENT).queue()).total == 0
    # The CA does not answer it: that is the MO author's.
    with pytest.raises(Forbidden, match="communique.answer"):
        await GuardedCommuniques(intake.communiques, CA_AGENT).answer(
            question.id, Answer(text="Oui.", by=AGENT)
        )
    assert (await intake.communiques.show(communique.id)).questions == QuestionCounts(
        asked=1, answered=0, open=1
    )


async def test_an_mo_author_answers_and_the_asker_is_told(intake: Intake) -> None:
    communique = await sending(intake, mo_submission(author=MO_AUTHOR))
    await intake.send(reply_to(communique))
    (question,) = await intake.communiques.questions(communique.id)

    answered = await GuardedCommuniques(intake.communiques, MTQ_AUTHOR).answer(
        question.id, Answer(text="Oui, pour tous les employés.", by=MO_AUTHOR)
    )

    assert (answered.status, answered.answered_by) == (QuestionStatus.answered, MO_AUTHOR)
    outbox = OutboxMailer(intake.uow, TEST_MAIL_KEYS)
    (told,) = outbox.sent(f"{communique.id}/question/{question.id}/answer")
    assert told.to == ASKER
    assert told.subject == f"Re: {communique.tag} {communique.title}"
    assert "Oui, pour tous les employés." in told.body and QUESTION in told.body
    assert (await intake.communiques.show(communique.id)).questions == QuestionCounts(
        asked=1, answered=1, open=0
    )


async def test_a_reply_received_twice_is_one_question(intake: Intake) -> None:
    communique = await sending(intake, dggir_submission(mos=["MTQ"], files=[]))
    first = await intake.send(reply_to(communique))
    again = await intake.send(reply_to(communique))
    assert first[0] == again[0] == 250
    assert again[1] == "2.0.0 Message deja recu"
    assert len(intake.messages()) == 1
    assert len(await intake.communiques.questions(communique.id)) == 1
    assert len(intake.question_tickets()) == 1


async def test_a_question_delivered_again_after_its_ticket_opened_is_one_ticket(
    intake: Intake,
) -> None:
    """The engine down at receipt: the question is recorded with its ticket number reserved,
    delivered by the intake's sweep; a delivery tried again (the record not marked delivered
    the first time) finds its ticket open and records nothing twice."""
    communique = await sending(intake, dggir_submission(mos=["MTQ"], files=[]))
    down = intake.down()
    intake.harness.now = await intake.harness.env.get_current_time()
    await down.receive(as_sent(reply_to(communique)))
    (owed,) = intake.messages()
    assert (owed.outcome, owed.delivery) == (Outcome.question, Delivery.pending)
    assert owed.ticket_id is not None
    assert await intake.communiques.questions(communique.id) == []  # nothing half-made

    assert await intake.desk.sweep() == 1
    intake.harness.opened.append(owed.ticket_id)
    with intake.uow.begin() as session:
        session.execute(
            update(InboundMailRow)
            .where(InboundMailRow.id == owed.id)
            .values(delivery=Delivery.pending.value)
        )
    assert await intake.desk.deliver(owed.id)

    (question,) = await intake.communiques.questions(communique.id)
    assert question.ticket_id == owed.ticket_id
    state = await intake.harness.desk.show(owed.ticket_id)
    assert (state.received_at, state.channel) == (owed.received_at, Channel.email)


async def test_questions_are_counted_asked_answered_and_open_per_communique(
    intake: Intake,
) -> None:
    communique = await sending(intake, dggir_submission(mos=["MTQ"], files=[]))
    other = await sending(intake, dggir_submission(mos=["MTQ"], files=[], title="Autre"))
    await intake.send(reply_to(communique))
    await intake.send(reply_to(communique, "Et les étudiants ?", message_id="<q2@mtq.gouv.qc.ca>"))
    first, second = await intake.communiques.questions(communique.id)
    assert first.ticket_id is not None
    assert (await intake.communiques.show(communique.id)).questions == QuestionCounts(
        asked=2, answered=0, open=2
    )

    # A DGGIR communiqué's question is answered once the CA returns its ticket.
    await returned(intake, first.ticket_id)

    assert (await intake.communiques.show(communique.id)).questions == QuestionCounts(
        asked=2, answered=1, open=1
    )
    assert [q.status for q in await intake.communiques.questions(communique.id)] == [
        QuestionStatus.answered,
        QuestionStatus.open,
    ]
    assert (await intake.communiques.show(other.id)).questions == QuestionCounts()


async def test_a_reply_to_an_unknown_or_closed_communique_goes_to_triage(
    intake: Intake, smtp: TestSmtp
) -> None:
    communique = await sending(intake, dggir_submission(mos=["MTQ"], files=[]))
    not_sent = await intake.communiques.submit(mo_submission(author=MO_AUTHOR))
    await closed(intake, smtp, communique.id)

    await intake.send(reply_to(communique))
    await intake.send(reply_to(not_sent, message_id="<q2@mtq.gouv.qc.ca>"))
    unknown = "RE: [C-2026-999999] Calendrier de la paie"
    await intake.send(reply_to(communique, subject=unknown, message_id="<q3@mtq.gouv.qc.ca>"))
    stranger = reply_to(communique, sender="quelqu.un@gmail.com", message_id="<q4@gmail.com>")
    await intake.send(stranger)
    automatic = reply_to(
        communique, message_id="<q5@mtq.gouv.qc.ca>", Auto_Submitted="auto-replied"
    )
    await intake.send(automatic)

    triage = await intake.desk.triage()
    assert sorted(item.reason or "" for item in triage.items) == sorted(
        [
            f"names {communique.id}, which is closed: questions are taken from its sending to "
            "the end of its question period",
            f"names {not_sent.id}, which is submitted: questions are taken from its sending to "
            "the end of its question period",
            "names communique-2026-999999, which the desk does not know",
            "the sender's domain is not declared for any MO",
        ]
    )
    assert [m.outcome for m in intake.messages()].count(Outcome.ignored) == 1
    assert await intake.communiques.questions(communique.id) == []
    assert await intake.communiques.questions(not_sent.id) == []
    assert intake.question_tickets() == [] and intake.tickets() == []


async def test_a_reply_from_an_mo_the_communique_did_not_reach_goes_to_triage(
    intake: Intake,
) -> None:
    to_msss = await sending(intake, dggir_submission(mos=["MSSS"], files=[]))
    mtq_own = await sending(intake, mo_submission(author=MO_AUTHOR))
    await intake.send(reply_to(to_msss))
    from_msss = reply_to(mtq_own, sender="Chantal <chantal@msss.gouv.qc.ca>", message_id="<q@msss>")
    await intake.send(from_msss)
    assert sorted(item.reason or "" for item in (await intake.desk.triage()).items) == [
        f"names {to_msss.id}, which was not sent to MTQ",
        f"names {mtq_own.id}, which was not sent to MSSS",
    ]
    assert await intake.communiques.questions(to_msss.id) == []
    assert await intake.communiques.questions(mtq_own.id) == []


async def closed(intake: Intake, smtp: TestSmtp, workflow_id: str) -> None:
    """Every mail of the communiqué delivered by the relay (its rounds run here), then the
    question period over: the communiqué closed."""
    records = SqlCommuniques(intake.uow, TEST_MAIL_KEYS, intake.files)
    relay = MailRelayActivities(
        SqlOutbox(intake.uow, TEST_MAIL_KEYS, contents=records.content_reader()),
        smtp.mail_server(),
        SqlTicketRecords(intake.uow),
        SqlDirectory(intake.uow),
    )
    for _ in range(50):
        await asyncio.to_thread(relay.deliver_due)
        if (await intake.communiques.state(workflow_id)).status is CommuniqueStatus.sent:
            break
        await intake.harness.env.sleep(timedelta(seconds=30))
    await intake.harness.skip(timedelta(days=31))
    await until(intake, workflow_id, lambda found: found.status is CommuniqueStatus.closed)
