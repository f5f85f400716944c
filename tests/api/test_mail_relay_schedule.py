"""The mail relay runs on a Temporal Schedule (`sagir-mail-relay`), created by every worker when
SAGIR_SMTP_URL is set (once: a second worker changes nothing), and not at all without it; a round
the Schedule starts delivers the outbox."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from temporalio.client import ScheduleOverlapPolicy
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from adapters.database import OutboxRow, UnitOfWork
from adapters.outbox_mailer import OutboxMailer
from models.mail import Mail
from starter.client import ensure_schedules
from starter.settings import Settings
from tests.mail_server import TestSmtp
from tests.payload_keys import TEST_AUDIT_KEYS
from tests.workflows.desks_harness import CALENDAR, TEST_MAIL_KEYS
from worker import activities_on, build_worker
from workflows import mail_relay


def settings_with(
    monkeypatch: pytest.MonkeyPatch, home: Path, task_queue: str, smtp_url: str | None
) -> Settings:
    monkeypatch.setenv("SAGIR_HOME", str(home))
    monkeypatch.setenv("SAGIR_TASK_QUEUE", task_queue)
    if smtp_url is None:
        monkeypatch.delenv("SAGIR_SMTP_URL", raising=False)
    else:
        monkeypatch.setenv("SAGIR_SMTP_URL", smtp_url)
    return Settings()


async def test_the_relay_schedule_exists_once_smtp_is_set_and_its_rounds_deliver_the_outbox(
    local_env: WorkflowEnvironment,
    demo_uow: UnitOfWork,
    task_queue: str,
    smtp: TestSmtp,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client = local_env.client
    handle = client.get_schedule_handle(mail_relay.SCHEDULE_ID)

    await ensure_schedules(client, settings_with(monkeypatch, tmp_path, task_queue, None))
    with pytest.raises(RPCError):  # no SAGIR_SMTP_URL: no relay
        await handle.describe()

    settings = settings_with(monkeypatch, tmp_path, task_queue, smtp.url)
    await ensure_schedules(client, settings)
    await ensure_schedules(client, settings)  # a second worker: nothing changes
    described = await handle.describe()
    assert described.schedule.spec.intervals[0].every.total_seconds() == 15
    assert described.schedule.policy.overlap is ScheduleOverlapPolicy.SKIP

    key = "arrivee-MTQ-45871/notify/employee/active"
    OutboxMailer(demo_uow, TEST_MAIL_KEYS).send(
        Mail(idempotency_key=key, to="annie.morin@mtq.example", subject="Arrivée", body="Prêt."),
        datetime.now(UTC),
    )
    activities = activities_on(
        demo_uow, CALENDAR, TEST_AUDIT_KEYS, TEST_MAIL_KEYS, mail_server=smtp.mail_server()
    )
    async with build_worker(client, task_queue, activities):
        await handle.trigger()
        status = "queued"
        for _ in range(100):
            with demo_uow.begin() as session:
                row = session.get(OutboxRow, key)
                assert row is not None
                status = row.status
            if status == "sent":
                break
            await asyncio.sleep(0.1)
    assert status == "sent"
    assert [message.to for message in smtp.kept()] == ["annie.morin@mtq.example"]
    await handle.delete()
