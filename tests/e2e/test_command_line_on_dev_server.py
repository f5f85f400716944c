"""The real command line against the real `sagir-desk dev`: open, take, show; the ticket is in
the Temporal UI; Ctrl-C stops cleanly; run again, the ticket is still there and can be worked."""

from __future__ import annotations

import base64
import getpass
import json
import re
import sqlite3
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.dev_harness import BIN, Dev, cli, dev_environment

pytestmark = pytest.mark.e2e


@pytest.fixture
def environment(tmp_path: Path) -> dict[str, str]:
    return dev_environment(tmp_path / "home")


@pytest.fixture
def dev(environment: dict[str, str], tmp_path: Path) -> Iterator[Dev]:
    running = Dev(environment, tmp_path / "dev-1.log")
    yield running
    if running.process.poll() is None:
        running.process.kill()


def test_open_take_show_through_the_command_line(
    dev: Dev, environment: dict[str, str], tmp_path: Path
) -> None:
    opened = cli(
        environment,
        "ticket",
        "open",
        "--mo",
        "MTQ",
        "--channel",
        "email",
        "--requester",
        "jdoe",
        "--subject",
        "Accès LSA",
        "--description",
        "No login",
        "--module",
        "LSA",
        "--received",
        "2026-11-23T12:30",
        "--json",
    )
    assert opened.returncode == 0, opened.stderr
    ticket_id = json.loads(opened.stdout)["id"]
    assert json.loads(opened.stdout)["due"] == "2026-11-24T14:00:00-05:00"

    taken = cli(environment, "ticket", "take", ticket_id, "--agent", "agent-tremblay")
    assert taken.returncode == 0, taken.stderr
    again = cli(environment, "ticket", "take", ticket_id, "--agent", "agent-gagnon")
    assert again.returncode == 2 and again.stderr.count("\n") == 1
    assert "only a received ticket can be taken in charge" in again.stderr

    shown = json.loads(cli(environment, "ticket", "show", ticket_id, "--json").stdout)
    assert {k: shown[k] for k in ("id", "mo", "channel", "status", "assignee")} == {
        "id": ticket_id,
        "mo": "MTQ",
        "channel": "email",
        "status": "in_charge",
        "assignee": "agent-tremblay",
    }
    assert shown["due"] == "2026-11-24T14:00:00-05:00"
    assert shown["breached"] is True  # received on Monday, taken after Tuesday 14:00
    assert [s["kind"] for s in shown["steps"]] == ["received", "breached", "take"]

    ui = f"http://127.0.0.1:{environment['SAGIR_UI_PORT']}"
    with urllib.request.urlopen(f"{ui}/api/v1/namespaces/default/workflows/{ticket_id}") as reply:
        assert json.loads(reply.read())["workflowExecutionInfo"]["type"]["name"] == "TicketWorkflow"

    assert dev.stop() == 0

    # Run again on the same SAGIR_HOME: the ticket is still there and still works.
    second = Dev(environment, tmp_path / "dev-2.log")
    try:
        assert "already there" in (tmp_path / "dev-2.log").read_text()
        asked = cli(
            environment,
            "ticket",
            "ask",
            ticket_id,
            "--agent",
            "agent-tremblay",
            "--question",
            "Which user?",
            "--json",
        )
        assert asked.returncode == 0, asked.stderr
        assert json.loads(asked.stdout)["status"] == "waiting_client"
        for _ in range(50):  # visibility is eventually consistent
            listed = json.loads(cli(environment, "ticket", "list", "--mo", "MTQ", "--json").stdout)
            if listed and listed[0]["status"] == "waiting_client":
                break
            time.sleep(0.2)
        assert [(t["id"], t["status"]) for t in listed] == [(ticket_id, "waiting_client")]
    finally:
        assert second.stop() == 0


