"""Record the histories the replay tests replay: `python -m tests.replay.record_histories`.

Run it when a workflow type is added, never to paper over a replay failure: a history recorded
before a change is what proves the change is safe for workflows in flight.
"""

from __future__ import annotations

import asyncio
import dataclasses
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

from temporalio.client import WorkflowHistory
from temporalio.testing import WorkflowEnvironment

from adapters.database import UnitOfWork, make_engine
from adapters.demo_data import load_demo_data
from adapters.schema import migrate
from adapters.sql_directory import SqlDirectory
from adapters.sql_sagir_erp import SqlSagirErp
from adapters.sql_sga import SqlSga
from models.arrivals import ArrivalStatus
from models.departures import DepartureStatus, end_of_day
from models.parameterisation import AskClient as AskParam
from models.parameterisation import ClientAnswer, CompleteParam, ParamKind, QualityCheck
from models.sla import Channel
from models.tickets import (
    AskClient,
    BringBack,
    CheckQuality,
    ClientMessage,
    CloseTicket,
    ForwardTarget,
    ForwardTicket,
    ProposeSolution,
    RecordAnswer,
    ReopenTicket,
    ReturnToClient,
    TakeTicket,
)
from models.training import Basis, Enrol, EnrolmentStatus, Session, TrainingStatus
from starter.client import register_search_attributes
from starter.desks.auditor import run_histories
from tests.conftest import installed_binary
from tests.mail_server import TestSmtp
from tests.payload_keys import TEST_AUDIT_KEYS, TEST_CONVERTER
from tests.workflows.desks_harness import (
    CALENDAR,
    PartitionRefusingErp,
    arrival_request,
    departure_request,
    new_person,
    running_desks,
)
from tests.workflows.harness import Harness, running_desk
from tests.workflows.test_parameterisation_workflow import TEMPLATE, param_request
from tests.workflows.test_password_reset_workflow import reset_request
from workflows.audit_checkpoints import AuditCheckpointWorkflow

HISTORIES = Path(__file__).parent / "histories"
# The suffix of the histories recorded now. Each suffix marks the patches its histories carry:
# none (before both below), `_keyed` (per-request idempotency keys, the audit feed), `_listed`
# (the feed's listing), `_escalated` (notices from templates, requests given up escalated),
# `_warned` (the warning before a breach: patches `ticket-warning`, `take-in-charge-warning`).
# Old suffixes stay: they prove requests in flight since then still replay.
SUFFIX = "_warned"


@asynccontextmanager
async def ticket_desk() -> AsyncIterator[tuple[WorkflowEnvironment, Harness]]:
    """The time-skipping server and a ticket desk on a demo database in a temporary folder:
    what the ticket recorders run in."""
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=installed_binary("temporal-test-server"),
        data_converter=TEST_CONVERTER,
    )
    await register_search_attributes(env.client)
    with tempfile.TemporaryDirectory() as folder:
        uow = UnitOfWork(make_engine(f"sqlite:///{folder}/sagir.db"))
        migrate(uow.engine)
        load_demo_data(SqlDirectory(uow), SqlSagirErp(uow), SqlSga(uow))
        async with env, running_desk(env, uow, f"record-{uuid.uuid4()}") as desk:
            yield env, desk


async def record_ticket_lifecycle(name: str = "ticket_lifecycle.json") -> None:
    async with ticket_desk() as (env, desk):
        desk.desk = dataclasses.replace(desk.desk, continue_after_events=5_000)  # one run
        ticket = await desk.open(Channel.phone, urgent=True)
        await desk.skip(timedelta(days=1))  # breached and escalated
        await desk.eventually(ticket.id, lambda s: s.breached)
        tid = ticket.id
        await desk.act("take", tid, TakeTicket(agent="agent-tremblay"))
        await desk.act(
            "forward",
            tid,
            ForwardTicket(
                agent="agent-tremblay",
                target=ForwardTarget.dggir_pilot,
                to="pilote-rf",
                note="Needs a DGGIR pilot",
            ),
        )
        await desk.act("bring_back", tid, BringBack(by="pilote-rf", note="Fixed the role"))
        await desk.act("ask_client", tid, AskClient(agent="agent-tremblay", question="Which user?"))
        await desk.act("record_answer", tid, RecordAnswer(by="jdoe", answer="u123"))
        await desk.act("propose", tid, ProposeSolution(agent="agent-tremblay", solution="v1"))
        await desk.act("check_quality", tid, CheckQuality(agent="agent-gagnon", approved=False))
        await desk.act("propose", tid, ProposeSolution(agent="agent-tremblay", solution="v2"))
        await desk.act("check_quality", tid, CheckQuality(agent="agent-gagnon", approved=True))
        await desk.act("return_to_client", tid, ReturnToClient(agent="agent-tremblay"))
        await desk.act("reopen", tid, ReopenTicket(by="jdoe", reason="Still broken"))
        await desk.act("propose", tid, ProposeSolution(agent="agent-tremblay", solution="v3"))
        await desk.act("check_quality", tid, CheckQuality(agent="agent-roy", approved=True))
        await desk.act("return_to_client", tid, ReturnToClient(agent="agent-tremblay"))
        await desk.act("close", tid, CloseTicket(agent="agent-tremblay"))
        handle = env.client.get_workflow_handle(tid)
        await desk.skip(timedelta(days=30))  # the reopen window ends: the workflow completes
        await handle.result()
        history = await handle.fetch_history()
    HISTORIES.mkdir(exist_ok=True)
    (HISTORIES / name).write_text(history.to_json())
    print(f"recorded {len(history.events)} events of {tid}")


