"""Tickets and the agents' queue over HTTP."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from models.roles import Action, Caller, Role
from models.tickets import (
    AskClient,
    BringBack,
    CheckQuality,
    CloseTicket,
    ForwardTicket,
    ProposeSolution,
    RecordAnswer,
    ReopenTicket,
    ReturnToClient,
    TakeTicket,
    TicketRequest,
    TicketState,
    TicketStatus,
)
from starter.access_control import authorize
from starter.errors import NotFound
from starter.services import DeskServices
from starter.ticket_desk import TicketSummary
from starter.web.common import (
    CallerDep,
    ServicesDep,
    allow,
    body_without,
    listing_scope,
    own_mo,
    with_actor,
)

router = APIRouter(prefix="/tickets", tags=["tickets"])

ForwardBody = body_without(ForwardTicket, "agent")
AskBody = body_without(AskClient, "agent")
ProposeBody = body_without(ProposeSolution, "agent")
CheckBody = body_without(CheckQuality, "agent")
ReturnBody = body_without(ReturnToClient, "agent")
BackBody = body_without(BringBack, "by")
AnswerBody = body_without(RecordAnswer, "by")
ReopenBody = body_without(ReopenTicket, "by")


async def _visible(
    services: DeskServices, caller: Caller, ticket_id: str, action: Action
) -> TicketState:
    """The ticket, if the caller may see it: its MO's users see their own, a DGGIR pilot the
    ones forwarded to them; any other answers 404 as if it did not exist."""
    authorize(caller, action)
    state = await services.tickets.show(ticket_id)
    hidden = (
        not caller.sees(state.mo)
        or (caller.role is Role.mo_user and state.requester != caller.subject)
        or (caller.role is Role.dggir_pilot and state.forwarded_to != caller.subject)
    )
    if hidden:
        raise NotFound(f"ticket {ticket_id} does not exist")
    return state


@router.post("", status_code=201, dependencies=[allow(Action.ticket_open)])
async def open_ticket(body: TicketRequest, caller: CallerDep, services: ServicesDep) -> TicketState:
    """Open a ticket (an MO user opens their own; an agent, on a caller's behalf)."""
    authorize(caller, Action.ticket_open)
    own_mo(caller, body.mo)
    if caller.role is Role.mo_user:
        body = body.model_copy(update={"requester": caller.subject})
    return await services.tickets.open(body)


@router.get("", dependencies=[allow(Action.ticket_read)])
async def list_tickets(
    caller: CallerDep,
    services: ServicesDep,
    mo: str | None = None,
    status: TicketStatus | None = None,
    breached: bool | None = None,
) -> list[TicketSummary]:
    authorize(caller, Action.ticket_read)
    show, scope = listing_scope(caller, mo)
    if not show:
        return []
    found = await services.tickets.list(mo=scope, status=status, breached=breached)
    if caller.role in (Role.mo_user, Role.dggir_pilot):
        # Their own tickets only: the engine's visibility does not know the requester.
        return [summary for summary in found if await _is_theirs(services, caller, summary.id)]
    return found


async def _is_theirs(services: DeskServices, caller: Caller, ticket_id: str) -> bool:
    try:
        await _visible(services, caller, ticket_id, Action.ticket_read)
    except NotFound:
        return False
    return True


@router.get("/{ticket_id}", dependencies=[allow(Action.ticket_read)])
async def show_ticket(ticket_id: str, caller: CallerDep, services: ServicesDep) -> TicketState:
    return await _visible(services, caller, ticket_id, Action.ticket_read)


async def _agent_step(
    services: DeskServices,
    caller: Caller,
    ticket_id: str,
    name: str,
    model: type[BaseModel],
    body: BaseModel | None = None,
) -> TicketState:
    await _visible(services, caller, ticket_id, Action.ticket_work)
    step = with_actor(model, body or _Empty(), agent=caller.subject)
    return await services.tickets.act(name, ticket_id, step)


class _Empty(BaseModel):
    pass


@router.post("/{ticket_id}/take", dependencies=[allow(Action.ticket_work)])
async def take(ticket_id: str, caller: CallerDep, services: ServicesDep) -> TicketState:
    return await _agent_step(services, caller, ticket_id, "take", TakeTicket)


@router.post("/{ticket_id}/forward", dependencies=[allow(Action.ticket_work)])
async def forward(
    ticket_id: str, body: ForwardBody, caller: CallerDep, services: ServicesDep
) -> TicketState:
    return await _agent_step(services, caller, ticket_id, "forward", ForwardTicket, body)


@router.post("/{ticket_id}/ask", dependencies=[allow(Action.ticket_work)])
async def ask(
    ticket_id: str, body: AskBody, caller: CallerDep, services: ServicesDep
) -> TicketState:
    return await _agent_step(services, caller, ticket_id, "ask_client", AskClient, body)


@router.post("/{ticket_id}/propose", dependencies=[allow(Action.ticket_work)])
async def propose(
    ticket_id: str, body: ProposeBody, caller: CallerDep, services: ServicesDep
) -> TicketState:
    return await _agent_step(services, caller, ticket_id, "propose", ProposeSolution, body)


@router.post("/{ticket_id}/check", dependencies=[allow(Action.ticket_work)])
async def check(
    ticket_id: str, body: CheckBody, caller: CallerDep, services: ServicesDep
) -> TicketState:
    return await _agent_step(services, caller, ticket_id, "check_quality", CheckQuality, body)


@router.post("/{ticket_id}/return", dependencies=[allow(Action.ticket_work)])
async def return_to_client(
    ticket_id: str, body: ReturnBody, caller: CallerDep, services: ServicesDep
) -> TicketState:
    return await _agent_step(services, caller, ticket_id, "return_to_client", ReturnToClient, body)


@router.post("/{ticket_id}/close", dependencies=[allow(Action.ticket_work)])
async def close(ticket_id: str, caller: CallerDep, services: ServicesDep) -> TicketState:
    return await _agent_step(services, caller, ticket_id, "close", CloseTicket)


@router.post("/{ticket_id}/back", dependencies=[allow(Action.ticket_back)])
async def back(
    ticket_id: str, body: BackBody, caller: CallerDep, services: ServicesDep
) -> TicketState:
    """A forwarded ticket comes back (the DGGIR pilot it was forwarded to, or an agent)."""
    await _visible(services, caller, ticket_id, Action.ticket_back)
    step = with_actor(BringBack, body, by=caller.subject)
    return await services.tickets.act("bring_back", ticket_id, step)


@router.post("/{ticket_id}/answer", dependencies=[allow(Action.ticket_answer)])
async def answer(
    ticket_id: str, body: AnswerBody, caller: CallerDep, services: ServicesDep
) -> TicketState:
    await _visible(services, caller, ticket_id, Action.ticket_answer)
    step = with_actor(RecordAnswer, body, by=caller.subject)
    return await services.tickets.act("record_answer", ticket_id, step)


@router.post("/{ticket_id}/reopen", dependencies=[allow(Action.ticket_reopen)])
async def reopen(
    ticket_id: str, body: ReopenBody, caller: CallerDep, services: ServicesDep
) -> TicketState:
    await _visible(services, caller, ticket_id, Action.ticket_reopen)
    step = with_actor(ReopenTicket, body, by=caller.subject)
    return await services.tickets.act("reopen", ticket_id, step)


queue_router = APIRouter(tags=["tickets"])


@queue_router.get("/queue", dependencies=[allow(Action.queue_read)])
async def queue(
    caller: CallerDep, services: ServicesDep, mo: Annotated[str | None, Query()] = None
) -> list[TicketSummary]:
    """Tickets waiting to be taken in charge: urgent first, then the earliest deadline."""
    authorize(caller, Action.queue_read)
    return await services.tickets.queue(mo=mo)
