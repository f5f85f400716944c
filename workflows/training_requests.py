"""The training request workflow (demande de formation): one per request of an MO, id
`demande-formation-<MO>-<year>-<n>`."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy, TypedSearchAttributes
from temporalio.exceptions import (
    ActivityError,
    ApplicationError,
    RetryState,
    WorkflowAlreadyStartedError,
)
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from activities.notices import NoticeActivities
    from activities.training import TrainingActivities
    from models.notices import Template, Wording
    from models.requests import WARNED, Notice, Process, Recipient
    from models.sagir import RuleRefused
    from models.ticket_lifecycle import SYSTEM
    from models.training import (
        Basis,
        Enrol,
        Enrolment,
        EnrolmentStatus,
        StartTraining,
        TrainingState,
        training_id,
    )
    from models.training_requests import (
        FINAL_TRAINING_REQUEST_STATUSES,
        RefuseTrainingRequest,
        RegisterInSession,
        StartTrainingRequest,
        TakeTrainingRequest,
        TrainingRequestState,
        TrainingRequestStatus,
        UnansweredEnrolment,
        check_session_fits,
    )
    from workflows.activity_options import execute, failure_reason
    from workflows.audit_feed import AuditFeed
    from workflows.search_attributes import training_attributes, training_request_attributes
    from workflows.take_in_charge import watch_take_deadline
    from workflows.training import TrainingRegistrationWorkflow

# An agent waits on `register` (the command line, the API, a console page), so SGA is asked for a
# bounded time: its enrolment is one short transaction, and three tries within 30 seconds ride
# over a dropped connection or a lock held a moment. Requests registered before the bound waited
# for SGA however long it took: the patch marks the ones that do not.
BOUNDED_REGISTER_PATCH = "training-request-bounded-register"
REGISTER_WITHIN = timedelta(seconds=30)
REGISTER_TRY = timedelta(seconds=10)
REGISTER_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), backoff_coefficient=2.0, maximum_attempts=3
)
SGA_DID_NOT_ANSWER = (
    "SGA: the training system did not answer; the request is unchanged, try again later"
)


@workflow.defn
class TrainingRequestWorkflow:
    """A training request of an MO (issue 16 item 5): waits for a CA agent to take it in charge
    (24-hour rule: warning, then breach and escalation), then the agent registers the employee in
    a session of the requested course whose first day is in the wished period, or refuses it.
    Registering goes through SGA exactly as a registration by the CA does (the same `enrol`
    activity: registered, or on the waiting list of a full session) and starts the employee's
    `TrainingRegistrationWorkflow` as an abandoned child, which follows the place from then on
    (waiting list, cancellation, the session's start). The personne autorisée who authorised the
    request is told how it ended.
    SGA is asked for at most 30 seconds: past that, `register` is refused and the request is
    unchanged. An enrolment SGA may have made without answering is kept in mind: registering in
    that session again finds it, and the request ending otherwise withdraws it.
    Updates: `take`, `register`, `refuse`. Queries: `state`.
    """

    @workflow.init
    def __init__(self, start: StartTrainingRequest) -> None:
        self._state = TrainingRequestState.initial(start)
        self._registering = False
        self._unanswered: list[UnansweredEnrolment] = []

    @workflow.run
    async def run(self, start: StartTrainingRequest) -> TrainingRequestState:
        feed = AuditFeed(
            start.id,
            start.request.mo,
            Process.training_request,
            lambda: self._state.steps,
            due=start.due,
            listing=lambda: self._state.listing(),
        )
        watcher = asyncio.create_task(
            watch_take_deadline(
                start.id,
                start.id,
                start.request.mo,
                start.due,
                self._taken_or_final,
                self._breach,
                received=start.received_at,
                on_warning=self._warn,
            )
        )
        await workflow.wait_condition(lambda: self._state.status in FINAL_TRAINING_REQUEST_STATUSES)
        await self._tell_requester()
        await self._withdraw_unanswered()
        await watcher
        await workflow.wait_condition(workflow.all_handlers_finished)
        await feed.close()  # every step in the audit trail before the end
        return self._state

    @workflow.query
    def state(self) -> TrainingRequestState:
        return self._state

    # --- what agents do ---------------------------------------------------------------------

    @workflow.update
    def take(self, step: TakeTrainingRequest) -> TrainingRequestState:
        self._state.taken_by = step.agent
        self._state.taken_at = workflow.now()
        self._state.log("take", step.agent, workflow.now())
        self._set_status(TrainingRequestStatus.in_progress)
        return self._state

    @take.validator
    def _validate_take(self, step: TakeTrainingRequest) -> None:
        self._require(TrainingRequestStatus.received, "take")

    @workflow.update
    async def register(self, step: RegisterInSession) -> TrainingRequestState:
        self._registering = True
        try:
            return await self._register(step)
        finally:
            self._registering = False

    async def _register(self, step: RegisterInSession) -> TrainingRequestState:
        state = self._state
        enrol = Enrol(
            session=step.session,
            mo=state.mo,
            employee_number=state.employee_number,
            basis=Basis.mo_instruction,
            by=step.agent,
        )
        if workflow.patched(BOUNDED_REGISTER_PATCH):
            enrolment = await self._enrol_within_bound(enrol)
        else:
            try:
                enrolment = await execute(TrainingActivities.enrol, enrol)
            except ActivityError as error:
                raise _sga_refused(error) from None
        # This session's place is followed now, whichever attempt made it.
        self._unanswered = [
            attempt for attempt in self._unanswered if attempt.enrol.session != step.session
        ]
        state.session = step.session
        state.log("register", step.agent, workflow.now(), f"session {step.session}")
        await self._follow_place(enrol, step)
        if enrolment.status is EnrolmentStatus.waiting:
            state.waiting_position = enrolment.waiting_position
            state.log(
                TrainingRequestStatus.wait_listed.value,
                SYSTEM,
                workflow.now(),
                f"position {enrolment.waiting_position}",
            )
            self._set_status(TrainingRequestStatus.wait_listed)
        else:
            state.log(TrainingRequestStatus.registered.value, SYSTEM, workflow.now())
            self._set_status(TrainingRequestStatus.registered)
        return state

    @register.validator
    def _validate_register(self, step: RegisterInSession) -> None:
        self._require(TrainingRequestStatus.in_progress, "register")
        try:
            check_session_fits(self._state, step.session, step.course, step.starts_on)
        except RuleRefused as refused:
            raise ValueError(str(refused)) from None

    @workflow.update
    def refuse(self, step: RefuseTrainingRequest) -> TrainingRequestState:
        self._state.refusal = step.reason
        self._state.log("refused", step.agent, workflow.now(), step.reason)
        self._set_status(TrainingRequestStatus.refused)
        return self._state

    @refuse.validator
    def _validate_refuse(self, step: RefuseTrainingRequest) -> None:
        self._require(TrainingRequestStatus.in_progress, "refuse")

    def _require(self, status: TrainingRequestStatus, step: str) -> None:
        if self._registering:
            raise ValueError(f"{step}: {self._state.id} is being registered in a session")
        if self._state.status is not status:
            raise ValueError(
                f"{step}: {self._state.id} is {self._state.status.value}; "
                f"{step} is allowed only when it is {status.value}"
            )

    # --- the process ------------------------------------------------------------------------

    async def _enrol_within_bound(self, enrol: Enrol) -> Enrolment:
        """SGA's answer within `REGISTER_WITHIN`, or the update is refused and the request stays
        with the agent, unchanged."""
        since = workflow.now()
        try:
            return await workflow.execute_activity_method(
                TrainingActivities.enrol,
                enrol,
                start_to_close_timeout=REGISTER_TRY,
                schedule_to_close_timeout=REGISTER_WITHIN,
                retry_policy=REGISTER_RETRY,
            )
        except ActivityError as error:
            if error.retry_state is RetryState.NON_RETRYABLE_FAILURE:
                raise _sga_refused(error) from None
            # SGA may have enrolled them and lost the answer: keep the attempt in mind.
            self._unanswered.append(
                UnansweredEnrolment(enrol=enrol, since=since, until=workflow.now())
            )
            raise ApplicationError(SGA_DID_NOT_ANSWER, type="SgaDidNotAnswer") from None

    async def _withdraw_unanswered(self) -> None:
        """Cancel the places unanswered attempts made in sessions the request did not end in
        (SGA is asked until it answers: nobody waits on this); whoever such a cancellation
        serves from the waiting list is told, as an agent's cancellation tells them."""
        for attempt in self._unanswered:
            cancellation = await execute(TrainingActivities.withdraw_unanswered, attempt)
            if cancellation is None:
                continue
            workflow.logger.info("withdrew the unanswered enrolment in %s", attempt.enrol.session)
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
        self._unanswered = []

    async def _follow_place(self, enrol: Enrol, step: RegisterInSession) -> None:
        """Start the employee's registration workflow, which follows the place as any
        registration does (its own `enrol` finds the one made here). One may already follow
        it (the CA enrolled them itself): SGA's answer stands, and that one keeps following."""
        start = StartTraining(
            id=training_id(enrol.session, enrol.mo, enrol.employee_number),
            enrol=enrol,
            requested_at=workflow.now(),
            session_starts_at=step.starts_at,
        )
        try:
            await workflow.start_child_workflow(
                TrainingRegistrationWorkflow.run,
                start,
                id=start.id,
                parent_close_policy=ParentClosePolicy.ABANDON,
                search_attributes=TypedSearchAttributes(
                    training_attributes(TrainingState.initial(start))
                ),
            )
        except WorkflowAlreadyStartedError:
            workflow.logger.info("%s already follows the place", start.id)
        self._state.registration = start.id

    async def _tell_requester(self) -> None:
        """The personne autorisée who authorised the request is told how it ended, at the
        address of their dossier personne (read by the notice's activity, never carried)."""
        state = self._state
        await execute(
            NoticeActivities.notify,
            Notice(
                idempotency_key=f"{state.id}/mail/{state.status.value}",
                mo=state.mo,
                employee_number=state.authorised_by,
                to=Recipient.employee,
                wording=Wording(
                    template=Template.training_request_answered,
                    values={
                        "request": state.id,
                        "employee_number": state.employee_number,
                        "course": state.course,
                        "status": state.status.value,
                        "session": state.session or "",
                        "position": str(state.waiting_position or ""),
                        "reason": state.refusal or "",
                    },
                ),
            ),
        )

    def _set_status(self, status: TrainingRequestStatus) -> None:
        self._state.status = status
        self._publish()

    def _publish(self) -> None:
        workflow.upsert_search_attributes(
            [pair.key.value_set(pair.value) for pair in training_request_attributes(self._state)]
        )

    def _taken_or_final(self) -> bool:
        return (
            self._state.taken_by is not None
            or self._state.status in FINAL_TRAINING_REQUEST_STATUSES
        )

    def _warn(self, at: datetime) -> None:
        self._state.log(WARNED, SYSTEM, at)

    def _breach(self, at: datetime) -> None:
        self._state.breached = True
        self._state.log("breached", SYSTEM, at)
        self._publish()


def _sga_refused(error: ActivityError) -> ApplicationError:
    """SGA's own refusal, for the caller; the request stays with the agent, unchanged."""
    return ApplicationError(
        f"session: SGA refused the registration: {failure_reason(error)}", type="ErpRefused"
    )
