"""The arrival workflow: one per new employee, id `arrivee-<MO>-<employee>`."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.arrivals import ArrivalActivities
    from activities.dossiers import DossierActivities
    from activities.notices import NoticeActivities
    from activities.service_calendar import CalendarActivities
    from models.arrivals import (
        FINAL_ARRIVAL_STATUSES,
        ArrivalCheck,
        ArrivalPlan,
        ArrivalState,
        ArrivalStatus,
        DossierCheck,
        StartArrival,
        saga_steps,
    )
    from models.notices import Template, Wording
    from models.requests import (
        WARNED,
        EmployeeRef,
        KeyedEmployeeStep,
        Notice,
        Process,
        Recipient,
        TakeRequest,
    )
    from models.service_calendar import MONTREAL
    from models.ticket_lifecycle import SYSTEM
    from workflows.activity_options import ACTIVITY_TIMEOUT, execute, failure_reason
    from workflows.audit_feed import AuditFeed
    from workflows.escalations import escalate_given_up
    from workflows.keys import request_key
    from workflows.search_attributes import arrival_attributes
    from workflows.take_in_charge import watch_take_deadline


@workflow.defn
class ArrivalWorkflow:
    """Arrival of a new employee (RULES.md "Arrival of a new employee").

    Waits for the dossier personne (reminding HR each open day, giving up after the configured
    number of open days), checks the request against the registre d'autorité, waits for an agent
    to take it in charge (24-hour rule: breach and escalation), prepares the accesses in SAGIR
    (a saga: a step that fails for good undoes the earlier ones in reverse order), activates
    them at 00:00 on the start date, and tells the employee and the manager.
    Updates: `take` (an agent takes the request in charge). Signals: `dossier_ready` (HR says
    the dossier personne now exists: look again now). Queries: `state`.
    """

    @workflow.init
    def __init__(self, start: StartArrival) -> None:
        self._start = start
        self._dossier_poked = False
        self._state = ArrivalState.initial(start)
        self._key = request_key(start.id, start.received_at)

    @workflow.run
    async def run(self, start: StartArrival) -> ArrivalState:
        feed = AuditFeed(
            start.id,
            start.request.mo,
            Process.arrival,
            lambda: self._state.steps,
            due=start.due,
            listing=lambda: self._state.listing(),
        )
        state = await self._run(start)
        await feed.close()  # every step in the audit trail before the end
        return state

    async def _run(self, start: StartArrival) -> ArrivalState:
        watcher = asyncio.create_task(
            watch_take_deadline(
                start.id,
                self._key,
                start.request.mo,
                start.due,
                self._taken_or_final,
                self._breach,
                received=start.received_at,
                on_warning=self._warn,
            )
        )
        await self._process()
        # Settled now: the watcher ends, after any escalation it had begun.
        await watcher
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._state

    @workflow.query
    def state(self) -> ArrivalState:
        return self._state

    @workflow.signal
    def dossier_ready(self) -> None:
        self._dossier_poked = True

    @workflow.update
    def take(self, step: TakeRequest) -> ArrivalState:
        self._state.taken_by = step.agent
        self._state.taken_at = workflow.now()
        self._state.log("take", step.agent, workflow.now())
        return self._state

    @take.validator
    def _validate_take(self, step: TakeRequest) -> None:
        if self._state.status in FINAL_ARRIVAL_STATUSES:
            raise ValueError(f"{self._state.id} is {self._state.status.value}: nothing to take")
        if self._state.taken_by is not None:
            raise ValueError(
                f"{self._state.id} is already taken in charge by {self._state.taken_by}"
            )

    # --- the process ------------------------------------------------------------------------

    async def _process(self) -> None:
        request = self._start.request
        check = await self._wait_for_dossier()
        if not check.found:
            reason = (
                "dossier personne: none was created for the employee after "
                f"{self._start.dossier_wait_open_days} open days; the MO must create it first"
            )
            await self._refuse(reason)
            return await escalate_given_up(self._key, self._state.id, self._state.mo, reason)
        if not check.email_works:
            return await self._refuse("work email: the employee's work email must work")
        try:
            plan = await execute(
                ArrivalActivities.check_arrival,
                ArrivalCheck(
                    request=request, day=self._start.received_at.astimezone(MONTREAL).date()
                ),
            )
        except ActivityError as error:
            return await self._refuse(failure_reason(error))
        self._set_status(ArrivalStatus.received)
        await workflow.wait_condition(lambda: self._state.taken_by is not None)
        self._set_status(ArrivalStatus.preparing)
        if not await self._prepare(plan):
            return
        self._set_status(ArrivalStatus.prepared)
        wait = self._start.activate_at - workflow.now()
        if wait > timedelta(0):
            await workflow.sleep(wait)
        try:
            await execute(
                ArrivalActivities.activate_account,
                KeyedEmployeeStep(
                    idempotency_key=f"{self._key}/activate",
                    mo=request.mo,
                    employee_number=request.employee_number,
                ),
            )
        except ActivityError as error:
            # The account changed under us (a departure removed it, say): say so, grant nothing.
            self._state.reason = f"activation failed: {failure_reason(error)}"
            self._state.log("activation_failed", SYSTEM, workflow.now(), self._state.reason)
            self._set_status(ArrivalStatus.failed)
            await self._notify(
                Recipient.hr,
                Template.arrival_incomplete,
                {"request": self._state.id, "reason": self._state.reason or ""},
            )
            return
        self._state.activated_at = workflow.now()
        self._state.log("activated", SYSTEM, workflow.now())
        self._set_status(ArrivalStatus.active)
        for to in (Recipient.employee, Recipient.manager):
            await self._notify(
                to,
                Template.arrival_access_active,
                {
                    "request": self._state.id,
                    "mo": request.mo,
                    "employee_number": request.employee_number,
                    "start_date": request.start_date.isoformat(),
                },
            )

    async def _wait_for_dossier(self) -> DossierCheck:
        """Look for the dossier personne; while it is missing, look again (and remind HR) each
        open day, and give up after the configured number of open days."""
        check = await self._look_up_dossier()
        waited = 0
        while not check.found:
            if waited >= self._start.dossier_wait_open_days:
                return check
            next_day = await workflow.execute_local_activity_method(
                CalendarActivities.next_open_day_start,
                workflow.now(),
                start_to_close_timeout=ACTIVITY_TIMEOUT,
            )
            try:
                await workflow.wait_condition(
                    lambda: self._dossier_poked, timeout=next_day - workflow.now()
                )
                self._dossier_poked = False
                check = await self._look_up_dossier()
                continue
            except TimeoutError:
                pass
            waited += 1
            check = await self._look_up_dossier()
            if not check.found and waited < self._start.dossier_wait_open_days:
                self._state.reminders = waited
                self._state.log("reminder", SYSTEM, workflow.now(), f"open day {waited}")
                await self._notify(
                    Recipient.hr,
                    Template.arrival_dossier_missing,
                    {
                        "request": self._state.id,
                        "employee_number": self._state.employee_number,
                        "day": str(waited),
                        "days": str(self._start.dossier_wait_open_days),
                    },
                    key=f"{self._key}/reminder/{waited}",
                )
        self._state.log("dossier_found", SYSTEM, workflow.now())
        return check

    async def _look_up_dossier(self) -> DossierCheck:
        return await execute(
            DossierActivities.look_up_dossier,
            EmployeeRef(mo=self._state.mo, employee_number=self._state.employee_number),
        )

    async def _prepare(self, plan: ArrivalPlan) -> bool:
        """Grant step by step; on a permanent failure undo what was granted, newest first."""
        for step in saga_steps(self._key, self._start.request, plan):
            try:
                await execute(ArrivalActivities.apply_grant, step)
            except ActivityError as error:
                reason = f"{step.kind} {step.target}".strip() + f" failed: {failure_reason(error)}"
                self._state.log("grant_failed", SYSTEM, workflow.now(), reason)
                for done in reversed(self._state.granted):
                    await execute(ArrivalActivities.undo_grant, done)
                    self._state.undone = [*self._state.undone, done]
                self._state.reason = reason
                self._set_status(ArrivalStatus.failed)
                await self._notify(
                    Recipient.hr,
                    Template.arrival_incomplete,
                    {"request": self._state.id, "reason": reason},
                )
                return False
            self._state.granted = [*self._state.granted, step]
        self._state.log("prepared", SYSTEM, workflow.now())
        return True

    async def _refuse(self, reason: str) -> None:
        self._state.reason = reason
        self._state.log("refused", SYSTEM, workflow.now(), reason)
        self._set_status(ArrivalStatus.refused)
        await self._notify(
            Recipient.hr, Template.arrival_refused, {"request": self._state.id, "reason": reason}
        )

    async def _notify(
        self, to: Recipient, template: Template, values: dict[str, str], key: str | None = None
    ) -> None:
        request = self._start.request
        await execute(
            NoticeActivities.notify,
            Notice(
                idempotency_key=key or f"{self._key}/notify/{to}/{self._state.status.value}",
                mo=request.mo,
                employee_number=request.employee_number,
                to=to,
                manager_email=request.manager_email,
                hr_email=request.hr_email,
                wording=Wording(template=template, values=values),
            ),
        )

    def _set_status(self, status: ArrivalStatus) -> None:
        self._state.status = status
        self._publish()

    def _publish(self) -> None:
        workflow.upsert_search_attributes(
            [pair.key.value_set(pair.value) for pair in arrival_attributes(self._state)]
        )

    def _taken_or_final(self) -> bool:
        return self._state.taken_by is not None or self._state.status in FINAL_ARRIVAL_STATUSES

    def _warn(self, at: datetime) -> None:
        self._state.log(WARNED, SYSTEM, at)

    def _breach(self, at: datetime) -> None:
        self._state.breached = True
        self._state.log("breached", SYSTEM, at)
        self._publish()
