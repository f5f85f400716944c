"""Every desk operation as a caller may take it, in one place for the HTTP API and the command
line: the roles matrix (`models/roles.py`), the caller's own MO, acting under one's own name,
and another MO's records answered as if they did not exist.

Each guarded desk has the same methods as the desk it guards, so the command line calls it as it
called the desk; the API's routes call it with the caller's own name as the actor.
"""

from __future__ import annotations

import builtins
from datetime import date
from typing import Any

from models.arrivals import ArrivalRequest, ArrivalState
from models.audit import AuditEntry, ChainBreak
from models.departures import DepartureRequest, DepartureState
from models.parameterisation import (
    AskClient,
    ClientAnswer,
    CompleteParam,
    ParamRequest,
    ParamState,
    QualityCheck,
)
from models.passwords import PasswordResetRequest, PasswordResetState
from models.registre import ChangeValidity, Declaration, RegistreChange, RegistreLine
from models.reports import SlaLine
from models.roles import Action, Caller, Role
from models.tickets import TicketRequest, TicketState, TicketStatus
from models.training import Enrol, Enrolment, SessionView, TrainingState
from starter.access_control import acting_as_self, authorize
from starter.audit_desk import ReplayVerdict, TimelineEvent, WorkflowFound
from starter.employee_desk import EmployeeRequestSummary
from starter.errors import Forbidden, InvalidInput, NotFound
from starter.parameterisation_desk import ParamSummary
from starter.services import DeskServices
from starter.ticket_desk import AGENT_STEPS, TicketSummary

TICKET_STEP_ACTIONS = {
    **{name: Action.ticket_work for name in AGENT_STEPS},
    "bring_back": Action.ticket_back,
    "record_answer": Action.ticket_answer,
    "reopen": Action.ticket_reopen,
}


def own_mo(caller: Caller, mo: str) -> None:
    """An MO's role acts for its own MO only."""
    if not caller.spans_mos and caller.mo != mo:
        raise Forbidden(f"mo: you act for {caller.mo}, not {mo}")


def listing_scope(caller: Caller, mo: str | None) -> tuple[bool, str | None]:
    """Whether a listing can hold anything for the caller, and the MO the engine's query is
    limited to: an MO's role lists its own MO only (asking for another finds nothing)."""
    if caller.spans_mos:
        return True, mo
    return mo in (None, caller.mo), caller.mo


class Guard:
    def __init__(self, services: DeskServices, caller: Caller) -> None:
        self.caller = caller
        self.services = services
        self.tickets = GuardedTickets(services, caller)
        self.employees = GuardedEmployees(services, caller)
        self.requests = GuardedRequests(services, caller)
        self.passwords = GuardedPasswords(services, caller)
        self.training = GuardedTraining(services, caller)
        self.registre = GuardedRegistre(services, caller)
        self.reports = GuardedReports(services, caller)
        self.audit = GuardedAudit(services, caller)


class _Guarded:
    def __init__(self, services: DeskServices, caller: Caller) -> None:
        self._services = services
        self._caller = caller


class GuardedTickets(_Guarded):
    async def open(self, request: TicketRequest) -> TicketState:
        caller = self._caller
        authorize(caller, Action.ticket_open)
        own_mo(caller, request.mo)
        if caller.role is Role.mo_user:
            acting_as_self(caller, "requester", request.requester)
        return await self._services.tickets.open(request)

    async def show(self, ticket_id: str, action: Action = Action.ticket_read) -> TicketState:
        """The ticket, if the caller may see it: its MO's users see their own, a DGGIR pilot the
        ones forwarded to them; any other answers 404 as if it did not exist."""
        caller = self._caller
        authorize(caller, action)
        state = await self._services.tickets.show(ticket_id)
        hidden = (
            not caller.sees(state.mo)
            or (caller.role is Role.mo_user and state.requester != caller.subject)
            or (caller.role is Role.dggir_pilot and state.forwarded_to != caller.subject)
        )
        if hidden:
            raise NotFound(f"ticket {ticket_id} does not exist")
        return state

    async def act(self, step_name: str, ticket_id: str, step: Any) -> TicketState:
        action = TICKET_STEP_ACTIONS.get(step_name)
        if action is None:
            raise InvalidInput(f"step: {step_name} is not a step of a ticket")
        await self.show(ticket_id, action)
        actor_field = "agent" if hasattr(step, "agent") else "by"
        acting_as_self(self._caller, actor_field, getattr(step, actor_field))
        return await self._services.tickets.act(step_name, ticket_id, step)

    async def list(
        self,
        mo: str | None = None,
        status: TicketStatus | None = None,
        breached: bool | None = None,
        limit: int = 200,
    ) -> builtins.list[TicketSummary]:
        caller = self._caller
        authorize(caller, Action.ticket_read)
        show, scope = listing_scope(caller, mo)
        if not show:
            return []
        found = await self._services.tickets.list(scope, status, breached, limit)
        if caller.role not in (Role.mo_user, Role.dggir_pilot):
            return found
        # Their own tickets only: the engine's visibility does not know the requester.
        mine = []
        for summary in found:
            try:
                await self.show(summary.id)
            except NotFound:
                continue
            mine.append(summary)
        return mine

    async def queue(self, mo: str | None = None) -> builtins.list[TicketSummary]:
        authorize(self._caller, Action.queue_read)
        return await self._services.tickets.queue(mo)


