"""Incoming mail over HTTP: the triage the CA sorts, and the files a ticket's messages
brought (for whoever may read the ticket)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel, ConfigDict

from models.inbound import Attachment, Receipt, TriageItem
from models.roles import Action
from models.tickets import MoCode
from starter.api.deps import Cursor, GuardDep, GuardedRoute, Limit, allow
from starter.api.params import TicketId

router = APIRouter(tags=["mail"], route_class=GuardedRoute)

MessageId = Annotated[
    str,
    Path(
        pattern=r"^[0-9a-f]{8,64}$",
        description="The message's id, or at least its first 8 characters.",
        examples=["3f2a9c1e"],
    ),
]
Digest = Annotated[
    str, Path(pattern=r"^[0-9a-f]{64}$", description="The SHA-256 digest of the file.")
]
BINARY = {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}


class SortBody(BaseModel):
    """The MO whose ticket the message opens."""

    model_config = ConfigDict(extra="forbid")
    mo: MoCode


@router.get("/triage", response_model=list[TriageItem], dependencies=[allow(Action.triage_sort)])
async def triage(
    request: Request, guard: GuardDep, limit: Limit = 100, cursor: Cursor = None
) -> Response:
    """Messages no rule could place (unknown sender, a reply that cannot reach its ticket), the
    oldest first, each due 24 hours after its receipt (`X-Total-Count`, `Link`)."""
    found = await guard.intake.triage(limit, cursor)
    headers = {"X-Total-Count": str(found.total)}
    if found.next_cursor is not None:
        following = request.url.include_query_params(cursor=found.next_cursor)
        headers["Link"] = f'<{following}>; rel="next"'
    body = b"[" + b",".join(item.model_dump_json().encode() for item in found.items) + b"]"
    return Response(body, media_type="application/json", headers=headers)


@router.post("/triage/{message_id}/sort", dependencies=[allow(Action.triage_sort)])
async def sort(message_id: MessageId, body: SortBody, guard: GuardDep) -> Receipt:
    """Open the message's ticket for an MO, received when the message was."""
    return await guard.intake.sort(message_id, body.mo)


@router.post("/triage/{message_id}/discard", dependencies=[allow(Action.triage_sort)])
async def discard(message_id: MessageId, guard: GuardDep) -> Receipt:
    """Nothing to open (spam, a misdirected message): out of triage, kept as discarded."""
    return await guard.intake.discard(message_id)


@router.get("/tickets/{ticket_id}/attachments", dependencies=[allow(Action.ticket_read)])
async def attachments(ticket_id: TicketId, guard: GuardDep) -> list[Attachment]:
    """The files the ticket's messages brought."""
    return await guard.intake.attachments(ticket_id)


@router.get(
    "/tickets/{ticket_id}/attachments/{digest}",
    dependencies=[allow(Action.ticket_read)],
    response_class=Response,
    responses={200: {"content": BINARY, "description": "The file's bytes."}},
)
async def attachment(ticket_id: TicketId, digest: Digest, guard: GuardDep) -> Response:
    """One file of the ticket, as it was sent."""
    found, data = await guard.intake.attachment(ticket_id, digest)
    disposition = f"attachment; filename*=UTF-8''{quote(found.file_name)}"
    return Response(
        data, media_type="application/octet-stream", headers={"Content-Disposition": disposition}
    )
