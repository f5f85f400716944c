"""How every step posted from a console form ends: done, a redirect to the record's page with
what was done (303, so a reload sends nothing twice); refused by a rule, the record's page again
with the refusal in French beside the form that caused it; a record the person may not see or
a role that may not act, the app's 404 or 403 page (nothing to show in place)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.responses import RedirectResponse, Response

from starter.console.french import in_french
from starter.desks.errors import DeskError, Forbidden, InvalidInput, NotFound

# The record's page again, given (the step, its refusal in French) and the status to answer.
RefusedPage = Callable[[tuple[str, str], int], Awaitable[Response]]


def status_of(refused: DeskError) -> int:
    """A refusal's status: a field that breaks a rule 422, a role that may not 403, a step
    the state does not allow 409."""
    if isinstance(refused, InvalidInput):
        return 422
    return 403 if isinstance(refused, Forbidden) else 409


async def step_then(
    step: str, action: Callable[[], Awaitable[object]], done: str, refused_page: RefusedPage
) -> Response:
    """Take `action` (the guarded desk's step); then go to `done`, or show why not."""
    try:
        await action()
    except (NotFound, Forbidden):
        raise
    except DeskError as refused:
        return await refused_page((step, in_french(str(refused))), status_of(refused))
    return RedirectResponse(done, status_code=303)
