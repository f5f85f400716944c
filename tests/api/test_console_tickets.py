"""Tickets in the console (issue 13), in-process over the real desks, a worker and a local
engine: the Outil Requête opens a ticket with its deadline, the agents' queue lists it, every
step goes through its form, a refusal shows in place in French and changes nothing, and another
MO's ticket is "not found"."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from temporalio.testing import WorkflowEnvironment

from adapters.database import UnitOfWork
from adapters.sql_ticket_records import SqlTicketRecords
from models.roles import Caller, Role
from models.sla import Channel
from models.tickets import TicketRecord, TicketStatus
from tests.api.api_harness import CALLERS, Api, running_api
from tests.api.console_client import Person, signed_in

USER = CALLERS[Role.mo_user]
AGENT = CALLERS[Role.ca_agent]
SECOND_AGENT = Caller(role=Role.ca_agent, subject="agent-gagnon")
OTHER_MO_USER = Caller(role=Role.mo_user, mo="MSSS", subject="user-msss")


@pytest.fixture
async def api(
    local_env: WorkflowEnvironment, demo_uow: UnitOfWork, task_queue: str
) -> AsyncIterator[Api]:
    async with running_api(local_env, demo_uow, task_queue) as api:
        yield api


async def _open_from_the_outil_requete(user: Person) -> str:
    await user.get("/console/outil-requete")
    answer = await user.send(
        "/console/outil-requete",
        subject="Accès refusé au LSA",
        module="LS",
        description="Je ne peux plus ouvrir le libre-service.",
    )
    assert answer.status_code == 200
    found = re.search(r"Billet (T-\d{4}-\d{6})", answer.text)
    assert found is not None
    return found.group(1)


async def _until(check: object, seconds: float = 20) -> None:
    """The projection is written by an activity: wait (bounded) until `check()` holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not await check():  # type: ignore[operator]
        assert loop.time() < deadline, "the console never showed it"
        await asyncio.sleep(0.2)


async def test_a_ticket_from_the_outil_requete_shows_its_take_in_charge_deadline(
    api: Api,
) -> None:
    assert api.app is not None
    async with signed_in(api.app, api.token_for(USER)) as user:
        ticket_id = await _open_from_the_outil_requete(user)
        state = await api.desks.tickets.show(ticket_id)
    assert state.channel.value == "web"
    assert state.requester == USER.subject
    assert "Votre demande est reçue." in user.page
    assert "Prise en charge au plus tard" in user.page
    assert re.search(r'id="echeance">\w+ \d+ \w+ \d{4}, \d+ h \d\d', user.page)


async def test_a_ticket_is_worked_end_to_end_through_the_console(api: Api) -> None:
    assert api.app is not None
    async with (
        signed_in(api.app, api.token_for(USER)) as user,
        signed_in(api.app, api.token_for(AGENT)) as agent,
        signed_in(api.app, api.token_for(SECOND_AGENT)) as checker,
    ):
        ticket_id = await _open_from_the_outil_requete(user)

        async def in_the_queue() -> bool:
            return ticket_id in (await agent.get("/console/file/lignes")).text

        await _until(in_the_queue)
        page = f"/console/billets/{ticket_id}"
        await agent.get(page)
        await agent.send(f"{page}/prendre")
        assert "Vous avez pris le billet en charge." in agent.page
        await agent.send(f"{page}/question", question="Quel est votre code d'utilisateur?")
        await user.get(page)
        assert "Quel est votre code d'utilisateur?" in user.page
        await user.send(f"{page}/reponse", answer="JDOE01")
        await agent.get(page)
        await agent.send(f"{page}/proposer", solution="Votre accès LSA est rétabli.")

        # The agent who proposed cannot check their own solution: refused in place.
        await agent.get(page)
        refused = await agent.send(f"{page}/controle", approved="oui", note="")
        assert refused.status_code == 409
        assert 'id="refus-controle"' in refused.text
        assert (await api.desks.tickets.show(ticket_id)).quality_check is None

        await checker.get(page)
        await checker.send(f"{page}/controle", approved="oui", note="")
        await checker.get(page)
        await checker.send(f"{page}/transmettre", note="")
        await user.get(page)
    state = await api.desks.tickets.show(ticket_id)
    assert state.status is TicketStatus.returned
    assert "Votre accès LSA est rétabli." in user.page
    assert "Solution transmise" in user.page


