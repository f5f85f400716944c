"""What every route shares: the caller behind the bearer token, the desks as that caller may use
them (the same guarded desks the command line uses), and step bodies without the actor (the
actor is the caller, never a field anyone could fill in)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Header, Request
from pydantic import BaseModel, create_model

from models.roles import Action, Caller
from starter.desks.access import authorize
from starter.desks.compose import Desks, GuardedDesks
from starter.desks.errors import parse


def desks(request: Request) -> Desks:
    found: Desks = request.app.state.desks
    return found


async def current_caller(
    request: Request, authorization: Annotated[str | None, Header()] = None
) -> Caller:
    caller = desks(request).tokens.authenticate(authorization)
    request.state.caller = caller  # for the audit trail
    return caller


CallerDep = Annotated[Caller, Depends(current_caller)]


async def guarded(request: Request, caller: CallerDep) -> GuardedDesks:
    return desks(request).as_caller(caller)


GuardDep = Annotated[GuardedDesks, Depends(guarded)]


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
    return parse(model, **body.model_dump(), **actor)
