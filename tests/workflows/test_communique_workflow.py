"""Communiqués (issue 14) on the time-skipping server, a real SMTP server and SQLite: forwarded
unchanged (the server's received bytes hashed), released at their time, cancelled before it or
never recalled after, their recipients resolved at the release and recorded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from temporalio.testing import WorkflowEnvironment

from adapters.database import CommuniqueRow, OutboxRow, UnitOfWork
from adapters.mail_sink import read_message
from adapters.outbox_mailer import OutboxMailer
from models.communiques import (
    CommuniqueStatus,
    Group,
    canonical_body,
    digest_of_message,
    recipients_digest,
)
from models.mail import Mail
from starter.desks.errors import InvalidInput, Refused
from tests.mail_server import TestSmtp
from tests.workflows.communiques_harness import (
    AUTHOR_MO,
    BODY,
    CommuniqueHarness,
    add_users,
    communique_desk,
    dggir_submission,
    mo_submission,
)
from tests.workflows.desks_harness import TEST_MAIL_KEYS

AGENT = "agent-tremblay"
MTQ_USERS = 3  # the demo's SAGIR users of the MTQ


def received_digests(smtp: TestSmtp) -> list[str]:
    """The content digest of each message as the SMTP server received it, from its bytes."""
    return [digest_of_message(Path(kept.file).read_bytes()) for kept in smtp.kept()]


async def sent_in_full(harness: CommuniqueHarness, workflow_id: str) -> None:
    """Relay rounds until the workflow has seen every mail delivered (it looks every 10 s at
    first: the time-skipping server skips those waits)."""
    for _ in range(50):
        await harness.deliver()
        state = await harness.desk.state(workflow_id)
        if state.status is CommuniqueStatus.sent:
            return
        await harness.env.sleep(timedelta(seconds=30))
    raise AssertionError(f"{workflow_id} never sent: {state.status}")


async def test_every_delivery_carries_the_submitted_content_byte_for_byte(
    time_skipping_env: WorkflowEnvironment,
    demo_uow: UnitOfWork,
    task_queue: str,
    smtp: TestSmtp,
    tmp_path: Path,
) -> None:
    async with communique_desk(time_skipping_env, demo_uow, task_queue, smtp, tmp_path) as desk:
        add_users(desk.erp, "MTQ", ["61001", "61002"])
        add_users(desk.erp, "MSSS", ["62001"])
        submitted = await desk.desk.submit(dggir_submission())
        assert submitted.body == canonical_body(BODY)
        await desk.desk.check(submitted.id, AGENT)
        await desk.desk.release(submitted.id, AGENT)
        await sent_in_full(desk, submitted.id)
        report = await desk.desk.verify(submitted.id)

    received = smtp.kept()
    # The demo's five SAGIR users, and the three added.
    assert len(received) == 8 == report.delivered == report.matching
    assert received_digests(smtp) == [submitted.digest] * 8
    for kept in received:
        message = read_message(Path(kept.file))
        assert message["Subject"] == f"{submitted.tag} {submitted.title}"
        (attachment,) = list(message.iter_attachments())
        assert attachment.get_content() == dggir_submission().files[0].data
    assert report.proven and not report.mismatched and not report.unrecorded


async def test_verify_names_a_delivery_whose_digest_differs(
    time_skipping_env: WorkflowEnvironment,
    demo_uow: UnitOfWork,
    task_queue: str,
    smtp: TestSmtp,
    tmp_path: Path,
) -> None:
    async with communique_desk(time_skipping_env, demo_uow, task_queue, smtp, tmp_path) as desk:
        add_users(desk.erp, "MTQ", ["61001"])
        submitted = await desk.desk.submit(dggir_submission(mos=["MTQ"]))
        await desk.desk.check(submitted.id, AGENT)
        await desk.desk.release(submitted.id, AGENT)
        await sent_in_full(desk, submitted.id)
        with demo_uow.begin() as session:
            row = session.scalars(
                select(OutboxRow).where(OutboxRow.communique_id == submitted.id)
            ).first()
            assert row is not None
            row.content_digest = "0" * 64
            altered = row.idempotency_key
        report = await desk.desk.verify(submitted.id)
    assert report.mismatched == [altered]
    assert not report.proven


async def test_groups_are_resolved_at_release_and_recorded(
    time_skipping_env: WorkflowEnvironment,
    demo_uow: UnitOfWork,
    task_queue: str,
    smtp: TestSmtp,
    tmp_path: Path,
) -> None:
    async with communique_desk(time_skipping_env, demo_uow, task_queue, smtp, tmp_path) as desk:
        add_users(desk.erp, "MTQ", ["61001"], ["RM-ACHETEUR"])
        submitted = await desk.desk.submit(
            dggir_submission(groups=[Group.parse("responsibility:RM-ACHETEUR")], mos=["MTQ"])
        )
        checked = await desk.desk.check(submitted.id, AGENT)
        assert checked.status is CommuniqueStatus.checked
        # A buyer who got the responsibility after the check, before the release: included.
        add_users(desk.erp, "MTQ", ["61002"], ["RM-ACHETEUR"])
        await desk.desk.release(submitted.id, AGENT)
        await sent_in_full(desk, submitted.id)
        # Who gets the responsibility after the release changes nothing.
        add_users(desk.erp, "MTQ", ["61003"], ["RM-ACHETEUR"])
        shown = await desk.desk.show(submitted.id)
        recipients = list(desk.records.recipients(submitted.id))

    # The demo's buyer (52311), the one of the check, the one added before the release.
    assert [(one.mo, one.employee_number) for one in recipients] == [
        ("MTQ", "52311"),
        ("MTQ", "61001"),
        ("MTQ", "61002"),
    ]
    assert shown.recipients == 3
    assert shown.recipients_digest == recipients_digest(recipients)
    assert shown.resolved_at is not None and shown.delivered == 3


async def test_release_waits_for_its_scheduled_time_even_outside_service_hours(
    time_skipping_env: WorkflowEnvironment,
    demo_uow: UnitOfWork,
    task_queue: str,
    smtp: TestSmtp,
    tmp_path: Path,
) -> None:
    async with communique_desk(time_skipping_env, demo_uow, task_queue, smtp, tmp_path) as desk:
        now = datetime.now(UTC)
        # 3 a.m. in Montréal, two days from now: outside service hours, and sent all the same.
        release_at = (now + timedelta(days=2)).replace(hour=8, minute=0, second=0, microsecond=0)
        submitted = await desk.desk.submit(dggir_submission(mos=["MTQ"], release_at=release_at))
        await desk.desk.check(submitted.id, AGENT)
        released = await desk.desk.release(submitted.id, AGENT)
        assert released.status is CommuniqueStatus.scheduled
        await time_skipping_env.sleep(timedelta(days=1))
        assert (await desk.desk.show(submitted.id)).status is CommuniqueStatus.scheduled
        assert desk.records.counts(submitted.id).queued == 0
        # To an hour past the release, whatever the time of day the test runs at.
        now = await time_skipping_env.get_current_time()
        await time_skipping_env.sleep(release_at + timedelta(hours=1) - now)
        await sent_in_full(desk, submitted.id)
        shown = await desk.desk.show(submitted.id)
        state = await desk.desk.state(submitted.id)
    sending = next(step for step in state.steps if step.kind == "sending")
    assert sending.at >= release_at
    assert shown.delivered == MTQ_USERS == len(smtp.kept())


async def test_a_cancellation_before_release_sends_nothing(
    time_skipping_env: WorkflowEnvironment,
    demo_uow: UnitOfWork,
    task_queue: str,
    smtp: TestSmtp,
    tmp_path: Path,
) -> None:
    async with communique_desk(time_skipping_env, demo_uow, task_queue, smtp, tmp_path) as desk:
        release_at = datetime.now(UTC) + timedelta(days=3)
        submitted = await desk.desk.submit(dggir_submission(release_at=release_at))
        await desk.desk.check(submitted.id, AGENT)
        await desk.desk.release(submitted.id, AGENT)
        cancelled = await desk.desk.cancel(submitted.id, AGENT)
        await time_skipping_env.sleep(timedelta(days=4))
        await desk.deliver()
        shown = await desk.desk.show(submitted.id)
    assert cancelled.status is CommuniqueStatus.cancelled == shown.status
    assert shown.recipients is None
    assert desk.records.counts(submitted.id).delivered == 0 and smtp.kept() == []


async def test_after_its_release_a_communique_cannot_be_recalled(
    time_skipping_env: WorkflowEnvironment,
    demo_uow: UnitOfWork,
    task_queue: str,
    smtp: TestSmtp,
    tmp_path: Path,
) -> None:
    async with communique_desk(time_skipping_env, demo_uow, task_queue, smtp, tmp_path) as desk:
        submitted = await desk.desk.submit(dggir_submission(mos=["MTQ"]))
        await desk.desk.check(submitted.id, AGENT)
        await desk.desk.release(submitted.id, AGENT)
        await sent_in_full(desk, submitted.id)
        with pytest.raises(Refused, match="cannot be recalled"):
            await desk.desk.cancel(submitted.id, AGENT)
    assert len(smtp.kept()) == MTQ_USERS


async def test_a_correction_is_linked_to_its_original(
    time_skipping_env: WorkflowEnvironment,
    demo_uow: UnitOfWork,
    task_queue: str,
    smtp: TestSmtp,
    tmp_path: Path,
) -> None:
    async with communique_desk(time_skipping_env, demo_uow, task_queue, smtp, tmp_path) as desk:
        original = await desk.desk.submit(dggir_submission())
        correction = await desk.desk.submit(
            dggir_submission(body="La paie du 15 décembre sera versée le 11.", corrects=original.id)
        )
        with pytest.raises(InvalidInput, match="corrects: .* another side"):
            await desk.desk.submit(mo_submission(corrects=original.id))
        shown = await desk.desk.show(original.id)
    assert correction.corrects == original.id
    assert shown.corrected_by == [correction.id]
    assert shown.digest == original.digest != correction.digest


async def test_a_check_refuses_groups_that_do_not_exist_or_reach_nobody(
    time_skipping_env: WorkflowEnvironment,
    demo_uow: UnitOfWork,
    task_queue: str,
    smtp: TestSmtp,
    tmp_path: Path,
) -> None:
    async with communique_desk(time_skipping_env, demo_uow, task_queue, smtp, tmp_path) as desk:
        unknown = await desk.desk.submit(
            dggir_submission(groups=[Group.parse("responsibility:RF-INCONNUE")])
        )
        nobody = await desk.desk.submit(
            mo_submission(groups=[Group.parse("managers")])  # no MTQ user holds powers
        )
        listed = await desk.desk.submit(dggir_submission(groups=[Group.parse("list:paie")]))
        refused = [await desk.desk.check(one.id, AGENT) for one in (unknown, nobody, listed)]
    assert [one.status for one in refused] == [CommuniqueStatus.refused] * 3
    assert "RF-INCONNUE is not a responsibility" in (refused[0].refusal or "")
    assert "reach no SAGIR user" in (refused[1].refusal or "")
    assert "MO's own list" in (refused[2].refusal or "")
    assert AUTHOR_MO == refused[1].mo


async def test_an_mo_communique_reaches_only_its_own_mos_users(
    time_skipping_env: WorkflowEnvironment,
    demo_uow: UnitOfWork,
    task_queue: str,
    smtp: TestSmtp,
    tmp_path: Path,
) -> None:
    async with communique_desk(time_skipping_env, demo_uow, task_queue, smtp, tmp_path) as desk:
        add_users(desk.erp, "MSSS", ["62001"])
        desk.users.keep_list("MTQ", "paie", ["52310"])
        desk.users.keep_list("MSSS", "paie", ["62001"])  # the same name, another MO's list
        to_all = await desk.desk.submit(mo_submission())
        to_list = await desk.desk.submit(mo_submission(groups=[Group.parse("list:paie")]))
        for submitted in (to_all, to_list):
            await desk.desk.check(submitted.id, AGENT)
            await desk.desk.release(submitted.id, AGENT)
            await sent_in_full(desk, submitted.id)
        everyone = {one.mo for one in desk.records.recipients(to_all.id)}
        listed = list(desk.records.recipients(to_list.id))
    assert everyone == {AUTHOR_MO}
    assert [(one.mo, one.employee_number) for one in listed] == [("MTQ", "52310")]


async def test_a_communique_mail_that_cannot_be_written_fails_alone_and_other_mail_goes(
    time_skipping_env: WorkflowEnvironment,
    demo_uow: UnitOfWork,
    task_queue: str,
    smtp: TestSmtp,
    tmp_path: Path,
) -> None:
    async with communique_desk(time_skipping_env, demo_uow, task_queue, smtp, tmp_path) as desk:
        submitted = await desk.desk.submit(dggir_submission(mos=["MTQ"]))
        with demo_uow.begin() as session:
            # A line break in a header, as a row written by hand (the contract refuses it).
            row = session.get(CommuniqueRow, submitted.id)
            assert row is not None
            row.title = "Calendrier\nBcc: tout-le-monde@example.org"
        await desk.desk.check(submitted.id, AGENT)
        await desk.desk.release(submitted.id, AGENT)
        for _ in range(20):
            if desk.records.counts(submitted.id).queued:
                break
            await time_skipping_env.sleep(timedelta(seconds=1))
        OutboxMailer(demo_uow, TEST_MAIL_KEYS).send(
            Mail(
                idempotency_key="T-2026-000999/ack",
                to="jdoe@mtq.example",
                subject="Billet T-2026-000999 reçu",
                body="Bonjour",
            ),
            datetime.now(UTC),
        )
        report = await desk.deliver()
    assert report.failed == MTQ_USERS and report.sent == 1
    assert [kept.subject for kept in smtp.kept()] == ["Billet T-2026-000999 reçu"]
