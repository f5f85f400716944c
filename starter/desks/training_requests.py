"""Training requests (demandes de formation): the MO's HR or a personne autorisée asks for an
employee's training in an SGA course over a wished period; CA agents take the request, register
the employee in a session of that course whose first day is in the period, or refuse it. The
desk checks what needs no workflow (the MO, the registre d'autorité, the employee, the course, the
period, the session) so that a refused request starts nothing, computes the deadline once, and
speaks to the workflow."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from adapters.ports import Counters, Directory, RequestRecords, SagirErp, Sga
from models.requests import Page, Process
from models.roles import Action, Caller, Role
from models.sagir import RuleRefused, check_authoriser
from models.service_calendar import MONTREAL, ServiceCalendar
from models.sla import Channel, take_in_charge_deadline
from models.training import SessionView
from models.training_requests import (
    RefuseTrainingRequest,
    RegisterInSession,
    StartTrainingRequest,
    TakeTrainingRequest,
    TrainingRequest,
    TrainingRequestState,
    check_session_fits,
    check_wished_period,
    training_request_id,
)
from starter.desks.access import acting_as_self, authorize, listing_scope, own_mo
from starter.desks.checks import checked_id, checked_mo, paged, require_agent, require_mo
from starter.desks.clock import Clock, utc_now
from starter.desks.engine import Engine
from starter.desks.errors import InvalidInput
from workflows.search_attributes import training_request_attributes
from workflows.training_requests import TrainingRequestWorkflow

TRAINING_REQUEST_ID = re.compile(r"^demande-formation-[A-Z][A-Z0-9]{1,11}-\d{4}-\d{6}$")
EXAMPLE_ID = "demande-formation-MTQ-2026-000001"
LIMIT = 100


@dataclass(frozen=True)
class TrainingRequestDesk:
    engine: Engine
    calendar: ServiceCalendar
    directory: Directory
    erp: SagirErp
    sga: Sga
    counters: Counters
    requests: RequestRecords
    clock: Clock = utc_now

    async def submit(self, request: TrainingRequest) -> TrainingRequestState:
        """Check the request, then start it; a refusal starts nothing (not even a number)."""
        now = self.clock()
        require_mo(self.directory, request.mo)
        today = now.astimezone(MONTREAL).date()
        mo = request.mo
        try:
            check_wished_period(request, today)
            check_authoriser(
                mo,
                request.authorised_by,
                request.employee_number,
                today,
                self.erp.registre(mo),
                self.erp.registre_absences(mo),
            )
        except RuleRefused as refused:
            raise InvalidInput(str(refused)) from None
        if self.erp.person(mo, request.employee_number) is None:
            raise InvalidInput(
                f"employee_number: {request.employee_number} has no dossier personne in {mo}"
            )
        if self.sga.course(request.course) is None:
            raise InvalidInput(f"course: {request.course} is not a course of SGA")
        year = now.astimezone(MONTREAL).year
        number = self.counters.next_number(f"{Process.training_request.value}-{mo}-{year}")
        start = StartTrainingRequest(
            id=training_request_id(mo, year, number),
            request=request,
            received_at=now,
            due=take_in_charge_deadline(Channel.web, now, self.calendar),
        )
        initial = TrainingRequestState.initial(start)
        await self.engine.start(
            TrainingRequestWorkflow.run, start, start.id, training_request_attributes(initial)
        )
        return await self.show(start.id)

    async def show(self, workflow_id: str) -> TrainingRequestState:
        state: TrainingRequestState = await self.engine.state(
            TrainingRequestWorkflow, _checked(workflow_id)
        )
        return state

    async def take(self, workflow_id: str, agent: str) -> TrainingRequestState:
        require_agent(self.directory, agent)
        return await self._step(
            workflow_id, TrainingRequestWorkflow.take, TakeTrainingRequest(agent=agent)
        )

    async def register(self, workflow_id: str, agent: str, session: str) -> TrainingRequestState:
        """Register the employee in `session`, read from SGA: a session of the requested course,
        not begun, whose first day is in the wished period. A full one wait-lists them."""
        require_agent(self.directory, agent)
        state = await self.show(workflow_id)
        view = self.sga.session(session)
        if view is None:
            raise InvalidInput(f"session: {session} is not a session of SGA")
        found = view.session
        begins = datetime.combine(found.starts_on, time(0), MONTREAL)
        if begins <= self.clock():
            raise InvalidInput(f"session: {session} began on {found.starts_on}; choose a later one")
        try:
            check_session_fits(state, session, found.course, found.starts_on)
        except RuleRefused as refused:
            raise InvalidInput(str(refused)) from None
        step = RegisterInSession(
            agent=agent,
            session=found.code,
            course=found.course,
            starts_on=found.starts_on,
            starts_at=begins,
        )
        return await self._step(workflow_id, TrainingRequestWorkflow.register, step)

    async def sessions(self, workflow_id: str) -> list[SessionView]:
        """The sessions an agent may register the request's employee in: of its course, not
        begun, their first day in the wished period."""
        state = await self.show(workflow_id)
        now = self.clock()
        return [
            view
            for view in self.sga.sessions()
            if view.session.course == state.course
            and state.wished_from <= view.session.starts_on <= state.wished_until
            and datetime.combine(view.session.starts_on, time(0), MONTREAL) > now
        ]

    async def refuse(self, workflow_id: str, step: RefuseTrainingRequest) -> TrainingRequestState:
        require_agent(self.directory, step.agent)
        return await self._step(workflow_id, TrainingRequestWorkflow.refuse, step)

    async def list(
        self,
        mo: str | None = None,
        status: str | None = None,
        limit: int = LIMIT,
        cursor: str | None = None,
    ) -> Page:
        """Training requests by id, from the desk's records, a page at a time."""
        return paged(
            self.requests.page,
            process=Process.training_request,
            mo=checked_mo(mo),
            status=status,
            limit=limit,
            cursor=cursor,
        )

    async def _step(self, workflow_id: str, update: Any, argument: Any) -> TrainingRequestState:
        state: TrainingRequestState = await self.engine.step(
            update, argument, _checked(workflow_id)
        )
        return state


