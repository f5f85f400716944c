"""Opening tickets and acting on them: the one path the command line and the API both take.

It checks what the workflow cannot (the MO and the agents exist, the receipt is not in the
future), computes the take-in-charge deadline once, and speaks to the workflows.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ValidationError
from temporalio.client import (
    Client,
    WorkflowUpdateFailedError,
)
from temporalio.common import TypedSearchAttributes, WorkflowIDReusePolicy
from temporalio.service import RPCError, RPCStatusCode

from adapters.ports import Directory, TicketRecords
from models import ticket_lifecycle as lifecycle
from models.service_calendar import ServiceCalendar
from models.sla import check_urgency, take_in_charge_deadline
from models.tickets import (
    TICKET_ID_PATTERN,
    OpenTicket,
    TicketRequest,
    TicketState,
    TicketStatus,
    ticket_number,
)
from starter.desk_checks import refusal_reason, require_agent, require_mo
from starter.errors import InvalidInput, NotFound, Refused
from starter.visibility import visibility_query
from workflows import search_attributes as sa
from workflows.search_attributes import ticket_attributes
from workflows.ticket import TicketWorkflow

# Steps only a CA agent (or supervisor) may take; the others may come from a client or a pilot.
AGENT_STEPS = {
    "take",
    "forward",
    "ask_client",
    "propose",
    "check_quality",
    "return_to_client",
    "close",
}


class TicketSummary(BaseModel):
    """One line of `ticket list` and `queue`, read from the engine's visibility."""

    id: str
    mo: str
    channel: str
    status: str
    urgent: bool
    breached: bool
    due: datetime | None


class TicketDesk:
    def __init__(
        self,
        client: Client,
        task_queue: str,
        calendar: ServiceCalendar,
        directory: Directory,
        records: TicketRecords,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._client = client
        self._task_queue = task_queue
        self._calendar = calendar
        self._directory = directory
        self._records = records
        self._clock = clock

    async def open(self, request: TicketRequest) -> TicketState:
        """Check the request, compute its deadline once, and start its workflow."""
        now = self._clock()
        received = request.received_at or now
        if received > now:
            raise InvalidInput(
                f"received_at: {received.isoformat()} is in the future; a request cannot be "
                "received later than now"
            )
        require_mo(self._directory, request.mo)
        try:
            check_urgency(request.channel, request.urgent)
        except ValueError as error:
            raise InvalidInput(f"urgent: {error}") from None
        due = take_in_charge_deadline(request.channel, received, self._calendar)
        number = ticket_number(received.year, self._records.next_ticket_number(received.year))
        ticket = OpenTicket(
            ticket_id=number,
            **request.model_dump(exclude={"received_at"}),
            received_at=received,
            due=due,
        )
        state = lifecycle.open_ticket(ticket)
        await self._client.start_workflow(
            TicketWorkflow.run,
            ticket,
            id=number,
            task_queue=self._task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            search_attributes=TypedSearchAttributes(ticket_attributes(state)),
        )
        return state

    async def show(self, ticket_id: str) -> TicketState:
        handle = self._client.get_workflow_handle_for(TicketWorkflow.run, _checked_id(ticket_id))
        try:
            return await handle.query(TicketWorkflow.state)
        except RPCError as error:
            if error.status is RPCStatusCode.NOT_FOUND:
                raise NotFound(f"ticket {ticket_id} does not exist") from None
            raise

    async def act(self, step_name: str, ticket_id: str, step: Any) -> TicketState:
        """Send one step (an update of TicketWorkflow) and return the state after it."""
        update = getattr(TicketWorkflow, step_name)
        actor = getattr(step, "agent", None)
        if step_name in AGENT_STEPS and actor is not None:
            require_agent(self._directory, actor)
        handle = self._client.get_workflow_handle_for(TicketWorkflow.run, _checked_id(ticket_id))
        try:
            return await handle.execute_update(update, step, result_type=TicketState)
        except WorkflowUpdateFailedError as failed:
            raise Refused(refusal_reason(failed)) from None
        except RPCError as error:
            if error.status is RPCStatusCode.NOT_FOUND:
                raise NotFound(f"ticket {ticket_id} does not exist or is finished") from None
            raise

    async def list(
        self,
        mo: str | None = None,
        status: TicketStatus | None = None,
        breached: bool | None = None,
        limit: int = 200,
    ) -> list[TicketSummary]:
        query = visibility_query(
            "ticket", mo, None if status is None else TicketStatus(status).value, breached
        )
        found = []
        async for execution in self._client.list_workflows(query, limit=limit):
            attrs = execution.typed_search_attributes
            found.append(
                TicketSummary(
                    id=execution.id,
                    mo=attrs.get(sa.MO) or "",
                    channel=attrs.get(sa.CHANNEL) or "",
                    status=attrs.get(sa.STATUS) or "",
                    urgent=bool(attrs.get(sa.URGENT)),
                    breached=bool(attrs.get(sa.BREACHED)),
                    due=attrs.get(sa.DUE),
                )
            )
        return sorted(found, key=lambda ticket: ticket.id)

    async def queue(self, mo: str | None = None) -> builtins.list[TicketSummary]:
        """Tickets not yet taken in charge, in the order agents serve them: urgent first, then
        the earliest deadline."""
        waiting = await self.list(mo=mo, status=TicketStatus.received)
        far = datetime.max.replace(tzinfo=UTC)
        return sorted(waiting, key=lambda t: (not t.urgent, t.due or far, t.id))


def parse_step(model: type[BaseModel], **fields: Any) -> Any:
    """Build a step contract, turning a validation error into one sentence naming the field."""
    try:
        return model(**fields)
    except ValidationError as error:
        raise InvalidInput(first_error(error)) from None


def first_error(error: ValidationError) -> str:
    detail = error.errors()[0]
    # A rule across fields (a model validator) already names its field in its sentence.
    message = str(detail["msg"]).removeprefix("Value error, ")
    if not detail["loc"]:
        return message
    field = ".".join(str(part) for part in detail["loc"])
    return f"{field}: {message}"


def _checked_id(ticket_id: str) -> str:
    if not TICKET_ID_PATTERN.match(ticket_id):
        raise InvalidInput(f"ticket: {ticket_id!r} is not a ticket number like T-2026-000123")
    return ticket_id