async def record_ticket_with_notices(name: str = f"ticket_noticed{SUFFIX}.json") -> None:
    """A ticket with a contact (patch `ticket-notices`): acknowledged, breached (the supervisors
    mailed), asked, answered by the client's message, returned, reminded, closed by its window."""
    async with ticket_desk() as (env, desk):
        ticket = await desk.open(Channel.phone, contact_email="josee.lavoie@mtq.example")
        await desk.skip(timedelta(days=1))
        await desk.eventually(ticket.id, lambda s: s.breached)
        tid = ticket.id
        await desk.act("take", tid, TakeTicket(agent="agent-tremblay"))
        await desk.act(
            "ask_client", tid, AskClient(agent="agent-tremblay", question="Quel écran ?")
        )
        await desk.act(
            "client_message", tid, ClientMessage(by="josee.lavoie@mtq.example", text="LSA")
        )
        await desk.act(
            "client_message", tid, ClientMessage(by="josee.lavoie@mtq.example", text="Merci")
        )
        await desk.act("propose", tid, ProposeSolution(agent="agent-tremblay", solution="v1"))
        await desk.act("check_quality", tid, CheckQuality(agent="agent-gagnon", approved=True))
        await desk.act("return_to_client", tid, ReturnToClient(agent="agent-tremblay"))
        handle = env.client.get_workflow_handle(tid)
        await desk.skip(timedelta(days=30))  # reminded, then closed when the window ends
        await handle.result()
        history = await handle.fetch_history()
    HISTORIES.mkdir(exist_ok=True)
    # `ticket_noticed.json` was recorded before warnings: it stays, as a ticket in flight.
    (HISTORIES / name).write_text(history.to_json())
    print(f"recorded {len(history.events)} events of {tid}")


async def record_ticket_followed_up() -> None:
    """A ticket with the follow-ups (patch `ticket-follow-ups`): warned, taken, forwarded and
    followed up twice, brought back, asked, reminded each open day, closed without an answer."""
    async with ticket_desk() as (env, desk):
        ticket = await desk.open(Channel.phone, contact_email="josee.lavoie@mtq.example")
        tid = ticket.id
        await desk.move_to(ticket.due - timedelta(seconds=30))
        await desk.eventually(tid, lambda s: s.warned_at is not None)
        await desk.act("take", tid, TakeTicket(agent="super-cote"))
        await desk.act(
            "forward",
            tid,
            ForwardTicket(
                agent="super-cote",
                target=ForwardTarget.dggir_pilot,
                to="pilote-rf",
                note="Rôle RF",
            ),
        )
        await desk.skip(timedelta(days=7))  # followed up every two open days
        await desk.act("bring_back", tid, BringBack(by="pilote-rf", note="Corrigé"))
        await desk.act("ask_client", tid, AskClient(agent="super-cote", question="Quel écran ?"))
        handle = env.client.get_workflow_handle(tid)
        await desk.skip(timedelta(days=14))  # reminded each open day, then closed
        await handle.result()
        history = await handle.fetch_history()
    HISTORIES.mkdir(exist_ok=True)
    (HISTORIES / "ticket_followed_up.json").write_text(history.to_json())
    print(f"recorded {len(history.events)} events of {tid}")


async def record_ticket_continued() -> None:
    """A ticket under patch `ticket-one-write` whose runs hand over (continue as new) every 40
    events: forwarded and brought back, breached in a later run, returned, closed by its window.
    Its first run and its last are kept."""
    async with ticket_desk() as (env, desk):
        desk.desk = dataclasses.replace(desk.desk, continue_after_events=40)
        ticket = await desk.open(Channel.phone, contact_email="josee.lavoie@mtq.example")
        tid = ticket.id
        for turn in range(3):
            await desk.act(
                "client_message", tid, ClientMessage(by="josee.lavoie@mtq.example", text=f"{turn}")
            )
        await desk.skip(timedelta(days=1))
        await desk.eventually(tid, lambda s: s.breached)
        await desk.act("take", tid, TakeTicket(agent="agent-tremblay"))
        for turn in range(3):
            await desk.act(
                "forward",
                tid,
                ForwardTicket(
                    agent="agent-tremblay",
                    target=ForwardTarget.dggir_pilot,
                    to="pilote-rf",
                    note=f"Tour {turn}",
                ),
            )
            await desk.act("bring_back", tid, BringBack(by="pilote-rf", note=f"Vu {turn}"))
        await desk.act("propose", tid, ProposeSolution(agent="agent-tremblay", solution="v1"))
        await desk.act("check_quality", tid, CheckQuality(agent="agent-gagnon", approved=True))
        await desk.act("return_to_client", tid, ReturnToClient(agent="agent-tremblay"))
        await desk.skip(timedelta(days=30))  # reminded, then closed when the window ends
        await env.client.get_workflow_handle(tid).result()
        runs = await run_histories(env.client, tid)
    assert len(runs) >= 3, f"{tid} handed over {len(runs) - 1} times"
    HISTORIES.mkdir(exist_ok=True)
    for name, history in (("first", runs[0]), ("last", runs[-1])):
        (HISTORIES / f"ticket_continued_{name}.json").write_text(history.to_json())
    print(f"recorded {len(runs)} runs of {tid}: {[len(h.events) for h in runs]} events")


