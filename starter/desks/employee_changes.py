"""Changes to an employee's data (issue 16 item 5): the MO's HR reports them, CA agents take them,
review the accesses, propose, and another agent checks. The desk checks what needs no workflow
(the MO, the employee's dossier personne, the date, the group, the manager) so that a refused
report starts nothing, computes the deadline once, and speaks to the workflow. A move to another
MO starts a departure and an arrival through their own desks, linked to the change."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from adapters.ports import Counters, Directory, RequestRecords, SagirErp
from models.arrivals import FINAL_ARRIVAL_STATUSES, ArrivalRequest, arrival_id
from models.departures import (
    BIRTH_MISMATCH,
    FINAL_DEPARTURE_STATUSES,
    DepartureRequest,
    departure_id,
)
from models.employee_changes import (
    CheckChange,
    EmployeeChangeRequest,
    EmployeeChangeState,
    ProposeChange,
    StartEmployeeChange,
    TakeChange,
    change_id,
    change_series,
)
from models.requests import Page, Process
from models.roles import Action, Caller
from models.service_calendar import MONTREAL, ServiceCalendar
from models.sla import Channel, take_in_charge_deadline
from starter.desks.access import acting_as_self, authorize, listing_scope, own_mo
from starter.desks.arrivals import ArrivalDesk
from starter.desks.checks import checked_id, checked_mo, paged, require_agent, require_mo
from starter.desks.clock import Clock, utc_now
from starter.desks.departures import DepartureDesk
from starter.desks.engine import Engine
from starter.desks.errors import InvalidInput, NotFound
from workflows.arrivals import ArrivalWorkflow
from workflows.departures import DepartureWorkflow
from workflows.employee_changes import EmployeeChangeWorkflow
from workflows.search_attributes import employee_change_attributes

CHANGE_ID = re.compile(r"^modification-[A-Z][A-Z0-9]{1,11}-\d{3,12}-\d{1,6}$")
EXAMPLE_ID = "modification-MTQ-45871-1"
LIMIT = 100


@dataclass(frozen=True)
class EmployeeChangeDesk:
    engine: Engine
    calendar: ServiceCalendar
    directory: Directory
    erp: SagirErp
    counters: Counters
    requests: RequestRecords
    arrivals: ArrivalDesk
    departures: DepartureDesk
    clock: Clock = utc_now

    async def report(self, request: EmployeeChangeRequest) -> EmployeeChangeState:
        """Check the report, then start it; a refusal starts nothing (not even a number)."""
        now = self.clock()
        mo, employee = request.mo, request.employee_number
        require_mo(self.directory, mo)
        today = now.astimezone(MONTREAL).date()
        if request.effective_date < today:
            raise InvalidInput(
                f"effective_date: {request.effective_date} is in the past; a change takes "
                "effect today or later"
            )
        if self.erp.person(mo, employee) is None:
            raise InvalidInput(f"employee_number: {employee} has no dossier personne in {mo}")
        manager = request.new_manager
        if manager is not None and self.erp.person(mo, manager) is None:
            raise InvalidInput(f"new_manager: {manager} has no dossier personne in {mo}")
        group = request.new_partition_group
        if group is not None and not self.erp.partition_group_exists(mo, group):
            raise InvalidInput(f"new_partition_group: {group} is not a partition group of {mo}")
        if request.move is not None:
            await self._check_move(request)
        # The number is taken once everything refusable has been checked: a refusal uses none.
        number = self.counters.next_number(change_series(mo, employee))
        workflow_id = change_id(mo, employee, number)
        departure, arrival = None, None
        if request.move is not None:
            departure, arrival = await self._move(workflow_id, request, today)
        start = StartEmployeeChange(
            id=workflow_id,
            request=request,
            received_at=now,
            due=take_in_charge_deadline(Channel.web, now, self.calendar),
            departure_id=departure,
            arrival_id=arrival,
        )
        initial = EmployeeChangeState.initial(start)
        await self.engine.start(
            EmployeeChangeWorkflow.run, start, start.id, employee_change_attributes(initial)
        )
        return await self.show(start.id)

    async def _check_move(self, request: EmployeeChangeRequest) -> None:
        """What would refuse the departure or the arrival of a move, checked before either
        starts, so a refused move leaves neither behind: the new MO, the birth day and month
        against the dossier personne, and no departure or arrival of the employee already
        under way (a second departure notice would move the running one's date)."""
        move = request.move
        assert move is not None
        require_mo(self.directory, move.to_mo)
        person = self.erp.person(request.mo, request.employee_number)
        assert person is not None  # `report` refused an employee without a dossier
        if (person.birth_day, person.birth_month) != (
            move.birth.birth_day,
            move.birth.birth_month,
        ):
            raise InvalidInput(BIRTH_MISMATCH)
        leaving = departure_id(request.mo, request.employee_number)
        if await self._under_way(DepartureWorkflow, leaving, FINAL_DEPARTURE_STATUSES):
            raise InvalidInput(
                f"move: a departure of {request.employee_number} from {request.mo} is already "
                f"under way ({leaving}); report the move once it has ended"
            )
        coming = arrival_id(move.to_mo, move.employee_number)
        if await self._under_way(ArrivalWorkflow, coming, FINAL_ARRIVAL_STATUSES):
            raise InvalidInput(
                f"move: an arrival of {move.employee_number} in {move.to_mo} is already under "
                f"way ({coming}); report the move once it has ended"
            )

    async def _under_way(self, workflow: type, workflow_id: str, final: frozenset[Any]) -> bool:
        try:
            state = await self.engine.state(workflow, workflow_id)
        except NotFound:
            return False
        return state.status not in final

    async def _move(
        self, workflow_id: str, request: EmployeeChangeRequest, today: date
    ) -> tuple[str, str]:
        """A move: the departure from the first MO (its last day the day before the effective
        date; immediate when that day is already over), then the arrival in the second, each
        through its own desk, so their rules apply as to any notice; each names the change."""
        move = request.move
        assert move is not None
        arrival = ArrivalRequest(
            mo=move.to_mo,
            employee_number=move.employee_number,
            start_date=request.effective_date,
            responsibilities=move.responsibilities,
            partition_group=move.partition_group,
            authorised_by=move.authorised_by,
            requested_by=request.reported_by,
            manager_email=move.manager_email,
            hr_email=move.hr_email,
            change_id=workflow_id,
        )
        last_day = request.effective_date - timedelta(days=1)
        departure = DepartureRequest(
            mo=request.mo,
            employee_number=request.employee_number,
            departure_date=last_day,
            birth=move.birth,
            immediate=last_day < today,
            notified_by=request.reported_by,
            change_id=workflow_id,
        )
        left = await self.departures.notify(departure)
        arrived = await self.arrivals.start(arrival)
        return left.id, arrived.id

    async def show(self, workflow_id: str) -> EmployeeChangeState:
        state: EmployeeChangeState = await self.engine.state(
            EmployeeChangeWorkflow, _checked(workflow_id)
        )
        return state

    async def take(self, workflow_id: str, agent: str) -> EmployeeChangeState:
        require_agent(self.directory, agent)
        return await self._step(workflow_id, EmployeeChangeWorkflow.take, TakeChange(agent=agent))

    async def propose(self, workflow_id: str, step: ProposeChange) -> EmployeeChangeState:
        """The proposal's rules are the workflow's; the group's existence is SAGIR's."""
        require_agent(self.directory, step.agent)
        state = await self.show(workflow_id)
        group = step.proposal.partition_group
        if group is not None and not self.erp.partition_group_exists(state.mo, group):
            raise InvalidInput(
                f"proposal.partition_group: {group} is not a partition group of {state.mo}"
            )
        return await self._step(workflow_id, EmployeeChangeWorkflow.propose, step)

    async def check(self, workflow_id: str, step: CheckChange) -> EmployeeChangeState:
        require_agent(self.directory, step.agent)
        return await self._step(workflow_id, EmployeeChangeWorkflow.check, step)

    async def list(
        self,
        mo: str | None = None,
        status: str | None = None,
        limit: int = LIMIT,
        cursor: str | None = None,
    ) -> Page:
        """Employee-data changes by id, from the desk's records, a page at a time."""
        return paged(
            self.requests.page,
            process=Process.employee_change,
            mo=checked_mo(mo),
            status=status,
            limit=limit,
            cursor=cursor,
        )

    async def _step(self, workflow_id: str, update: Any, argument: Any) -> EmployeeChangeState:
        state: EmployeeChangeState = await self.engine.step(update, argument, _checked(workflow_id))
        return state


@dataclass(frozen=True)
class GuardedEmployeeChanges:
    desk: EmployeeChangeDesk
    caller: Caller

    async def report(self, request: EmployeeChangeRequest) -> EmployeeChangeState:
        """The MO's HR reports a change for an employee of its own MO, under its own code."""
        authorize(self.caller, Action.employee_change_report)
        own_mo(self.caller, request.mo)
        acting_as_self(self.caller, "reported_by", request.reported_by)
        return await self.desk.report(request)

    async def show(
        self, workflow_id: str, action: Action = Action.employee_change_read
    ) -> EmployeeChangeState:
        authorize(self.caller, action)
        state = await self.desk.show(workflow_id)
        authorize(self.caller, action, state.mo, workflow_id)
        return state

    async def take(self, workflow_id: str, agent: str) -> EmployeeChangeState:
        await self.show(workflow_id, Action.employee_change_work)
        acting_as_self(self.caller, "agent", agent)
        return await self.desk.take(workflow_id, agent)

    async def propose(self, workflow_id: str, step: ProposeChange) -> EmployeeChangeState:
        await self.show(workflow_id, Action.employee_change_work)
        acting_as_self(self.caller, "agent", step.agent)
        return await self.desk.propose(workflow_id, step)

    async def check(self, workflow_id: str, step: CheckChange) -> EmployeeChangeState:
        await self.show(workflow_id, Action.employee_change_work)
        acting_as_self(self.caller, "agent", step.agent)
        return await self.desk.check(workflow_id, step)

    async def list(
        self,
        mo: str | None = None,
        status: str | None = None,
        limit: int = LIMIT,
        cursor: str | None = None,
    ) -> Page:
        authorize(self.caller, Action.employee_change_read)
        show, scope = listing_scope(self.caller, mo)
        if not show:
            return Page(items=[], total=0)
        return await self.desk.list(scope, status, limit, cursor)


def _checked(workflow_id: str) -> str:
    return checked_id(CHANGE_ID, workflow_id, "an employee-change id", EXAMPLE_ID)
