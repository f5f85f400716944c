"""How a desk's refusal becomes an HTTP answer: `{"detail": "<one sentence naming the field and
the rule>"}` with 401, 403, 404 (another MO's records too), 409 (a step the state does not
allow), 422, or 503 when the engine or the database cannot be reached."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from starter.desks.errors import (
    DeskError,
    Forbidden,
    InvalidInput,
    NotFound,
    Refused,
    Unauthenticated,
    Unavailable,
    one_sentence,
)

log = logging.getLogger(__name__)
# The console's error page (status, the desk's sentence), set when the console is mounted.
ErrorPage = Callable[[Request, int, str], Response]
RETRY_AFTER_SECONDS = 5

STATUS = {
    Unauthenticated: 401,
    Forbidden: 403,
    NotFound: 404,
    Refused: 409,
    InvalidInput: 422,
}


class ErrorBody(BaseModel):
    """Every error the API answers: one sentence naming the field or the step, and the rule."""

    detail: str


# What each route may answer besides its success, as the OpenAPI document says it.
ERRORS: dict[int, str] = {
    401: "No token, or one that is unknown or revoked.",
    403: "The caller's role may not do this, or not for this MO, or not under this name.",
    404: "No such record, or one of another MO (the same answer: its id reveals nothing).",
    409: "A step the record's state does not allow now.",
    422: "A field breaks a rule (one sentence naming it).",
    503: "The engine or the database is not answering; try again after Retry-After seconds.",
}
PUBLIC = {"/health", "/docs", "/redoc", "/openapi.json"}


def document_errors(app: FastAPI) -> None:
    """The OpenAPI document as the API behaves: every error body `{"detail": "..."}` and every
    status each route can answer (FastAPI alone documents only 422, as a list)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
        schemas["ErrorBody"] = ErrorBody.model_json_schema()
        body = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
        for path, operations in schema.get("paths", {}).items():
            if path in PUBLIC:
                continue
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                for status, meaning in ERRORS.items():
                    responses[str(status)] = {"description": meaning, "content": body}
                responses["503"]["headers"] = {
                    "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds."}
                }
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _json_or_page(
    request: Request, status: int, detail: str, headers: dict[str, str] | None = None
) -> Response:
    """The error as JSON, or as the console's page for an address under /console."""
    page: ErrorPage | None = getattr(request.app.state, "error_page", None)
    if page is not None and request.url.path.startswith("/console"):
        return page(request, status, detail)
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


def add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DeskError)
    async def desk_error(request: Request, error: DeskError) -> Response:
        status = next((code for kind, code in STATUS.items() if isinstance(error, kind)), 422)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return _json_or_page(request, status, str(error), headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> Response:
        return _json_or_page(request, 422, one_sentence(error.errors(), request=True))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        if request.url.path.startswith("/console") and error.status_code != 405:
            return _json_or_page(request, error.status_code, str(error.detail))
        if error.status_code == 400:  # a body FastAPI could not even decode
            return JSONResponse({"detail": "body: is not valid JSON"}, status_code=422)
        if error.status_code == 405:
            allowed = _methods_of(app, request)
            return JSONResponse(
                {
                    "detail": f"method: {request.method} is not one of {', '.join(allowed)} "
                    "for this address"
                },
                status_code=405,
                headers={"Allow": ", ".join(allowed)},
            )
        return JSONResponse(
            {"detail": str(error.detail)}, status_code=error.status_code, headers=error.headers
        )

    @app.exception_handler(Unavailable)
    async def unavailable(request: Request, error: Unavailable) -> Response:
        return _unavailable(request, str(error))

    @app.exception_handler(OperationalError)
    async def database_down(request: Request, _error: OperationalError) -> Response:
        return _unavailable(request, "the desk's database is not answering; try again in a moment")

    @app.exception_handler(Exception)
    async def failed(request: Request, _error: Exception) -> Response:
        # The trail's middleware has recorded the request as failed; the log has the cause.
        log.exception("request failed")
        return _json_or_page(
            request, 500, "the desk failed to do this; it is recorded, and nothing half-done"
        )


def _methods_of(app: FastAPI, request: Request) -> list[str]:
    """Every method some route serves at the request's address (Starlette's 405 names only the
    first route it matched, though GET and POST of one address are two routes here)."""
    methods: set[str] = set()
    for route in app.routes:
        match, _ = route.matches({**request.scope, "method": "GET"})
        if match is not Match.NONE and isinstance(route, APIRoute) and route.methods:
            methods |= route.methods
    return sorted(methods)


def _unavailable(request: Request, detail: str) -> Response:
    return _json_or_page(request, 503, detail, {"Retry-After": str(RETRY_AFTER_SECONDS)})
