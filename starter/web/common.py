"""What every route shares: the caller behind the bearer token, the guarded desk services
(`starter/guard.py`, the same the command line uses), and step bodies without the actor (the
actor is the caller, never a field anyone could fill in)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Header, Request
from pydantic import BaseModel, create_model

from models.roles import Action, Caller
from starter.access_control import authorize
from starter.guard import Guard
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
ServicesDep = Annotated[DeskServices, Depends(services)]


async def guard(request: Request, caller: CallerDep) -> Guard:
    return Guard(services(request), caller)


GuardDep = Annotated[Guard, Depends(guard)]


def allow(action: Action) -> Any:
    """A route's dependency: the caller's role may take `action` (401/403 before the body is
    even read, so a caller who may not act learns nothing from validation errors)."""

    async def check(request: Request, caller: CallerDep) -> None:
        request.state.action = action  # for the audit trail
        authorize(caller, action)

    return Depends(check)


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


def with_actor(model: type[BaseModel], body: BaseModel, **actor: Any) -> Any:
    """The step contract: the body's fields plus the actor (the caller)."""
    from starter.ticket_desk import parse_step

    return parse_step(model, **body.model_dump(), **actor)
