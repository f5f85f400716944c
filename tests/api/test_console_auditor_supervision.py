"""The console's auditor, report and supervision pages (issue 13, items 3 and 7), in-process:
an auditor finds a workflow and reads its timeline (the opening is in the audit trail, under
the auditor's name), only auditors reach the audit pages, a supervisor acknowledges an
escalation once (the first acknowledgement stands), and the SLA report downloads as CSV."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from adapters.database import UnitOfWork
from adapters.sql_ticket_records import SqlTicketRecords
from models.escalations import EscalationKind
from models.requests import Escalation
from models.roles import Caller, Role
from models.sla import Channel
from models.tickets import TicketRecord, TicketStatus
from starter.api.app import create_app
from starter.desks.compose import Desks, build_desks
from starter.desks.reports import CSV_FIELDS
from starter.settings import Settings
from tests.api.api_harness import CALLERS, Api, running_api
from tests.api.test_roles_matrix import ticket_body
from tests.payload_keys import TEST_AUDIT_KEYS_TEXT, TEST_KEYS

AUDITOR = CALLERS[Role.auditor]
SUPERVISOR = CALLERS[Role.ca_supervisor]
AGENT = CALLERS[Role.ca_agent]
BREACH_KEY = "T-2026-000042/breach"


async def sign_in(http: httpx.AsyncClient, token: str) -> None:
    form = await http.get("/console/connexion")
    nonce = re.search(r'name="nonce" value="([^"]+)"', form.text)
    assert nonce is not None
    answer = await http.post(
        "/console/connexion", data={"jeton": token, "nonce": nonce.group(1), "suite": ""}
    )
    assert answer.status_code == 303, answer.text


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]{64})"', page)
    assert found is not None, "the page has no form token"
    return found.group(1)


# --- the database alone: escalations, reports, supervision, who may --------------------------


def seed(uow: UnitOfWork) -> None:
    """A ticket of MTQ received in November 2026, never taken and breached, and its
    escalation."""
    received = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)
    due = received + timedelta(hours=2)
    records = SqlTicketRecords(uow)
    records.record(
        TicketRecord(
            id="T-2026-000042",
            mo="MTQ",
            channel=Channel.phone,
            urgent=False,
            status=TicketStatus.received,
            received_at=received,
            due=due,
            taken_at=None,
            assignee=None,
            breached=True,
            version=1,
            steps=[],
        )
    )
    records.record_escalation(
        Escalation(
            idempotency_key=BREACH_KEY,
            workflow_id="T-2026-000042",
            mo="MTQ",
            reason=f"not taken in charge by {due.isoformat()}",
            at=due,
            kind=EscalationKind.breach,
        ),
        ["super-cote"],
    )


@pytest.fixture
def desks(demo_uow: UnitOfWork) -> Desks:
    seed(demo_uow)
    settings = Settings().model_copy(update={"audit_keys_text": TEST_AUDIT_KEYS_TEXT})
    return build_desks(settings, None, demo_uow)


@pytest.fixture
async def http(desks: Desks) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(desks, TEST_KEYS)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://desk") as client:
        yield client


async def signed_in(desks: Desks, http: httpx.AsyncClient, caller: Caller) -> None:
    await sign_in(http, desks.tokens.issue(caller, "console").token)


def acknowledged_by(desks: Desks) -> tuple[str | None, datetime | None]:
    [found] = desks.escalations.list().items
    return found.acknowledged_by, found.acknowledged_at


async def test_an_agent_gets_the_refusal_page_on_every_audit_page(
    desks: Desks, http: httpx.AsyncClient
) -> None:
    await signed_in(desks, http, AGENT)
    for path in ("/console/audit", "/console/audit/journal", "/console/audit/T-2026-000042"):
        answer = await http.get(path)
        assert answer.status_code == 403, path
        assert "Accès refusé" in answer.text
    assert (await http.get("/console/rapports")).status_code == 403  # supervisors, auditors


async def test_a_supervisor_acknowledges_an_escalation_and_the_list_shows_who_and_when(
    desks: Desks, http: httpx.AsyncClient
) -> None:
    await signed_in(desks, http, SUPERVISOR)
    page = await http.get("/console/escalades?etat=ouvertes")
    assert "Délai de prise en charge dépassé" in page.text
    assert "Prendre en compte" in page.text
    answer = await http.post(
        "/console/escalades/prise-en-compte",
        data={"csrf": csrf_of(page.text), "key": BREACH_KEY, "etat": "ouvertes"},
    )
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/console/escalades?etat=ouvertes&prise=")
    by, at = acknowledged_by(desks)
    assert by == "super-cote" and at is not None
    [recorded] = [e for e in desks.trail.entries(BREACH_KEY) if e.action == "escalation.ack"]
    assert (recorded.actor, recorded.role, recorded.outcome) == (
        "super-cote",
        "ca_supervisor",
        "done",
    )
    after = await http.get(answer.headers["location"])  # the open ones: it is not listed
    assert f"L'escalade {BREACH_KEY} est prise en compte par super-cote." in after.text
    listed = await http.get("/console/escalades")
    assert "Prise en compte par super-cote le" in listed.text
    assert "0 escalade." in (await http.get("/console/escalades?etat=ouvertes")).text


async def test_a_second_acknowledgement_keeps_the_first_and_says_whose_in_place(
    desks: Desks, http: httpx.AsyncClient
) -> None:
    await signed_in(desks, http, SUPERVISOR)
    page = await http.get("/console/escalades")
    token = csrf_of(page.text)
    first = await http.post(
        "/console/escalades/prise-en-compte", data={"csrf": token, "key": BREACH_KEY}
    )
    assert first.status_code == 303
    kept = acknowledged_by(desks)
    again = await http.post(  # the same form, sent a second time (a stale tab)
        "/console/escalades/prise-en-compte", data={"csrf": token, "key": BREACH_KEY}
    )
    assert again.status_code == 200
    assert "était déjà prise en compte par super-cote le" in again.text
    assert "cette première prise en compte demeure" in again.text
    assert acknowledged_by(desks) == kept  # nothing changed


async def test_an_auditor_reads_the_escalations_without_the_form_and_cannot_acknowledge(
    desks: Desks, http: httpx.AsyncClient
) -> None:
    await signed_in(desks, http, AUDITOR)
    page = await http.get("/console/escalades")
    assert page.status_code == 200
    assert "T-2026-000042" in page.text
    assert "À prendre en compte" in page.text
    assert "/console/escalades/prise-en-compte" not in page.text
    refused = await http.post(
        "/console/escalades/prise-en-compte", data={"csrf": csrf_of(page.text), "key": BREACH_KEY}
    )
    assert refused.status_code == 403
    assert acknowledged_by(desks) == (None, None)


async def test_the_supervision_page_shows_the_open_breaches_and_the_open_tickets_by_state(
    desks: Desks, http: httpx.AsyncClient
) -> None:
    await signed_in(desks, http, AGENT)
    assert (await http.get("/console/supervision")).status_code == 403
    await signed_in(desks, http, SUPERVISOR)
    page = await http.get("/console/supervision")
    assert page.status_code == 200
    assert "1 billet ouvert, dont 1 en délai dépassé." in page.text
    assert 'href="/console/billets/T-2026-000042"' in page.text
    assert "1 escalade à prendre en compte" in page.text


async def test_the_sla_report_downloads_as_csv_with_the_reports_header(
    desks: Desks, http: httpx.AsyncClient
) -> None:
    await signed_in(desks, http, SUPERVISOR)
    page = await http.get("/console/rapports?mois=2026-11")
    assert page.status_code == 200
    assert '<svg role="img" aria-label="Graphique du rapport' in page.text
    assert "novembre 2026" in page.text
    assert 'href="/console/rapports/sla.csv?mois=2026-11&amp;organisme="' in page.text
    answer = await http.get("/console/rapports/sla.csv?mois=2026-11&organisme=MTQ")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.headers["content-disposition"] == 'attachment; filename="sla-MTQ-2026-11.csv"'
    header, row = answer.text.splitlines()
    assert header == ",".join(CSV_FIELDS)
    assert row.startswith("MTQ,2026-11,1,phone=1,0,0,1,")


async def test_a_month_that_is_not_one_is_refused_in_place_in_french(
    desks: Desks, http: httpx.AsyncClient
) -> None:
    await signed_in(desks, http, AUDITOR)
    page = await http.get("/console/rapports?mois=2026-13")
    assert page.status_code == 422
    assert "n&#39;est pas un mois comme 2026-11" in page.text
    assert 'value="2026-13"' in page.text


# --- with the engine: the search and the timeline --------------------------------------------


@pytest.fixture
async def api(
    local_env: WorkflowEnvironment, demo_uow: UnitOfWork, task_queue: str
) -> AsyncIterator[Api]:
    async with running_api(local_env, demo_uow, task_queue) as running:
        yield running


async def opened_ticket(api: Api) -> str:
    answer = await api.call(AGENT, "POST", "/tickets", ticket_body(AGENT, "MTQ"))
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


async def test_an_auditors_search_finds_a_workflow_by_mo_and_status(api: Api) -> None:
    ticket = await opened_ticket(api)
    await sign_in(api.http, api.token_for(AUDITOR))
    for _ in range(50):  # the engine's visibility catches up in a moment
        found = await api.http.get("/console/audit?organisme=MTQ&statut=received")
        if ticket in found.text:
            break
        await asyncio.sleep(0.1)
    assert found.status_code == 200
    assert f'href="/console/audit/{ticket}"' in found.text
    assert "1 dossier trouvé" in found.text
    elsewhere = await api.http.get("/console/audit?organisme=MSSS&statut=received")
    assert ticket not in elsewhere.text
    closed = await api.http.get("/console/audit?organisme=MTQ&statut=closed")
    assert ticket not in closed.text
    wrong = await api.http.get("/console/audit?du=hier")
    assert wrong.status_code == 422
    assert "Début de période : doit être une date valide" in wrong.text


async def test_opening_a_timelines_payloads_adds_an_entry_to_the_trail_under_the_auditor(
    api: Api,
) -> None:
    ticket = await opened_ticket(api)
    await sign_in(api.http, api.token_for(AUDITOR))

    def openings() -> list[tuple[str, str, str]]:
        return [
            (entry.actor, entry.role, entry.workflow_id)
            for entry in api.desks.trail.entries(ticket)
            if entry.action == "payload.decode" and entry.detail.startswith("history of")
        ]

    story = await api.http.get(f"/console/audit/{ticket}")
    assert story.status_code == 200
    assert "Histoire de la demande" in story.text
    assert "Je n&#39;ai plus accès" not in story.text  # the payloads stay closed until asked
    assert openings() == []
    timeline = await api.http.get(f"/console/audit/{ticket}?chronologie=ouverte")
    assert timeline.status_code == 200
    assert "Exécution commencée" in timeline.text
    assert "Je n&#39;ai plus accès" in timeline.text  # the ticket's input, opened
    assert openings() == [("verif-1", "auditor", ticket)]
    journal = await api.http.get(f"/console/audit/journal?enregistrement={ticket}")
    assert "payload.decode" in journal.text and "verif-1" in journal.text


async def test_the_supervision_page_shows_each_agents_load_by_state(
    desks: Desks, http: httpx.AsyncClient, demo_uow: UnitOfWork
) -> None:
    received = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)
    records = SqlTicketRecords(demo_uow)
    for number, (who, status, breached) in enumerate(
        [
            ("agent-roy", TicketStatus.in_charge, True),
            ("agent-roy", TicketStatus.waiting_client, False),
            ("agent-gagnon", TicketStatus.in_charge, False),
            ("agent-gagnon", TicketStatus.closed, False),  # closed: no longer a load
        ],
        start=100,
    ):
        records.record(
            TicketRecord(
                id=f"T-2026-000{number}",
                mo="MTQ",
                channel=Channel.email,
                urgent=False,
                status=status,
                received_at=received,
                due=received + timedelta(hours=24),
                taken_at=received,
                assignee=who,
                breached=breached,
                version=2,
                steps=[],
            )
        )
    await signed_in(desks, http, SUPERVISOR)
    page = await http.get("/console/supervision")
    rows = {
        cells[0]: cells[1:]
        for cells in (
            re.findall(r"<t[hd][^>]*>([^<]*)</t[hd]>", row)
            for row in re.findall(r"<tr>(.*?)</tr>", page.text.split('id="agents"')[1], re.S)
        )
        if cells and cells[0].startswith("agent-")
    }
    # Open, then one column per state (in charge, forwarded, waiting, QA, returned), breached.
    assert rows["agent-roy"] == ["2", "1", "0", "1", "0", "0", "1"]
    assert rows["agent-gagnon"] == ["1", "1", "0", "0", "0", "0", "0"]