async def record_employee_histories() -> None:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=installed_binary("temporal-test-server"),
        data_converter=TEST_CONVERTER,
    )
    await register_search_attributes(env.client)
    histories = {}
    with tempfile.TemporaryDirectory() as folder:
        uow = UnitOfWork(make_engine(f"sqlite:///{folder}/sagir.db"))
        migrate(uow.engine)
        load_demo_data(SqlDirectory(uow), SqlSagirErp(uow), SqlSga(uow))
        async with env:
            queue = f"record-{uuid.uuid4()}"
            async with running_desks(env, uow, queue) as harness:
                arrivals, departures = harness.arrivals(), harness.departures()
                today = await harness.today()
                arrival = await arrivals.start(
                    arrival_request(
                        "50001",
                        start_date=today + timedelta(days=9),
                        responsibilities=["RF-CONSULTATION", "EI-RAPPORTS-FIN"],
                        partition_group="MTQ-DGF",
                        parameters={"langue": "fr"},
                        training=["SAGIR-101"],
                    )
                )
                reminder = CALENDAR.periods_on(CALENDAR.open_days_after(today, 1))[0].start
                await harness.move_to(reminder + timedelta(minutes=1))
                await harness.eventually(
                    lambda: arrivals.show(arrival.id), lambda s: s.reminders == 1
                )
                harness.erp.add_person(new_person("50001"))
                await arrivals.dossier_ready(arrival.id)
                # Warned, then breached and escalated (whatever the weekday of the recording).
                await harness.move_to(arrival.due + timedelta(minutes=1))
                await harness.eventually(lambda: arrivals.show(arrival.id), lambda s: s.breached)
                await harness.sync()
                await arrivals.take(arrival.id, "agent-tremblay")
                await harness.eventually(
                    lambda: arrivals.show(arrival.id),
                    lambda s: s.status is ArrivalStatus.prepared,
                )
                await harness.move_to(arrival.activate_at)
                await env.client.get_workflow_handle(arrival.id).result()
                histories["arrival_lifecycle"] = await env.client.get_workflow_handle(
                    arrival.id
                ).fetch_history()

                departure = await departures.notify(
                    departure_request(await harness.today() + timedelta(days=5))
                )
                await harness.skip(timedelta(days=2))
                await harness.sync()
                departure = await departures.notify(
                    departure_request(await harness.today() + timedelta(days=1))
                )
                await departures.take(departure.id, "agent-roy")
                await harness.move_to(end_of_day(departure.departure_date))
                await harness.eventually(
                    lambda: departures.show(departure.id),
                    lambda s: s.status is DepartureStatus.accesses_removed,
                )
                await harness.sync()
                await departures.record(departure.id, "rh-mtq")
                await env.client.get_workflow_handle(departure.id).result()
                histories["departure_lifecycle"] = await env.client.get_workflow_handle(
                    departure.id
                ).fetch_history()
            async with running_desks(
                env, uow, f"record-{uuid.uuid4()}", PartitionRefusingErp(uow)
            ) as harness:
                arrivals, departures = harness.arrivals(), harness.departures()
                undone = await arrivals.start(
                    arrival_request(
                        "10233",
                        mo="MSSS",
                        authorised_by="30011",
                        responsibilities=["RF-CONSULTATION"],
                        partition_group="MSSS-CENTRAL",
                    )
                )
                await arrivals.take(undone.id, "agent-gagnon")
                await env.client.get_workflow_handle(undone.id).result()
                histories["arrival_undone"] = await env.client.get_workflow_handle(
                    undone.id
                ).fetch_history()
    HISTORIES.mkdir(exist_ok=True)
    for name, history in histories.items():
        (HISTORIES / f"{name}{SUFFIX}.json").write_text(history.to_json())
        print(f"recorded {len(history.events)} events of {name}")