async def test_another_mos_ticket_is_not_found(api: Api) -> None:
    assert api.app is not None
    async with signed_in(api.app, api.token_for(USER)) as user:
        ticket_id = await _open_from_the_outil_requete(user)
    async with signed_in(api.app, api.token_for(OTHER_MO_USER)) as stranger:
        answer = await stranger.get(f"/console/billets/{ticket_id}")
    assert answer.status_code == 404
    assert "Accès refusé au LSA" not in answer.text


async def test_a_refused_outil_requete_form_opens_nothing(api: Api) -> None:
    assert api.app is not None
    async with signed_in(api.app, api.token_for(USER)) as user:
        await user.get("/console/outil-requete")
        answer = await user.send(
            "/console/outil-requete", subject="", module="LS", description="Rien"
        )
        listed = await api.desks.as_caller(USER).tickets.list()
    assert answer.status_code == 422
    assert 'role="alert"' in answer.text
    assert listed.total == 0


async def test_an_mo_user_may_not_work_a_ticket_from_a_forged_form(api: Api) -> None:
    assert api.app is not None
    async with signed_in(api.app, api.token_for(USER)) as user:
        ticket_id = await _open_from_the_outil_requete(user)
        answer = await user.send(f"/console/billets/{ticket_id}/prendre")
    assert answer.status_code == 403
    assert (await api.desks.tickets.show(ticket_id)).status is TicketStatus.received


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def test_files_sent_with_an_outil_requete_request_are_listed_and_downloadable(
    api: Api,
) -> None:
    assert api.app is not None
    async with signed_in(api.app, api.token_for(USER)) as user:
        await user.get("/console/outil-requete")
        await user.send(
            "/console/outil-requete",
            files=[("ecran.png", PNG, "image/png")],
            subject="Écran figé",
            module="RF",
            description="Voir la capture.",
        )
        link = re.search(
            r'href="(/console/billets/T-[^"]+/pieces/[0-9a-f]{64})">ecran.png', user.page
        )
        assert link is not None, "the file is not listed on the ticket"
        download = await user.client.get(link.group(1))
    assert download.status_code == 200
    assert download.content == PNG
    assert "ecran.png" in download.headers["content-disposition"]


async def test_a_file_of_a_type_the_desk_refuses_opens_no_ticket(api: Api) -> None:
    assert api.app is not None
    async with signed_in(api.app, api.token_for(USER)) as user:
        await user.get("/console/outil-requete")
        answer = await user.send(
            "/console/outil-requete",
            files=[("virus.exe", b"MZ\x90\x00", "application/x-msdownload")],
            subject="Programme",
            module="RF",
            description="Voici un programme.",
        )
        listed = await api.desks.as_caller(USER).tickets.list()
    assert answer.status_code == 422
    assert "application/x-msdownload" in user.page
    assert listed.total == 0


async def test_an_agent_opens_an_urgent_phone_ticket_for_a_caller(api: Api) -> None:
    assert api.app is not None
    async with signed_in(api.app, api.token_for(AGENT)) as agent:
        await agent.get("/console/billets/nouveau")
        assert "Appel urgent" in agent.page
        await agent.send(
            "/console/billets/nouveau",
            mo="MSSS",
            channel="phone",
            urgent="oui",
            requester="jdoe",
            received_at="",
            subject="Paie bloquée",
            module="RH",
            description="Appel : la paie ne passe pas.",
        )
    found = re.search(r"Billet (T-\d{4}-\d{6})", agent.page)
    assert found is not None, agent.page[:2000]
    state = await api.desks.tickets.show(found.group(1))
    assert (state.mo, state.channel.value, state.urgent, state.requester) == (
        "MSSS",
        "phone",
        True,
        "jdoe",
    )


