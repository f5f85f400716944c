"""RULES.md "Personal information": the engine's stored history holds no personal data in
clear. The raw history is read from the engine as it stores it, then opened with the key to
prove the data really is in there, sealed."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from google.protobuf import json_format
from sqlalchemy import select
from temporalio.api.common.v1 import Payload
from temporalio.client import WorkflowHistory
from temporalio.testing import WorkflowEnvironment

from adapters.database import TicketContactRow, UnitOfWork
from adapters.outbox_mailer import OutboxMailer
from models.arrivals import ArrivalStatus
from models.departures import DepartureStatus
from models.sla import Channel
from models.tickets import AskClient, TakeTicket
from tests.payload_keys import TEST_CONVERTER
from tests.workflows.desks_harness import (
    arrival_request,
    departure_request,
    new_person,
    running_desks,
)
from tests.workflows.harness import TEST_MAIL_KEYS, running_desk

PERSONAL = [
    "Bouchard",  # the departing demo employee's last name
    "eric.bouchard",  # their work email
    "Pelletier",  # the arriving employee's last name
    "gisele.pelletier",  # their work email
    "chef.section@mtq.example",  # the manager's email in the arrival request
    "birth_day",
    "birth_month",
]


async def opened_text(history: WorkflowHistory) -> str:
    """Every payload of the history, opened with the key (what an allowed reader would see)."""
    raw = history.to_json_dict()
    texts = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if "metadata" in node and "data" in node:
                payload = json_format.ParseDict(node, Payload())
                texts.append(payload)
                return
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(raw)
    assert TEST_CONVERTER.payload_codec is not None
    opened = await TEST_CONVERTER.payload_codec.decode(texts)
    return " ".join(payload.data.decode(errors="replace") for payload in opened)


async def test_engine_history_of_arrivals_and_departures_holds_no_personal_data_in_clear(
    time_skipping_env: WorkflowEnvironment,
    demo_uow: UnitOfWork,
    task_queue: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    async with running_desks(time_skipping_env, demo_uow, task_queue) as harness:
        arrivals, departures = harness.arrivals(), harness.departures()
        today = await harness.today()
        harness.erp.add_person(new_person("50001"))
        arrival = await arrivals.start(
            arrival_request("50001", start_date=today + timedelta(days=3))
        )
        refused = await arrivals.start(arrival_request("10233", mo="MSSS", authorised_by="99999"))
        departure = await departures.notify(departure_request(today + timedelta(days=1)))
        harness.started += [arrival.id, refused.id, departure.id]
        await arrivals.take(arrival.id, "agent-tremblay")
        await harness.move_to(arrival.activate_at)
        await harness.eventually(
            lambda: arrivals.show(arrival.id), lambda s: s.status is ArrivalStatus.active
        )
        await harness.eventually(
            lambda: arrivals.show(refused.id), lambda s: s.status is ArrivalStatus.refused
        )
        await harness.eventually(
            lambda: departures.show(departure.id),
            lambda s: s.status is DepartureStatus.accesses_removed,
        )
        client = time_skipping_env.client
        for workflow_id in (arrival.id, refused.id, departure.id):
            history = await client.get_workflow_handle(workflow_id).fetch_history()
            stored = history.to_json()
            for needle in PERSONAL:
                assert needle not in stored, f"{needle} in clear in the history of {workflow_id}"
            assert "not a personne autorisée" not in stored  # failure messages are sealed too
        # The data is there, sealed: opened with the key, it reads as expected.
        departure_history = await client.get_workflow_handle(departure.id).fetch_history()
        assert '"birth_day":14' in await opened_text(departure_history)
        arrival_history = await client.get_workflow_handle(arrival.id).fetch_history()
        assert "chef.section@mtq.example" in await opened_text(arrival_history)
    # Nor do the logs of the worker, the activities and the desk.
    assert any("escalated" in record.getMessage() for record in caplog.records)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for needle in PERSONAL:
        assert needle not in logged, f"{needle} in the logs"


async def test_a_tickets_contact_and_notices_stay_out_of_the_history_logs_and_clear_columns(
    time_skipping_env: WorkflowEnvironment,
    demo_uow: UnitOfWork,
    task_queue: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Issue 12: the requester's address never travels through the engine (not even sealed:
    the notices read it from the desk), nor the logs, and is sealed in the contacts table."""
    caplog.set_level(logging.DEBUG)
    address = "josee.lavoie@mtq.gouv.qc.ca"
    async with running_desk(time_skipping_env, demo_uow, task_queue) as desk:
        ticket = await desk.open(Channel.phone, contact_email=address)
        await desk.act("take", ticket.id, TakeTicket(agent="agent-tremblay"))
        await desk.act(
            "ask_client", ticket.id, AskClient(agent="agent-tremblay", question="Quel écran ?")
        )
        outbox = OutboxMailer(demo_uow, TEST_MAIL_KEYS)
        await desk.eventually(ticket.id, lambda _: len(outbox.sent(f"{ticket.id}/notice/")) == 2)
        history = await time_skipping_env.client.get_workflow_handle(ticket.id).fetch_history()
        assert address not in history.to_json()
        assert address not in await opened_text(history)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert address not in logged
    with demo_uow.begin() as session:
        stored = session.scalars(select(TicketContactRow.address)).all()
    assert stored and all(address not in value for value in stored)
