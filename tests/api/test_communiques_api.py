"""Communiqués over HTTP and the command line (issue 14): a submitted communiqué is never edited
(a correction points to it), an MO sees only its own and the DGGIR's sent to it, each role does
only its part, attachments travel as base64 and are digested as their bytes, and `verify` names
a delivery whose digest was altered (the command line's exit code 1)."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from temporalio.testing import WorkflowEnvironment

from activities.mail_relay import MailRelayActivities
from adapters.attachment_files import FileAttachments
from adapters.database import OutboxRow, UnitOfWork
from adapters.sql_communiques import SqlCommuniques
from adapters.sql_directory import SqlDirectory
from adapters.sql_outbox import SqlOutbox
from adapters.sql_ticket_records import SqlTicketRecords
from models.communiques import canonical_body, content_digest, digest_of_message
from models.roles import Caller, Role
from starter.cli.main import main
from tests.api.api_harness import CALLERS, Api, running_api
from tests.mail_server import TestSmtp
from tests.payload_keys import TEST_AUDIT_KEYS_TEXT, TEST_KEYS_TEXT

DGGIR = Caller(role=Role.dggir_author, subject="dggir-redaction")
MTQ_AUTHOR = Caller(role=Role.mo_author, mo="MTQ", subject="52330")
MSSS_AUTHOR = Caller(role=Role.mo_author, mo="MSSS", subject="10240")
MTQ_USER = CALLERS[Role.mo_user]
MSSS_USER = Caller(role=Role.mo_user, mo="MSSS", subject="user-msss")
AGENT, AUDITOR = CALLERS[Role.ca_agent], CALLERS[Role.auditor]
BODY = "Bonjour,\r\nLa paie du 15 décembre sera versée le 12.\r\nÉté, œuvre — « fin »."
PDF = b"%PDF-1.4\n" + bytes(range(256)) * 8 + b"\r\n\x00\xff\n%%EOF"
MTQ_USERS = 3  # the demo's SAGIR users of the MTQ


@pytest.fixture
async def api(
    local_env: WorkflowEnvironment, demo_uow: UnitOfWork, task_queue: str
) -> AsyncIterator[Api]:
    async with running_api(local_env, demo_uow, task_queue) as running:
        yield running


def dggir_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Calendrier de la paie 2027",
        "body": BODY,
        "groups": ["all"],
        "files": [
            {
                "name": "calendrier-paie-2027.pdf",
                "content_type": "application/pdf",
                "content_base64": base64.b64encode(PDF).decode(),
            }
        ],
    }
    return {**body, **changes}


def mo_body(**changes: Any) -> dict[str, Any]:
    body = {
        "title": "Fermeture du bureau de Rimouski",
        "body": "Le bureau de Rimouski sera fermé le 24 décembre.",
        "groups": ["all"],
    }
    return {**body, **changes}


def one_sentence(answer: httpx.Response, status: int, starts: str) -> None:
    assert answer.status_code == status, answer.text
    detail = answer.json()["detail"]
    assert detail.startswith(starts) and "\n" not in detail, detail


async def submitted(api: Api, caller: Caller, body: dict[str, Any]) -> dict[str, Any]:
    answer = await api.call(caller, "POST", "/communiques", body)
    assert answer.status_code == 201, answer.text
    found: dict[str, Any] = answer.json()
    return found


async def released(api: Api, communique_id: str) -> None:
    """Checked and released by an agent, then its sending begun (its recipients recorded)."""
    for step in ("check", "release"):
        answer = await api.call(AGENT, "POST", f"/communiques/{communique_id}/{step}")
        assert answer.status_code == 200, answer.text
    await api.harness.eventually(
        lambda: api.desks.communiques.show(communique_id),
        lambda found: found.status.value in ("sending", "sent") and found.queued > 0,
    )


def records(api: Api) -> SqlCommuniques:
    settings = api.settings
    files = FileAttachments(settings.attachments_dir, settings.mail_keys)
    return SqlCommuniques(api.harness.uow, settings.mail_keys, files, settings.mail_domain)


async def delivered(api: Api, smtp: TestSmtp) -> None:
    """One round of the mail relay (as its Schedule runs it) to the test's SMTP server."""
    uow = api.harness.uow
    outbox = SqlOutbox(uow, api.settings.mail_keys, contents=records(api).content_reader())
    relay = MailRelayActivities(
        outbox, smtp.mail_server(), SqlTicketRecords(uow), SqlDirectory(uow)
    )
    await asyncio.to_thread(relay.deliver_due)


