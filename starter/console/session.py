"""What every console page shares: the signed-in person (read from the session cookie), the
desks as that person may use them, and the CSRF check of every form.

The cookie holds the session's secret (HttpOnly, SameSite=Strict, expiring with the session).
The CSRF token of a form is an HMAC of that secret, so it needs no storage and dies with the
session; htmx sends it as a header, plain forms as a hidden field."""

from __future__ import annotations

import hashlib
import hmac
from typing import Annotated, Any

from fastapi import Depends, Request

from models.roles import Action, Caller
from starter.desks.access import authorize
from starter.desks.compose import Desks, GuardedDesks
from starter.desks.errors import Forbidden

COOKIE = "sagir_console"
SIGN_IN_COOKIE = "sagir_console_signin"  # the sign-in form's own CSRF (before any session)
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"


class SignInRequired(Exception):
    """No session, or one that ended, expired or lost its token: the page sends to sign-in."""


def desks_of(request: Request) -> Desks:
    found: Desks = request.app.state.desks
    return found


def csrf_token(secret: str) -> str:
    return hmac.new(secret.encode(), b"console-csrf", hashlib.sha256).hexdigest()


async def console_caller(request: Request) -> Caller:
    """The person behind the session cookie (kept for the audit trail), or sign-in."""
    known: Caller | None = getattr(request.state, "caller", None)
    if known is not None:
        return known
    from starter.desks.errors import Unauthenticated

    try:
        caller = desks_of(request).sessions.caller(request.cookies.get(COOKIE))
    except Unauthenticated:
        raise SignInRequired from None
    request.state.caller = caller
    return caller


ConsoleCaller = Annotated[Caller, Depends(console_caller)]


async def console_guard(request: Request, caller: ConsoleCaller) -> GuardedDesks:
    return desks_of(request).as_caller(caller)


ConsoleGuard = Annotated[GuardedDesks, Depends(console_guard)]


def may(action: Action) -> Any:
    """A page's dependency: the person's role may take `action` (403 page otherwise); kept on
    the request for the audit trail."""

    async def check(request: Request, caller: ConsoleCaller) -> None:
        request.state.action = action
        authorize(caller, action)

    return Depends(check)


async def checked_form(request: Request, caller: ConsoleCaller) -> dict[str, str]:
    """A form's fields once its CSRF token matches the session's (403 otherwise). Files are
    read by the pages that take them."""
    form = await request.form()
    sent = request.headers.get(CSRF_HEADER) or str(form.get(CSRF_FIELD, ""))
    secret = request.cookies.get(COOKIE, "")
    if not secret or not hmac.compare_digest(sent, csrf_token(secret)):
        raise Forbidden("csrf: the form is out of date; reload the page and send it again")
    return {key: str(value) for key, value in form.items() if isinstance(value, str)}


Form = Annotated[dict[str, str], Depends(checked_form)]
