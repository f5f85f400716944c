"""What every route shares: the caller behind the bearer token, the desks as that caller may use
them (the same guarded desks the command line uses), and step bodies without the actor (the
actor is the caller, never a field anyone could fill in)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Header, Query, Request
from fastapi.routing import APIRoute
from pydantic import BaseModel, create_model
from starlette.responses import Response

from models.escalations import EscalationPage
from models.requests import MAX_PAGE, Page
from models.roles import Action, Caller
from starter.desks.access import authorize
from starter.desks.compose import Desks, GuardedDesks
from starter.desks.errors import parse


def desks(request: Request) -> Desks:
    found: Desks = request.app.state.desks
    return found


def authenticate(request: Request) -> Caller:
    """The caller behind the request's bearer token (401 otherwise), kept for the audit trail."""
    known: Caller | None = getattr(request.state, "caller", None)
    if known is None:
        known = desks(request).tokens.authenticate(request.headers.get("authorization"))
        request.state.caller = known
    return known


async def current_caller(
    request: Request, authorization: Annotated[str | None, Header()] = None
) -> Caller:
    return authenticate(request)


CallerDep = Annotated[Caller, Depends(current_caller)]


async def guarded(request: Request, caller: CallerDep) -> GuardedDesks:
    return desks(request).as_caller(caller)


GuardDep = Annotated[GuardedDesks, Depends(guarded)]


def allow(action: Action) -> Any:
    """A route's dependency: the caller's role may take `action`. `GuardedRoute` checks it
    before the body is even read."""

    async def check(request: Request, caller: CallerDep) -> None:
        request.state.action = action  # for the audit trail
        authorize(caller, action)

    check.action = action  # type: ignore[attr-defined]
    return Depends(check)


Limit = Annotated[int, Query(ge=1, le=MAX_PAGE, description="How many items at most in this page.")]
Cursor = Annotated[
    str | None,
    Query(description="Where the page begins: the `next` of the page before (Link header)."),
]


def one_page(request: Request, found: Page | EscalationPage) -> Response:
    """A page's items as the body; the whole list's count in `X-Total-Count`, the next page's
    address in `Link: <...>; rel="next"` (none on the last page). Serialized once, here: the
    items are the desk's validated summaries (the route's `response_model` documents them)."""
    headers = {"X-Total-Count": str(found.total)}
    if found.next_cursor is not None:
        following = request.url.include_query_params(cursor=found.next_cursor)
        headers["Link"] = f'<{following}>; rel="next"'
    body = b"[" + b",".join(item.model_dump_json().encode() for item in found.items) + b"]"
    return Response(body, media_type="application/json", headers=headers)


class GuardedRoute(APIRoute):
    """A route that authenticates its caller and applies its `allow(action)` before FastAPI
    reads the body: a caller without a token, or whose role may not act, gets 401 or 403, never
    a validation error about a body they should not have sent."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        actions = [
            action
            for dependency in self.dependencies
            if (action := getattr(dependency.dependency, "action", None)) is not None
        ]

        async def guarded(request: Request) -> Response:
            caller = authenticate(request)
            for action in actions:
                request.state.action = action
                authorize(caller, action)
            return await handler(request)

        return guarded


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
