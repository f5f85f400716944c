"""How a desk's refusal becomes an HTTP answer: `{"detail": "<one sentence naming the field and
the rule>"}` with 401, 403, 404 (another MO's records too), 409 (a step the state does not
allow), 422, or 503 when the engine or the database cannot be reached."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
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


def add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DeskError)
    async def desk_error(_request: Request, error: DeskError) -> JSONResponse:
        status = next((code for kind, code in STATUS.items() if isinstance(error, kind)), 422)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return JSONResponse({"detail": str(error)}, status_code=status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, error: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": one_sentence(error.errors())}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
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
    async def unavailable(_request: Request, error: Unavailable) -> JSONResponse:
        return _unavailable(str(error))

    @app.exception_handler(OperationalError)
    async def database_down(_request: Request, _error: OperationalError) -> JSONResponse:
        return _unavailable("the desk's database is not answering; try again in a moment")

    @app.exception_handler(Exception)
    async def failed(_request: Request, _error: Exception) -> JSONResponse:
        # The trail's middleware has recorded the request as failed; the log has the cause.
        log.exception("request failed")
        return JSONResponse(
            {"detail": "the desk failed to do this; it is recorded, and nothing half-done"},
            status_code=500,
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


def _unavailable(detail: str) -> JSONResponse:
    return JSONResponse(
        {"detail": detail}, status_code=503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)}
    )
