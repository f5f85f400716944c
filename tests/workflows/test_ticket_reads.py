"""Issue 17: a ticket is read from the desk's records, and a step costs one engine call. The
workflow writes each step once (projection and audit trail in the same activity) before the step
answers, with what it did; the records keep the whole ticket, its people's words sealed."""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from temporalio import activity
from temporalio.client import WorkflowHistory
from temporalio.testing import WorkflowEnvironment

from adapters.database import TicketRow, TicketStepRow, UnitOfWork
from adapters.sealed_mail import UnreadableMail
from adapters.sql_audit import SqlAuditTrail
from adapters.sql_ticket_records import SqlTicketRecords
from models.notices import TicketNotice
from models.service_calendar import MONTREAL
from models.sla import Channel
from models.tickets import (
    AskClient,
    BringBack,
    CheckQuality,
    ClientMessage,
    ForwardTarget,
    ForwardTicket,
    ProposeSolution,
    RecordAnswer,
    ReturnToClient,
    StepDone,
    TakeTicket,
    TicketRecord,
    TicketState,
    TicketStatus,
)
from starter.desks.auditor import run_histories
from starter.desks.engine import TemporalEngine
from starter.desks.tickets import TicketDesk
from tests.payload_keys import TEST_AUDIT_KEYS
from tests.workflows.harness import CALENDAR, TEST_MAIL_KEYS, Harness, running_desk
from worker import activities_on, build_worker
from workflows.tickets import TicketWorkflow

AGENT, CHECKER = "agent-tremblay", "agent-gagnon"
QUESTION = "Quel écran affiche l'erreur ?"
ANSWER = "L'écran LSA-040, après la saisie du code."
SOLUTION = "Vider le cache du navigateur puis se reconnecter à LSA."


class CountingEngine:
    """The engine, counting the calls a desk makes to it by kind."""

    def __init__(self, engine: TemporalEngine) -> None:
        self._engine = engine
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._engine, name)
        if not callable(attribute):
            return attribute

        async def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls.append(name)
            return await attribute(*args, **kwargs)

        return counted


def _activities(history: WorkflowHistory) -> list[str]:
    return [
        event.activity_task_scheduled_event_attributes.activity_type.name
        for event in history.events
        if event.HasField("activity_task_scheduled_event_attributes")
    ]


async def test_a_ticket_is_read_from_its_records_and_a_step_costs_one_engine_call(
    time_skipping_env: WorkflowEnvironment, demo_uow: UnitOfWork, task_queue: str
) -> None:
    async with running_desk(time_skipping_env, demo_uow, task_queue) as harness:
        ticket = await harness.open(Channel.email)
        await harness.act("take", ticket.id, TakeTicket(agent=AGENT))
        await harness.act("ask_client", ticket.id, AskClient(agent=AGENT, question=QUESTION))
        await harness.act("record_answer", ticket.id, RecordAnswer(by=AGENT, answer=ANSWER))
        counting = CountingEngine(harness.desk.engine)  # type: ignore[arg-type]
        desk: TicketDesk = dataclasses.replace(harness.desk, engine=counting)  # type: ignore[arg-type]

        shown = await desk.show(ticket.id)
        assert counting.calls == []  # from the records alone
        truth = await TemporalEngine(time_skipping_env.client, task_queue).state(
            TicketWorkflow, ticket.id
        )
        assert shown == truth  # the whole ticket, its question, answer and notes included
        assert shown.steps[-1].note == ANSWER

        proposed = await desk.act(
            "propose", ticket.id, ProposeSolution(agent=AGENT, solution=SOLUTION)
        )
        assert counting.calls == ["step"]  # the update, and nothing else
        assert proposed == await TemporalEngine(time_skipping_env.client, task_queue).state(
            TicketWorkflow, ticket.id
        )
        assert proposed.status is TicketStatus.awaiting_qa
        assert proposed.proposal is not None and proposed.proposal.solution == SOLUTION


async def test_a_step_answers_with_what_it_did_once_its_record_is_written(
    time_skipping_env: WorkflowEnvironment, demo_uow: UnitOfWork, task_queue: str
) -> None:
    async with running_desk(time_skipping_env, demo_uow, task_queue) as harness:
        ticket = await harness.open(Channel.phone)
        handle = time_skipping_env.client.get_workflow_handle(ticket.id)
        done = await handle.execute_update(TicketWorkflow.take, TakeTicket(agent=AGENT))
        assert isinstance(done, StepDone)
        assert (done.ticket_id, done.version, done.status) == (ticket.id, 2, TicketStatus.in_charge)
        assert done.step.kind.value == "take" and done.step.actor == AGENT
        record = harness.records.get(ticket.id)  # no waiting: written before the answer
        assert record is not None and record.version == done.version
        assert record.assignee == AGENT


