"""Starting arrivals and departures and acting on them: the one path the command line and the
API both take. It checks what needs no workflow (the MO, the dates, the agent, the dossier),
computes the deadlines once, and speaks to the workflows."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, time
from typing import Any

from pydantic import BaseModel
from temporalio.client import Client, WorkflowHandle
from temporalio.common import TypedSearchAttributes, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from adapters.ports import Directory, SagirErp
from models.arrivals import ArrivalRequest, ArrivalState, StartArrival, arrival_id
from models.departures import (
    BIRTH_MISMATCH,
    DepartureNotice,
    DepartureRequest,
    DepartureState,
    RecordDeparture,
    departure_id,
    end_of_day,
)
from models.employee_requests import TakeRequest
from models.service_calendar import MONTREAL, ServiceCalendar
from models.sla import Channel, take_in_charge_deadline
from starter.desk_checks import require_agent, require_mo
from starter.errors import InvalidInput, Refused
from starter.visibility import visibility_query
from starter.workflow_calls import execute_step, query_state
from workflows import search_attributes as sa
from workflows.arrival import ArrivalWorkflow
from workflows.departure import DepartureWorkflow
from workflows.search_attributes import arrival_attributes, departure_attributes

ARRIVAL_ID = re.compile(r"^arrivee-[A-Z][A-Z0-9]{1,11}-\d{3,12}$")
DEPARTURE_ID = re.compile(r"^depart-[A-Z][A-Z0-9]{1,11}-\d{3,12}$")


class EmployeeRequestSummary(BaseModel):
    """One line of `arrival list` / `departure list`, from the engine's visibility."""

    id: str
    mo: str
    status: str
    breached: bool
    late_notice: bool
    due: datetime | None


class EmployeeDesk:
    def __init__(
        self,
        client: Client,
        task_queue: str,
        calendar: ServiceCalendar,
        directory: Directory,
        erp: SagirErp,
        dossier_wait_open_days: int,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._client = client
        self._task_queue = task_queue
        self._calendar = calendar
        self._directory = directory
        self._erp = erp
        self._dossier_wait = dossier_wait_open_days
        self._clock = clock

    # --- arrivals -------------------------------------------------------------------------

    async def start_arrival(self, request: ArrivalRequest) -> ArrivalState:
        now = self._clock()
        require_mo(self._directory, request.mo)
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
            due=take_in_charge_deadline(Channel.web, now, self._calendar),
            activate_at=datetime.combine(request.start_date, time(0), MONTREAL),
            dossier_wait_open_days=self._dossier_wait,
        )
        try:
            handle = await self._client.start_workflow(
                ArrivalWorkflow.run,
                start,
                id=start.id,
                task_queue=self._task_queue,
                # A finished arrival (refused, say) may be sent again; a running one may not.
                id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
                search_attributes=TypedSearchAttributes(
                    arrival_attributes(ArrivalState.initial(start))
                ),
            )
        except WorkflowAlreadyStartedError:
            raise Refused(
                f"{start.id} is already in progress; see `sagir-desk arrival show {start.id}`"
            ) from None
        return await handle.query(ArrivalWorkflow.state)

    async def show_arrival(self, workflow_id: str) -> ArrivalState:
        return await query_state(self._arrival(workflow_id), ArrivalWorkflow.state, workflow_id)

    async def take_arrival(self, workflow_id: str, agent: str) -> ArrivalState:
        require_agent(self._directory, agent)
        handle = self._arrival(workflow_id)
        return await execute_step(
            handle, ArrivalWorkflow.take, TakeRequest(agent=agent), workflow_id
        )

    async def dossier_ready(self, workflow_id: str) -> ArrivalState:
        handle = self._arrival(workflow_id)
        # Query first: an unknown id answers NotFound before anything is signalled.
        state = await query_state(handle, ArrivalWorkflow.state, workflow_id)
        await handle.signal(ArrivalWorkflow.dossier_ready)
        return state

    # --- departures -----------------------------------------------------------------------

    async def notify_departure(self, request: DepartureRequest) -> DepartureState:
        """Start the departure, or update the running one with this second notice."""
        now = self._clock()
        require_mo(self._directory, request.mo)
        person = self._erp.person(request.mo, request.employee_number)
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
            due=take_in_charge_deadline(Channel.web, now, self._calendar),
            end_of_departure_date=end,
        )
        try:
            handle = await self._client.start_workflow(
                DepartureWorkflow.run,
                notice,
                id=notice.id,
                task_queue=self._task_queue,
                id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
                search_attributes=TypedSearchAttributes(
                    departure_attributes(DepartureState.initial(notice))
                ),
            )
        except WorkflowAlreadyStartedError:
            running = self._client.get_workflow_handle_for(DepartureWorkflow.run, notice.id)
            return await execute_step(running, DepartureWorkflow.renotify, notice, notice.id)
        return await handle.query(DepartureWorkflow.state)

    async def record_departure(self, workflow_id: str, by: str) -> DepartureState:
        return await execute_step(
            self._departure(workflow_id),
            DepartureWorkflow.record_departure,
            RecordDeparture(by=by),
            workflow_id,
        )

    async def take_departure(self, workflow_id: str, agent: str) -> DepartureState:
        require_agent(self._directory, agent)
        return await execute_step(
            self._departure(workflow_id),
            DepartureWorkflow.take,
            TakeRequest(agent=agent),
            workflow_id,
        )

    async def show_departure(self, workflow_id: str) -> DepartureState:
        return await query_state(self._departure(workflow_id), DepartureWorkflow.state, workflow_id)

    # --- both -------------------------------------------------------------------------------

    async def list(
        self, process: str, mo: str | None = None, late: bool | None = None, limit: int = 200
    ) -> list[EmployeeRequestSummary]:
        query = visibility_query(process, mo, late_notice=late)
        found = []
        async for execution in self._client.list_workflows(query, limit=limit):
            attrs = execution.typed_search_attributes
            found.append(
                EmployeeRequestSummary(
                    id=execution.id,
                    mo=attrs.get(sa.MO) or "",
                    status=attrs.get(sa.STATUS) or "",
                    breached=bool(attrs.get(sa.BREACHED)),
                    late_notice=bool(attrs.get(sa.LATE_NOTICE)),
                    due=attrs.get(sa.DUE),
                )
            )
        return sorted(found, key=lambda item: item.id)

    def _arrival(self, workflow_id: str) -> WorkflowHandle[Any, ArrivalState]:
        if not ARRIVAL_ID.match(workflow_id):
            raise InvalidInput(f"id: {workflow_id!r} is not an arrival id like arrivee-MTQ-45871")
        return self._client.get_workflow_handle_for(ArrivalWorkflow.run, workflow_id)

    def _departure(self, workflow_id: str) -> WorkflowHandle[Any, DepartureState]:
        if not DEPARTURE_ID.match(workflow_id):
            raise InvalidInput(f"id: {workflow_id!r} is not a departure id like depart-MTQ-45871")
        return self._client.get_workflow_handle_for(DepartureWorkflow.run, workflow_id)
