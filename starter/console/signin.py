"""Signing in and out of the console. Today a person signs in with their token (from
`sagir-desk token create`); this is the one module an identity provider (OIDC) replaces: its
routes would send the person to the provider and, on the way back, call
`desks.sessions.open_for(caller)` with the caller the provider vouches for, then `start`.

The sign-in form has its own CSRF token (a random value in a short-lived cookie, sent back by
the form), since there is no session yet to derive one from."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from starter.console.french import in_french
from starter.console.pages import home_of, render
from starter.console.session import (
    COOKIE,
    SIGN_IN_COOKIE,
    desks_of,
)
from starter.console.session import (
    Form as CheckedForm,
)
from starter.desks.errors import Unauthenticated

router = APIRouter(prefix="/console", include_in_schema=False)
SIGN_IN = "/console/connexion"


def _secure(request: Request) -> bool:
    return bool(desks_of(request).sessions.secure_cookies) or request.url.scheme == "https"


def _safe_next(path: str | None) -> str | None:
    """Only an address of the console itself (never another site)."""
    if path and path.startswith("/console/") and not path.startswith("//"):
        return path
    return None


@router.get("/connexion")
async def sign_in_page(request: Request, suite: str | None = None) -> Response:
    nonce = secrets.token_urlsafe(24)
    page = render(request, "signin.html", nonce=nonce, suite=_safe_next(suite) or "")
    page.set_cookie(
        SIGN_IN_COOKIE,
        nonce,
        max_age=30 * 60,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
        path=SIGN_IN,
    )
    return page


@router.post("/connexion")
async def sign_in(
    request: Request,
    jeton: Annotated[str, Form()] = "",
    nonce: Annotated[str, Form()] = "",
    suite: Annotated[str, Form()] = "",
) -> Response:
    expected = request.cookies.get(SIGN_IN_COOKIE, "")
    if not expected or not hmac.compare_digest(nonce, expected):
        return render(
            request,
            "signin.html",
            status_code=403,
            nonce=nonce,
            suite=_safe_next(suite) or "",
            error="Le formulaire de connexion a expiré; rechargez la page et recommencez.",
        )
    try:
        secret, caller = desks_of(request).sessions.sign_in(jeton)
    except Unauthenticated as refused:
        return render(
            request,
            "signin.html",
            status_code=401,
            nonce=nonce,
            suite=_safe_next(suite) or "",
            error=in_french(str(refused)),
        )
    return start(request, secret, _safe_next(suite) or home_of(caller))


def start(request: Request, secret: str, to: str) -> Response:
    """Where every sign-in ends, whoever vouched for the person: the session's cookie set."""
    answer = RedirectResponse(to, status_code=303)
    sessions = desks_of(request).sessions
    answer.set_cookie(
        COOKIE,
        secret,
        max_age=int(sessions.lasts.total_seconds()),
        httponly=True,
        samesite="strict",
        secure=_secure(request),
        path="/console",
    )
    answer.delete_cookie(SIGN_IN_COOKIE, path=SIGN_IN)
    return answer


@router.post("/deconnexion")
async def sign_out(request: Request, _form: CheckedForm) -> Response:
    desks_of(request).sessions.sign_out(request.cookies.get(COOKIE))
    answer = RedirectResponse(SIGN_IN, status_code=303)
    answer.delete_cookie(COOKIE, path="/console")
    return answer
