"""Scale out and observe (issue 17): the API answers Prometheus's scrape at /metrics with each
request's latency by route template and the desk's figures read from its records (the queue's
depth, escalations by kind, the outbox by status); the worker serves the Temporal SDK's own
metrics on SAGIR_WORKER_METRICS_PORT."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from temporalio.testing import WorkflowEnvironment

from adapters.database import OutboxRow, UnitOfWork
from adapters.sql_ticket_records import SqlTicketRecords
from models.escalations import EscalationKind
from models.requests import Escalation
from models.sla import Channel
from models.tickets import TicketRecord, TicketStatus
from starter.api.app import create_app
from starter.client import connect, metrics_runtime
from starter.desks.compose import Desks, build_desks
from starter.ports import free_port
from starter.settings import Settings
from tests.payload_keys import TEST_AUDIT_KEYS_TEXT, TEST_KEYS

NOW = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)


@pytest.fixture
def desks(demo_uow: UnitOfWork) -> Desks:
    settings = Settings().model_copy(update={"audit_keys_text": TEST_AUDIT_KEYS_TEXT})
    return build_desks(settings, None, demo_uow)


@pytest.fixture
async def http(desks: Desks) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(desks, TEST_KEYS))
    async with httpx.AsyncClient(transport=transport, base_url="http://desk") as client:
        yield client


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a scrape, by name and labels."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def seed(uow: UnitOfWork) -> None:
    records = SqlTicketRecords(uow)
    for number, status, urgent in (
        ("T-2026-000001", TicketStatus.received, True),
        ("T-2026-000002", TicketStatus.received, False),
        ("T-2026-000003", TicketStatus.in_charge, False),
    ):
        records.record(
            TicketRecord(
                id=number,
                mo="MTQ",
                channel=Channel.phone if urgent else Channel.web,
                urgent=urgent,
                status=status,
                received_at=NOW,
                due=NOW + timedelta(hours=1),
                taken_at=None,
                assignee=None,
                breached=False,
                version=1,
                steps=[],
            )
        )
    for key, kind in (
        ("T-2026-000001/warning", EscalationKind.warning),
        ("T-2026-000002/warning", EscalationKind.warning),
        ("T-2026-000002/breach", EscalationKind.breach),
    ):
        records.record_escalation(
            Escalation(
                idempotency_key=key,
                workflow_id=key.split("/")[0],
                mo="MTQ",
                reason="r",
                at=NOW,
                kind=kind,
            ),
            ["super-cote"],
        )
    with uow.begin() as session:
        for n, mail_status in enumerate(("queued", "queued", "failed")):
            session.add(
                OutboxRow(
                    idempotency_key=f"mail-{n}",
                    to_address="sealed",
                    subject="sealed",
                    body="sealed",
                    created_at=NOW,
                    status=mail_status,
                )
            )


async def test_the_api_serves_its_latency_and_the_desks_figures_to_prometheus(
    http: httpx.AsyncClient, demo_uow: UnitOfWork
) -> None:
    seed(demo_uow)
    assert (await http.get("/health")).status_code == 200
    scrape = await http.get("/metrics")
    assert scrape.status_code == 200
    assert scrape.headers["content-type"].startswith("text/plain")
    found = samples(scrape.text)
    assert found[("sagir_queue_depth", ())] == 2
    assert found[("sagir_queue_urgent", ())] == 1
    assert found[("sagir_escalations_total", (("kind", "warning"),))] == 2
    assert found[("sagir_escalations_total", (("kind", "breach"),))] == 1
    assert found[("sagir_outbox_mails", (("status", "queued"),))] == 2
    assert found[("sagir_outbox_mails", (("status", "failed"),))] == 1
    health = (("method", "GET"), ("route", "/health"), ("status", "200"))
    assert found[("sagir_api_request_seconds_count", health)] >= 1


async def test_request_latency_is_labelled_by_route_template_never_by_raw_path(
    http: httpx.AsyncClient,
) -> None:
    await http.get("/tickets/T-2026-123456")  # no token: 401, on the route's template
    names = {labels for name, labels in samples((await http.get("/metrics")).text)}
    routes = {dict(labels).get("route") for labels in names}
    assert "/tickets/{ticket_id}" in routes
    assert not any(route and "T-2026-123456" in route for route in routes)


async def test_the_worker_serves_the_sdks_metrics_on_its_port(
    local_env: WorkflowEnvironment, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()
    monkeypatch.setenv("SAGIR_HOME", str(tmp_path))
    monkeypatch.setenv("TEMPORAL_ADDRESS", local_env.client.service_client.config.target_host)
    monkeypatch.setenv("SAGIR_WORKER_METRICS_PORT", str(port))
    settings = Settings()
    client = await connect(settings, runtime=metrics_runtime(settings))
    await client.count_workflows()
    async with httpx.AsyncClient() as scraper:
        scrape = await scraper.get(f"http://127.0.0.1:{port}/metrics")
    assert scrape.status_code == 200
    assert "temporal_request" in scrape.text


def test_without_a_port_the_worker_serves_no_metrics(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SAGIR_WORKER_METRICS_PORT", raising=False)
    assert metrics_runtime(Settings()) is None


async def test_a_method_the_api_does_not_serve_is_labelled_other(http: httpx.AsyncClient) -> None:
    await http.request("PROPFIND", "/health")
    methods = {
        dict(labels).get("method") for _, labels in samples((await http.get("/metrics")).text)
    }
    assert "other" in methods and "PROPFIND" not in methods
