"""Tickets and the agents' queue over HTTP."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel

from models.requests import Listed
from models.roles import Action
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
from starter.api.deps import (
    Cursor,
    GuardDep,
    GuardedRoute,
    Limit,
    allow,
    body_without,
    one_page,
    with_actor,
)
from starter.api.params import Mo, TicketId
from starter.desks.compose import GuardedDesks

router = APIRouter(tags=["tickets"], route_class=GuardedRoute)

ForwardBody = body_without(ForwardTicket, "agent")
AskBody = body_without(AskClient, "agent")
ProposeBody = body_without(ProposeSolution, "agent")
CheckBody = body_without(CheckQuality, "agent")
ReturnBody = body_without(ReturnToClient, "agent")
BackBody = body_without(BringBack, "by")
AnswerBody = body_without(RecordAnswer, "by")
ReopenBody = body_without(ReopenTicket, "by")


class _Empty(BaseModel):
    pass


async def _step(
    guard: GuardedDesks,
    ticket_id: TicketId,
    name: str,
    model: type[BaseModel],
    body: BaseModel | None = None,
    actor: str = "agent",
) -> TicketState:
    step = with_actor(model, body or _Empty(), **{actor: guard.caller.subject})
    return await guard.tickets.act(name, ticket_id, step)


@router.post("/tickets", status_code=201, dependencies=[allow(Action.ticket_open)])
async def open_ticket(body: TicketRequest, guard: GuardDep) -> TicketState:
    """Open a ticket (an MO user opens their own; an agent, on a caller's behalf)."""
    return await guard.tickets.open(body)


@router.get("/tickets", response_model=list[Listed], dependencies=[allow(Action.ticket_read)])
async def list_tickets(
    request: Request,
    guard: GuardDep,
    mo: Mo = None,
    status: TicketStatus | None = None,
    breached: bool | None = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Response:
    """Tickets by number, a page at a time (`X-Total-Count`, `Link` to the next page)."""
    found = await guard.tickets.list(mo, status, breached, limit, cursor)
    return one_page(request, found)


@router.get("/tickets/{ticket_id}", dependencies=[allow(Action.ticket_read)])
async def show_ticket(ticket_id: TicketId, guard: GuardDep) -> TicketState:
    return await guard.tickets.show(ticket_id)


@router.post("/tickets/{ticket_id}/take", dependencies=[allow(Action.ticket_work)])
async def take(ticket_id: TicketId, guard: GuardDep) -> TicketState:
    return await _step(guard, ticket_id, "take", TakeTicket)


@router.post("/tickets/{ticket_id}/forward", dependencies=[allow(Action.ticket_work)])
async def forward(ticket_id: TicketId, body: ForwardBody, guard: GuardDep) -> TicketState:
    return await _step(guard, ticket_id, "forward", ForwardTicket, body)


@router.post("/tickets/{ticket_id}/ask", dependencies=[allow(Action.ticket_work)])
async def ask(ticket_id: TicketId, body: AskBody, guard: GuardDep) -> TicketState:
    return await _step(guard, ticket_id, "ask_client", AskClient, body)


@router.post("/tickets/{ticket_id}/propose", dependencies=[allow(Action.ticket_work)])
async def propose(ticket_id: TicketId, body: ProposeBody, guard: GuardDep) -> TicketState:
    return await _step(guard, ticket_id, "propose", ProposeSolution, body)


@router.post("/tickets/{ticket_id}/check", dependencies=[allow(Action.ticket_work)])
async def check(ticket_id: TicketId, body: CheckBody, guard: GuardDep) -> TicketState:
    return await _step(guard, ticket_id, "check_quality", CheckQuality, body)


@router.post("/tickets/{ticket_id}/return", dependencies=[allow(Action.ticket_work)])
async def return_to_client(ticket_id: TicketId, body: ReturnBody, guard: GuardDep) -> TicketState:
    return await _step(guard, ticket_id, "return_to_client", ReturnToClient, body)


@router.post("/tickets/{ticket_id}/close", dependencies=[allow(Action.ticket_work)])
async def close(ticket_id: TicketId, guard: GuardDep) -> TicketState:
    return await _step(guard, ticket_id, "close", CloseTicket)


@router.post("/tickets/{ticket_id}/back", dependencies=[allow(Action.ticket_back)])
async def back(ticket_id: TicketId, body: BackBody, guard: GuardDep) -> TicketState:
    """A forwarded ticket comes back (the DGGIR pilot it was forwarded to, or an agent)."""
    return await _step(guard, ticket_id, "bring_back", BringBack, body, actor="by")


@router.post("/tickets/{ticket_id}/answer", dependencies=[allow(Action.ticket_answer)])
async def answer(ticket_id: TicketId, body: AnswerBody, guard: GuardDep) -> TicketState:
    return await _step(guard, ticket_id, "record_answer", RecordAnswer, body, actor="by")


@router.post("/tickets/{ticket_id}/reopen", dependencies=[allow(Action.ticket_reopen)])
async def reopen(ticket_id: TicketId, body: ReopenBody, guard: GuardDep) -> TicketState:
    return await _step(guard, ticket_id, "reopen", ReopenTicket, body, actor="by")


@router.get("/queue", response_model=list[Listed], dependencies=[allow(Action.queue_read)])
async def queue(
    request: Request,
    guard: GuardDep,
    mo: Mo = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Response:
    """Tickets waiting to be taken in charge: urgent first, then the earliest deadline."""
    return one_page(request, await guard.tickets.queue(mo, limit, cursor))
