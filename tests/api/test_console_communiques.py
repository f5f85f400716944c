"""Communiqués in the console (issue 14), in-process over the real desks, a worker and a local
engine: the pages render for every role that may read them, another MO's communiqué is "not
found", an agent checks then releases from the page, a sent one says it cannot be recalled, the
authors' form refuses in one French sentence and creates nothing, and a question from the Outil
Requête goes to the side that answers it (a CA ticket for the DGGIR's, the author for an MO's)."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator

import pytest
from temporalio.testing import WorkflowEnvironment

from adapters.database import UnitOfWork
from adapters.demo_data import DGGIR_AUTHOR, MO_AUTHOR
from models.communiques import (
    Communique,
    CommuniqueStatus,
    Group,
    Side,
    Submission,
    content_digest,
)
from models.roles import Action, Caller, Role
from tests.api.api_harness import CALLERS, Api, running_api
from tests.api.console_client import Person, csrf_of, signed_in

DGGIR_WRITER = Caller(role=Role.dggir_author, subject=DGGIR_AUTHOR)
MTQ_WRITER = Caller(role=Role.mo_author, mo=MO_AUTHOR[0], subject=MO_AUTHOR[1])
AGENT = CALLERS[Role.ca_agent]
USER = CALLERS[Role.mo_user]  # of the MTQ
MSSS_USER = Caller(role=Role.mo_user, mo="MSSS", subject="user-msss")
NOT_RECALLED = "Un communiqué diffusé ne peut pas être rappelé ; soumettez une correction."


@pytest.fixture
async def api(
    local_env: WorkflowEnvironment, demo_uow: UnitOfWork, task_queue: str
) -> AsyncIterator[Api]:
    async with running_api(local_env, demo_uow, task_queue) as api:
        yield api


def submission(side: Side, **changes: object) -> Submission:
    values: dict[str, object] = {
        "side": side,
        "mo": "MTQ" if side is Side.mo else None,
        "author": MTQ_WRITER.subject if side is Side.mo else DGGIR_WRITER.subject,
        "title": "Calendrier de la paie 2027" if side is Side.dggir else "Bureau de Rimouski",
        "body": "Bonjour,\nLa paie du 15 décembre sera versée le 12.\n<b>Fin</b>",
        "groups": [Group.parse("all")],
    }
    values.update(changes)
    return Submission.model_validate(values)


async def submitted(api: Api, side: Side) -> Communique:
    writer = DGGIR_WRITER if side is Side.dggir else MTQ_WRITER
    return await api.desks.as_caller(writer).communiques.submit(submission(side))


async def sending(api: Api, side: Side) -> Communique:
    """A communiqué checked and released by an agent, its mail on its way."""
    communique = await submitted(api, side)
    agent = api.desks.as_caller(AGENT).communiques
    await agent.check(communique.id, AGENT.subject)
    await agent.release(communique.id, AGENT.subject)

    async def read() -> Communique:
        return await api.desks.communiques.show(communique.id)

    found: Communique = await api.harness.eventually(
        read, lambda one: one.status is CommuniqueStatus.sending
    )
    return found


async def post(person: Person, path: str, fields: dict[str, str | list[str]]) -> str:
    """A form with boxes ticked (a field given more than once), sent as a browser does."""
    answer = await person.client.post(
        path, data={"csrf": csrf_of(person.page), **fields}, follow_redirects=True
    )
    person.page = html.unescape(answer.text)
    return f"{answer.status_code} {answer.url.path}"


async def test_the_communique_pages_render_for_each_role_that_may_read_them(api: Api) -> None:
    assert api.app is not None
    dggir = await submitted(api, Side.dggir)
    mtq = await sending(api, Side.mo)
    # Who reads which: the CA, the auditors and the DGGIR's people the DGGIR's; the MO's people
    # their MO's own once released (its author from the start; the DGGIR's reach them once
    # sent).
    readers = {
        DGGIR_WRITER: dggir,
        CALLERS[Role.dggir_pilot]: dggir,
        AGENT: dggir,
        CALLERS[Role.ca_supervisor]: mtq,
        CALLERS[Role.auditor]: dggir,
        MTQ_WRITER: mtq,
        USER: mtq,
        CALLERS[Role.mo_hr]: mtq,
        CALLERS[Role.personne_autorisee]: mtq,
    }
    for caller, communique in readers.items():
        async with signed_in(api.app, api.token_for(caller)) as person:
            listed = await person.get("/console/communiques")
            page = await person.get(f"/console/communiques/{communique.id}")
            shown = person.page
            questions = await person.get(f"/console/communiques/{communique.id}/questions")
        assert listed.status_code == 200, caller
        assert communique.title in listed.text, caller
        assert page.status_code == 200, caller
        state = "Soumis" if communique is dggir else "En envoi"
        assert f"État : {state}" in shown, caller
        may_read = caller.may(Action.communique_questions)
        assert questions.status_code == (200 if may_read else 403), caller
    async with signed_in(api.app, api.token_for(DGGIR_WRITER)) as writer:
        page = await writer.get(f"/console/communiques/{dggir.id}")
    # The body as text: its line breaks kept, its markup shown, never run.
    assert "La paie du 15 décembre sera versée le 12.\n&lt;b&gt;Fin&lt;/b&gt;" in page.text
    assert dggir.digest in page.text
    assert "Annuler le communiqué" in page.text  # the author's side, before the release


async def test_an_mo_user_of_msss_gets_not_found_for_an_mtq_communique(api: Api) -> None:
    assert api.app is not None
    mtq = await sending(api, Side.mo)
    async with signed_in(api.app, api.token_for(MSSS_USER)) as stranger:
        page = await stranger.get(f"/console/communiques/{mtq.id}")
        listed = await stranger.get("/console/communiques")
    assert page.status_code == 404
    assert mtq.title not in page.text
    assert mtq.title not in listed.text


async def test_an_agent_checks_then_releases_a_communique_from_its_page(api: Api) -> None:
    assert api.app is not None
    communique = await submitted(api, Side.dggir)
    page = f"/console/communiques/{communique.id}"
    async with signed_in(api.app, api.token_for(AGENT)) as agent:
        await agent.get(page)
        assert "Diffuser" not in agent.page  # a submitted communiqué is checked first
        await agent.send(f"{page}/verifier")
        assert "La vérification est enregistrée." in agent.page
        assert "État : Vérifié" in agent.page
        await agent.send(f"{page}/diffuser")
        assert "Le communiqué est diffusé." in agent.page

    async def read() -> Communique:
        return await api.desks.communiques.show(communique.id)

    released = await api.harness.eventually(
        read, lambda one: one.status is CommuniqueStatus.sending
    )
    assert (released.checked_by, released.released_by) == (AGENT.subject, AGENT.subject)


async def test_a_check_that_finds_problems_shows_each_in_french_on_the_page(api: Api) -> None:
    assert api.app is not None
    groups = [Group.parse("responsibility:ZZ-INCONNU"), Group.parse("list:paie")]
    writer = api.desks.as_caller(DGGIR_WRITER).communiques
    communique = await writer.submit(submission(Side.dggir, groups=groups))
    page = f"/console/communiques/{communique.id}"
    async with signed_in(api.app, api.token_for(AGENT)) as agent:
        await agent.get(page)
        await agent.send(f"{page}/verifier")
    assert "État : Refusé" in agent.page
    reasons = re.search(r'id="motif-refus">(.+?)</dd>', agent.page)
    assert reasons is not None
    assert re.findall(r"<li>([^<]+)</li>", reasons.group(1)) == [
        "Groupes visés : responsibility:ZZ-INCONNU n'est pas une responsabilité du catalogue "
        "de SAGIR",
        "Groupes visés : list:paie est une liste propre à un MO ; la DGGIR s'adresse aux "
        "groupes de SAGIR (all, responsibility, module, managers, self-service)",
    ]
    assert "Diffuser" not in agent.page


async def test_a_released_communique_says_it_cannot_be_recalled_and_refuses_a_cancel(
    api: Api,
) -> None:
    assert api.app is not None
    communique = await sending(api, Side.dggir)
    page = f"/console/communiques/{communique.id}"
    async with signed_in(api.app, api.token_for(AGENT)) as agent:
        await agent.get(page)
        assert NOT_RECALLED in agent.page
        assert "Annuler le communiqué" not in agent.page
        assert "Vérifier l'intégrité" in agent.page
        # A form kept open from before the release: refused in French, nothing changes.
        refused = await agent.send(f"{page}/annuler")
    assert refused.status_code == 409
    assert "ne peut pas être rappelé ; soumettez plutôt une correction" in agent.page
    assert (await api.desks.communiques.show(communique.id)).status is not (
        CommuniqueStatus.cancelled
    )


async def test_the_authors_form_refusal_is_one_french_sentence_and_creates_nothing(
    api: Api,
) -> None:
    assert api.app is not None
    async with signed_in(api.app, api.token_for(DGGIR_WRITER)) as writer:
        await writer.get("/console/communiques/nouveau")
        answer = await post(
            writer,
            "/console/communiques/nouveau",
            {
                "title": "Calendrier de la paie 2027",
                "body": "La paie du 15 décembre sera versée le 12.",
                "language": "fr",
                "groupes": ["managers", "module:RF"],
                "organismes": ["MTQ"],
                "release_at": "2020-01-06T09:00",
            },
        )
    assert answer.startswith("422 ")
    refusal = re.findall(r'role="alert"[^>]*><p>([^<]+)</p>', writer.page)
    assert refusal == [
        "Heure d'envoi : le lundi 6 janvier 2020 à 9 h 00 est passé ; donnez une heure plus "
        "tardive, ou aucune pour un envoi dès la diffusion"
    ]
    assert 'value="Calendrier de la paie 2027"' in writer.page
    assert re.search(r'value="module:RF" checked', writer.page)
    assert re.search(r'value="MTQ" checked', writer.page)
    assert await api.desks.communiques.list() == []


async def test_an_author_submits_from_the_form_with_an_attachment(api: Api) -> None:
    assert api.app is not None
    pdf = b"%PDF-1.4\n" + bytes(range(256)) + b"\n%%EOF"
    body = "Bonjour,\r\nLe bureau de Rimouski sera fermé le 24 décembre."
    async with signed_in(api.app, api.token_for(MTQ_WRITER)) as writer:
        await writer.get("/console/communiques/nouveau")
        await writer.send(
            "/console/communiques/nouveau",
            files=[("fermeture.pdf", pdf, "application/pdf")],
            title="Bureau de Rimouski",
            body=body,
            language="fr",
            groupes="all",
            responsibilities="",
            release_at="",
            corrects="",
        )
    assert "Le communiqué est soumis" in writer.page
    [communique] = await api.desks.communiques.list()
    assert (communique.side, communique.mo, communique.author) == (Side.mo, "MTQ", "52330")
    assert communique.digest == content_digest(body, [("fermeture.pdf", "application/pdf", pdf)])
    assert f"fermeture.pdf</a> (application/pdf, {len(pdf)} octets)" in writer.page


async def test_a_question_from_the_outil_requete_on_a_dggir_communique_opens_a_ca_ticket(
    api: Api,
) -> None:
    assert api.app is not None
    communique = await sending(api, Side.dggir)
    async with signed_in(api.app, api.token_for(USER)) as user:
        await user.get(f"/console/outil-requete?communique={communique.id}")
        assert f'<option value="{communique.id}" selected>' in user.page
        # An address no answer could go to: refused in place, in French, nothing asked.
        refused = await user.send(
            "/console/outil-requete/question",
            communique_id=communique.id,
            text="La date vaut-elle pour les employés à temps partiel?",
            email="jeanne.doe",
        )
        assert refused.status_code == 422
        assert 'id="refus-question"' in user.page
        assert "Courriel de contact : doit être une adresse courriel" in user.page
        assert "La date vaut-elle pour les employés à temps partiel?" in user.page  # kept
        assert await api.desks.communiques.questions(communique.id) == []
        await user.send(
            "/console/outil-requete/question",
            communique_id=communique.id,
            text="La date vaut-elle pour les employés à temps partiel?",
            email="",
        )
    assert "Votre question sur le communiqué est reçue" in user.page
    found = re.search(r"Billet (T-\d{4}-\d{6})", user.page)
    assert found is not None
    ticket = await api.desks.tickets.show(found.group(1))
    assert (ticket.mo, ticket.requester, ticket.channel.value) == ("MTQ", USER.subject, "web")
    assert ticket.due is not None
    async with signed_in(api.app, api.token_for(AGENT)) as agent:
        await agent.get(f"/console/communiques/{communique.id}/questions")
    assert f'href="/console/billets/{ticket.id}"' in agent.page
    assert "1 question posée · 0 répondue · 1 ouverte" in agent.page


async def test_a_question_on_an_mo_communique_is_answered_by_its_author_not_the_ca(
    api: Api,
) -> None:
    assert api.app is not None
    communique = await sending(api, Side.mo)
    async with signed_in(api.app, api.token_for(USER)) as user:
        await user.get("/console/outil-requete")
        await user.send(
            "/console/outil-requete/question",
            communique_id=communique.id,
            text="Le bureau rouvre-t-il le 27?",
            email="jeanne.doe@mtq.gouv.qc.ca",
        )
    assert "Votre question est transmise à l'auteur du communiqué." in user.page
    assert (await api.desks.as_caller(AGENT).tickets.list()).total == 0
    questions = f"/console/communiques/{communique.id}/questions"
    async with signed_in(api.app, api.token_for(MTQ_WRITER)) as writer:
        await writer.get(questions)
        question_id = re.search(r"/questions/([0-9a-f]+)/repondre", writer.page)
        assert question_id is not None
        await writer.send(f"{questions}/{question_id.group(1)}/repondre", answer="Oui, dès 8 h 30.")
    assert "La réponse est envoyée" in writer.page
    assert "1 question posée · 1 répondue · 0 ouverte" in writer.page
    assert "Oui, dès 8 h 30." in writer.page
