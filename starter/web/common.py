"""What every route shares: the caller behind the bearer token, the desk services, and step
bodies without the actor (the actor is the caller, never a field anyone could fill in)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Header, Request
from pydantic import BaseModel, create_model

from models.roles import Action, Caller
from starter.access_control import authorize
from starter.errors import Forbidden
from starter.services import DeskServices


def services(request: Request) -> DeskServices:
    found: DeskServices = request.app.state.services
    return found


async def current_caller(
    request: Request, authorization: Annotated[str | None, Header()] = None
) -> Caller:
    caller = services(request).access.authenticate(authorization)
    request.state.caller = caller  # for the audit trail
    return caller


CallerDep = Annotated[Caller, Depends(current_caller)]


def allow(action: Action) -> Any:
    """A route's dependency: the caller's role may take `action` (401/403 before the body is
    even read, so a caller who may not act learns nothing from validation errors)."""

    async def check(request: Request, caller: CallerDep) -> None:
        request.state.action = action  # for the audit trail
        authorize(caller, action)

    return Depends(check)


ServicesDep = Annotated[DeskServices, Depends(services)]


def body_without(model: type[BaseModel], *actor_fields: str) -> type[BaseModel]:
    """`model` as a request body: the same fields less the actor's, which the caller fills."""
    fields: dict[str, Any] = {
        name: (info.annotation, info)
        for name, info in model.model_fields.items()
        if name not in actor_fields
    }
    return create_model(  # type: ignore[call-overload, no-any-return]
        f"{model.__name__}Body", __config__=model.model_config, **fields
    )


def with_actor(model: type[BaseModel], body: BaseModel, **actor: str) -> Any:
    """The step contract: the body's fields plus the actor (the caller)."""
    from starter.ticket_desk import parse_step

    return parse_step(model, **body.model_dump(), **actor)


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