def kept(smtp: TestSmtp) -> list[bytes]:
    """The bytes of every message the SMTP server received."""
    return [Path(message.file).read_bytes() for message in smtp.kept()]


def sagir_desk(
    api: Api,
    caller: Caller,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    *args: str,
) -> tuple[int, str, str]:
    """`sagir-desk ARGS` as the holder of `caller`'s token, on the test's database and engine:
    its exit code, standard output and standard error."""
    settings = api.settings
    environment = {
        "SAGIR_TOKEN": api.token_for(caller),
        "SAGIR_DATABASE_URL": api.harness.uow.engine.url.render_as_string(hide_password=False),
        "SAGIR_HOME": str(settings.attachments_dir.parent / "home"),
        "SAGIR_ATTACHMENTS_DIR": str(settings.attachments_dir),
        "SAGIR_AUDIT_CHECKPOINT_FILE": str(settings.audit_checkpoint_file),
        "SAGIR_PAYLOAD_KEYS": TEST_KEYS_TEXT,
        "SAGIR_AUDIT_KEYS": TEST_AUDIT_KEYS_TEXT,
        "SAGIR_TASK_QUEUE": settings.task_queue,
        "TEMPORAL_ADDRESS": api.harness.env.client.service_client.config.target_host,
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    capsys.readouterr()
    try:
        main(list(args))
        code = 0
    except SystemExit as done:
        code = int(done.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


async def cli(
    api: Api,
    caller: Caller,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    *args: str,
) -> tuple[int, str, str]:
    """`sagir-desk ARGS` off the event loop (the worker runs on it)."""
    return await asyncio.to_thread(sagir_desk, api, caller, monkeypatch, capsys, *args)


async def test_an_edit_after_submission_is_refused(api: Api) -> None:
    original = await submitted(api, DGGIR, dggir_body(mos=["MTQ"]))
    path = f"/communiques/{original['id']}"
    changed = {**dggir_body(), "body": "Un autre texte."}
    for method in ("PUT", "PATCH"):
        for caller in (DGGIR, AGENT):
            answer = await api.call(caller, method, path, changed)
            one_sentence(
                answer, 409, f"{original['id']} was submitted and is never edited; submit a "
            )
            assert f"(corrects: {original['id']})" in answer.json()["detail"]
    # Another MO's author learns nothing of it, not even that it exists.
    assert (await api.call(MSSS_AUTHOR, "PUT", path, changed)).status_code == 404

    after = (await api.call(DGGIR, "GET", path)).json()
    assert (after["body"], after["digest"], after["files"]) == (
        original["body"],
        original["digest"],
        original["files"],
    )
    assert after["body"] == canonical_body(BODY)


async def test_an_attachment_sent_in_base64_is_digested_as_its_bytes(api: Api) -> None:
    found = await submitted(api, DGGIR, dggir_body())
    [kept] = found["files"]
    assert (kept["name"], kept["content_type"], kept["size"]) == (
        "calendrier-paie-2027.pdf",
        "application/pdf",
        len(PDF),
    )
    assert found["digest"] == content_digest(
        BODY, [("calendrier-paie-2027.pdf", "application/pdf", PDF)]
    )
    # Base64 with line breaks, as a mail client folds it, is the same bytes.
    folded = base64.encodebytes(PDF).decode()
    again = await submitted(
        api, DGGIR, dggir_body(files=[{**dggir_body()["files"][0], "content_base64": folded}])
    )
    assert again["digest"] == found["digest"]


async def test_what_a_submission_gets_wrong_is_one_sentence_and_submits_nothing(
    api: Api,
) -> None:
    broken_file = {"name": "a.pdf", "content_type": "application/pdf", "content_base64": "%%%"}
    cases = [
        (dggir_body(files=[broken_file]), "files.0.content_base64: is not base64"),
        (dggir_body(groups=["nobody"]), "groups: 'nobody' is not a group; write one of all,"),
        (dggir_body(groups=["module:XX"]), "groups: module:XX is not a SAGIR module"),
        (dggir_body(groups=[]), "groups: List should have at least 1 item"),
        (dggir_body(mos=["MZZZ"]), "mos: MZZZ is not a client MO of the service"),
        (dggir_body(release_at="2020-01-05T10:00:00Z"), "release_at: 2020-01-05T10:00:00+00:00"),
        (dggir_body(corrects="communique-2026-999999"), "corrects: communique-2026-999999"),
        (dggir_body(body="   "), "body: must hold some text"),
    ]
    for body, starts in cases:
        one_sentence(await api.call(DGGIR, "POST", "/communiques", body), 422, starts)
    assert (await api.call(DGGIR, "GET", "/communiques")).json() == []


async def test_an_mo_cannot_see_another_mos_communique(api: Api) -> None:
    mtq_own = await submitted(api, MTQ_AUTHOR, mo_body())
    for caller, path in (
        (MSSS_AUTHOR, f"/communiques/{mtq_own['id']}"),
        (MSSS_AUTHOR, f"/communiques/{mtq_own['id']}/verify"),
        (MSSS_AUTHOR, f"/communiques/{mtq_own['id']}/questions"),
        (MSSS_USER, f"/communiques/{mtq_own['id']}"),
        (DGGIR, f"/communiques/{mtq_own['id']}"),  # the DGGIR's people: the DGGIR's only
    ):
        one_sentence(await api.call(caller, "GET", path), 404, f"{mtq_own['id']} does not exist")
    assert (await api.call(MSSS_AUTHOR, "GET", "/communiques")).json() == []

    to_msss = await submitted(api, DGGIR, dggir_body(mos=["MSSS"]))
    path = f"/communiques/{to_msss['id']}"
    # Before it is sent, no MO sees it; once sent, the MSSS does and the MTQ never.
    assert (await api.call(MSSS_USER, "GET", path)).status_code == 404
    await released(api, to_msss["id"])
    assert (await api.call(MSSS_USER, "GET", path)).status_code == 200
    assert [c["id"] for c in (await api.call(MSSS_USER, "GET", "/communiques")).json()] == [
        to_msss["id"]
    ]
    assert (await api.call(MTQ_USER, "GET", path)).status_code == 404
    assert (await api.call(MTQ_USER, "GET", f"{path}/verify")).status_code == 404
    # The MTQ's own, not yet released: its author follows it, its other people do not see it.
    assert [c["id"] for c in (await api.call(MTQ_AUTHOR, "GET", "/communiques")).json()] == [
        mtq_own["id"]
    ]
    assert (await api.call(MTQ_USER, "GET", "/communiques")).json() == []


async def test_authors_submit_the_ca_checks_and_releases_and_an_auditor_changes_nothing(
    api: Api,
) -> None:
    one_sentence(
        await api.call(DGGIR, "POST", "/communiques", mo_body(side="mo", mo="MTQ")),
        403,
        "side: a DGGIR author submits the DGGIR's communiqués",
    )
    one_sentence(
        await api.call(MTQ_AUTHOR, "POST", "/communiques", mo_body(mo="MSSS")),
        403,
        "mo: you act for MTQ, not MSSS",
    )
    one_sentence(
        await api.call(MTQ_AUTHOR, "POST", "/communiques", dggir_body(side="dggir")),
        403,
        "side: an MO's author submits the MO's communiqués",
    )
    for caller in (AGENT, AUDITOR, MTQ_USER):
        one_sentence(await api.call(caller, "POST", "/communiques", mo_body()), 403, "role: ")

    own = await submitted(api, MTQ_AUTHOR, mo_body())
    assert (own["side"], own["mo"], own["author"]) == ("mo", "MTQ", "52330")
    path = f"/communiques/{own['id']}"
    for step in ("check", "release"):
        one_sentence(await api.call(MTQ_AUTHOR, "POST", f"{path}/{step}"), 403, "role: ")
    for step in ("check", "release", "cancel"):
        one_sentence(await api.call(AUDITOR, "POST", f"{path}/{step}"), 403, "role: ")
    for read in ("", "/verify", "/questions"):
        assert (await api.call(AUDITOR, "GET", f"{path}{read}")).status_code == 200
    assert [c["id"] for c in (await api.call(AUDITOR, "GET", "/communiques")).json()] == [own["id"]]
    unchanged = (await api.call(AUDITOR, "GET", path)).json()
    assert (unchanged["status"], unchanged["digest"]) == ("submitted", own["digest"])

    checked = await api.call(AGENT, "POST", f"{path}/check")
    assert (checked.status_code, checked.json()["checked_by"]) == (200, AGENT.subject)
    cancelled = await api.call(MTQ_AUTHOR, "POST", f"{path}/cancel")
    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "cancelled")

    sent = await submitted(api, DGGIR, dggir_body(mos=["MTQ"]))
    await released(api, sent["id"])
    one_sentence(
        await api.call(DGGIR, "POST", f"/communiques/{sent['id']}/cancel"),
        409,
        f"{sent['id']} is sending: it was released and sent, and a communiqué sent cannot be "
        "recalled",
    )


async def test_a_correction_is_linked_to_its_original(api: Api) -> None:
    original = await submitted(api, DGGIR, dggir_body(mos=["MTQ"]))
    correction = await submitted(
        api, DGGIR, dggir_body(mos=["MTQ"], title="Calendrier corrigé", corrects=original["id"])
    )
    assert correction["corrects"] == original["id"]
    shown = (await api.call(AUDITOR, "GET", f"/communiques/{original['id']}")).json()
    assert shown["corrected_by"] == [correction["id"]]
    assert shown["digest"] == original["digest"]  # the original stays as it was


async def test_questions_on_an_mos_communique_are_answered_by_its_author(
    api: Api, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    own = await submitted(api, MTQ_AUTHOR, mo_body())
    path = f"/communiques/{own['id']}/questions"
    await released(api, own["id"])
    asked = await api.call(MTQ_USER, "POST", path, {"text": "Et le bureau de Matane ?"})
    assert asked.status_code == 201, asked.text
    question = asked.json()
    assert (question["status"], question["mo"], question["ticket_id"]) == ("open", "MTQ", None)

    listed = await api.call(MTQ_AUTHOR, "GET", path)
    assert [q["id"] for q in listed.json()] == [question["id"]]
    answer_path = f"/communiques/questions/{question['id']}/answer"
    one_sentence(await api.call(AGENT, "POST", answer_path, {"text": "Non"}), 403, "role: ")
    # Another MO's author: as if neither the question nor its communiqué existed.
    assert (await api.call(MSSS_AUTHOR, "POST", answer_path, {"text": "Non"})).status_code == 404
    code, out, err = await cli(
        api, MTQ_AUTHOR, monkeypatch, capsys, "communique", "questions", own["id"]
    )
    assert code == 0 and out.startswith("1 asked, 0 answered, 1 open"), err
    code, out, err = await cli(
        api,
        MTQ_AUTHOR,
        monkeypatch,
        capsys,
        *("communique", "questions", own["id"], "--answer", question["id"]),
        *("--text", "Il reste ouvert.", "--by", "52330"),
    )
    assert code == 0 and "answered by 52330" in out, err
    answered = (await api.call(MTQ_AUTHOR, "GET", path)).json()
    assert (answered[0]["status"], answered[0]["answer"]) == ("answered", "Il reste ouvert.")
    counts = (await api.call(MTQ_AUTHOR, "GET", f"/communiques/{own['id']}")).json()
    assert counts["questions"] == {"asked": 1, "answered": 1, "open": 0}
    # An answer given stays: answering again is refused, saying who answered and when.
    one_sentence(
        await api.call(MTQ_AUTHOR, "POST", answer_path, {"text": "Encore"}),
        409,
        f"question {question['id']} was answered already by 52330 on ",
    )
    answered = (await api.call(MTQ_AUTHOR, "GET", path)).json()
    assert answered[0]["answer"] == "Il reste ouvert."


async def test_an_mos_author_keeps_its_named_lists_and_a_communique_targets_one(
    api: Api, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    kept = await api.call(
        MTQ_AUTHOR, "PUT", "/communiques/lists/paie-2027", {"employees": ["52310", "52311"]}
    )
    assert kept.json() == {"mo": "MTQ", "name": "paie-2027", "members": 2}
    code, out, err = await cli(
        api,
        MTQ_AUTHOR,
        monkeypatch,
        capsys,
        "communique",
        "list-keep",
        "chefs",
        "--employee",
        "52311",
    )
    assert (code, out.strip()) == (0, "list:chefs  1 member"), err
    code, out, err = await cli(
        api, MTQ_AUTHOR, monkeypatch, capsys, "communique", "lists", "--json"
    )
    assert (code, json.loads(out)) == (0, {"chefs": 1, "paie-2027": 2}), err
    code, out, err = await cli(
        api, MTQ_AUTHOR, monkeypatch, capsys, "communique", "list-keep", "chefs"
    )
    assert (code, out.strip()) == (0, "list:chefs  0 members"), err  # an empty list is gone
    assert (await api.call(MTQ_AUTHOR, "GET", "/communiques/lists")).json() == {"paie-2027": 2}
    assert (await api.call(AGENT, "GET", "/communiques/lists?mo=MTQ")).json() == {"paie-2027": 2}
    one_sentence(
        await api.call(MTQ_AUTHOR, "PUT", "/communiques/lists/paie-2027", {"employees": ["99999"]}),
        422,
        "employees: 99999 is not in MTQ's dossiers personne",
    )
    one_sentence(
        await api.call(DGGIR, "PUT", "/communiques/lists/paie-2027", {"employees": ["52310"]}),
        403,
        "role: an MO's named lists are kept by its communiqué authors",
    )
    one_sentence(
        await api.call(MSSS_AUTHOR, "GET", "/communiques/lists?mo=MTQ"),
        403,
        "mo: you act for MSSS, not MTQ",
    )
    # `lists` is not a communiqué's id: a method its address does not serve is a 405.
    wrong = await api.call(MTQ_AUTHOR, "PUT", "/communiques/lists", {"employees": []})
    assert wrong.status_code == 405, wrong.text
    targeted = await submitted(api, MTQ_AUTHOR, mo_body(groups=["list:paie-2027"]))
    checked = await api.call(AGENT, "POST", f"/communiques/{targeted['id']}/check")
    assert checked.json()["status"] == "checked", checked.text


async def test_verify_over_http_and_the_command_line_names_an_altered_delivery(
    api: Api,
    smtp: TestSmtp,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    body_file, attachment = tmp_path / "communique.txt", tmp_path / "calendrier-paie-2027.pdf"
    body_file.write_text(BODY, encoding="utf-8")
    attachment.write_bytes(PDF)

    async def sagir(caller: Caller, *args: str) -> tuple[int, str, str]:
        return await cli(api, caller, monkeypatch, capsys, *args)

    code, out, err = await sagir(
        DGGIR,
        *("communique", "submit", "--title", "Calendrier de la paie 2027", "--group", "all"),
        *("--to-mo", "MTQ", "--body-file", str(body_file), "--file", str(attachment), "--json"),
    )
    assert code == 0, err
    submitted_ = json.loads(out)
    communique_id, digest = submitted_["id"], submitted_["digest"]
    assert digest == content_digest(BODY, [(attachment.name, "application/pdf", PDF)])
    for step in ("check", "release"):
        code, _, err = await sagir(AGENT, "communique", step, communique_id, "--agent", "agent-roy")
        assert code == 0, err
    await api.harness.eventually(
        lambda: api.desks.communiques.show(communique_id), lambda found: found.queued > 0
    )
    await delivered(api, smtp)

    # What the SMTP server received carries the submitted content, byte for byte.
    received = [digest_of_message(message) for message in await asyncio.to_thread(kept, smtp)]
    assert received == [digest] * MTQ_USERS
    report = (await api.call(AUDITOR, "GET", f"/communiques/{communique_id}/verify")).json()
    assert (report["proven"], report["delivered"], report["matching"]) == (True, 3, 3)
    code, out, _ = await sagir(AUDITOR, "communique", "verify", communique_id)
    assert code == 0 and "verdict: proven" in out

    with api.harness.uow.begin() as session:
        row = session.scalars(
            select(OutboxRow)
            .where(OutboxRow.communique_id == communique_id)
            .order_by(OutboxRow.idempotency_key)
        ).first()
        assert row is not None
        row.content_digest = "0" * 64
        altered = row.idempotency_key

    report = (await api.call(MTQ_USER, "GET", f"/communiques/{communique_id}/verify")).json()
    assert (report["proven"], report["mismatched"], report["matching"]) == (False, [altered], 2)
    code, out, _ = await sagir(AUDITOR, "communique", "verify", communique_id)
    assert code == 1
    assert "verdict: NOT PROVEN" in out and f"mismatched: {altered}" in out