async def record_request_histories() -> None:
    """Parameterisation (the whole path), one closed without an answer, a password reset,
    training registrations (one cancelled, one served from the waiting list)."""
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=installed_binary("temporal-test-server"),
        data_converter=TEST_CONVERTER,
    )
    await register_search_attributes(env.client)
    histories = {}
    with tempfile.TemporaryDirectory() as folder:
        uow = UnitOfWork(make_engine(f"sqlite:///{folder}/sagir.db"))
        migrate(uow.engine)
        load_demo_data(SqlDirectory(uow), SqlSagirErp(uow), SqlSga(uow))
        async with env:
            queue = f"record-{uuid.uuid4()}"
            async with running_desks(env, uow, queue) as harness:
                desk = harness.parameterisation()
                state = await desk.submit(param_request(ParamKind.create_responsibility))
                # Warned, then breached and escalated (whatever the weekday of the recording).
                await harness.move_to(state.due + timedelta(minutes=1))
                await harness.eventually(lambda: desk.show(state.id), lambda s: s.breached)
                await desk.take(state.id, "agent-tremblay")
                await desk.ask(state.id, AskParam(agent="agent-tremblay", question="Portée?"))
                today = await harness.today()
                reminder = CALENDAR.periods_on(CALENDAR.open_days_after(today, 1))[0].start
                await harness.move_to(reminder + timedelta(minutes=1))
                await harness.eventually(lambda: desk.show(state.id), lambda s: s.reminders == 1)
                await desk.answer(state.id, ClientAnswer(by="rh-mtq", answer="La DGF"))
                await desk.complete(
                    state.id, CompleteParam(agent="agent-tremblay", template=TEMPLATE)
                )
                await desk.check(
                    state.id, QualityCheck(agent="agent-gagnon", approved=False, note="nom?")
                )
                await desk.complete(
                    state.id, CompleteParam(agent="agent-tremblay", template=TEMPLATE)
                )
                await desk.check(state.id, QualityCheck(agent="agent-gagnon", approved=True))
                await env.client.get_workflow_handle(state.id).result()
                histories["param_lifecycle"] = await env.client.get_workflow_handle(
                    state.id
                ).fetch_history()

                closed = await desk.submit(param_request())
                await desk.take(closed.id, "agent-roy")
                await desk.ask(closed.id, AskParam(agent="agent-roy", question="Centre?"))
                await harness.skip(timedelta(days=10))
                await env.client.get_workflow_handle(closed.id).result()
                histories["param_closed_no_answer"] = await env.client.get_workflow_handle(
                    closed.id
                ).fetch_history()

                reset = await harness.passwords().reset(reset_request())
                histories["password_reset"] = await env.client.get_workflow_handle(
                    reset.id
                ).fetch_history()

                # Training: two registered, a third waits, a cancellation serves them.
                training = harness.training()
                session = f"RF101-{(await harness.today()).year}-X"
                SqlSga(uow).add_session(
                    Session(
                        code=session,
                        course="SAGIR-RF-101",
                        starts_on=await harness.today() + timedelta(days=20),
                        capacity=2,
                    )
                )
                await harness.sync()
                states = [
                    await training.enrol(
                        Enrol(
                            session=session,
                            mo=mo,
                            employee_number=number,
                            basis=Basis.mo_instruction,
                            by="agent-roy",
                        )
                    )
                    for mo, number in (("MTQ", "45871"), ("MTQ", "52310"), ("MSSS", "10233"))
                ]
                await harness.eventually(
                    lambda: training.show(states[2].id),
                    lambda s: s.status is TrainingStatus.waiting,
                )
                await training.cancel(states[0].id, "agent-roy")
                await harness.eventually(
                    lambda: training.show(states[2].id),
                    lambda s: s.status is TrainingStatus.registered,
                )
                await harness.move_to(states[2].session_starts_at + timedelta(minutes=1))
                await env.client.get_workflow_handle(states[2].id).result()
                histories["training_promoted"] = await env.client.get_workflow_handle(
                    states[2].id
                ).fetch_history()
                histories["training_cancelled"] = await env.client.get_workflow_handle(
                    states[0].id
                ).fetch_history()
    HISTORIES.mkdir(exist_ok=True)
    for name, history in histories.items():
        (HISTORIES / f"{name}{SUFFIX}.json").write_text(history.to_json())
        print(f"recorded {len(history.events)} events of {name}")


async def record_audit_checkpoint() -> None:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=installed_binary("temporal-test-server"),
        data_converter=TEST_CONVERTER,
    )
    with tempfile.TemporaryDirectory() as folder:
        uow = UnitOfWork(make_engine(f"sqlite:///{folder}/sagir.db"))
        migrate(uow.engine)
        load_demo_data(SqlDirectory(uow), SqlSagirErp(uow), SqlSga(uow))
        queue = f"record-{uuid.uuid4()}"
        async with env, running_desks(env, uow, queue):
            handle = await env.client.start_workflow(
                AuditCheckpointWorkflow.run, id="audit-checkpoint-recorded", task_queue=queue
            )
            await handle.result()
            history = await handle.fetch_history()
    HISTORIES.mkdir(exist_ok=True)
    (HISTORIES / "audit_checkpoint.json").write_text(history.to_json())
    print(f"recorded {len(history.events)} events of the audit checkpoint")


async def record_mail_relay() -> None:
    """A relay round on a real local SMTP server: one mail sent, one refused for good."""
    from adapters.outbox_mailer import OutboxMailer
    from models.mail import Mail
    from tests.mail_server import TestSmtp
    from tests.workflows.desks_harness import TEST_MAIL_KEYS
    from worker import activities_on, build_worker
    from workflows.mail_relay import MailRelayWorkflow

    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=installed_binary("temporal-test-server"),
        data_converter=TEST_CONVERTER,
    )
    with tempfile.TemporaryDirectory() as folder:
        uow = UnitOfWork(make_engine(f"sqlite:///{folder}/sagir.db"))
        migrate(uow.engine)
        load_demo_data(SqlDirectory(uow), SqlSagirErp(uow), SqlSga(uow))
        smtp = TestSmtp(Path(folder) / "mail")
        smtp.handler.refused["parti@mtq.example"] = "550 5.1.1 no such user"
        smtp.start()
        mailer = OutboxMailer(uow, TEST_MAIL_KEYS)
        for key, to in (
            ("T-2026-000001/notify/taken", "jdoe@mtq.example"),
            ("depart-MTQ-1/notify/hr/done", "parti@mtq.example"),
        ):
            mailer.send(
                Mail(idempotency_key=key, to=to, subject="Avis", body="Bonjour."),
                await env.get_current_time(),
            )
        activities = activities_on(
            uow, CALENDAR, TEST_AUDIT_KEYS, TEST_MAIL_KEYS, mail_server=smtp.mail_server()
        )
        queue = f"record-{uuid.uuid4()}"
        try:
            async with env, build_worker(env.client, queue, activities):
                handle = await env.client.start_workflow(
                    MailRelayWorkflow.run, id="mail-relay-recorded", task_queue=queue
                )
                await handle.result()
                history = await handle.fetch_history()
        finally:
            smtp.stop()
    HISTORIES.mkdir(exist_ok=True)
    (HISTORIES / "mail_relay.json").write_text(history.to_json())
    print(f"recorded {len(history.events)} events of the mail relay's round")


