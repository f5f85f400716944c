"""The communiqué workflow: one per communiqué, id `communique-2026-000012`."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.communiques import CommuniqueActivities, QueueDeliveries, ResolveRecipients
    from models.communiques import (
        BEFORE_RELEASE,
        DGGIR,
        CancelCommunique,
        CheckCommunique,
        CommuniqueNote,
        CommuniqueState,
        CommuniqueStatus,
        DeliveryCounts,
        ReleaseCommunique,
        StartCommunique,
    )
    from models.requests import Process
    from models.ticket_lifecycle import SYSTEM
    from workflows.activity_options import execute
    from workflows.audit_feed import AuditFeed
    from workflows.search_attributes import communique_attributes

# Queuing 20,000 recipients takes seconds (bench/communique_fanout.py); it beats after each
# batch of 1,000 (a tenth of a second), so a worker killed mid-way is noticed, and the queueing
# goes on from its last batch, within the heartbeat timeout.
QUEUE_TIMEOUT = timedelta(hours=1)
QUEUE_HEARTBEAT = timedelta(seconds=20)
QUEUE_RETRY = RetryPolicy(maximum_interval=timedelta(minutes=1))
# How often the workflow looks at the outbox while the relay delivers: soon at first, then
# once a minute (bench/communique_fanout.py: 20,000 mails go in about three minutes, and a
# longer wait only delays `sent`); a mail the server refuses for a while is tried again for
# hours, a look a minute is about 1,500 events over four hours, far within the engine's limits.
FIRST_LOOK = timedelta(seconds=10)
LONGEST_LOOK = timedelta(minutes=1)


@workflow.defn
class CommuniqueWorkflow:
    """A communiqué (RULES.md "Training, communiqués, billing"): submitted by its author,
    checked by a CA agent (its groups exist, the author may address them, they reach someone),
    released by an agent, then sent at its release time (a durable timer, which may fall
    outside service hours: mail is not an agent's work): its recipients resolved and recorded,
    their mail queued in batches through the outbox and delivered by the mail relay; once every
    mail is delivered or failed for good, the question period runs, then it closes. A
    cancellation before the release stops it; after the release nothing can be recalled.
    Updates: `check`, `release`, `cancel`. Queries: `state`.
    """

    @workflow.init
    def __init__(self, start: StartCommunique) -> None:
        self._start = start
        self._state = CommuniqueState.initial(start)
        self._version = 0

    @workflow.run
    async def run(self, start: StartCommunique) -> CommuniqueState:
        feed = AuditFeed(start.id, start.mo or DGGIR, Process.communique, lambda: self._state.steps)
        await self._run(start)
        await workflow.wait_condition(workflow.all_handlers_finished)
        await feed.close()
        return self._state

    async def _run(self, start: StartCommunique) -> None:
        await workflow.wait_condition(lambda: self._state.status not in _WAITING_FOR_AGENTS)
        if self._state.status is CommuniqueStatus.scheduled and start.release_at is not None:
            wait = start.release_at - workflow.now()
            if wait > timedelta(0):
                try:
                    await workflow.wait_condition(
                        lambda: self._state.status is not CommuniqueStatus.scheduled,
                        timeout=wait,
                    )
                except TimeoutError:
                    pass
        if self._state.status is not CommuniqueStatus.scheduled:
            return  # refused or cancelled: nothing was sent
        await self._send()
        until = workflow.now() + timedelta(days=start.question_days)
        self._state.questions_until = until
        self._change(CommuniqueStatus.sent, "sent", SYSTEM, _counted(self._state))
        await self._note()
        await workflow.sleep(until - workflow.now())
        self._change(CommuniqueStatus.closed, "closed", SYSTEM)
        await self._note()

    @workflow.query
    def state(self) -> CommuniqueState:
        return self._state

    # --- the agents' and the author's steps -------------------------------------------------

    @workflow.update
    async def check(self, step: CheckCommunique) -> CommuniqueState:
        outcome = await execute(CommuniqueActivities.check_communique, self._state.id)
        if self._state.status is not CommuniqueStatus.submitted:
            return self._state  # cancelled while the check ran
        if outcome.problems:
            self._state.refusal = " ".join(outcome.problems)[:400]
            self._change(CommuniqueStatus.refused, "refused", step.agent, self._state.refusal)
        else:
            self._state.checked_by = step.agent
            self._change(
                CommuniqueStatus.checked, "check", step.agent, f"{outcome.recipients} destinataires"
            )
        await self._note()
        return self._state

    @check.validator
    def _validate_check(self, step: CheckCommunique) -> None:
        if self._state.status is not CommuniqueStatus.submitted:
            raise ValueError(
                f"{self._state.id} is {self._state.status.value}: there is no check due"
            )

    @workflow.update
    async def release(self, step: ReleaseCommunique) -> CommuniqueState:
        self._state.released_by = step.agent
        self._state.released_at = workflow.now()
        when = self._start.release_at
        note = None if when is None or when <= workflow.now() else f"envoi le {when.isoformat()}"
        self._change(CommuniqueStatus.scheduled, "release", step.agent, note)
        await self._note()
        return self._state

    @release.validator
    def _validate_release(self, step: ReleaseCommunique) -> None:
        if self._state.status is not CommuniqueStatus.checked:
            raise ValueError(
                f"{self._state.id} is {self._state.status.value}: only a checked communiqué "
                "is released"
            )

    @workflow.update
    async def cancel(self, step: CancelCommunique) -> CommuniqueState:
        self._change(CommuniqueStatus.cancelled, "cancel", step.by)
        await self._note()
        return self._state

    @cancel.validator
    def _validate_cancel(self, step: CancelCommunique) -> None:
        if self._state.status not in BEFORE_RELEASE:
            if self._state.status is CommuniqueStatus.cancelled:
                raise ValueError(f"{self._state.id} is cancelled already")
            if self._state.status is CommuniqueStatus.refused:
                raise ValueError(f"{self._state.id} was refused at its check: nothing to cancel")
            raise ValueError(
                f"{self._state.id} is {self._state.status.value}: it was released and sent, and "
                "a communiqué sent cannot be recalled; submit a correction instead"
            )

    # --- the sending -------------------------------------------------------------------------

    async def _send(self) -> None:
        self._change(CommuniqueStatus.sending, "sending", SYSTEM)
        await self._note()
        resolution = await execute(
            CommuniqueActivities.resolve_recipients,
            ResolveRecipients(id=self._state.id, at=workflow.now()),
        )
        self._state.recipients = resolution.recipients
        self._state.recipients_digest = resolution.digest
        self._state.log(
            "resolved", SYSTEM, workflow.now(), f"{resolution.recipients} destinataires"
        )
        counts = await workflow.execute_activity_method(
            CommuniqueActivities.queue_deliveries,
            QueueDeliveries(id=self._state.id, at=workflow.now()),
            start_to_close_timeout=QUEUE_TIMEOUT,
            heartbeat_timeout=QUEUE_HEARTBEAT,
            retry_policy=QUEUE_RETRY,
        )
        self._count(counts)
        self._state.log("queued", SYSTEM, workflow.now(), f"{counts.queued} courriels")
        await self._note()
        look = FIRST_LOOK
        while not counts.done:
            await workflow.sleep(look)
            look = min(look * 2, LONGEST_LOOK)
            counts = await execute(CommuniqueActivities.delivery_counts, self._state.id)
            self._count(counts)

    def _count(self, counts: DeliveryCounts) -> None:
        self._state.queued = counts.queued
        self._state.delivered = counts.delivered
        self._state.failed = counts.failed

    def _change(
        self, status: CommuniqueStatus, kind: str, actor: str, note: str | None = None
    ) -> None:
        self._state.status = status
        self._state.log(kind, actor, workflow.now(), note)
        workflow.upsert_search_attributes(
            [pair.key.value_set(pair.value) for pair in communique_attributes(self._state)]
        )

    async def _note(self) -> None:
        """The desk's records as the workflow stands (a newer note always wins)."""
        self._version += 1
        await execute(
            CommuniqueActivities.note_communique, CommuniqueNote.of(self._state, self._version)
        )


_WAITING_FOR_AGENTS = frozenset({CommuniqueStatus.submitted, CommuniqueStatus.checked})


def _counted(state: CommuniqueState) -> str:
    return f"{state.delivered} remis, {state.failed} en échec"
