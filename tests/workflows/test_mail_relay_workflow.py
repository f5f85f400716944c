"""The mail relay's round as the engine runs it: its history holds counts only, never an
address, a subject or a body, not even opened with the key (RULES.md "Personal information");
nor do the worker's logs."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from adapters.database import UnitOfWork
from adapters.outbox_mailer import OutboxMailer
from models.mail import Mail, RelayReport
from tests.mail_server import TestSmtp
from tests.payload_keys import TEST_AUDIT_KEYS
from tests.workflows.desks_harness import CALENDAR, TEST_MAIL_KEYS
from tests.workflows.test_personal_data import opened_text
from worker import activities_on, build_worker
from workflows.mail_relay import MailRelayWorkflow

AT = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
PERSONAL = [
    "annie.morin@mtq.example",
    "parti@mtq.example",
    "Votre arrivée",
    "Bonjour Annie",
    "Temp-0042-secret",
]


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[TestSmtp]:
    server = TestSmtp(tmp_path / "mail")
    server.handler.refused["parti@mtq.example"] = "550 5.1.1 <parti@mtq.example>: no such user"
    server.start()
    yield server
    server.stop()


async def test_the_relay_rounds_history_and_logs_hold_no_address_subject_or_body(
    time_skipping_env: WorkflowEnvironment,
    demo_uow: UnitOfWork,
    task_queue: str,
    smtp: TestSmtp,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    mailer = OutboxMailer(demo_uow, TEST_MAIL_KEYS)
    mailer.send(
        Mail(
            idempotency_key="arrivee-MTQ-45871/notify/employee/active",
            to="annie.morin@mtq.example",
            subject="Votre arrivée : accès préparés",
            body="Bonjour Annie, vos accès sont prêts.",
        ),
        AT,
    )
    mailer.send(
        Mail(
            idempotency_key="motdepasse-MTQ-2026-000001/reset/mail",
            to="annie.morin@mtq.example",
            subject="SAGIR : mot de passe temporaire",
            body="Votre mot de passe temporaire SAGIR : Temp-0042-secret",
            secret=True,
        ),
        AT,
    )
    mailer.send(
        Mail(
            idempotency_key="depart-MTQ-1/notify/hr/done",
            to="parti@mtq.example",
            subject="Votre arrivée",
            body="Bonjour Annie",
        ),
        AT,
    )
    activities = activities_on(
        demo_uow, CALENDAR, TEST_AUDIT_KEYS, TEST_MAIL_KEYS, mail_server=smtp.mail_server()
    )
    async with build_worker(time_skipping_env.client, task_queue, activities):
        handle = await time_skipping_env.client.start_workflow(
            MailRelayWorkflow.run, id="mail-relay", task_queue=task_queue
        )
        assert await handle.result() == RelayReport(sent=2, failed=1)
        history = await handle.fetch_history()

    stored, opened = history.to_json(), await opened_text(history)
    assert '"sent":2' in opened  # the counts are there, opened with the key
    logged = "\n".join(
        record.getMessage() for record in caplog.records if not record.name.startswith("mail.")
    )
    assert "escalated to super-cote" in logged
    for needle in PERSONAL:
        assert needle not in stored and needle not in opened, f"{needle} in the history"
        assert needle not in logged, f"{needle} in the logs"
    assert len(smtp.kept()) == 2
