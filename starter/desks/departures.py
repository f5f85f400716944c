"""Departures of employees (the 48-hour rule): the MO's HR notifies and records them, a CA agent
takes them in charge. The desk checks the birth day and month against the dossier personne and
the dates before anything starts; a second notice updates the running departure."""

from __future__ import annotations

import re
from dataclasses import dataclass

from adapters.ports import Directory, RequestRecords, SagirErp
from models.departures import (
    BIRTH_MISMATCH,
    DepartureNotice,
    DepartureRequest,
    DepartureState,
    RecordDeparture,
    departure_id,
    end_of_day,
)
from models.requests import Page, Process, TakeRequest
from models.roles import Action, Caller
from models.service_calendar import ServiceCalendar
from models.sla import Channel, take_in_charge_deadline
from starter.desks.access import acting_as_self, authorize, listing_scope, own_mo
from starter.desks.checks import checked_id, checked_mo, paged, require_agent, require_mo
from starter.desks.clock import Clock, utc_now
from starter.desks.engine import Engine
from starter.desks.errors import AlreadyRunning, InvalidInput
from workflows.departures import DepartureWorkflow
from workflows.search_attributes import departure_attributes

DEPARTURE_ID = re.compile(r"^depart-[A-Z][A-Z0-9]{1,11}-\d{3,12}$")
LIMIT = 100


@dataclass(frozen=True)
class DepartureDesk:
    engine: Engine
    calendar: ServiceCalendar
    directory: Directory
    erp: SagirErp
    requests: RequestRecords
    clock: Clock = utc_now

    async def notify(self, request: DepartureRequest) -> DepartureState:
        """Start the departure, or update the running one with this second notice."""
        now = self.clock()
        require_mo(self.directory, request.mo)
        person = self.erp.person(request.mo, request.employee_number)
        if person is None:
            raise InvalidInput(
                f"employee_number: {request.employee_number} has no dossier personne in "
                f"{request.mo}"
            )
        if (person.birth_day, person.birth_month) != (
            request.birth.birth_day,
            request.birth.birth_month,
        ):
            raise InvalidInput(BIRTH_MISMATCH)
        end = end_of_day(request.departure_date)
        if end <= now and not request.immediate:
            raise InvalidInput(
                f"departure_date: {request.departure_date} is over; a departure already past "
                "must be notified as immediate"
            )
        notice = DepartureNotice(
            id=departure_id(request.mo, request.employee_number),
            request=request,
            notified_at=now,
            due=take_in_charge_deadline(Channel.web, now, self.calendar),
            end_of_departure_date=end,
        )
        initial = DepartureState.initial(notice)
        try:
            await self.engine.start(
                DepartureWorkflow.run, notice, notice.id, departure_attributes(initial)
            )
        except AlreadyRunning:
            renotified: DepartureState = await self.engine.step(
                DepartureWorkflow.renotify, notice, notice.id
            )
            return renotified
        return await self.show(notice.id)

    async def record(self, workflow_id: str, by: str) -> DepartureState:
        state: DepartureState = await self.engine.step(
            DepartureWorkflow.record_departure, RecordDeparture(by=by), _checked(workflow_id)
        )
        return state

    async def take(self, workflow_id: str, agent: str) -> DepartureState:
        require_agent(self.directory, agent)
        state: DepartureState = await self.engine.step(
            DepartureWorkflow.take, TakeRequest(agent=agent), _checked(workflow_id)
        )
        return state

    async def show(self, workflow_id: str) -> DepartureState:
        state: DepartureState = await self.engine.state(DepartureWorkflow, _checked(workflow_id))
        return state

    async def list(
        self,
        mo: str | None = None,
        late: bool | None = None,
        limit: int = LIMIT,
        cursor: str | None = None,
    ) -> Page:
        """Departures by id, from the desk's records, a page at a time."""
        return paged(
            self.requests.page,
            process=Process.departure,
            mo=checked_mo(mo),
            late_notice=late,
            limit=limit,
            cursor=cursor,
        )


@dataclass(frozen=True)
class GuardedDepartures:
    desk: DepartureDesk
    caller: Caller

    async def notify(self, request: DepartureRequest) -> DepartureState:
        authorize(self.caller, Action.departure_notify)
        own_mo(self.caller, request.mo)
        acting_as_self(self.caller, "notified_by", request.notified_by)
        return await self.desk.notify(request)

    async def show(
        self, workflow_id: str, action: Action = Action.departure_read
    ) -> DepartureState:
        authorize(self.caller, action)
        state = await self.desk.show(workflow_id)
        authorize(self.caller, action, state.mo, workflow_id)
        return state

    async def record(self, workflow_id: str, by: str) -> DepartureState:
        await self.show(workflow_id, Action.departure_record)
        acting_as_self(self.caller, "by", by)
        return await self.desk.record(workflow_id, by)

    async def take(self, workflow_id: str, agent: str) -> DepartureState:
        await self.show(workflow_id, Action.departure_take)
        acting_as_self(self.caller, "agent", agent)
        return await self.desk.take(workflow_id, agent)

    async def list(
        self,
        mo: str | None = None,
        late: bool | None = None,
        limit: int = LIMIT,
        cursor: str | None = None,
    ) -> Page:
        authorize(self.caller, Action.departure_read)
        show, scope = listing_scope(self.caller, mo)
        return await self.desk.list(scope, late, limit, cursor) if show else Page(items=[], total=0)


def _checked(workflow_id: str) -> str:
    return checked_id(DEPARTURE_ID, workflow_id, "a departure id", "depart-MTQ-45871")