async def test_each_step_reaches_the_records_and_the_audit_trail_in_one_write(
    time_skipping_env: WorkflowEnvironment, demo_uow: UnitOfWork, task_queue: str
) -> None:
    async with running_desk(time_skipping_env, demo_uow, task_queue) as harness:
        ticket = await harness.open(Channel.email)
        await harness.act("take", ticket.id, TakeTicket(agent=AGENT))
        await harness.act("propose", ticket.id, ProposeSolution(agent=AGENT, solution=SOLUTION))
        state = await harness.act(
            "check_quality", ticket.id, CheckQuality(agent=CHECKER, approved=True)
        )
        history = await time_skipping_env.client.get_workflow_handle(ticket.id).fetch_history()
    activities = _activities(history)
    assert "append_steps" not in activities  # no audit feed beside the projection
    # One projection write per step (the steps taken while one was in flight share the next).
    assert 1 <= activities.count("record_ticket") <= state.version
    trail = SqlAuditTrail(demo_uow, TEST_AUDIT_KEYS)
    entries = trail.entries(ticket.id)
    assert [e.action for e in entries] == [f"ticket.{step.kind.value}" for step in state.steps]
    assert [e.actor for e in entries] == [step.actor for step in state.steps]
    assert len({e.source_key for e in entries}) == len(entries)
    assert {e.role for e in entries[1:]} == {"ca_agent"}
    assert trail.verify() == []


async def test_a_tickets_words_are_sealed_in_its_records(
    time_skipping_env: WorkflowEnvironment, demo_uow: UnitOfWork, task_queue: str
) -> None:
    async with running_desk(time_skipping_env, demo_uow, task_queue) as harness:
        ticket = await harness.open(Channel.email)
        await harness.act("take", ticket.id, TakeTicket(agent=AGENT))
        await harness.act("ask_client", ticket.id, AskClient(agent=AGENT, question=QUESTION))
        await harness.act("record_answer", ticket.id, RecordAnswer(by=AGENT, answer=ANSWER))
        await harness.act("propose", ticket.id, ProposeSolution(agent=AGENT, solution=SOLUTION))
        other = await harness.open(Channel.email)
        await harness.projected(other.id)
    with demo_uow.begin() as session:
        details = session.scalars(select(TicketRow.details)).all()
        notes = session.scalars(select(TicketStepRow.note)).all()
    stored = "\n".join(text for text in [*details, *notes] if text is not None)
    for words in (QUESTION, ANSWER, SOLUTION, "Accès LSA", "Cannot log in to LSA"):
        assert words not in stored
    # Sealed to its own row: one ticket's details copied onto another's do not open.
    with demo_uow.begin() as session:
        first = session.get(TicketRow, ticket.id)
        second = session.get(TicketRow, other.id)
        assert first is not None and second is not None
        second.details = first.details
    with pytest.raises(UnreadableMail):
        SqlTicketRecords(demo_uow, TEST_MAIL_KEYS).get(other.id)


def test_a_ticket_recorded_without_its_details_is_never_read_half_from_the_records(
    demo_uow: UnitOfWork,
) -> None:
    """A ticket projected by a desk from before: its first steps have no notes kept, so later
    records with details do not make it readable from the records (the engine answers)."""
    records = SqlTicketRecords(demo_uow, TEST_MAIL_KEYS)
    state = _state_with_a_question()
    before = TicketRecord.of(state.model_copy(update={"steps": state.steps[:2]}))
    records.record(before.model_copy(update={"details": None}))
    records.record(TicketRecord.of(state, since=2))
    record = records.get(state.id)
    assert record is not None and record.version == state.version
    assert record.state() is None
    # The same ticket recorded whole from its first step reads back as it is.
    fresh = state.model_copy(update={"id": "T-2026-900002"})
    records.record(TicketRecord.of(fresh.model_copy(update={"steps": fresh.steps[:2]})))
    records.record(TicketRecord.of(fresh, since=2))
    whole = records.get(fresh.id)
    assert whole is not None and whole.state() == fresh


