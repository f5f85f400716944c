"""The audit trail's middleware: every request that may change something (and every opening of
sealed payloads) goes to the trail: who, with which role, what, on which record, when, and how
it ended; refusals included."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from models.audit import AuditEvent, Outcome
from models.roles import Action, Caller
from starter.desks.compose import Desks


def record_requests(app: FastAPI) -> None:
    @app.middleware("http")
    async def audit(request: Request, call_next: Any) -> Any:
        if request.method not in ("POST", "PATCH", "PUT", "DELETE"):
            return await call_next(request)
        desks: Desks = request.app.state.desks
        at = datetime.now(UTC)
        try:
            response = await call_next(request)
        except Exception:
            # An error of the desk's own: the request is in the trail as failed, then the app's
            # handler answers it (500).
            await run_in_threadpool(desks.trail.append, _event(request, at, 500, {}))
            raise
        body = b"".join([chunk async for chunk in response.body_iterator])
        try:
            answer = json.loads(body) if body else {}
        except ValueError:
            answer = {}
        status = response.status_code
        await run_in_threadpool(desks.trail.append, _event(request, at, status, answer))
        return Response(
            content=body,
            status_code=status,
            headers=dict(response.headers),
            media_type=response.media_type,
        )


def _event(request: Request, at: datetime, status: int, answer: Any) -> AuditEvent:
    """The request as the trail keeps it: who, with which role, what, on which record, how it
    ended (done, refused by a rule, failed on the desk's side)."""
    caller: Caller | None = getattr(request.state, "caller", None)
    action: Action | None = getattr(request.state, "action", None)
    return AuditEvent(
        at=at,
        workflow_id=_record_id(request, answer),
        mo=(answer.get("mo") if isinstance(answer, dict) else None)
        or (caller.mo if caller else None),
        actor=caller.subject if caller else "anonymous",
        role=caller.role.value if caller else "none",
        action=action.value if action else f"{request.method} {_path(request)}"[:60],
        outcome=(
            Outcome.done if status < 400 else Outcome.failed if status >= 500 else Outcome.refused
        ),
        detail=(
            f"{status} {answer.get('detail', '')}"
            if status >= 400 and isinstance(answer, dict)
            else str(status)
        )[:400],
    )


def _record_id(request: Request, answer: Any) -> str:
    """The record a request acted on: the one it names itself (the codec: the workflow the UI
    was showing), the id in its path, or the one it made."""
    named = getattr(request.state, "record", None)
    if isinstance(named, str) and named:
        return named[:120]
    for name, value in request.path_params.items():
        if name != "token":  # a token in the codec's path is a secret, never a record
            return str(value)[:120]
    if isinstance(answer, dict) and isinstance(answer.get("id"), str):
        return str(answer["id"])[:120]
    return _path(request)[:120]


def _path(request: Request) -> str:
    """The request's path, a token in it (the codec's) replaced: secrets never reach the trail."""
    token = request.path_params.get("token")
    path = request.url.path
    return path if not token else path.replace(str(token), "<token>")
