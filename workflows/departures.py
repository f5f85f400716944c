"""The departure workflow: one per leaving employee, id `depart-<MO>-<employee>`."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.departures import DepartureActivities
    from activities.dossiers import DossierActivities
    from activities.notices import NoticeActivities
    from models.departures import (
        BIRTH_MISMATCH,
        BirthMatch,
        DepartureNotice,
        DepartureState,
        DepartureStatus,
        DepartureWrite,
        RecordDeparture,
        check_record_allowed,
        is_late,
    )
    from models.requests import (
        WARNED,
        EmployeeRef,
        Escalation,
        KeyedEmployeeStep,
        Process,
        TakeRequest,
    )
    from models.ticket_lifecycle import SYSTEM
    from workflows.activity_options import execute
    from workflows.audit_feed import AuditFeed
    from workflows.keys import request_key
    from workflows.search_attributes import departure_attributes
    from workflows.take_in_charge import watch_take_deadline

# Removal is read back; if something is still there, remove again, then escalate.
REMOVAL_ATTEMPTS = 3


@workflow.defn
class DepartureWorkflow:
    """Departure of an employee (RULES.md "Departure of an employee", the 48-hour rule).

    Matches the birth day and month against the dossier personne (a mismatch refuses the
    notice), flags a notice given less than 48 hours before the end of the departure date as
    late and escalates it, watches the 24-hour take-in-charge rule, removes every access and
    parameter at the end of the departure date (at once when immediate) whether or not anyone
    acted, and reads SAGIR again to prove nothing is left. Ends when the accesses are removed,
    the departure is recorded and an agent has taken the request in charge.
    Updates: `take`; `record_departure` (refused before notice + 48 hours, with the time it
    becomes allowed); `renotify` (a second notice for the same employee updates this one).
    Queries: `state`. Signals: none.
    """

    @workflow.init
    def __init__(self, notice: DepartureNotice) -> None:
        self._state = DepartureState.initial(notice)
        self._schedule_changed = False
        self._key = request_key(notice.id, notice.notified_at)

    @workflow.run
    async def run(self, notice: DepartureNotice) -> DepartureState:
        feed = AuditFeed(
            notice.id,
            notice.request.mo,
            Process.departure,
            lambda: self._state.steps,
            due=notice.due,
            listing=lambda: self._state.listing(),
        )
        state = await self._run(notice)
        await feed.close()  # every step in the audit trail before the end
        return state

    async def _run(self, notice: DepartureNotice) -> DepartureState:
        request = notice.request
        matched = await execute(
            DossierActivities.match_birth,
            BirthMatch(mo=request.mo, employee_number=request.employee_number, birth=request.birth),
        )
        if not matched:
            self._state.reason = BIRTH_MISMATCH
            self._state.log("refused", SYSTEM, workflow.now(), BIRTH_MISMATCH)
            self._set_status(DepartureStatus.refused)
            return self._state
        self._publish()
        if self._state.late:
            await self._escalate_late()
        watcher = asyncio.create_task(
            watch_take_deadline(
                self._state.id,
                self._key,
                self._state.mo,
                self._state.due,
                self._taken,
                self._breach,
                received=self._state.first_notice_at,
                on_warning=self._warn,
            )
        )
        await self._wait_for_removal_time()
        await self._remove_everything()
        await workflow.wait_condition(
            lambda: self._state.recorded_at is not None and self._state.taken_by is not None
        )
        await watcher
        self._state.log("completed", SYSTEM, workflow.now())
        self._set_status(DepartureStatus.completed)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._state

    @workflow.query
    def state(self) -> DepartureState:
        return self._state

    # --- updates ------------------------------------------------------------------------------

    @workflow.update
    def take(self, step: TakeRequest) -> DepartureState:
        self._state.taken_by = step.agent
        self._state.taken_at = workflow.now()
        self._state.log("take", step.agent, workflow.now())
        if self._state.status is DepartureStatus.received:
            self._set_status(DepartureStatus.in_charge)
        return self._state

    @take.validator
    def _validate_take(self, step: TakeRequest) -> None:
        self._refuse_when_closed()
        if self._state.taken_by is not None:
            raise ValueError(
                f"{self._state.id} is already taken in charge by {self._state.taken_by}"
            )

    @workflow.update
    async def record_departure(self, step: RecordDeparture) -> DepartureState:
        await execute(
            DepartureActivities.record_departure,
            DepartureWrite(
                idempotency_key=f"{self._key}/record",
                mo=self._state.mo,
                employee_number=self._state.employee_number,
                departure_date=self._state.departure_date,
            ),
        )
        self._state.recorded_by = step.by
        self._state.recorded_at = workflow.now()
        self._state.log("recorded", step.by, workflow.now())
        return self._state

    @record_departure.validator
    def _validate_record_departure(self, step: RecordDeparture) -> None:
        self._refuse_when_closed()
        if self._state.recorded_at is not None:
            raise ValueError(f"the departure of {self._state.id} is already recorded")
        check_record_allowed(self._state.first_notice_at, workflow.now())

    @workflow.update
    async def renotify(self, notice: DepartureNotice) -> DepartureState:
        request = notice.request
        matched = await execute(
            DossierActivities.match_birth,
            BirthMatch(mo=request.mo, employee_number=request.employee_number, birth=request.birth),
        )
        if not matched:
            raise ApplicationError(BIRTH_MISMATCH, type="BirthMismatch", non_retryable=True)
        if self._state.removed_at is not None:
            raise ApplicationError(
                f"the accesses of {self._state.id} were already removed", non_retryable=True
            )
        state = self._state
        state.departure_date = request.departure_date
        state.immediate = state.immediate or request.immediate
        state.latest_notice_at = notice.notified_at
        state.end_of_departure_date = notice.end_of_departure_date
        state.notices += 1
        state.log("notice", request.notified_by, notice.notified_at, f"notice {state.notices}")
        self._schedule_changed = True
        if not state.late and is_late(notice.notified_at, notice.end_of_departure_date):
            state.late = True
            self._publish()
            await self._escalate_late()
        return state

    @renotify.validator
    def _validate_renotify(self, notice: DepartureNotice) -> None:
        self._refuse_when_closed()
        if notice.id != self._state.id:
            raise ValueError(f"this notice is for {notice.id}, not {self._state.id}")
        if self._state.removed_at is not None:
            raise ValueError(f"the accesses of {self._state.id} were already removed")

    # --- the process ----------------------------------------------------------------------

    async def _wait_for_removal_time(self) -> None:
        while True:
            remaining = self._state.removal_at - workflow.now()
            if remaining <= timedelta(0):
                return
            try:
                await workflow.wait_condition(lambda: self._schedule_changed, timeout=remaining)
                self._schedule_changed = False
            except TimeoutError:
                return

    async def _remove_everything(self) -> None:
        who = EmployeeRef(mo=self._state.mo, employee_number=self._state.employee_number)
        for attempt in range(1, REMOVAL_ATTEMPTS + 1):
            suffix = "" if attempt == 1 else f"/{attempt}"
            await execute(
                DepartureActivities.remove_all_access,
                KeyedEmployeeStep(
                    idempotency_key=f"{self._key}/remove{suffix}",
                    mo=who.mo,
                    employee_number=who.employee_number,
                ),
            )
            left = await execute(DossierActivities.read_access, who)
            if left.is_empty:
                self._state.removed_at = workflow.now()
                self._state.verified_empty = True
                self._state.log(
                    "accesses_removed", SYSTEM, workflow.now(), "SAGIR read back: none left"
                )
                self._set_status(DepartureStatus.accesses_removed)
                return
        self._state.removed_at = workflow.now()
        self._state.log("removal_incomplete", SYSTEM, workflow.now())
        await self._escalate("removal", "accesses remain in SAGIR after removal")
        self._set_status(DepartureStatus.accesses_removed)

    async def _escalate_late(self) -> None:
        self._state.escalated_late = True
        self._state.log("late_notice", SYSTEM, workflow.now())
        await self._escalate(
            "late",
            "late departure notice: less than 48 hours before the end of "
            f"{self._state.departure_date}",
        )

    async def _escalate(self, step: str, reason: str) -> None:
        await execute(
            NoticeActivities.escalate,
            Escalation(
                idempotency_key=f"{self._key}/{step}",
                workflow_id=self._state.id,
                mo=self._state.mo,
                reason=reason,
                at=workflow.now(),
            ),
        )

    def _refuse_when_closed(self) -> None:
        if self._state.status in (DepartureStatus.refused, DepartureStatus.completed):
            raise ValueError(f"{self._state.id} is {self._state.status.value}")

    def _set_status(self, status: DepartureStatus) -> None:
        # Being in charge is not lost when the accesses go: status tells the furthest step.
        self._state.status = status
        self._publish()

    def _publish(self) -> None:
        workflow.upsert_search_attributes(
            [pair.key.value_set(pair.value) for pair in departure_attributes(self._state)]
        )

    def _taken(self) -> bool:
        return self._state.taken_by is not None

    def _warn(self, at: datetime) -> None:
        self._state.log(WARNED, SYSTEM, at)

    def _breach(self, at: datetime) -> None:
        self._state.breached = True
        self._state.log("breached", SYSTEM, at)
        self._publish()
