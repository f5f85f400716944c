"""Parameterisation and access requests: the one path the command line and the API both take.
It checks what needs no workflow (the MO, the registre d'autorité, the nomenclature, the limits,
the agents) so that a refused request starts nothing, computes the deadline once, and speaks to
the workflows."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from temporalio.client import Client, WorkflowHandle
from temporalio.common import TypedSearchAttributes

from activities.parameterisation import sagir_view
from adapters.ports import Directory, SagirErp
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
from models.sagir import RuleRefused
from models.service_calendar import MONTREAL, ServiceCalendar
from models.sla import Channel, take_in_charge_deadline
from starter.desk_checks import require_agent, require_mo
from starter.errors import InvalidInput
from starter.visibility import visibility_query
from starter.workflow_calls import execute_step, query_state
from workflows import search_attributes as sa
from workflows.parameterisation import ParameterisationWorkflow
from workflows.search_attributes import param_attributes

REQUEST_ID = re.compile(r"^(param|acces)-[A-Z][A-Z0-9]{1,11}-\d{4}-\d{6}$")


class ParamSummary(BaseModel):
    """One line of `param list` / `access list`, from the engine's visibility."""

    id: str
    mo: str
    status: str
    breached: bool
    due: datetime | None


class ParameterisationDesk:
    def __init__(
        self,
        client: Client,
        task_queue: str,
        calendar: ServiceCalendar,
        directory: Directory,
        erp: SagirErp,
        next_number: Callable[[str], int],
        answer_wait_open_days: int,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._client = client
        self._task_queue = task_queue
        self._calendar = calendar
        self._directory = directory
        self._erp = erp
        self._next_number = next_number
        self._answer_wait = answer_wait_open_days
        self._clock = clock

    async def submit(self, request: ParamRequest) -> ParamState:
        """Check the request as the workflow will, then start it; a refusal starts nothing."""
        now = self._clock()
        require_mo(self._directory, request.mo)
        day = now.astimezone(MONTREAL).date()
        try:
            check_param_request(request, day, sagir_view(self._erp, request))
        except RuleRefused as refused:
            raise InvalidInput(str(refused)) from None
        year = now.astimezone(MONTREAL).year
        number = self._next_number(f"{request_prefix(request.kind)}-{request.mo}-{year}")
        start = StartParameterisation(
            id=request_id(request.kind, request.mo, year, number),
            request=request,
            received_at=now,
            due=take_in_charge_deadline(Channel.web, now, self._calendar),
            answer_wait_open_days=self._answer_wait,
        )
        handle = await self._client.start_workflow(
            ParameterisationWorkflow.run,
            start,
            id=start.id,
            task_queue=self._task_queue,
            search_attributes=TypedSearchAttributes(param_attributes(ParamState.initial(start))),
        )
        return await handle.query(ParameterisationWorkflow.state)

    async def show(self, workflow_id: str) -> ParamState:
        return await query_state(
            self._handle(workflow_id), ParameterisationWorkflow.state, workflow_id
        )

    async def take(self, workflow_id: str, agent: str) -> ParamState:
        require_agent(self._directory, agent)
        return await self._step(workflow_id, ParameterisationWorkflow.take, TakeParam(agent=agent))

    async def ask(self, workflow_id: str, step: AskClient) -> ParamState:
        require_agent(self._directory, step.agent)
        return await self._step(workflow_id, ParameterisationWorkflow.ask, step)

    async def answer(self, workflow_id: str, step: ClientAnswer) -> ParamState:
        return await self._step(workflow_id, ParameterisationWorkflow.answer, step)

    async def complete(self, workflow_id: str, step: CompleteParam) -> ParamState:
        """The template's rules are checked here too, with what only SAGIR knows: a new
        responsibility's code must be free, a modified one must be the MO's."""
        require_agent(self._directory, step.agent)
        state = await self.show(workflow_id)
        try:
            check_completion(state.kind, state.mo, state.responsibility, step)
        except RuleRefused as refused:
            raise InvalidInput(str(refused)) from None
        code = step.template.code if step.template is not None else None
        if state.kind is ParamKind.create_responsibility and code in self._erp.catalogue():
            raise InvalidInput(f"template.code: {code} already exists in SAGIR")
        return await self._step(workflow_id, ParameterisationWorkflow.complete, step)

    async def check(self, workflow_id: str, step: QualityCheck) -> ParamState:
        require_agent(self._directory, step.agent)
        return await self._step(workflow_id, ParameterisationWorkflow.check, step)

    async def list(
        self, prefix: str, mo: str | None = None, limit: int = 200
    ) -> list[ParamSummary]:
        found = []
        query = visibility_query(prefix, mo)
        async for execution in self._client.list_workflows(query, limit=limit):
            attrs = execution.typed_search_attributes
            found.append(
                ParamSummary(
                    id=execution.id,
                    mo=attrs.get(sa.MO) or "",
                    status=attrs.get(sa.STATUS) or "",
                    breached=bool(attrs.get(sa.BREACHED)),
                    due=attrs.get(sa.DUE),
                )
            )
        return sorted(found, key=lambda item: item.id)

    async def _step(self, workflow_id: str, update: Any, argument: Any) -> ParamState:
        return await execute_step(self._handle(workflow_id), update, argument, workflow_id)  # type: ignore[no-any-return]

    def _handle(self, workflow_id: str) -> WorkflowHandle[Any, ParamState]:
        if not REQUEST_ID.match(workflow_id):
            raise InvalidInput(
                f"id: {workflow_id!r} is not a request id like param-MTQ-2026-000001"
            )
        return self._client.get_workflow_handle_for(ParameterisationWorkflow.run, workflow_id)