def _state_with_a_question() -> Any:
    from datetime import UTC, datetime, timedelta

    from models import ticket_lifecycle as lifecycle
    from models.tickets import OpenTicket

    received = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)
    state = lifecycle.open_ticket(
        OpenTicket(
            ticket_id="T-2026-900001",
            mo="MTQ",
            channel=Channel.email,
            requester="jdoe",
            subject="Accès LSA",
            description="Cannot log in to LSA",
            module="LSA",
            received_at=received,
            due=received + timedelta(days=1),
        )
    )
    state = lifecycle.take(state, TakeTicket(agent=AGENT), received + timedelta(minutes=5))
    return lifecycle.ask_client(
        state, AskClient(agent=AGENT, question=QUESTION), received + timedelta(minutes=9)
    )


async def test_a_long_lived_ticket_continues_as_new_keeping_its_id_deadline_and_steps(
    time_skipping_env: WorkflowEnvironment, demo_uow: UnitOfWork, task_queue: str
) -> None:
    """Its run hands over once its history holds the threshold of events: same number, same
    deadline (a ticket nobody took still breaches at it, once), every step numbered on, each in
    the audit trail once, and its steps still taken by the same desk."""
    async with running_desk(time_skipping_env, demo_uow, task_queue) as harness:
        harness.desk = dataclasses.replace(harness.desk, continue_after_events=40)
        ticket = await harness.open(Channel.phone)
        for turn in range(6):  # a pilot and the CA passing it back and forth, before anyone took it
            await harness.act("take", ticket.id, TakeTicket(agent=AGENT)) if turn == 0 else None
            await harness.act(
                "forward",
                ticket.id,
                ForwardTicket(
                    agent=AGENT,
                    target=ForwardTarget.dggir_pilot,
                    to="pilote-rf",
                    note=f"Tour {turn}",
                ),
            )
            await harness.act("bring_back", ticket.id, BringBack(by="pilote-rf", note=f"Vu {turn}"))
        state = await harness.act(
            "propose", ticket.id, ProposeSolution(agent=AGENT, solution=SOLUTION)
        )
        late = await harness.open(Channel.phone)  # nobody takes it: it breaches after handing over
        for _ in range(3):
            await harness.act(
                "client_message", late.id, ClientMessage(by="jdoe", text="Des nouvelles ?")
            )
        await harness.move_to(late.due.astimezone(MONTREAL) + timedelta(minutes=1))
        breached = await harness.eventually(late.id, lambda s: s.breached)
        runs = await _runs(time_skipping_env, ticket.id)
        late_runs = await _runs(time_skipping_env, late.id)
        shown = await harness.desk.show(ticket.id)
    assert len(runs) >= 3 and len(late_runs) >= 2  # handed over, more than once for the first
    assert all(length <= 40 + 15 for length in runs)  # each run's history stays near the threshold
    assert [step.seq for step in shown.steps] == list(range(1, state.version + 1))
    assert shown == state and shown.due == ticket.due
    assert (
        breached.due == late.due and [s.kind.value for s in breached.steps].count("breached") == 1
    )
    escalations = sorted(SqlTicketRecords(demo_uow).escalations_of(late.id))
    assert escalations == [f"{late.id}/breach", f"{late.id}/warning"]  # each once
    entries = SqlAuditTrail(demo_uow, TEST_AUDIT_KEYS).entries(ticket.id)
    assert [e.action for e in entries] == [f"ticket.{step.kind.value}" for step in state.steps]
    assert len({e.source_key for e in entries}) == len(entries)


async def _runs(env: WorkflowEnvironment, ticket_id: str) -> list[int]:
    """The length of each of the ticket's runs' histories, the first first."""
    return [len(history.events) for history in await run_histories(env.client, ticket_id)]


