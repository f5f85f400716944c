"""The parameterisation workflow: one per parameterisation or access request, id
`param-<MO>-<year>-<n>` or `acces-<MO>-<year>-<n>`."""

from __future__ import annotations

import asyncio
from datetime import datetime

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.parameterisation import ParameterisationActivities
    from activities.service_calendar import CalendarActivities
    from models.notices import Template, Wording
    from models.parameterisation import (
        FINAL_PARAM_STATUSES,
        ApplyParam,
        AskClient,
        AuthoriseParam,
        ClientAnswer,
        CompleteParam,
        MoMail,
        ParamState,
        ParamStatus,
        QualityCheck,
        StartParameterisation,
        TakeParam,
        check_completion,
        request_prefix,
    )
    from models.requests import WARNED
    from models.service_calendar import MONTREAL
    from models.ticket_lifecycle import SYSTEM
    from workflows.activity_options import ACTIVITY_TIMEOUT, execute, failure_reason
    from workflows.audit_feed import AuditFeed
    from workflows.escalations import escalate_given_up
    from workflows.search_attributes import param_attributes
    from workflows.take_in_charge import watch_take_deadline


@workflow.defn
class ParameterisationWorkflow:
    """A parameterisation or access request (RULES.md "Parameterisation, access and security").

    Checks the request against the MO's registre d'autorité as of the day it was received
    (refused at once otherwise), waits for an agent to take it in charge (24-hour rule: breach and
    escalation), lets the agent ask the MO questions (waiting on the client: a reminder each open
    day, closed after the configured number of open days without an answer), has the agent
    complete it (the responsibility template, for those kinds), has a second agent check its
    quality, applies it in SAGIR idempotently and tells the MO.
    Updates: `take`, `ask`, `answer` (the MO answers), `complete`, `check` (quality check).
    Queries: `state`.
    """

    @workflow.init
    def __init__(self, start: StartParameterisation) -> None:
        self._start = start
        self._state = ParamState.initial(start)
        self._approved = False

    @workflow.run
    async def run(self, start: StartParameterisation) -> ParamState:
        feed = AuditFeed(
            start.id,
            start.request.mo,
            request_prefix(start.request.kind),
            lambda: self._state.steps,
            due=start.due,
            listing=lambda: self._state.listing(),
        )
        state = await self._run(start)
        await feed.close()  # every step in the audit trail before the end
        return state

    async def _run(self, start: StartParameterisation) -> ParamState:
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
        await self._process()
        await watcher
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._state

    @workflow.query
    def state(self) -> ParamState:
        return self._state

    # --- what agents and the MO do ----------------------------------------------------------

    @workflow.update
    def take(self, step: TakeParam) -> ParamState:
        self._state.taken_by = step.agent
        self._state.taken_at = workflow.now()
        self._state.log("take", step.agent, workflow.now())
        self._set_status(ParamStatus.in_progress)
        return self._state

    @take.validator
    def _validate_take(self, step: TakeParam) -> None:
        self._require(ParamStatus.received, "take")

    @workflow.update
    def ask(self, step: AskClient) -> ParamState:
        self._state.questions += 1
        self._state.log("ask", step.agent, workflow.now(), step.question)
        self._set_status(ParamStatus.waiting_client)
        return self._state

    @ask.validator
    def _validate_ask(self, step: AskClient) -> None:
        self._require(ParamStatus.in_progress, "ask")

    @workflow.update
    def answer(self, step: ClientAnswer) -> ParamState:
        self._state.log("answer", step.by, workflow.now(), step.answer)
        self._set_status(ParamStatus.in_progress)
        return self._state

    @answer.validator
    def _validate_answer(self, step: ClientAnswer) -> None:
        self._require(ParamStatus.waiting_client, "answer")

    @workflow.update
    def complete(self, step: CompleteParam) -> ParamState:
        self._state.template = step.template
        self._state.completed_by = step.agent
        self._state.log("complete", step.agent, workflow.now())
        self._set_status(ParamStatus.to_check)
        return self._state

    @complete.validator
    def _validate_complete(self, step: CompleteParam) -> None:
        self._require(ParamStatus.in_progress, "complete")
        check_completion(self._state.kind, self._state.mo, self._state.responsibility, step)

    @workflow.update
    def check(self, step: QualityCheck) -> ParamState:
        if step.approved:
            self._state.checked_by = step.agent
            self._state.log("quality_approved", step.agent, workflow.now(), step.note)
            self._approved = True
        else:
            # Back to the agent, who completes it again for another check.
            self._state.log("quality_returned", step.agent, workflow.now(), step.note)
            self._state.completed_by = None
            self._set_status(ParamStatus.in_progress)
        return self._state

    @check.validator
    def _validate_check(self, step: QualityCheck) -> None:
        self._require(ParamStatus.to_check, "check")
        if self._approved:
            raise ValueError(f"{self._state.id} has passed its quality check already")
        if step.agent == self._state.completed_by:
            raise ValueError(
                f"agent: {step.agent} completed {self._state.id}; the quality check is done "
                "by another agent"
            )

    def _require(self, status: ParamStatus, step: str) -> None:
        if self._state.status is not status:
            raise ValueError(
                f"{step}: {self._state.id} is {self._state.status.value}; "
                f"{step} is allowed only when it is {status.value}"
            )

    # --- the process ------------------------------------------------------------------------

    async def _process(self) -> None:
        request = self._start.request
        try:
            await execute(
                ParameterisationActivities.authorise,
                AuthoriseParam(
                    request=request, day=self._start.received_at.astimezone(MONTREAL).date()
                ),
            )
        except ActivityError as error:
            return await self._refuse(failure_reason(error))
        self._state.log("authorised", SYSTEM, workflow.now(), f"by {request.authorised_by}")
        while True:
            await workflow.wait_condition(
                lambda: self._approved or self._state.status is ParamStatus.waiting_client
            )
            if self._approved:
                break
            if not await self._wait_for_answer():
                return await self._close_without_answer()
        await self._apply()

    async def _wait_for_answer(self) -> bool:
        """Wait for the MO's answer, reminding it each open day; False after the configured
        number of open days without one."""
        question = self._state.questions
        waited = 0
        while True:
            next_day = await workflow.execute_local_activity_method(
                CalendarActivities.next_open_day_start,
                workflow.now(),
                start_to_close_timeout=ACTIVITY_TIMEOUT,
            )
            try:
                await workflow.wait_condition(
                    lambda: self._state.status is not ParamStatus.waiting_client,
                    timeout=next_day - workflow.now(),
                )
                return True
            except TimeoutError:
                pass
            waited += 1
            if waited >= self._start.answer_wait_open_days:
                return False
            self._state.reminders += 1
            self._state.log("reminder", SYSTEM, workflow.now(), f"open day {waited}")
            await self._tell_mo(
                Template.request_question_reminder,
                {
                    "request": self._state.id,
                    "day": str(waited),
                    "days": str(self._start.answer_wait_open_days),
                },
                key=f"{self._state.id}/question-{question}/reminder-{waited}",
            )

    async def _close_without_answer(self) -> None:
        days = self._start.answer_wait_open_days
        self._state.reason = f"no answer from the MO after {days} open days"
        self._state.log("closed_no_answer", SYSTEM, workflow.now(), self._state.reason)
        self._set_status(ParamStatus.closed_no_answer)
        await self._tell_mo(
            Template.request_closed_no_answer,
            {"request": self._state.id, "reason": self._state.reason or ""},
        )
        await escalate_given_up(
            self._state.id, self._state.id, self._state.mo, self._state.reason or ""
        )

    async def _apply(self) -> None:
        try:
            done = await execute(
                ParameterisationActivities.apply,
                ApplyParam(
                    idempotency_key=f"{self._state.id}/apply",
                    request=self._start.request,
                    template=self._state.template,
                ),
            )
        except ActivityError as error:
            self._state.reason = f"SAGIR refused the change: {failure_reason(error)}"
            self._state.log("apply_failed", SYSTEM, workflow.now(), self._state.reason)
            self._set_status(ParamStatus.failed)
            await self._tell_mo(
                Template.request_not_applied,
                {"request": self._state.id, "reason": self._state.reason or ""},
            )
            return
        self._state.applied_at = workflow.now()
        self._state.log("applied", SYSTEM, workflow.now(), "; ".join(done) or None)
        self._set_status(ParamStatus.applied)
        await self._tell_mo(
            Template.request_applied, {"request": self._state.id, "kind": self._state.kind.value}
        )

    async def _refuse(self, reason: str) -> None:
        self._state.reason = reason
        self._state.log("refused", SYSTEM, workflow.now(), reason)
        self._set_status(ParamStatus.refused)
        await self._tell_mo(Template.request_refused, {"request": self._state.id, "reason": reason})

    async def _tell_mo(
        self, template: Template, values: dict[str, str], key: str | None = None
    ) -> None:
        await execute(
            ParameterisationActivities.tell_mo,
            MoMail(
                idempotency_key=key or f"{self._state.id}/mail/{self._state.status.value}",
                to=self._start.request.mo_email,
                wording=Wording(template=template, values=values),
            ),
        )

    def _set_status(self, status: ParamStatus) -> None:
        self._state.status = status
        self._publish()

    def _publish(self) -> None:
        workflow.upsert_search_attributes(
            [pair.key.value_set(pair.value) for pair in param_attributes(self._state)]
        )

    def _taken_or_final(self) -> bool:
        return self._state.taken_by is not None or self._state.status in FINAL_PARAM_STATUSES

    def _warn(self, at: datetime) -> None:
        self._state.log(WARNED, SYSTEM, at)

    def _breach(self, at: datetime) -> None:
        self._state.breached = True
        self._state.log("breached", SYSTEM, at)
        self._publish()
