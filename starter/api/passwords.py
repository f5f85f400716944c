"""Password help over HTTP: an agent resets a user's password once their identity matches."""

from __future__ import annotations

from fastapi import APIRouter

from models.passwords import PasswordResetRequest, PasswordResetState
from models.roles import Action
from starter.api.deps import GuardDep, GuardedRoute, allow, body_without, with_actor
from starter.api.params import ResetId

router = APIRouter(tags=["password help"], route_class=GuardedRoute)
ResetBody = body_without(PasswordResetRequest, "agent")


@router.post("/password-resets", status_code=201, dependencies=[allow(Action.password_reset)])
async def reset_password(body: ResetBody, guard: GuardDep) -> PasswordResetState:
    """Reset a user's password once their identity matches; the temporary password goes to
    their work email only, never in this answer."""
    request = with_actor(PasswordResetRequest, body, agent=guard.caller.subject)
    return await guard.passwords.reset(request)


@router.get("/password-resets/{reset_id}", dependencies=[allow(Action.password_read)])
async def show_reset(reset_id: ResetId, guard: GuardDep) -> PasswordResetState:
    return await guard.passwords.show(reset_id)