async def record_mail_intake_round() -> None:
    """An intake round: the workflow on the desk's queue, its activity on the intake's queue
    (an intake that delivers two owed messages)."""
    from temporalio import activity
    from temporalio.worker import Worker

    from tests.workflows.desks_harness import TEST_MAIL_KEYS
    from worker import activities_on, build_worker
    from workflows.mail_intake import DELIVER_OWED, MailIntakeWorkflow

    @activity.defn(name=DELIVER_OWED)
    async def deliver_owed_mail() -> int:
        return 2

    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=installed_binary("temporal-test-server"),
        data_converter=TEST_CONVERTER,
    )
    queue = f"record-{uuid.uuid4()}"
    with tempfile.TemporaryDirectory() as folder:
        uow = UnitOfWork(make_engine(f"sqlite:///{folder}/sagir.db"))
        migrate(uow.engine)
        activities = activities_on(uow, CALENDAR, TEST_AUDIT_KEYS, TEST_MAIL_KEYS)
        async with (
            env,
            build_worker(env.client, queue, activities),
            Worker(env.client, task_queue=f"{queue}-intake", activities=[deliver_owed_mail]),
        ):
            handle = await env.client.start_workflow(
                MailIntakeWorkflow.run,
                f"{queue}-intake",
                id="mail-intake-recorded",
                task_queue=queue,
            )
            assert await handle.result() == 2
            history = await handle.fetch_history()
    HISTORIES.mkdir(exist_ok=True)
    (HISTORIES / "mail_intake.json").write_text(history.to_json())
    print(f"recorded {len(history.events)} events of the intake's round")


@asynccontextmanager
async def mail_world() -> AsyncIterator[
    tuple[WorkflowEnvironment, UnitOfWork, str, TestSmtp, Path]
]:
    """The time-skipping server, a demo database in a temporary folder, a task queue and a
    real local SMTP server: what the recorders whose workflows send mail run in."""
    from adapters.sql_mail_domains import SqlMailDomains

    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=installed_binary("temporal-test-server"),
        data_converter=TEST_CONVERTER,
    )
    await register_search_attributes(env.client)
    with tempfile.TemporaryDirectory() as folder:
        uow = UnitOfWork(make_engine(f"sqlite:///{folder}/sagir.db"))
        migrate(uow.engine)
        load_demo_data(SqlDirectory(uow), SqlSagirErp(uow), SqlSga(uow), SqlMailDomains(uow))
        smtp = TestSmtp(Path(folder) / "mail")
        smtp.start()
        try:
            async with env:
                yield env, uow, f"record-{uuid.uuid4()}", smtp, Path(folder)
        finally:
            smtp.stop()


def write(histories: dict[str, WorkflowHistory]) -> None:
    HISTORIES.mkdir(exist_ok=True)
    for name, history in histories.items():
        (HISTORIES / f"{name}.json").write_text(history.to_json())
        print(f"recorded {len(history.events)} events of {name}")


async def record_communiques() -> None:
    """A DGGIR communiqué sent in full (checked, released, its recipients resolved and their
    mail queued, delivered by the relay on a real local SMTP server, its question period run
    out), and one cancelled while it waited for its release time."""
    from models.communiques import CommuniqueState, CommuniqueStatus
    from tests.workflows.communiques_harness import communique_desk, dggir_submission
    from tests.workflows.test_communique_workflow import sent_in_full

    histories = {}
    async with (
        mail_world() as (env, uow, queue, smtp, folder),
        communique_desk(env, uow, queue, smtp, folder) as harness,
    ):
        desk = harness.desk
        sent = await desk.submit(dggir_submission(mos=["MTQ"]))
        await desk.check(sent.id, "agent-tremblay")
        await desk.release(sent.id, "agent-tremblay")
        await sent_in_full(harness, sent.id)
        await env.sleep(timedelta(days=31))  # the question period runs out
        handle = env.client.get_workflow_handle(sent.id, result_type=CommuniqueState)
        assert (await handle.result()).status is CommuniqueStatus.closed
        histories["communique_sent"] = await handle.fetch_history()

        later = await env.get_current_time() + timedelta(days=3)
        cancelled = await desk.submit(dggir_submission(release_at=later))
        await desk.check(cancelled.id, "agent-gagnon")
        await desk.release(cancelled.id, "agent-gagnon")
        await desk.cancel(cancelled.id, "agent-gagnon")
        handle = env.client.get_workflow_handle(cancelled.id, result_type=CommuniqueState)
        assert (await handle.result()).status is CommuniqueStatus.cancelled
        histories["communique_cancelled"] = await handle.fetch_history()
    write(histories)


