"""Incoming mail over HTTP: the triage only the CA sorts, and a ticket's attachments for those
who may read the ticket (another MO's answer 404, as if the ticket did not exist)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from email import policy
from email.message import EmailMessage

import pytest
from temporalio.testing import WorkflowEnvironment

from adapters.database import UnitOfWork
from models.roles import Caller, Role
from tests.api.api_harness import CALLERS, Api, running_api

AGENT = CALLERS[Role.ca_agent]
FILE = b"%PDF-1.4 the client's screenshot"


@pytest.fixture
async def api(
    local_env: WorkflowEnvironment, demo_uow: UnitOfWork, task_queue: str
) -> AsyncIterator[Api]:
    async with running_api(local_env, demo_uow, task_queue) as running:
        yield running


def raw(sender: str, message_id: str, attach: bool = False) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "assistance@sagir-desk.local"
    message["Subject"] = "Accès LSA"
    message["Message-ID"] = message_id
    message.set_content("Je ne peux pas me connecter.")
    if attach:
        message.add_attachment(FILE, maintype="application", subtype="pdf", filename="écran.pdf")
    return message.as_bytes(policy=policy.SMTP)


async def test_attachments_are_read_by_whoever_reads_the_ticket_and_404_for_another_mo(
    api: Api,
) -> None:
    receipt = await api.desks.intake.receive(raw("jean@mtq.gouv.qc.ca", "<a@mtq>", attach=True))
    ticket = receipt.ticket_id
    assert receipt.delivered and ticket is not None
    listed = await api.call(AGENT, "GET", f"/tickets/{ticket}/attachments")
    assert listed.status_code == 200, listed.text
    (item,) = listed.json()
    assert (item["file_name"], item["content_type"], item["size"]) == (
        "écran.pdf",
        "application/pdf",
        len(FILE),
    )
    path = f"/tickets/{ticket}/attachments/{item['digest']}"
    downloaded = await api.call(AGENT, "GET", path)
    assert downloaded.status_code == 200
    assert downloaded.content == FILE
    assert downloaded.headers["content-type"] == "application/octet-stream"
    other_mo = Caller(role=Role.mo_user, mo="MSSS", subject="user-msss")
    for url in (f"/tickets/{ticket}/attachments", path):
        hidden = await api.call(other_mo, "GET", url)
        assert (hidden.status_code, hidden.json()) == (404, {"detail": f"{ticket} does not exist"})
    assert (await api.call(CALLERS[Role.mo_hr], "GET", path)).status_code == 403
    auditor = await api.call(CALLERS[Role.auditor], "GET", path)
    assert auditor.status_code == 200
    unknown = await api.call(AGENT, "GET", f"/tickets/{ticket}/attachments/{'0' * 64}")
    assert unknown.status_code == 404


async def test_only_the_ca_lists_and_sorts_triage_and_a_sorted_message_opens_its_ticket(
    api: Api,
) -> None:
    receipt = await api.desks.intake.receive(raw("pierre@exemple.org", "<t@exemple>"))
    assert receipt.outcome.value == "triage"
    for role in (Role.mo_user, Role.mo_hr, Role.auditor, Role.dggir_pilot):
        assert (await api.call(CALLERS[role], "GET", "/triage")).status_code == 403
    listed = await api.call(AGENT, "GET", "/triage")
    assert listed.status_code == 200 and listed.headers["X-Total-Count"] == "1"
    (item,) = listed.json()
    assert item["sender"] == "pierre@exemple.org" and item["channel"] == "email"
    short = item["id"][:10]
    refused = await api.call(CALLERS[Role.mo_user], "POST", f"/triage/{short}/sort", {"mo": "MTQ"})
    assert refused.status_code == 403
    unknown_mo = await api.call(AGENT, "POST", f"/triage/{short}/sort", {"mo": "MXYZ"})
    assert unknown_mo.status_code == 422
    sorted_ = await api.call(AGENT, "POST", f"/triage/{short}/sort", {"mo": "MSSS"})
    assert sorted_.status_code == 200, sorted_.text
    ticket = sorted_.json()["ticket_id"]
    shown = await api.call(AGENT, "GET", f"/tickets/{ticket}")
    assert shown.json()["mo"] == "MSSS"
    assert shown.json()["received_at"] == item["received_at"]
    again = await api.call(AGENT, "POST", f"/triage/{short}/sort", {"mo": "MSSS"})
    assert again.status_code == 409
    missing = await api.call(AGENT, "POST", f"/triage/{'0' * 12}/discard")
    assert missing.status_code == 404