def test_hr_starts_an_arrival_and_a_departure_the_agent_takes_them_the_ui_decodes(
    dev: Dev, environment: dict[str, str]
) -> None:
    started = cli(
        environment,
        *("arrival", "start", "--mo", "MTQ", "--employee", "45871", "--start-date", "2099-01-04"),
        *("--responsibility", "EI-RAPPORTS-FIN", "--partition-group", "MTQ-DGF"),
        *("--authorised-by", "30001", "--by", "rh-mtq", "--hr-email", "rh@mtq.example", "--json"),
    )
    assert started.returncode == 0, started.stderr
    assert json.loads(started.stdout)["id"] == "arrivee-MTQ-45871"
    taken = cli(environment, "arrival", "take", "arrivee-MTQ-45871", "--agent", "agent-roy")
    assert taken.returncode == 0, taken.stderr

    mismatch = cli(
        environment,
        *("departure", "notify", "--mo", "MSSS", "--employee", "10233", "--date", "2099-01-04"),
        *("--birth-day", "3", "--birth-month", "11", "--by", "rh-msss"),
    )
    assert mismatch.returncode == 2
    assert mismatch.stderr.strip() == (
        "sagir-desk: birth day and month: they do not match the dossier personne of the employee"
    )
    notified = cli(
        environment,
        *("departure", "notify", "--mo", "MSSS", "--employee", "10233", "--date", "2099-01-04"),
        *("--birth-day", "2", "--birth-month", "11", "--by", "rh-msss", "--json"),
    )
    assert notified.returncode == 0, notified.stderr
    early = cli(environment, "departure", "record", "depart-MSSS-10233", "--by", "rh-msss")
    assert early.returncode == 2 and "only 48 hours after the notice" in early.stderr
    taken = cli(environment, "departure", "take", "depart-MSSS-10233", "--agent", "agent-roy")
    assert taken.returncode == 0, taken.stderr

    # What the engine stores is sealed; the UI is given the codec with the operator's token (the
    # person running the desk on their own machine), so it opens payloads with no manual step,
    # and each opening is in the trail under that operator, with the workflow the page showed.
    ui = f"http://127.0.0.1:{environment['SAGIR_UI_PORT']}"
    with urllib.request.urlopen(f"{ui}/api/v1/settings") as response:
        codec = json.load(response)["Codec"]["Endpoint"]
    operator = (Path(environment["SAGIR_HOME"]) / "operator-token").read_text().strip()
    api = f"http://127.0.0.1:{environment['SAGIR_API_PORT']}"
    assert codec == f"{api}/codec/{operator}"
    url = f"{ui}/api/v1/namespaces/default/workflows/depart-MSSS-10233/history"
    with urllib.request.urlopen(url) as response:
        history = json.load(response)
    assert "birth_day" not in json.dumps(history)
    payload = history["history"]["events"][0]["workflowExecutionStartedEventAttributes"]["input"]
    # Only a caller whose role reads histories opens them: without a token, 401.
    anonymous = urllib.request.Request(
        f"{api}/codec/decode",
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json", "Origin": ui},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(anonymous)
    assert refused.value.code == 401
    request = urllib.request.Request(
        f"{codec}/decode",
        data=json.dumps(payload).encode(),
        headers={
            "Content-Type": "application/json",
            "Origin": ui,
            "Referer": f"{ui}/namespaces/default/workflows/depart-MSSS-10233/run/history",
        },
    )
    with urllib.request.urlopen(request) as response:
        decoded = json.load(response)["payloads"][0]["data"]
    assert b'"birth_day":2' in base64.b64decode(decoded)
    trail = cli(environment, "audit", "trail", "depart-MSSS-10233", "--json", as_="verif-1")
    openings = [e for e in json.loads(trail.stdout) if e["action"] == "payload.decode"]
    assert [e["actor"] for e in openings] == [f"operateur-{getpass.getuser()}"]
    assert dev.stop() == 0


def test_access_request_password_reset_registre_and_training_through_the_command_line(
    dev: Dev, environment: dict[str, str]
) -> None:
    request = [
        *("access", "request", "--mo", "MTQ", "--employee", "52310", "--grant", "RF-APPROBATEUR"),
        *("--description", "Approbation DGF", "--by", "rh-mtq", "--mo-email", "sagir@mtq.example"),
    ]
    # The personne autorisée asks for accesses for themselves: refused, nothing started.
    for_me = [("30001" if part == "52310" else part) for part in request]
    mine = cli(environment, *for_me, "--authorised-by", "30001")
    assert mine.returncode == 2
    assert (
        mine.stderr == "sagir-desk: authorised_by: nobody may authorise a request for themselves\n"
    )
    # Under another's name: the token's holder is who acts.
    other = cli(environment, *request, "--authorised-by", "30002", as_="30001")
    assert other.returncode == 2
    assert "authorised_by: 30002 is not you (30001)" in other.stderr
    submitted = cli(environment, *request, "--authorised-by", "30001", "--json")
    assert submitted.returncode == 0, submitted.stderr
    request_id = json.loads(submitted.stdout)["id"]
    assert request_id.startswith("acces-MTQ-") and request_id.endswith("-000001")
    for step in (
        ("take", request_id, "--agent", "agent-tremblay"),
        ("complete", request_id, "--agent", "agent-tremblay"),
    ):
        assert cli(environment, "access", *step).returncode == 0
    same = cli(environment, "access", "check", request_id, "--agent", "agent-tremblay", "--approve")
    assert same.returncode == 2 and "the quality check is done by another agent" in same.stderr
    checked = cli(
        environment, "access", "check", request_id, "--agent", "agent-gagnon", "--approve"
    )
    assert checked.returncode == 0, checked.stderr
    for _ in range(50):
        shown = json.loads(cli(environment, "access", "show", request_id, "--json").stdout)
        if shown["status"] == "applied":
            break
        time.sleep(0.2)
    assert shown["status"] == "applied"
    assert shown["steps"][-1]["note"] == "grant RF-APPROBATEUR"

    reset = [*("password", "reset", "--mo", "MTQ", "--employee", "52310", "--agent", "agent-roy")]
    wrong = cli(environment, *reset, "--birth-day", "9", "--birth-month", "9")
    assert wrong.returncode == 2
    done = cli(environment, *reset, "--birth-day", "9", "--birth-month", "8")
    assert done.returncode == 0, done.stderr
    assert "status: reset" in done.stdout and "sent to the user's work email only" in done.stdout

    # Line 4, the relève 30012, may not end while the personne autorisée 30011 (line 3) stays.
    registre = ("--mo", "MSSS", "--by", "30011")
    kept = cli(environment, "registre", "end", "4", "--on", "2099-01-01", *registre)
    assert kept.returncode == 2
    assert "without a valid relève from 2099-01-02" in kept.stderr
    ended = cli(environment, "registre", "end", "3", "--on", "2099-01-01", *registre)
    assert ended.returncode == 0, ended.stderr
    absent = ("registre", "absence", "declare", "3", "--from", "2098-01-05")
    away = cli(environment, *absent, "--until", "2098-01-09", *registre)
    assert away.returncode == 0, away.stderr
    assert "30011  absent 2098-01-05 to 2098-01-09" in away.stdout
    history = cli(environment, "registre", "history", "--mo", "MSSS")
    assert "end" in history.stdout and "absence of 30011" in history.stdout
    coverage = cli(environment, "registre", "coverage", "--mo", "MSSS")
    assert coverage.stdout.startswith("30011") and "covered" in coverage.stdout

    enrol = [*("training", "enrol", "--session", "RF101-2027-01", "--agent", "agent-roy")]
    enrol += ["--basis", "mo_instruction"]
    for mo, number in (("MTQ", "45871"), ("MTQ", "52310"), ("MSSS", "10233")):
        placed = cli(environment, *enrol, "--mo", mo, "--employee", number, "--json")
        assert placed.returncode == 0, placed.stderr
    assert json.loads(placed.stdout)["id"] == "formation-RF101-2027-01-MSSS-10233"
    place = ["--session", "RF101-2027-01", "--mo", "MSSS", "--employee", "10233", "--json"]
    for _ in range(50):
        shown = json.loads(cli(environment, "training", "show", *place).stdout)
        if shown["status"] == "waiting":
            break
        time.sleep(0.2)
    assert (shown["status"], shown["waiting_position"]) == ("waiting", 1)
    freed = cli(
        environment,
        "training",
        "cancel",
        "--session",
        "RF101-2027-01",
        "--mo",
        "MTQ",
        "--employee",
        "45871",
        "--agent",
        "agent-roy",
        "--json",
    )
    assert json.loads(freed.stdout)["status"] == "cancelled", freed.stderr
    for _ in range(50):  # the cancellation signals the first waiting participant's workflow
        shown = json.loads(cli(environment, "training", "show", *place).stdout)
        if shown["status"] == "registered":
            break
        time.sleep(0.2)
    assert shown["status"] == "registered"
    # The temporary password reaches the user's mailbox (the dev sink, through the relay) and
    # is in no table in clear, nor in the dev log, nor in what the command printed: sealed in
    # the outbox until delivered, removed once delivered.
    home = Path(environment["SAGIR_HOME"])
    for _ in range(150):
        kept = json.loads(cli(environment, "mail", "list", "--json").stdout)
        password_mails = [m for m in kept if "mot de passe" in m["subject"]]
        if password_mails:
            break
        time.sleep(0.2)
    [password_mail] = password_mails
    opened = json.loads(
        cli(environment, "mail", "show", str(password_mail["number"]), "--json").stdout
    )
    secret = opened["body"].split(": ")[1].split("\n")[0]
    assert len(secret) >= 12
    for _ in range(50):  # the relay marks it sent right after the server's answer
        outbox = json.loads(cli(environment, "mail", "outbox", "--status", "sent", "--json").stdout)
        if any(entry["key"].startswith("motdepasse-") for entry in outbox):
            break
        time.sleep(0.2)
    with sqlite3.connect(home / "sagir.db") as connection:
        [(stored, status, message_id)] = connection.execute(
            "SELECT body, status, message_id FROM outbox "
            "WHERE idempotency_key LIKE 'motdepasse-%/mail'"
        ).fetchall()
    assert (stored, status) == ("removed:delivered", "sent")
    assert message_id == password_mail["message_id"]
    assert secret not in dev.log.read_text() and secret not in done.stdout + done.stderr


def http(
    environment: dict[str, str], method: str, path: str, token: str | None, body: object = None
) -> tuple[int, object]:
    """One call to the dev server's HTTP API, as `curl` would make it."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{environment['SAGIR_API_PORT']}{path}",
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Content-Type": "application/json"}
        | ({"Authorization": f"Bearer {token}"} if token else {}),
    )
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def test_hr_starts_an_arrival_over_http_an_agent_takes_it_an_auditor_reads_its_timeline(
    dev: Dev, environment: dict[str, str]
) -> None:
    def token(*args: str) -> str:
        made = cli(environment, "token", "create", *args)
        assert made.returncode == 0, made.stderr
        return made.stdout.strip()

    hr = token("--role", "mo_hr", "--mo", "MTQ", "--subject", "rh-mtq")
    other_hr = token("--role", "mo_hr", "--mo", "MSSS", "--subject", "rh-msss")
    agent = token("--role", "ca_agent", "--subject", "agent-tremblay")
    auditor = token("--role", "auditor", "--subject", "verif-1")
    arrival = {
        "mo": "MTQ",
        "employee_number": "45871",
        "start_date": "2099-01-04",
        "authorised_by": "30001",
        "requested_by": "rh-mtq",
        "hr_email": "rh@mtq.example",
    }
    status, started = http(environment, "POST", "/arrivals", hr, arrival)
    assert status == 201, started
    status, taken = http(environment, "POST", "/arrivals/arrivee-MTQ-45871/take", agent)
    assert status == 200 and taken["taken_by"] == "agent-tremblay"  # type: ignore[index]
    path = "/audit/history/arrivee-MTQ-45871"
    status, timeline = http(environment, "GET", f"{path}?raw=true", auditor)
    assert status == 200
    first = timeline[0]  # type: ignore[index]
    assert first["detail"]["input"]["payloads"][0]["value"]["request"]["employee_number"] == "45871"
    status, story = http(environment, "GET", path, auditor)  # the story: who did what, when
    assert status == 200
    assert [(line["who"], line["what"]) for line in story[:1]] == [  # type: ignore[index]
        ("rh-mtq", "received")
    ]
    status, hidden = http(environment, "GET", "/arrivals/arrivee-MTQ-45871", other_hr)
    assert (status, hidden) == (404, {"detail": "arrivee-MTQ-45871 does not exist"})
    status, _ = http(environment, "POST", "/arrivals/arrivee-MTQ-45871/take", auditor)
    assert status == 403
    # The command line checks its caller exactly as the API does.
    hidden_cli = cli(environment, "arrival", "show", "arrivee-MTQ-45871", as_="rh-msss")
    assert (hidden_cli.returncode, hidden_cli.stderr) == (
        2,
        "sagir-desk: arrivee-MTQ-45871 does not exist\n",
    )
    refused = cli(environment, "arrival", "show", "arrivee-MTQ-45871", as_="verif-1")
    assert refused.returncode == 0  # an auditor reads
    changing = cli(
        environment, "arrival", "take", "arrivee-MTQ-45871", "--agent", "verif-1", as_="verif-1"
    )
    assert changing.returncode == 2 and "the auditor role may not arrival.take" in changing.stderr
    anonymous_cli = subprocess.run(
        [str(BIN), "arrival", "show", "arrivee-MTQ-45871"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert anonymous_cli.returncode == 2 and "SAGIR_TOKEN" in anonymous_cli.stderr
    verified = cli(environment, "audit", "verify", as_="verif-1")
    assert verified.returncode == 0 and "intact" in verified.stdout
    trail = cli(environment, "audit", "trail", "arrivee-MTQ-45871", as_="verif-1")
    assert "arrival.start" in trail.stdout and "arrival.take" in trail.stdout
    # The command line's refused attempt is there too, with who tried.
    [refused_line] = [line for line in trail.stdout.splitlines() if "cli arrival take" in line]
    assert "verif-1" in refused_line and "refused" in refused_line
    replayed = cli(environment, "audit", "replay", "arrivee-MTQ-45871", as_="verif-1")
    assert replayed.returncode == 0, replayed.stderr
    assert "replay to the same decisions" in replayed.stdout
    history = cli(environment, "audit", "history", "arrivee-MTQ-45871", "--csv", as_="verif-1")
    assert history.stdout.startswith("at,who,role,what,outcome,detail,rule")
    raw = cli(environment, "audit", "history", "arrivee-MTQ-45871", "--raw", "--csv", as_="verif-1")
    assert raw.stdout.startswith("event_id,at,kind,detail")
    for _ in range(50):  # the engine's visibility catches up in a moment
        found = cli(
            environment, "audit", "list", "--mo", "MTQ", "--process", "arrivee", as_="verif-1"
        )
        if "arrivee-MTQ-45871" in found.stdout:
            break
        time.sleep(0.2)
    assert "arrivee-MTQ-45871" in found.stdout


def test_a_person_opens_a_ticket_by_mail_and_an_agent_sees_it_in_the_queue(
    dev: Dev, tmp_path: Path
) -> None:
    capture = tmp_path / "capture.pdf"
    capture.write_bytes(b"%PDF-1.4 the screen")
    sent = cli(
        dev.env,
        "mail",
        "send-test",
        "--from",
        "jean.doe@mtq.gouv.qc.ca",
        "--subject",
        "Accès LSA refusé",
        "--attach",
        str(capture),
        as_="agent-tremblay",
    )
    assert sent.returncode == 0, sent.stderr
    assert re.search(r": 250 2\.0\.0 Recu : billet T-\d{4}-\d{6}$", sent.stdout.strip())
    ticket = sent.stdout.strip().rsplit(" ", 1)[1]
    queue = cli(dev.env, "queue", as_="agent-tremblay")
    assert f"{ticket}  MTQ      email" in queue.stdout, queue.stdout
    listed = cli(dev.env, "ticket", "attachments", ticket, as_="agent-tremblay")
    digest = listed.stdout.split()[0]
    out = tmp_path / "out.pdf"
    got = cli(dev.env, "ticket", "attachment", ticket, digest, "--out", str(out))
    assert got.returncode == 0, got.stderr
    assert out.read_bytes() == capture.read_bytes()