async def record_billing() -> None:
    """Billing's workflows on a real local SMTP server: an invoice reminded at its due date
    (with its escalation) then paid, which ends it; the monthly run fired twice (the second
    finds each MO's invoice started); the day's headcount run; a credit note (an actual average
    below the estimate), issued, recorded and mailed."""
    from datetime import date
    from decimal import Decimal

    from models.billing import (
        InvoiceKind,
        InvoiceState,
        InvoiceStatus,
        IssueInvoice,
        RecordPayment,
    )
    from tests.workflows.billing_harness import (
        CLERK,
        FISCAL_2026,
        MO,
        OTHER_MO,
        billing_desk,
        montreal,
    )
    from workflows.billing import InvoiceWorkflow

    histories = {}
    async with (
        mail_world() as (env, uow, queue, smtp, folder),
        billing_desk(env, uow, queue, smtp, folder) as harness,
    ):
        harness.agree(mo=MO, estimated=1000)
        harness.agree(mo=OTHER_MO, estimated=1000, contact="finances@msss.example")

        reminded = await harness.desk.issue(MO, date(2026, 11, 1), CLERK)
        await harness.settled(reminded.key, lambda s: s.mailed)
        due = harness.desk.invoice(reminded.key).invoice.due_on
        await harness.move_to(montreal(due, 17, 1))
        await harness.settled(reminded.key, lambda s: len(s.reminders) == 1)
        await harness.desk.pay(
            reminded.key,
            RecordPayment(
                amount=Decimal("16250.00"),
                paid_on=await harness.today(),
                reference="CH-4512",
                by=CLERK,
            ),
        )
        handle = env.client.get_workflow_handle(reminded.key, result_type=InvoiceState)
        assert (await harness.ended(handle)).status is InvoiceStatus.paid
        histories["invoice_paid_after_reminder"] = await handle.fetch_history()

        fired = montreal(date(2026, 10, 1), 6, 0)
        for name in ("billing_run", "billing_run_again"):
            await harness.run(InvoiceKind.monthly, fired, f"recorded-{name}")
            handle = env.client.get_workflow_handle(f"recorded-{name}")
            histories[name] = await handle.fetch_history()

        await harness.headcount_run(montreal(date(2026, 10, 31), 23, 30), "recorded-hc")
        handle = env.client.get_workflow_handle("recorded-hc")
        histories["headcount_run"] = await handle.fetch_history()

        # Last: a credit note is applied to its MO's next invoice, and none follows here.
        harness.invoiced_months(FISCAL_2026, OTHER_MO)
        harness.month_end_snapshots(958, FISCAL_2026, OTHER_MO)
        asked = IssueInvoice.year_end(OTHER_MO, FISCAL_2026, CLERK)
        handle = await env.client.start_workflow(
            InvoiceWorkflow.run, asked, id=asked.key, task_queue=queue
        )
        credit = await harness.ended(handle)
        assert credit.invoice is not None
        assert credit.invoice.kind is InvoiceKind.credit_note
        histories["invoice_credit_note"] = await handle.fetch_history()
    write(histories)


async def record_registre_expiry() -> None:
    """The registre's daily warning: a relève's line ending in 30 days, its MO's personnes
    autorisées and relèves mailed."""
    from datetime import UTC, date, datetime

    from temporalio.common import SearchAttributePair, TypedSearchAttributes

    from models.registre import Declaration
    from models.sagir import AuthorityKind
    from starter.desks.registre import RegistreDesk
    from tests.workflows.billing_harness import register_scheduled_start_time
    from tests.workflows.desks_harness import TEST_MAIL_KEYS
    from tests.workflows.test_registre_expiry import at_seven, person
    from worker import activities_on, build_worker
    from workflows.registre import SCHEDULED_AT, RegistreExpiryWorkflow

    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=installed_binary("temporal-test-server"),
        data_converter=TEST_CONVERTER,
    )
    with tempfile.TemporaryDirectory() as folder:
        uow = UnitOfWork(make_engine(f"sqlite:///{folder}/sagir.db"))
        migrate(uow.engine)
        erp = SqlSagirErp(uow)
        load_demo_data(SqlDirectory(uow), erp, SqlSga(uow))
        erp.add_person(person("30001", "pa.mtq@mtq.example"))
        RegistreDesk(
            SqlDirectory(uow), erp, lambda: datetime(2026, 11, 26, 15, tzinfo=UTC)
        ).declare(
            Declaration(
                mo="MTQ",
                employee_number="30003",
                kind=AuthorityKind.releve,
                releve_of="30001",
                valid_from=date(2026, 12, 1),
                valid_until=date(2027, 1, 15),
            ),
            by="30001",
        )
        activities = activities_on(uow, CALENDAR, TEST_AUDIT_KEYS, TEST_MAIL_KEYS)
        queue = f"record-{uuid.uuid4()}"
        async with env, build_worker(env.client, queue, activities):
            await register_scheduled_start_time(env)
            handle = await env.client.start_workflow(
                RegistreExpiryWorkflow.run,
                id="registre-echeances-recorded",
                task_queue=queue,
                search_attributes=TypedSearchAttributes(
                    [SearchAttributePair(SCHEDULED_AT, at_seven(date(2026, 12, 16)))]
                ),
            )
            assert await handle.result() == 1
            history = await handle.fetch_history()
    HISTORIES.mkdir(exist_ok=True)
    (HISTORIES / "registre_expiry.json").write_text(history.to_json())
    print(f"recorded {len(history.events)} events of the registre's expiry warning")