@dataclass(frozen=True)
class GuardedTrainingRequests:
    desk: TrainingRequestDesk
    caller: Caller

    async def submit(self, request: TrainingRequest) -> TrainingRequestState:
        """The MO's HR, or a personne autorisée (or relève) under their own employee number,
        sends a request of their own MO."""
        authorize(self.caller, Action.training_request_submit)
        own_mo(self.caller, request.mo)
        acting_as_self(self.caller, "requested_by", request.requested_by)
        if self.caller.role is Role.personne_autorisee:
            acting_as_self(self.caller, "authorised_by", request.authorised_by)
        return await self.desk.submit(request)

    async def show(
        self, workflow_id: str, action: Action = Action.training_request_read
    ) -> TrainingRequestState:
        authorize(self.caller, action)
        state = await self.desk.show(workflow_id)
        authorize(self.caller, action, state.mo, workflow_id)
        return state

    async def take(self, workflow_id: str, agent: str) -> TrainingRequestState:
        await self.show(workflow_id, Action.training_request_work)
        acting_as_self(self.caller, "agent", agent)
        return await self.desk.take(workflow_id, agent)

    async def register(self, workflow_id: str, agent: str, session: str) -> TrainingRequestState:
        await self.show(workflow_id, Action.training_request_work)
        acting_as_self(self.caller, "agent", agent)
        return await self.desk.register(workflow_id, agent, session)

    async def sessions(self, workflow_id: str) -> list[SessionView]:
        await self.show(workflow_id, Action.training_request_work)
        return await self.desk.sessions(workflow_id)

    async def refuse(self, workflow_id: str, step: RefuseTrainingRequest) -> TrainingRequestState:
        await self.show(workflow_id, Action.training_request_work)
        acting_as_self(self.caller, "agent", step.agent)
        return await self.desk.refuse(workflow_id, step)

    async def list(
        self,
        mo: str | None = None,
        status: str | None = None,
        limit: int = LIMIT,
        cursor: str | None = None,
    ) -> Page:
        authorize(self.caller, Action.training_request_read)
        show, scope = listing_scope(self.caller, mo)
        if not show:
            return Page(items=[], total=0)
        return await self.desk.list(scope, status, limit, cursor)


def _checked(workflow_id: str) -> str:
    return checked_id(TRAINING_REQUEST_ID, workflow_id, "a training request id", EXAMPLE_ID)
