"""The HTTP API's app factory (FastAPI; OpenAPI at /openapi.json, docs at /docs): every router
over the guarded desks, the error mapping, the audit trail's middleware and the codec. Every
route authenticates its caller by bearer token and applies the roles matrix in the desks."""

from __future__ import annotations

import gc
import os
import shutil
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi_offline import FastAPIOffline
from starlette.types import Lifespan
from temporalio.client import Client

from starter.api import (
    arrivals,
    auditor,
    billing,
    communiques,
    departures,
    employee_changes,
    escalations,
    intake,
    parameterisation,
    passwords,
    registre,
    reports,
    tickets,
    training,
    training_requests,
)
from starter.api.codec import add_codec_routes
from starter.api.errors import add_error_handlers, document_errors
from starter.api.metrics import add_metrics
from starter.api.trail import record_requests
from starter.client import reach_engine
from starter.console.app import add_console
from starter.desks.compose import Desks, build_desks
from starter.keys import Key
from starter.payload_codec import EncryptionCodec
from starter.settings import Settings


def create_app(
    desks: Desks | None,
    keys: Sequence[Key],
    ui_origins: Sequence[str] = (),
    lifespan: Lifespan[FastAPI] | None = None,
) -> FastAPI:
    """The app over `desks` (or over the desks its `lifespan` builds when it starts)."""
    app = FastAPIOffline(
        lifespan=lifespan,
        title="sagir-desk",
        version="0.2.0",
        description="The Centre d'assistance SAGIR: tickets, arrivals, departures, "
        "parameterisation and access requests, password help, training, the registre "
        "d'autorité, communiqués, billing. Authenticate with `Authorization: Bearer <token>` "
        "(`sagir-desk token create`).",
    )
    app.state.desks = desks
    # The UI's page calls the codec from the browser: only the UI's own origin may.
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(ui_origins),
        allow_credentials=True,
        allow_methods=["GET", "POST", "PATCH", "OPTIONS"],
        allow_headers=["Content-Type", "X-Namespace", "Authorization"],
    )
    add_error_handlers(app)
    document_errors(app)
    record_requests(app)
    add_metrics(app)
    for module in (
        tickets,
        arrivals,
        departures,
        employee_changes,
        parameterisation,
        passwords,
        registre,
        training_requests,  # before `training`: /training/requests is theirs
        training,
        communiques,
        billing,
        reports,
        auditor,
        escalations,
        intake,
    ):
        app.include_router(module.router)
    app.include_router(reports.committee_router)
    add_codec_routes(app, EncryptionCodec(keys))
    add_console(app)

    @app.get("/health", tags=["service"], summary="Whether the API answers (no token needed)")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


def build_app(settings: Settings, client: Client, ui_origins: Sequence[str] = ()) -> FastAPI:
    """The app on the settings' database (brought to the newest schema) and an engine client."""
    from adapters.database import UnitOfWork, make_engine
    from adapters.schema import migrate

    uow = UnitOfWork(make_engine(settings.database_url))
    migrate(uow.engine)
    app = create_app(build_desks(settings, client, uow), settings.payload_keys, ui_origins)
    settle_the_heap()
    return app


def settle_the_heap() -> None:
    """Once the app is built: what start-up made (FastAPI, SQLAlchemy, pydantic, Jinja, some
    270,000 objects) leaves the garbage collector's watch. Otherwise every full collection
    walks it all, 150 to 250 ms on a page that happens to trigger one (bench/console_pages.py
    measured it)."""
    gc.collect()
    gc.freeze()


def served_app() -> FastAPI:
    """The app of one API process (`uvicorn --factory starter.api.app:served_app`): its own
    engine client and database connections, made when the process starts serving."""
    from adapters.database import UnitOfWork, make_engine

    settings = Settings()

    @asynccontextmanager
    async def connected(app: FastAPI) -> AsyncIterator[None]:
        uow = UnitOfWork(make_engine(settings.database_url))
        app.state.desks = build_desks(settings, await reach_engine(settings), uow)
        settle_the_heap()
        yield
        uow.engine.dispose()

    return create_app(None, settings.payload_keys, (), connected)


def serve(settings: Settings) -> None:
    """`sagir-desk api`: the HTTP API alone, on an engine and a database already running, in
    SAGIR_API_WORKERS processes (nothing in it assumes a single one)."""
    import uvicorn

    from adapters.database import make_engine
    from adapters.schema import migrate

    migrate(make_engine(settings.database_url))  # once, before the processes start
    if settings.api_workers > 1:
        # Each process keeps its metrics in this folder: any of them answers /metrics for all.
        # One folder per instance (its port): another `sagir-desk api` on this SAGIR_HOME
        # empties its own, never this one's.
        folder = settings.home / f"api-metrics-{settings.api_port}"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
    uvicorn.run(
        "starter.api.app:served_app",
        factory=True,
        host=settings.api_host,
        port=settings.api_port,
        workers=settings.api_workers,
        log_level="warning",
        access_log=False,  # a codec path holds a token; the audit trail records the requests
    )