async def test_a_delivery_retried_after_the_ticket_handed_over_is_taken_once(
    time_skipping_env: WorkflowEnvironment, demo_uow: UnitOfWork, task_queue: str
) -> None:
    """The intake sends a client's mail again (it stopped before marking it done) after the
    ticket's run handed over: the step's id was carried, so the mail is one step."""
    async with running_desk(time_skipping_env, demo_uow, task_queue) as harness:
        harness.desk = dataclasses.replace(harness.desk, continue_after_events=20)
        ticket = await harness.open(Channel.email)
        await harness.act("take", ticket.id, TakeTicket(agent=AGENT))
        handle = time_skipping_env.client.get_workflow_handle(ticket.id)
        first_run = (await handle.describe()).run_id
        mail_a = ClientMessage(by="jdoe", text="Mail A")
        await harness.desk.act("client_message", ticket.id, mail_a, "mail-A")
        for n in range(20):
            if (await handle.describe()).run_id != first_run:
                break
            filler = ClientMessage(by="jdoe", text=f"Suite {n}")
            await harness.desk.act("client_message", ticket.id, filler, f"mail-f{n}")
        assert (await handle.describe()).run_id != first_run  # handed over
        again = await harness.desk.act("client_message", ticket.id, mail_a, "mail-A")
    assert [step.note for step in again.steps].count("Mail A") == 1


async def test_a_clients_message_while_the_closing_notice_is_queued_is_recorded_before_the_end(
    time_skipping_env: WorkflowEnvironment, demo_uow: UnitOfWork, task_queue: str
) -> None:
    """A returned ticket closes when its window ends; the client writes while the closing
    notice is being queued: the message is answered, recorded and audited, then the ticket
    ends (it once waited forever, the step waiting for a record the ended loop never wrote)."""
    entered, gate = threading.Event(), threading.Event()
    activities = activities_on(demo_uow, CALENDAR, TEST_AUDIT_KEYS, TEST_MAIL_KEYS)
    notify = next(a for a in activities if getattr(a, "__name__", "") == "notify_requester")

    @activity.defn(name="notify_requester")
    def slow_notify(notice: TicketNotice) -> bool:
        if notice.wording.template.value == "ticket_closed":
            entered.set()
            gate.wait(20)
        return bool(notify(notice))

    harness = Harness(time_skipping_env, demo_uow, task_queue)
    worker = build_worker(
        time_skipping_env.client,
        task_queue,
        [slow_notify if a is notify else a for a in activities],
    )
    async with worker:
        ticket = await harness.open(contact_email="josee.lavoie@mtq.example")
        await harness.act("take", ticket.id, TakeTicket(agent=AGENT))
        await harness.act("propose", ticket.id, ProposeSolution(agent=AGENT, solution=SOLUTION))
        await harness.act("check_quality", ticket.id, CheckQuality(agent=CHECKER, approved=True))
        returned = await harness.act("return_to_client", ticket.id, ReturnToClient(agent=AGENT))
        assert returned.reopen_until is not None
        clock = asyncio.create_task(harness.move_to(returned.reopen_until + timedelta(minutes=1)))
        assert await asyncio.to_thread(entered.wait, 20)
        message = asyncio.create_task(
            harness.desk.act("client_message", ticket.id, ClientMessage(by="jdoe", text="Merci"))
        )
        await asyncio.sleep(0.5)
        gate.set()
        answered = await asyncio.wait_for(message, 15)
        handle = time_skipping_env.client.get_workflow_handle(ticket.id, result_type=TicketState)
        final = await asyncio.wait_for(handle.result(), 15)
        await clock
    assert answered.steps[-1].note == "Merci"
    assert final.steps[-1].note == "Merci"
    record = harness.records.get(ticket.id)
    assert record is not None and record.version == answered.version
    entries = SqlAuditTrail(demo_uow, TEST_AUDIT_KEYS).entries(ticket.id)
    assert len(entries) == answered.version  # every step audited, the message included


async def test_a_ticket_whose_record_was_altered_is_read_from_its_workflow(
    time_skipping_env: WorkflowEnvironment, demo_uow: UnitOfWork, task_queue: str
) -> None:
    """Who may see a ticket is in plain columns; its sealed details are bound to them. A
    database writer who names themselves its requester gets no ticket from the records: the
    desk reads it from the workflow, with its true requester."""
    async with running_desk(time_skipping_env, demo_uow, task_queue) as harness:
        ticket = await harness.open(Channel.email)
        await harness.projected(ticket.id)
        with demo_uow.begin() as session:
            row = session.get(TicketRow, ticket.id)
            assert row is not None
            row.requester = "intrus"
        shown = await harness.desk.show(ticket.id)
        with demo_uow.begin() as session:  # as it was, for the harness's own reads at the end
            row = session.get(TicketRow, ticket.id)
            assert row is not None
            row.requester = "jdoe"
    assert shown.requester == "jdoe"