class GuardedEmployees(_Guarded):
    async def start_arrival(self, request: ArrivalRequest) -> ArrivalState:
        authorize(self._caller, Action.arrival_start)
        own_mo(self._caller, request.mo)
        acting_as_self(self._caller, "requested_by", request.requested_by)
        return await self._services.employees.start_arrival(request)

    async def show_arrival(
        self, workflow_id: str, action: Action = Action.arrival_read
    ) -> ArrivalState:
        authorize(self._caller, action)
        state = await self._services.employees.show_arrival(workflow_id)
        authorize(self._caller, action, state.mo, workflow_id)
        return state

    async def take_arrival(self, workflow_id: str, agent: str) -> ArrivalState:
        await self.show_arrival(workflow_id, Action.arrival_take)
        acting_as_self(self._caller, "agent", agent)
        return await self._services.employees.take_arrival(workflow_id, agent)

    async def dossier_ready(self, workflow_id: str) -> ArrivalState:
        await self.show_arrival(workflow_id, Action.arrival_dossier_ready)
        return await self._services.employees.dossier_ready(workflow_id)

    async def notify_departure(self, request: DepartureRequest) -> DepartureState:
        authorize(self._caller, Action.departure_notify)
        own_mo(self._caller, request.mo)
        acting_as_self(self._caller, "notified_by", request.notified_by)
        return await self._services.employees.notify_departure(request)

    async def show_departure(
        self, workflow_id: str, action: Action = Action.departure_read
    ) -> DepartureState:
        authorize(self._caller, action)
        state = await self._services.employees.show_departure(workflow_id)
        authorize(self._caller, action, state.mo, workflow_id)
        return state

    async def record_departure(self, workflow_id: str, by: str) -> DepartureState:
        await self.show_departure(workflow_id, Action.departure_record)
        acting_as_self(self._caller, "by", by)
        return await self._services.employees.record_departure(workflow_id, by)

    async def take_departure(self, workflow_id: str, agent: str) -> DepartureState:
        await self.show_departure(workflow_id, Action.departure_take)
        acting_as_self(self._caller, "agent", agent)
        return await self._services.employees.take_departure(workflow_id, agent)

    async def list(
        self, process: str, mo: str | None = None, late: bool | None = None, limit: int = 200
    ) -> builtins.list[EmployeeRequestSummary]:
        action = Action.arrival_read if process == "arrivee" else Action.departure_read
        authorize(self._caller, action)
        show, scope = listing_scope(self._caller, mo)
        return await self._services.employees.list(process, scope, late, limit) if show else []


class GuardedRequests(_Guarded):
    async def submit(self, request: ParamRequest) -> ParamState:
        """The personne autorisée (or relève) who authorises a request sends it, under their
        own employee number."""
        authorize(self._caller, Action.param_submit)
        own_mo(self._caller, request.mo)
        acting_as_self(self._caller, "authorised_by", request.authorised_by)
        return await self._services.requests.submit(request)

    async def show(self, workflow_id: str, action: Action = Action.param_read) -> ParamState:
        authorize(self._caller, action)
        state = await self._services.requests.show(workflow_id)
        authorize(self._caller, action, state.mo, workflow_id)
        return state

    async def take(self, workflow_id: str, agent: str) -> ParamState:
        await self.show(workflow_id, Action.param_work)
        acting_as_self(self._caller, "agent", agent)
        return await self._services.requests.take(workflow_id, agent)

    async def ask(self, workflow_id: str, step: AskClient) -> ParamState:
        await self.show(workflow_id, Action.param_work)
        acting_as_self(self._caller, "agent", step.agent)
        return await self._services.requests.ask(workflow_id, step)

    async def answer(self, workflow_id: str, step: ClientAnswer) -> ParamState:
        await self.show(workflow_id, Action.param_answer)
        acting_as_self(self._caller, "by", step.by)
        return await self._services.requests.answer(workflow_id, step)

    async def complete(self, workflow_id: str, step: CompleteParam) -> ParamState:
        await self.show(workflow_id, Action.param_work)
        acting_as_self(self._caller, "agent", step.agent)
        return await self._services.requests.complete(workflow_id, step)

    async def check(self, workflow_id: str, step: QualityCheck) -> ParamState:
        await self.show(workflow_id, Action.param_work)
        acting_as_self(self._caller, "agent", step.agent)
        return await self._services.requests.check(workflow_id, step)

    async def list(
        self, prefix: str, mo: str | None = None, limit: int = 200
    ) -> builtins.list[ParamSummary]:
        authorize(self._caller, Action.param_read)
        show, scope = listing_scope(self._caller, mo)
        return await self._services.requests.list(prefix, scope, limit) if show else []


