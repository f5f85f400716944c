"""The training registration workflow: one per participant of a session, id
`formation-<session>-<MO>-<employee>`."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.service_calendar import CalendarActivities
    from activities.training import TrainingActivities
    from models.requests import Process
    from models.ticket_lifecycle import SYSTEM
    from models.training import (
        CancelPlace,
        Enrolment,
        EnrolmentRef,
        EnrolmentStatus,
        ParticipantNotice,
        StartTraining,
        TrainingState,
        TrainingStatus,
        training_id,
    )
    from workflows.activity_options import ACTIVITY_TIMEOUT, execute
    from workflows.audit_feed import AuditFeed
    from workflows.search_attributes import training_attributes


@workflow.defn
class TrainingRegistrationWorkflow:
    """Training registration (RULES.md "Training"): registers the participant in SGA as the MO
    instructed or per the employee's development plan; a full session puts them on its waiting
    list, served in order: the cancellation that frees a place signals the first waiting
    participant's workflow (and each open day's opening the workflow looks again, in case).
    Still waiting when the session begins: not served. The participant is told at each change.
    Updates: `cancel` (an agent cancels the place). Signals: `promoted`. Queries: `state`.
    """

    @workflow.init
    def __init__(self, start: StartTraining) -> None:
        self._start = start
        self._state = TrainingState.initial(start)
        self._promoted = False

    @workflow.run
    async def run(self, start: StartTraining) -> TrainingState:
        feed = AuditFeed(
            start.id,
            start.enrol.mo,
            Process.training,
            lambda: self._state.steps,
            listing=lambda: self._state.listing(),
        )
        state = await self._run(start)
        await feed.close()  # every step in the audit trail before the end
        return state

    async def _run(self, start: StartTraining) -> TrainingState:
        enrolment = await execute(TrainingActivities.enrol, start.enrol)
        await self._follow(enrolment)
        while self._state.status is TrainingStatus.waiting:
            if not await self._wait_for_a_place():
                break
        if self._state.status is TrainingStatus.registered:
            await self._until_session_or_cancel()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._state

    @workflow.query
    def state(self) -> TrainingState:
        return self._state

    @workflow.signal
    def promoted(self) -> None:
        self._promoted = True

    @workflow.update
    async def cancel(self, step: CancelPlace) -> TrainingState:
        cancellation = await execute(TrainingActivities.cancel_enrolment, self._ref())
        self._state.log("cancel", step.agent, workflow.now())
        await self._follow(cancellation.cancelled)
        promoted = cancellation.promoted
        if promoted is not None:
            other = training_id(promoted.session, promoted.mo, promoted.employee_number)
            try:
                await workflow.get_external_workflow_handle(other).signal(
                    TrainingRegistrationWorkflow.promoted
                )
            except ApplicationError:
                # Enrolled outside a workflow: SGA has registered them all the same.
                workflow.logger.info("no registration workflow %s to tell", other)
        return self._state

    @cancel.validator
    def _validate_cancel(self, step: CancelPlace) -> None:
        if self._state.status not in (TrainingStatus.registered, TrainingStatus.waiting):
            raise ValueError(
                f"{self._state.id} is {self._state.status.value}: there is no place to cancel"
            )

    # --- the process ------------------------------------------------------------------------

    async def _wait_for_a_place(self) -> bool:
        """Until promoted (then registered), the session begins (not served) or a cancel."""
        begins = self._start.session_starts_at
        next_day = await workflow.execute_local_activity_method(
            CalendarActivities.next_open_day_start,
            workflow.now(),
            start_to_close_timeout=ACTIVITY_TIMEOUT,
        )
        wake = min(next_day, begins)
        try:
            await workflow.wait_condition(
                lambda: self._promoted or self._state.status is not TrainingStatus.waiting,
                timeout=max(wake - workflow.now(), timedelta(seconds=1)),
            )
        except TimeoutError:
            pass
        if self._state.status is not TrainingStatus.waiting:
            return False
        self._promoted = False
        enrolment = await execute(TrainingActivities.enrolment_of, self._ref())
        if enrolment is not None:
            await self._follow(enrolment)
        if self._state.status is TrainingStatus.waiting and workflow.now() >= begins:
            cancelled = await execute(TrainingActivities.cancel_enrolment, self._ref())
            await self._follow(cancelled.cancelled, TrainingStatus.not_served)
            return False
        return True

    async def _until_session_or_cancel(self) -> None:
        remaining = self._start.session_starts_at - workflow.now()
        if remaining > timedelta(0):
            try:
                await workflow.wait_condition(
                    lambda: self._state.status is not TrainingStatus.registered,
                    timeout=remaining,
                )
                return
            except TimeoutError:
                pass
        self._state.log("session_began", SYSTEM, workflow.now())

    async def _follow(self, enrolment: Enrolment, as_status: TrainingStatus | None = None) -> None:
        """Take SGA's word for where the participant stands; tell them when it changed."""
        status = (
            as_status
            or {
                EnrolmentStatus.registered: TrainingStatus.registered,
                EnrolmentStatus.waiting: TrainingStatus.waiting,
                EnrolmentStatus.cancelled: TrainingStatus.cancelled,
            }[enrolment.status]
        )
        position = enrolment.waiting_position if status is TrainingStatus.waiting else None
        if (status, position) == (self._state.status, self._state.waiting_position):
            return
        changed = status is not self._state.status
        self._state.status = status
        self._state.waiting_position = position
        if not changed:
            return  # moved up the waiting list: no mail for that
        self._state.log(status.value, SYSTEM, workflow.now(), _place(position))
        workflow.upsert_search_attributes(
            [pair.key.value_set(pair.value) for pair in training_attributes(self._state)]
        )
        await execute(
            TrainingActivities.notify_participant,
            ParticipantNotice(
                # One may enrol again after a cancellation: the request time tells them apart.
                idempotency_key=(
                    f"{self._state.id}/{self._start.requested_at.isoformat()}/{status.value}"
                ),
                mo=self._state.mo,
                employee_number=self._state.employee_number,
                session=self._state.session,
                status=status,
                waiting_position=position,
            ),
        )

    def _ref(self) -> EnrolmentRef:
        return EnrolmentRef(
            session=self._state.session,
            mo=self._state.mo,
            employee_number=self._state.employee_number,
        )


def _place(position: int | None) -> str | None:
    return None if position is None else f"position {position}"
