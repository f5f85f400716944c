"""Parameterisation and access requests: a personne autorisée (or relève) of the MO submits
them, CA agents take, ask, complete and check them, the MO answers. The desk checks what needs no
workflow (the MO, the registre d'autorité, the nomenclature, the limits, the agents) so that a
refused request starts nothing, computes the deadline once, and speaks to the workflows."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from activities.parameterisation import sagir_view
from adapters.ports import Counters, Directory, RequestRecords, SagirErp
from models.parameterisation import (
    AskClient,
    ClientAnswer,
    CompleteParam,
    ParamKind,
    ParamRequest,
    ParamState,
    QualityCheck,
    StartParameterisation,
    TakeParam,
    check_completion,
    check_param_request,
    request_id,
    request_prefix,
)
from models.requests import Page, Process
from models.roles import Action, Caller
from models.sagir import RuleRefused
from models.service_calendar import MONTREAL, ServiceCalendar
from models.sla import Channel, take_in_charge_deadline
from starter.desks.access import acting_as_self, authorize, listing_scope, own_mo
from starter.desks.checks import checked_id, checked_mo, paged, require_agent, require_mo
from starter.desks.clock import Clock, utc_now
from starter.desks.engine import Engine
from starter.desks.errors import InvalidInput
from workflows.parameterisation import ParameterisationWorkflow
from workflows.search_attributes import param_attributes

REQUEST_ID = re.compile(r"^(param|acces)-[A-Z][A-Z0-9]{1,11}-\d{4}-\d{6}$")
KINDS = (Process.parameterisation, Process.access)
LIMIT = 100


@dataclass(frozen=True)
class ParameterisationDesk:
    engine: Engine
    calendar: ServiceCalendar
    directory: Directory
    erp: SagirErp
    counters: Counters
    requests: RequestRecords
    answer_wait_open_days: int
    clock: Clock = utc_now

    async def submit(self, request: ParamRequest) -> ParamState:
        """Check the request as the workflow will, then start it; a refusal starts nothing."""
        now = self.clock()
        require_mo(self.directory, request.mo)
        day = now.astimezone(MONTREAL).date()
        try:
            check_param_request(request, day, sagir_view(self.erp, request))
        except RuleRefused as refused:
            raise InvalidInput(str(refused)) from None
        year = now.astimezone(MONTREAL).year
        prefix = request_prefix(request.kind).value
        number = self.counters.next_number(f"{prefix}-{request.mo}-{year}")
        start = StartParameterisation(
            id=request_id(request.kind, request.mo, year, number),
            request=request,
            received_at=now,
            due=take_in_charge_deadline(Channel.web, now, self.calendar),
            answer_wait_open_days=self.answer_wait_open_days,
        )
        initial = ParamState.initial(start)
        await self.engine.start(
            ParameterisationWorkflow.run, start, start.id, param_attributes(initial)
        )
        return await self.show(start.id)

    async def show(self, workflow_id: str) -> ParamState:
        state: ParamState = await self.engine.state(ParameterisationWorkflow, _checked(workflow_id))
        return state

    async def take(self, workflow_id: str, agent: str) -> ParamState:
        require_agent(self.directory, agent)
        return await self._step(workflow_id, ParameterisationWorkflow.take, TakeParam(agent=agent))

    async def ask(self, workflow_id: str, step: AskClient) -> ParamState:
        require_agent(self.directory, step.agent)
        return await self._step(workflow_id, ParameterisationWorkflow.ask, step)

    async def answer(self, workflow_id: str, step: ClientAnswer) -> ParamState:
        return await self._step(workflow_id, ParameterisationWorkflow.answer, step)

    async def complete(self, workflow_id: str, step: CompleteParam) -> ParamState:
        """The template's rules are checked here too, with what only SAGIR knows: a new
        responsibility's code must be free, a modified one must be the MO's."""
        require_agent(self.directory, step.agent)
        state = await self.show(workflow_id)
        try:
            check_completion(state.kind, state.mo, state.responsibility, step)
        except RuleRefused as refused:
            raise InvalidInput(str(refused)) from None
        code = step.template.code if step.template is not None else None
        if state.kind is ParamKind.create_responsibility and code in self.erp.catalogue():
            raise InvalidInput(f"template.code: {code} already exists in SAGIR")
        return await self._step(workflow_id, ParameterisationWorkflow.complete, step)

    async def check(self, workflow_id: str, step: QualityCheck) -> ParamState:
        require_agent(self.directory, step.agent)
        return await self._step(workflow_id, ParameterisationWorkflow.check, step)

    async def list(
        self,
        kind: Process,
        mo: str | None = None,
        limit: int = LIMIT,
        cursor: str | None = None,
    ) -> Page:
        """Parameterisation (or access) requests by id, from the desk's records."""
        if kind not in KINDS:
            raise InvalidInput(f"kind: {kind} is not one of {', '.join(KINDS)}")
        return paged(
            self.requests.page,
            process=kind,
            mo=checked_mo(mo),
            limit=limit,
            cursor=cursor,
        )

    async def _step(self, workflow_id: str, update: Any, argument: Any) -> ParamState:
        state: ParamState = await self.engine.step(update, argument, _checked(workflow_id))
        return state


@dataclass(frozen=True)
class GuardedParameterisation:
    desk: ParameterisationDesk
    caller: Caller

    async def submit(self, request: ParamRequest) -> ParamState:
        """The personne autorisée (or relève) who authorises a request sends it, under their
        own employee number."""
        authorize(self.caller, Action.param_submit)
        own_mo(self.caller, request.mo)
        acting_as_self(self.caller, "authorised_by", request.authorised_by)
        return await self.desk.submit(request)

    async def show(self, workflow_id: str, action: Action = Action.param_read) -> ParamState:
        authorize(self.caller, action)
        state = await self.desk.show(workflow_id)
        authorize(self.caller, action, state.mo, workflow_id)
        return state

    async def take(self, workflow_id: str, agent: str) -> ParamState:
        await self.show(workflow_id, Action.param_work)
        acting_as_self(self.caller, "agent", agent)
        return await self.desk.take(workflow_id, agent)

    async def ask(self, workflow_id: str, step: AskClient) -> ParamState:
        await self.show(workflow_id, Action.param_work)
        acting_as_self(self.caller, "agent", step.agent)
        return await self.desk.ask(workflow_id, step)

    async def answer(self, workflow_id: str, step: ClientAnswer) -> ParamState:
        await self.show(workflow_id, Action.param_answer)
        acting_as_self(self.caller, "by", step.by)
        return await self.desk.answer(workflow_id, step)

    async def complete(self, workflow_id: str, step: CompleteParam) -> ParamState:
        await self.show(workflow_id, Action.param_work)
        acting_as_self(self.caller, "agent", step.agent)
        return await self.desk.complete(workflow_id, step)

    async def check(self, workflow_id: str, step: QualityCheck) -> ParamState:
        await self.show(workflow_id, Action.param_work)
        acting_as_self(self.caller, "agent", step.agent)
        return await self.desk.check(workflow_id, step)

    async def list(
        self,
        kind: Process,
        mo: str | None = None,
        limit: int = LIMIT,
        cursor: str | None = None,
    ) -> Page:
        authorize(self.caller, Action.param_read)
        show, scope = listing_scope(self.caller, mo)
        return await self.desk.list(kind, scope, limit, cursor) if show else Page(items=[], total=0)


def _checked(workflow_id: str) -> str:
    return checked_id(REQUEST_ID, workflow_id, "a request id", "param-MTQ-2026-000001")