async def record_training_requests() -> None:
    """Training requests (issue 16 item 5): one warned and breached, then taken and registered
    in a full session (wait-listed, its registration workflow started as a child); one taken
    and refused by the agent."""
    from models.training_requests import RefuseTrainingRequest, TrainingRequest
    from tests.workflows.test_training_request_workflow import training_request_desk

    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=installed_binary("temporal-test-server"),
        data_converter=TEST_CONVERTER,
    )
    await register_search_attributes(env.client)
    histories = {}
    with tempfile.TemporaryDirectory() as folder:
        uow = UnitOfWork(make_engine(f"sqlite:///{folder}/sagir.db"))
        migrate(uow.engine)
        load_demo_data(SqlDirectory(uow), SqlSagirErp(uow), SqlSga(uow))
        async with env:
            queue = f"record-{uuid.uuid4()}"
            async with running_desks(env, uow, queue) as harness:
                harness.erp.add_person(new_person("30001"))
                desk = training_request_desk(harness)
                today = await harness.today()
                session = f"RF101-{today.year}-R"
                SqlSga(uow).add_session(
                    Session(
                        code=session,
                        course="SAGIR-RF-101",
                        starts_on=today + timedelta(days=20),
                        capacity=1,
                    )
                )
                asked = {
                    "mo": "MTQ",
                    "course": "SAGIR-RF-101",
                    "wished_from": today + timedelta(days=10),
                    "wished_until": today + timedelta(days=40),
                    "reason": "Nouvelle responsable des paiements",
                    "authorised_by": "30001",
                    "requested_by": "rh-mtq",
                }
                await harness.sync()
                SqlSga(uow).enrol(
                    Enrol(
                        session=session,
                        mo="MTQ",
                        employee_number="52311",
                        basis=Basis.mo_instruction,
                        by="agent-roy",
                    ),
                    harness.now,
                )
                waiting = await desk.submit(TrainingRequest(employee_number="52310", **asked))
                refused = await desk.submit(TrainingRequest(employee_number="52330", **asked))
                await harness.move_to(waiting.due + timedelta(minutes=1))
                await harness.eventually(lambda: desk.show(waiting.id), lambda s: s.breached)
                await desk.take(waiting.id, "agent-tremblay")
                await desk.register(waiting.id, "agent-tremblay", session)
                await desk.take(refused.id, "agent-roy")
                await desk.refuse(
                    refused.id, RefuseTrainingRequest(agent="agent-roy", reason="Aucune place")
                )
                for name, state in (
                    ("training_request_wait_listed", waiting),
                    ("training_request_refused", refused),
                ):
                    handle = env.client.get_workflow_handle(state.id)
                    await handle.result()
                    histories[name] = await handle.fetch_history()
                harness.started.append(f"formation-{session}-MTQ-52310")
    write(histories)


async def record_training_request_unanswered() -> None:
    """A training request registered once SGA answered (patch
    `training-request-bounded-register`): taken; SGA enrols the employee in a first session but
    loses every answer, so the bounded `register` is refused; SGA back, registered in a second
    session; the first session's place withdrawn before the end."""
    from unittest.mock import patch

    import worker
    from models.training_requests import TrainingRequest
    from starter.desks.errors import Refused
    from tests.workflows.test_training_request_workflow import FailingSga, training_request_desk
    from workflows.training_requests import SGA_DID_NOT_ANSWER

    name = "training_request_unanswered"
    if (HISTORIES / f"{name}.json").exists():
        raise SystemExit(f"{name}.json is recorded already: it stays as it is")
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=installed_binary("temporal-test-server"),
        data_converter=TEST_CONVERTER,
    )
    await register_search_attributes(env.client)
    with tempfile.TemporaryDirectory() as folder:
        uow = UnitOfWork(make_engine(f"sqlite:///{folder}/sagir.db"))
        migrate(uow.engine)
        load_demo_data(SqlDirectory(uow), SqlSagirErp(uow), SqlSga(uow))
        sga = FailingSga(uow)
        async with env:
            queue = f"record-{uuid.uuid4()}"
            with patch.object(worker, "SqlSga", lambda _: sga):
                async with running_desks(env, uow, queue) as harness:
                    harness.erp.add_person(new_person("30001"))
                    desk = training_request_desk(harness)
                    today = await harness.today()
                    first, second = f"RF101-{today.year}-U1", f"RF101-{today.year}-U2"
                    for n, code in enumerate((first, second)):
                        SqlSga(uow).add_session(
                            Session(
                                code=code,
                                course="SAGIR-RF-101",
                                starts_on=today + timedelta(days=20 + n),
                                capacity=2,
                            )
                        )
                    await harness.sync()
                    state = await desk.submit(
                        TrainingRequest(
                            mo="MTQ",
                            employee_number="52310",
                            course="SAGIR-RF-101",
                            wished_from=today + timedelta(days=10),
                            wished_until=today + timedelta(days=40),
                            reason="Nouvelle responsable des paiements",
                            authorised_by="30001",
                            requested_by="rh-mtq",
                        )
                    )
                    await desk.take(state.id, "agent-roy")
                    sga.mode = "loses_answers"
                    try:
                        await desk.register(state.id, "agent-roy", first)
                        raise AssertionError("SGA lost its answers: the register should fail")
                    except Refused as refused:
                        assert str(refused) == SGA_DID_NOT_ANSWER, refused
                    sga.mode = "answers"
                    await desk.register(state.id, "agent-roy", second)
                    harness.started.append(f"formation-{second}-MTQ-52310")
                    handle = env.client.get_workflow_handle(state.id)
                    await handle.result()
                    left = SqlSga(uow).enrolment(first, "MTQ", "52310")
                    assert left is not None and left.status is EnrolmentStatus.cancelled
                    history = await handle.fetch_history()
    write({name: history})


