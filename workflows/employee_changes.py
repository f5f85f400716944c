"""The employee-change workflow: one per change the MO's HR reports, id
`modification-<MO>-<employee>-<n>`."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.arrivals import ArrivalActivities
    from activities.employee_changes import EmployeeChangeActivities
    from models.employee_changes import (
        ChangeStatus,
        ChangeWrite,
        CheckChange,
        EmployeeChangeState,
        HrNotice,
        ProposeChange,
        ReviewInput,
        StartEmployeeChange,
        TakeChange,
        change_writes,
        check_proposal,
        effective_at,
        restore_group,
        summary,
    )
    from models.requests import WARNED, Process
    from models.sagir import RuleRefused
    from models.ticket_lifecycle import SYSTEM
    from workflows.activity_options import execute, failure_reason
    from workflows.audit_feed import AuditFeed
    from workflows.search_attributes import employee_change_attributes
    from workflows.take_in_charge import watch_take_deadline


@workflow.defn
class EmployeeChangeWorkflow:
    """A change to an employee's data reported by the MO's HR (issue 16 item 5).

    A move to another MO is carried by the departure and the arrival the desk started with it:
    this workflow records both and hands over at once. Any other change waits for an agent to
    take it in charge (24-hour rule: warning, breach and escalation), reviews the employee's
    accesses against the new situation, lets the agent adjust and propose, has another agent
    check the proposal, applies it in SAGIR from 00:00 on the effective date with the arrival's
    saga writes (a permanent refusal undoes what was applied, newest first), and tells HR.
    Updates: `take`, `propose`, `check` (quality check). Queries: `state`.
    """

    @workflow.init
    def __init__(self, start: StartEmployeeChange) -> None:
        self._start = start
        self._state = EmployeeChangeState.initial(start)

    @workflow.run
    async def run(self, start: StartEmployeeChange) -> EmployeeChangeState:
        feed = AuditFeed(
            start.id,
            start.request.mo,
            Process.employee_change,
            lambda: self._state.steps,
            due=start.due,
            listing=lambda: self._state.listing(),
        )
        if start.request.move is not None:
            await self._hand_over()
        else:
            await self._run(start)
        await workflow.wait_condition(workflow.all_handlers_finished)
        await feed.close()  # every step in the audit trail before the end
        return self._state

    async def _run(self, start: StartEmployeeChange) -> None:
        watcher = asyncio.create_task(
            watch_take_deadline(
                start.id,
                start.id,
                start.request.mo,
                start.due,
                self._taken,
                self._breach,
                received=start.received_at,
                on_warning=self._warn,
            )
        )
        await self._process()
        await watcher

    @workflow.query
    def state(self) -> EmployeeChangeState:
        return self._state

    # --- what agents do ---------------------------------------------------------------------

    @workflow.update
    def take(self, step: TakeChange) -> EmployeeChangeState:
        self._state.taken_by = step.agent
        self._state.taken_at = workflow.now()
        self._state.log("take", step.agent, workflow.now())
        self._set_status(ChangeStatus.in_review)
        return self._state

    @take.validator
    def _validate_take(self, step: TakeChange) -> None:
        self._require(ChangeStatus.received, "take")

    @workflow.update
    def propose(self, step: ProposeChange) -> EmployeeChangeState:
        self._state.proposal = step.proposal
        self._state.proposed_by = step.agent
        self._state.log("propose", step.agent, workflow.now(), step.note)
        self._set_status(ChangeStatus.to_check)
        return self._state

    @propose.validator
    def _validate_propose(self, step: ProposeChange) -> None:
        self._require(ChangeStatus.in_review, "propose")
        review = self._state.review
        if review is None:
            raise ValueError(
                f"propose: the access review of {self._state.id} is not ready yet; try again"
            )
        try:
            check_proposal(review, step.proposal)
        except RuleRefused as refused:
            raise ValueError(str(refused)) from None

    @workflow.update
    def check(self, step: CheckChange) -> EmployeeChangeState:
        if step.approved:
            self._state.checked_by = step.agent
            self._state.log("quality_approved", step.agent, workflow.now(), step.note)
            self._set_status(ChangeStatus.approved)
        else:
            # Back to the agent, who proposes again for another check.
            self._state.log("quality_returned", step.agent, workflow.now(), step.note)
            self._state.proposed_by = None
            self._set_status(ChangeStatus.in_review)
        return self._state

    @check.validator
    def _validate_check(self, step: CheckChange) -> None:
        self._require(ChangeStatus.to_check, "check")
        if step.agent == self._state.proposed_by:
            raise ValueError(
                f"agent: {step.agent} proposed {self._state.id}; the quality check is done "
                "by another agent"
            )

    def _require(self, status: ChangeStatus, step: str) -> None:
        if self._state.status is not status:
            raise ValueError(
                f"{step}: {self._state.id} is {self._state.status.value}; "
                f"{step} is allowed only when it is {status.value}"
            )

    # --- the process ------------------------------------------------------------------------

    async def _hand_over(self) -> None:
        linked = f"departure {self._state.departure_id}; arrival {self._state.arrival_id}"
        self._state.log("linked", SYSTEM, workflow.now(), linked)
        self._set_status(ChangeStatus.handed_over)
        await self._tell_hr(linked)

    async def _process(self) -> None:
        await workflow.wait_condition(lambda: self._state.taken_by is not None)
        request = self._start.request
        review = await execute(
            EmployeeChangeActivities.review_accesses,
            ReviewInput(
                mo=request.mo,
                employee_number=request.employee_number,
                new_partition_group=request.new_partition_group,
            ),
        )
        self._state.review = review
        self._state.proposal = review.proposal()
        self._state.log("reviewed", SYSTEM, workflow.now())
        # No update accepts an approved change: it stays approved until applied below.
        await workflow.wait_condition(lambda: self._state.status is ChangeStatus.approved)
        wait = effective_at(self._state.effective_date) - workflow.now()
        if wait > timedelta(0):
            await workflow.sleep(wait)
        await self._apply()

    async def _apply(self) -> None:
        """Write step by step; on a permanent refusal undo what was written, newest first."""
        review, proposal = self._state.review, self._state.proposal
        assert review is not None and proposal is not None  # set before any approval
        writes = change_writes(
            self._state.id, self._state.mo, self._state.employee_number, review, proposal
        )
        for change in writes:
            try:
                await self._write(change)
            except ActivityError as error:
                what = f"{change.action} {change.write.target}".strip()
                reason = f"{what} failed: {failure_reason(error)}"
                self._state.log("apply_failed", SYSTEM, workflow.now(), reason)
                for done in reversed(self._state.applied):
                    await self._undo(done)
                    self._state.undone = [*self._state.undone, done]
                self._state.reason = reason
                self._set_status(ChangeStatus.failed)
                return await self._tell_hr(reason=reason)
            self._state.applied = [*self._state.applied, change]
        self._state.applied_at = workflow.now()
        self._state.log("applied", SYSTEM, workflow.now(), summary(writes) or None)
        self._set_status(ChangeStatus.applied)
        await self._tell_hr(summary(writes))

    async def _write(self, change: ChangeWrite) -> None:
        """A grant or a group is written as an arrival grants; a removal is the arrival's undo of
        a grant; clearing the cloisonnement is the undo of setting it."""
        if change.action in ("grant", "partition"):
            await execute(ArrivalActivities.apply_grant, change.write)
        else:
            await execute(ArrivalActivities.undo_grant, change.write)

    async def _undo(self, change: ChangeWrite) -> None:
        if change.action == "grant":
            await execute(ArrivalActivities.undo_grant, change.write)
        elif change.action == "remove":
            await execute(ArrivalActivities.apply_grant, change.write)
        elif change.previous_group is not None:
            await execute(ArrivalActivities.apply_grant, restore_group(change))
        else:
            await execute(ArrivalActivities.undo_grant, change.write)

    async def _tell_hr(self, what: str = "", reason: str = "") -> None:
        request = self._start.request
        await execute(
            EmployeeChangeActivities.tell_hr_of_change,
            HrNotice(
                idempotency_key=f"{self._state.id}/mail/{self._state.status.value}",
                mo=request.mo,
                employee_number=request.employee_number,
                hr_email=request.hr_email,
                request_id=self._state.id,
                status=self._state.status,
                summary=what,
                reason=reason,
            ),
        )

    def _set_status(self, status: ChangeStatus) -> None:
        self._state.status = status
        self._publish()

    def _publish(self) -> None:
        workflow.upsert_search_attributes(
            [pair.key.value_set(pair.value) for pair in employee_change_attributes(self._state)]
        )

    def _taken(self) -> bool:
        # The watcher runs only for a change an agent takes: it cannot end (applied, failed)
        # untaken, and a move (handed over) never starts it.
        return self._state.taken_by is not None

    def _warn(self, at: datetime) -> None:
        self._state.log(WARNED, SYSTEM, at)

    def _breach(self, at: datetime) -> None:
        self._state.breached = True
        self._state.log("breached", SYSTEM, at)
        self._publish()
