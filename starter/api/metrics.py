"""The API's Prometheus metrics at `GET /metrics`: each request's latency by route, method and
status, and the desk's figures read from the database at each scrape (the queue's depth,
escalations given by kind, warnings and breaches among them, and the mail relay's backlog).

With several API processes (SAGIR_API_WORKERS), `sagir-desk api` points PROMETHEUS_MULTIPROC_DIR
at a folder of its own, so any process answers for all of them. The worker's own metrics (the
Temporal SDK's) are served by the worker on SAGIR_WORKER_METRICS_PORT."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from starlette.concurrency import run_in_threadpool

from models.figures import DeskFigures

LATENCY = Histogram(
    "sagir_api_request_seconds",
    "API requests by route template, method and status",
    ["route", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)


# The methods the API serves; any other is labelled "other" (a label's values stay few).
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class DeskCollector(Collector):
    """The desk's figures as Prometheus metrics, read when scraped."""

    def __init__(self, figures: Callable[[], DeskFigures]) -> None:
        self._figures = figures

    def collect(self) -> Iterator[Metric]:
        now = self._figures()
        yield GaugeMetricFamily(
            "sagir_queue_depth", "Tickets waiting to be taken in charge", value=now.queue_depth
        )
        yield GaugeMetricFamily(
            "sagir_queue_urgent", "Urgent phone tickets waiting", value=now.urgent_waiting
        )
        escalations = CounterMetricFamily(
            "sagir_escalations",
            "Escalations given, by kind (warning, breach, ...)",
            labels=["kind"],
        )
        for kind, count in sorted(now.escalations.items()):
            escalations.add_metric([kind], count)
        yield escalations
        outbox = GaugeMetricFamily(
            "sagir_outbox_mails", "Mails in the outbox, by status", labels=["status"]
        )
        for status, count in sorted(now.outbox.items()):
            outbox.add_metric([status], count)
        yield outbox


def add_metrics(app: FastAPI) -> None:
    """Time every request, and answer `GET /metrics` (no token: counts only, nothing personal,
    no MO; keep the API's port on the operations network)."""

    @app.middleware("http")
    async def timed(request: Request, call_next: Any) -> Any:
        started = time.perf_counter()
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
            return response
        finally:
            route = request.scope.get("route")
            template = getattr(route, "path", "unmatched")  # bounded: never the raw path
            method = request.method if request.method in METHODS else "other"
            LATENCY.labels(template, method, str(status)).observe(time.perf_counter() - started)

    @app.get("/metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        registry = CollectorRegistry()
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        else:
            registry.register(LATENCY)
        if request.app.state.desks is not None:
            registry.register(DeskCollector(request.app.state.desks.figures.now))
        body = await run_in_threadpool(generate_latest, registry)
        return Response(body, media_type=CONTENT_TYPE_LATEST)
