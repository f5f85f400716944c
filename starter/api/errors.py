"""How a desk's refusal becomes an HTTP answer: `{"detail": "<one sentence naming the field and
the rule>"}` with 401, 403, 404 (another MO's records too), 409 (a step the state does not
allow), 422, or 503 when the engine or the database cannot be reached."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError

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


def add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DeskError)
    async def desk_error(_request: Request, error: DeskError) -> JSONResponse:
        status = next((code for kind, code in STATUS.items() if isinstance(error, kind)), 422)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return JSONResponse({"detail": str(error)}, status_code=status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, error: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": one_sentence(error.errors())}, status_code=422)

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


def _unavailable(detail: str) -> JSONResponse:
    return JSONResponse(
        {"detail": detail}, status_code=503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)}
    )