async def test_an_outil_requete_request_with_a_mail_address_is_acknowledged_there(
    api: Api,
) -> None:
    assert api.app is not None
    async with signed_in(api.app, api.token_for(USER)) as user:
        await user.get("/console/outil-requete")
        await user.send(
            "/console/outil-requete",
            subject="Accès RF",
            module="RF",
            description="Je n'ai plus accès.",
            contact_email="jeanne.doe@mtq.gouv.qc.ca",
        )
    found = re.search(r"Billet (T-\d{4}-\d{6})", user.page)
    assert found is not None
    ticket_id = found.group(1)

    async def acknowledged() -> list[str]:
        return [mail.to for mail in api.harness.mail.sent(ticket_id)]

    told = await api.harness.eventually(acknowledged, lambda sent: len(sent) > 0)
    assert told == ["jeanne.doe@mtq.gouv.qc.ca"]
    assert "jeanne.doe" not in user.page  # shown to nobody, kept sealed


async def test_a_ticket_forwarded_to_a_dggir_pilot_is_theirs_to_bring_back(api: Api) -> None:
    assert api.app is not None
    pilot = CALLERS[Role.dggir_pilot]
    async with (
        signed_in(api.app, api.token_for(USER)) as user,
        signed_in(api.app, api.token_for(AGENT)) as agent,
    ):
        ticket_id = await _open_from_the_outil_requete(user)
        page = f"/console/billets/{ticket_id}"
        await agent.get(page)
        await agent.send(f"{page}/prendre")
        await agent.send(
            f"{page}/acheminer", target="dggir_pilot", to=pilot.subject, note="Anomalie RF"
        )
        assert "Le billet est acheminé." in agent.page
    async with signed_in(api.app, api.token_for(pilot)) as second_level:
        listed = await second_level.get("/console/billets")
        assert ticket_id in listed.text
        await second_level.get(page)
        assert "Retourner le billet au Centre d'assistance" in second_level.page
        await second_level.send(f"{page}/retour", note="Corrigé dans SAGIR")
        assert "Le billet est revenu au Centre d'assistance." in second_level.page
    state = await api.desks.tickets.show(ticket_id)
    assert (state.status, state.forwarded_to) == (TicketStatus.in_charge, None)


async def test_a_mail_address_that_is_not_one_is_refused_in_one_sentence_and_opens_nothing(
    api: Api,
) -> None:
    assert api.app is not None
    async with signed_in(api.app, api.token_for(USER)) as user:
        await user.get("/console/outil-requete")
        answer = await user.send(
            "/console/outil-requete",
            subject="Accès RF",
            module="RF",
            description="Je n'ai plus accès.",
            contact_email="pas-une-adresse",
        )
        listed = await api.desks.as_caller(USER).tickets.list()
    assert answer.status_code == 422
    alerts = re.findall(r'role="alert"><p>([^<]+)</p>', user.page)
    assert len(alerts) == 1 and alerts[0].startswith("Courriel")
    assert listed.total == 0


async def test_the_queue_marks_a_ticket_whose_warning_was_given(
    api: Api, demo_uow: UnitOfWork
) -> None:
    """The warning before a breach: the agents see it in the queue, beside the deadline."""
    assert api.app is not None
    now = datetime.now(UTC)
    records = SqlTicketRecords(demo_uow)
    for number, warned in (("T-2026-990001", True), ("T-2026-990002", False)):
        records.record(
            TicketRecord(
                id=number,
                mo="MTQ",
                channel=Channel.web,
                urgent=False,
                status=TicketStatus.received,
                received_at=now - timedelta(hours=20),
                due=now + timedelta(hours=4),
                taken_at=None,
                assignee=None,
                breached=False,
                warned=warned,
                version=2 if warned else 1,
                steps=[],
            )
        )
    async with signed_in(api.app, api.token_for(AGENT)) as agent:
        rows = (await agent.get("/console/file/lignes")).text
    warned_row, quiet_row = (
        re.search(rf"<tr[^>]*>\s*<th[^>]*><a[^>]*>{number}</a>.*?</tr>", rows, re.S)
        for number in ("T-2026-990001", "T-2026-990002")
    )
    assert warned_row is not None and quiet_row is not None
    assert "Avertissement envoyé" in warned_row.group(0)
    assert "Avertissement envoyé" not in quiet_row.group(0)