class GuardedPasswords(_Guarded):
    async def reset(self, request: PasswordResetRequest) -> PasswordResetState:
        authorize(self._caller, Action.password_reset)
        acting_as_self(self._caller, "agent", request.agent)
        return await self._services.passwords.reset(request)

    async def show(self, workflow_id: str) -> PasswordResetState:
        authorize(self._caller, Action.password_read)
        return await self._services.passwords.show(workflow_id)


class GuardedTraining(_Guarded):
    async def sessions(self) -> builtins.list[SessionView]:
        authorize(self._caller, Action.training_read)
        return await self._services.training.sessions()

    async def participants(self, session: str) -> builtins.list[Enrolment]:
        authorize(self._caller, Action.training_read)
        found = await self._services.training.participants(session)
        return [enrolment for enrolment in found if self._caller.sees(enrolment.mo)]

    async def enrol(self, enrol: Enrol) -> TrainingState:
        authorize(self._caller, Action.training_enrol)
        acting_as_self(self._caller, "by", enrol.by)
        return await self._services.training.enrol(enrol)

    async def show(self, workflow_id: str) -> TrainingState:
        authorize(self._caller, Action.training_read)
        state = await self._services.training.show(workflow_id)
        authorize(self._caller, Action.training_read, state.mo, workflow_id)
        return state

    async def cancel(self, workflow_id: str, agent: str) -> TrainingState:
        authorize(self._caller, Action.training_enrol)
        acting_as_self(self._caller, "agent", agent)
        return await self._services.training.cancel(workflow_id, agent)


class GuardedRegistre(_Guarded):
    def _registre_of(self, mo: str, action: Action) -> None:
        """The MO must be one the caller sees, and a client of the CA (404 otherwise, like any
        record that does not exist)."""
        authorize(self._caller, action, mo, f"the registre of {mo}")
        if self._services.access.directory.mo(mo) is None:
            raise NotFound(f"the registre of {mo} does not exist")

    def show(self, mo: str) -> builtins.list[RegistreLine]:
        self._registre_of(mo, Action.registre_read)
        return self._services.registre.show(mo)

    def history(self, mo: str) -> builtins.list[RegistreChange]:
        self._registre_of(mo, Action.registre_read)
        return self._services.registre.history(mo)

    def declare(self, declaration: Declaration, by: str) -> RegistreLine:
        self._registre_of(declaration.mo, Action.registre_change)
        acting_as_self(self._caller, "by", by)
        return self._services.registre.declare(declaration, by)

    def change(self, mo: str, change: ChangeValidity) -> RegistreLine:
        self._registre_of(mo, Action.registre_change)
        acting_as_self(self._caller, "by", change.by)
        return self._services.registre.change(mo, change)

    def end(self, mo: str, line_id: int, last_day: date, by: str) -> RegistreLine:
        self._registre_of(mo, Action.registre_change)
        acting_as_self(self._caller, "by", by)
        return self._services.registre.end(mo, line_id, last_day, by)


class GuardedReports(_Guarded):
    def sla(self, month: str | None = None, mo: str | None = None) -> builtins.list[SlaLine]:
        authorize(self._caller, Action.report_read)
        return self._services.reports.sla(month, mo)


class GuardedAudit(_Guarded):
    async def history(self, workflow_id: str) -> builtins.list[TimelineEvent]:
        authorize(self._caller, Action.audit_read)
        return await self._services.auditing.history(workflow_id)

    async def find(self, **filters: Any) -> builtins.list[WorkflowFound]:
        authorize(self._caller, Action.audit_read)
        return await self._services.auditing.find(**filters)

    async def replay(self, workflow_id: str) -> ReplayVerdict:
        authorize(self._caller, Action.audit_read)
        return await self._services.auditing.replay(workflow_id)

    def entries(self, record: str | None = None) -> builtins.list[AuditEntry]:
        authorize(self._caller, Action.audit_read)
        return self._services.audit.entries(record)

    def verify(self) -> builtins.list[ChainBreak]:
        authorize(self._caller, Action.audit_read)
        return self._services.audit.verify()