async def record_employee_changes() -> None:
    """Employee-data changes (issue 16 item 5): one warned and breached, taken, reviewed,
    returned by the quality check, proposed again, approved and applied on its effective date;
    one whose partition SAGIR refuses (the removal undone); a move handed over to a departure
    and an arrival."""
    histories = await _record_changes(refusing=False)
    histories.update(await _record_changes(refusing=True))
    write(histories)


async def _record_changes(refusing: bool) -> dict[str, WorkflowHistory]:
    from models.departures import BirthDayMonth
    from models.employee_changes import (
        CheckChange,
        EmployeeChangeRequest,
        MoveToMo,
        ProposeChange,
    )
    from tests.workflows.test_employee_change_workflow import change_desk, positioning_changed

    histories = {}
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=installed_binary("temporal-test-server"),
        data_converter=TEST_CONVERTER,
    )
    await register_search_attributes(env.client)
    with tempfile.TemporaryDirectory() as folder:
        uow = UnitOfWork(make_engine(f"sqlite:///{folder}/sagir.db"))
        migrate(uow.engine)
        load_demo_data(SqlDirectory(uow), SqlSagirErp(uow), SqlSga(uow))
        positioning_changed(uow)
        erp = PartitionRefusingErp(uow) if refusing else None
        async with env:
            queue = f"record-{uuid.uuid4()}"
            async with running_desks(env, uow, queue, erp=erp) as harness:
                desk = change_desk(harness)
                today = await harness.today()
                asked = {
                    "mo": "MTQ",
                    "employee_number": "52311",
                    "new_unit": "DG-FINANCES",
                    "reported_by": "rh-mtq",
                    "hr_email": "rh@mtq.example",
                }
                names = []
                if refusing:
                    state = await desk.report(
                        EmployeeChangeRequest(
                            effective_date=today, new_partition_group="MTQ-DGF", **asked
                        )
                    )
                    await desk.take(state.id, "agent-roy")
                    names.append(("employee_change_undone", state.id))
                else:
                    moved = await desk.report(
                        EmployeeChangeRequest(
                            mo="MTQ",
                            employee_number="45871",
                            effective_date=today + timedelta(days=10),
                            move=MoveToMo(
                                to_mo="MSSS",
                                employee_number="45871",
                                birth=BirthDayMonth(birth_day=14, birth_month=3),
                                authorised_by="30011",
                                hr_email="rh@msss.example",
                            ),
                            reported_by="rh-mtq",
                            hr_email="rh@mtq.example",
                        )
                    )
                    harness.started += ["depart-MTQ-45871", "arrivee-MSSS-45871"]
                    state = await desk.report(
                        EmployeeChangeRequest(effective_date=today + timedelta(days=3), **asked)
                    )
                    await harness.move_to(state.due + timedelta(minutes=1))
                    await harness.eventually(lambda: desk.show(state.id), lambda s: s.breached)
                    await desk.take(state.id, "agent-roy")
                    names += [
                        ("employee_change_applied", state.id),
                        ("employee_change_moved", moved.id),
                    ]
                found = await harness.eventually(
                    lambda: desk.show(state.id), lambda s: s.review is not None
                )
                step = ProposeChange(agent="agent-roy", proposal=found.review.proposal())
                await desk.propose(state.id, step)
                if not refusing:
                    await desk.check(state.id, CheckChange(agent="agent-gagnon", approved=False))
                    await desk.propose(state.id, step)
                await desk.check(state.id, CheckChange(agent="agent-gagnon", approved=True))
                await harness.skip(timedelta(days=4))
                for name, workflow_id in names:
                    handle = env.client.get_workflow_handle(workflow_id)
                    await handle.result()
                    histories[name] = await handle.fetch_history()
    return histories


RECORDERS = {
    "ticket": record_ticket_lifecycle,
    "ticket-notices": record_ticket_with_notices,
    "ticket-follow-ups": record_ticket_followed_up,
    # The same ticket once a breach is one activity (patch `ticket-breach-one-activity`).
    "ticket-breach": lambda: record_ticket_with_notices("ticket_breached_in_one.json"),
    # Patch `ticket-one-write`: each step one write, answered lean; and runs handing over.
    "ticket-one-write": lambda: record_ticket_lifecycle("ticket_lifecycle_one_write.json"),
    "ticket-notices-one-write": lambda: record_ticket_with_notices("ticket_noticed_one_write.json"),
    "ticket-continued": record_ticket_continued,
    "employee": record_employee_histories,
    "request": record_request_histories,
    "audit": record_audit_checkpoint,
    "mail": record_mail_relay,
    "intake": record_mail_intake_round,
    "communiques": record_communiques,
    "billing": record_billing,
    "registre": record_registre_expiry,
    "training-requests": record_training_requests,
    "training-request-unanswered": record_training_request_unanswered,
    "employee-changes": record_employee_changes,
}

if __name__ == "__main__":
    # python -m tests.replay.record_histories [ticket] [ticket-notices] [ticket-follow-ups]
    # [ticket-breach]
    # [employee] [request]
    # [audit] [mail] [intake] [communiques] [billing] [registre] [training-requests]
    # [training-request-unanswered] [employee-changes]
    # (default: request)
    for name in sys.argv[1:] or ["request"]:
        asyncio.run(RECORDERS[name]())
