"""The desk's HTTP API (FastAPI; OpenAPI at /openapi.json, docs at /docs), and the payload codec
the Temporal UI calls to show decoded payloads (`/codec/decode`, `/codec/encode`).

Every route authenticates its caller by bearer token and applies the roles matrix through
`starter.access_control`; errors are JSON `{"detail": "<one sentence naming the field and the
rule>"}`: 401, 403, 404 (another MO's records too), 409 (a step the state does not allow), 422.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response
from google.protobuf import json_format
from temporalio.api.common.v1 import Payloads

from models.audit import AuditEvent, Outcome
from models.roles import Action, Caller
from starter.access_control import authorize
from starter.errors import (
    DeskError,
    Forbidden,
    InvalidInput,
    NotFound,
    Refused,
    Unauthenticated,
    Unavailable,
)
from starter.payload_codec import EncryptionCodec, PayloadKey, PayloadKeyError
from starter.services import DeskServices
from starter.settings import Settings
from starter.web import audit, employees, reports, requests, sagir, tickets
from starter.web.common import current_caller

log = logging.getLogger(__name__)

STATUS = {
    Unauthenticated: 401,
    Forbidden: 403,
    NotFound: 404,
    Refused: 409,
    InvalidInput: 422,
}


def create_app(
    services: DeskServices, keys: Sequence[PayloadKey], ui_origins: Sequence[str] = ()
) -> FastAPI:
    app = FastAPI(
        title="sagir-desk",
        version="0.2.0",
        description="The Centre d'assistance SAGIR: tickets, arrivals, departures, "
        "parameterisation and access requests, password help, training, the registre "
        "d'autorité. Authenticate with `Authorization: Bearer <token>` "
        "(`sagir-desk token create`).",
    )
    app.state.services = services
    # The UI's page calls the codec from the browser: only the UI's own origin may.
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(ui_origins),
        allow_credentials=True,
        allow_methods=["GET", "POST", "PATCH", "OPTIONS"],
        allow_headers=["Content-Type", "X-Namespace", "Authorization"],
    )
    _errors(app)
    _audit(app, services)
    for router in (
        tickets.router,
        tickets.queue_router,
        employees.router,
        requests.router,
        requests.password_router,
        sagir.router,
        sagir.training_router,
        reports.router,
        audit.router,
    ):
        app.include_router(router)
    _codec(app, EncryptionCodec(keys))
    return app


def _errors(app: FastAPI) -> None:
    @app.exception_handler(DeskError)
    async def desk_error(_request: Request, error: DeskError) -> JSONResponse:
        status = next((code for kind, code in STATUS.items() if isinstance(error, kind)), 422)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return JSONResponse({"detail": str(error)}, status_code=status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, error: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": _first_error(error)}, status_code=422)

    @app.exception_handler(Unavailable)
    async def unavailable(_request: Request, error: Unavailable) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status_code=503)


def _audit(app: FastAPI, services: DeskServices) -> None:
    """Every request that may change something (and every opening of sealed payloads) goes to
    the audit trail: who, with which role, what, on which record, when, and how it ended;
    refusals included."""

    @app.middleware("http")
    async def audit(request: Request, call_next: Any) -> Any:
        if request.method not in ("POST", "PATCH", "PUT", "DELETE"):
            return await call_next(request)
        at = datetime.now(UTC)
        response = await call_next(request)
        body = b"".join([chunk async for chunk in response.body_iterator])
        try:
            answer = json.loads(body) if body else {}
        except ValueError:
            answer = {}
        caller: Caller | None = getattr(request.state, "caller", None)
        action: Action | None = getattr(request.state, "action", None)
        status = response.status_code
        record = _record_id(request, answer)
        await run_in_threadpool(
            services.audit.append,
            AuditEvent(
                at=at,
                workflow_id=record,
                mo=(answer.get("mo") if isinstance(answer, dict) else None)
                or (caller.mo if caller else None),
                actor=caller.subject if caller else "anonymous",
                role=caller.role.value if caller else "none",
                action=action.value if action else f"{request.method} {_path(request)}"[:60],
                outcome=(
                    Outcome.done
                    if status < 400
                    else Outcome.failed
                    if status >= 500
                    else Outcome.refused
                ),
                detail=(
                    f"{status} {answer.get('detail', '')}"
                    if status >= 400 and isinstance(answer, dict)
                    else str(status)
                )[:400],
            ),
        )
        return Response(
            content=body,
            status_code=status,
            headers=dict(response.headers),
            media_type=response.media_type,
        )


def _record_id(request: Request, answer: Any) -> str:
    """The record a request acted on: the id in its path, or the one it made."""
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


def _first_error(error: RequestValidationError) -> str:
    detail = error.errors()[0]
    if detail.get("type") == "json_invalid":
        return "body: is not valid JSON"
    where = [str(part) for part in detail.get("loc", ()) if part not in ("body", "query", "path")]
    message = str(detail.get("msg", "invalid")).removeprefix("Value error, ")
    if not where:
        return message if detail.get("type") != "missing" else "body: required"
    return f"{'.'.join(where)}: {message}"


def _codec(app: FastAPI, codec: EncryptionCodec) -> None:
    """The codec, for callers who may read histories: the token comes in the Authorization
    header (the UI with single sign-on passes its access token), or in the path, for a person
    who sets the UI's data encoder to `/codec/<token>` in their own browser."""

    def may_decode(caller: Caller) -> None:
        authorize(caller, Action.payload_decode)

    async def header_caller(
        request: Request,
        caller: Caller = Depends(current_caller),  # noqa: B008
    ) -> None:
        request.state.action = Action.payload_decode
        may_decode(caller)

    def path_caller(request: Request, token: str) -> None:
        services: DeskServices = request.app.state.services
        caller = services.access.authenticate(f"Bearer {token}")
        request.state.caller = caller  # for the audit trail
        request.state.action = Action.payload_decode
        may_decode(caller)

    async def decode(request: Request) -> dict[str, Any]:
        payloads = await _payloads(request)
        try:
            decoded = await codec.decode(payloads.payloads)
        except PayloadKeyError as error:
            raise InvalidInput(str(error)) from None
        return _json(Payloads(payloads=decoded))

    async def encode(request: Request) -> dict[str, Any]:
        payloads = await _payloads(request)
        return _json(Payloads(payloads=await codec.encode(payloads.payloads)))

    for path, check in (("/codec", header_caller), ("/codec/{token}", path_caller)):
        for name, handler in (("decode", decode), ("encode", encode)):
            app.add_api_route(
                f"{path}/{name}",
                handler,
                methods=["POST"],
                tags=["codec"],
                dependencies=[Depends(check)],
                summary=f"{name.capitalize()} payloads for the Temporal UI",
            )


async def _payloads(request: Request) -> Payloads:
    body = await request.body()
    try:
        return json_format.Parse(body, Payloads())
    except json_format.ParseError:
        raise InvalidInput("body: must be a JSON object with a 'payloads' list") from None


def _json(payloads: Payloads) -> dict[str, Any]:
    return json_format.MessageToDict(payloads)


def serve(settings: Settings) -> None:
    """`sagir-desk api`: the HTTP API alone, on an engine and a database already running."""
    import asyncio

    import uvicorn

    from adapters.database import UnitOfWork, make_engine
    from adapters.schema import migrate
    from starter.connections import engine_client
    from starter.services import build_services

    async def run() -> None:
        client = await engine_client(settings)
        uow = UnitOfWork(make_engine(settings.database_url))
        migrate(uow.engine)
        app = create_app(build_services(settings, client, uow), settings.payload_keys)
        # No access log: a codec path holds a token; the audit trail records the requests.
        config = uvicorn.Config(
            app, host=settings.api_host, port=settings.api_port, access_log=False
        )
        await uvicorn.Server(config).serve()

    asyncio.run(run())
