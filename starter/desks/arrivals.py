"""Arrivals of new employees: the MO's HR starts them, a CA agent takes them in charge. The desk
checks what needs no workflow (the MO, the start date, the agent), computes the deadlines once
and speaks to the workflow; its guarded form applies the roles."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time

from adapters.ports import Directory, RequestRecords
from models.arrivals import ArrivalRequest, ArrivalState, StartArrival, arrival_id
from models.requests import Page, Process, TakeRequest
from models.roles import Action, Caller
from models.service_calendar import MONTREAL, ServiceCalendar
from models.sla import Channel, take_in_charge_deadline
from starter.desks.access import acting_as_self, authorize, listing_scope, own_mo
from starter.desks.checks import checked_id, checked_mo, paged, require_agent, require_mo
from starter.desks.clock import Clock, utc_now
from starter.desks.engine import Engine
from starter.desks.errors import InvalidInput
from workflows.arrivals import ArrivalWorkflow
from workflows.search_attributes import arrival_attributes

ARRIVAL_ID = re.compile(r"^arrivee-[A-Z][A-Z0-9]{1,11}-\d{3,12}$")
LIMIT = 100


@dataclass(frozen=True)
class ArrivalDesk:
    engine: Engine
    calendar: ServiceCalendar
    directory: Directory
    requests: RequestRecords
    dossier_wait_open_days: int
    clock: Clock = utc_now

    async def start(self, request: ArrivalRequest) -> ArrivalState:
        now = self.clock()
        require_mo(self.directory, request.mo)
        if request.hr_email is None:
            raise InvalidInput(
                "hr_email: required, so the CA can reach the MO's HR with reminders and answers"
            )
        if request.start_date < now.astimezone(MONTREAL).date():
            raise InvalidInput(
                f"start_date: {request.start_date} is in the past; an arrival starts today or later"
            )
        start = StartArrival(
            id=arrival_id(request.mo, request.employee_number),
            request=request,
            received_at=now,
            due=take_in_charge_deadline(Channel.web, now, self.calendar),
            activate_at=datetime.combine(request.start_date, time(0), MONTREAL),
            dossier_wait_open_days=self.dossier_wait_open_days,
        )
        # A finished arrival (refused, say) may be sent again; a running one may not.
        initial = ArrivalState.initial(start)
        await self.engine.start(ArrivalWorkflow.run, start, start.id, arrival_attributes(initial))
        return await self.show(start.id)

    async def show(self, workflow_id: str) -> ArrivalState:
        state: ArrivalState = await self.engine.state(ArrivalWorkflow, _checked(workflow_id))
        return state

    async def take(self, workflow_id: str, agent: str) -> ArrivalState:
        require_agent(self.directory, agent)
        state: ArrivalState = await self.engine.step(
            ArrivalWorkflow.take, TakeRequest(agent=agent), _checked(workflow_id)
        )
        return state

    async def dossier_ready(self, workflow_id: str) -> ArrivalState:
        # Read first: an unknown id answers NotFound before anything is signalled.
        state = await self.show(workflow_id)
        await self.engine.signal(ArrivalWorkflow.dossier_ready, workflow_id)
        return state

    async def list(
        self, mo: str | None = None, limit: int = LIMIT, cursor: str | None = None
    ) -> Page:
        """Arrivals by id, from the desk's records, a page at a time."""
        return paged(
            self.requests.page,
            process=Process.arrival,
            mo=checked_mo(mo),
            limit=limit,
            cursor=cursor,
        )


@dataclass(frozen=True)
class GuardedArrivals:
    desk: ArrivalDesk
    caller: Caller

    async def start(self, request: ArrivalRequest) -> ArrivalState:
        authorize(self.caller, Action.arrival_start)
        own_mo(self.caller, request.mo)
        acting_as_self(self.caller, "requested_by", request.requested_by)
        return await self.desk.start(request)

    async def show(self, workflow_id: str, action: Action = Action.arrival_read) -> ArrivalState:
        authorize(self.caller, action)
        state = await self.desk.show(workflow_id)
        authorize(self.caller, action, state.mo, workflow_id)
        return state

    async def take(self, workflow_id: str, agent: str) -> ArrivalState:
        await self.show(workflow_id, Action.arrival_take)
        acting_as_self(self.caller, "agent", agent)
        return await self.desk.take(workflow_id, agent)

    async def dossier_ready(self, workflow_id: str) -> ArrivalState:
        await self.show(workflow_id, Action.arrival_dossier_ready)
        return await self.desk.dossier_ready(workflow_id)

    async def list(
        self, mo: str | None = None, limit: int = LIMIT, cursor: str | None = None
    ) -> Page:
        authorize(self.caller, Action.arrival_read)
        show, scope = listing_scope(self.caller, mo)
        return await self.desk.list(scope, limit, cursor) if show else Page(items=[], total=0)


def _checked(workflow_id: str) -> str:
    return checked_id(ARRIVAL_ID, workflow_id, "an arrival id", "arrivee-MTQ-45871")
