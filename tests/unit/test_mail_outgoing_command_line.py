"""`sagir-desk mail`: the dev sink's messages, newest last, each readable with its decoded body;
a resend marked as such; the outbox's delivery state without an address; bad input one line on
standard error with exit code 2. No engine, no token: the desk's own machine."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from click.testing import CliRunner

from adapters.database import UnitOfWork, make_engine
from adapters.mail_sink import SinkHandler
from adapters.outbox_mailer import OutboxMailer
from adapters.schema import migrate
from adapters.sealed_mail import MailKeys
from adapters.sql_outbox import SqlOutbox
from models.mail import Mail
from starter.cli.main import cli, main
from tests.payload_keys import TEST_KEYS

AT = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
MAIL_KEYS = MailKeys.of([(key.key_id, key.secret) for key in TEST_KEYS])


def received(handler: SinkHandler, to: str, subject: str, body: str, at: datetime) -> None:
    message = EmailMessage()
    message["Message-ID"] = f"<{subject.encode().hex()[:16]}@sagir-desk.local>"
    message["From"] = "Centre d'assistance SAGIR <assistance@sagir-desk.local>"
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body, charset="utf-8", cte="quoted-printable")
    handler.keep(message.as_bytes(), at)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("SAGIR_TOKEN", "SAGIR_DATABASE_URL", "SAGIR_SMTP_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SAGIR_HOME", str(tmp_path))
    return tmp_path


@pytest.fixture
def sink(home: Path) -> SinkHandler:
    handler = SinkHandler(home / "mail")
    received(handler, "annie.morin@mtq.example", "Arrivée : accès prêts", "Été, œuvre.", AT)
    later = AT + timedelta(minutes=5)
    received(handler, "luc.roy@mtq.example", "Départ enregistré", "Bonne route.", later)
    received(handler, "luc.roy@mtq.example", "Départ enregistré", "Bonne route.", later)  # again
    return handler


def test_mail_list_shows_the_sinks_messages_newest_last_with_a_resend_marked(
    sink: SinkHandler,
) -> None:
    shown = CliRunner().invoke(cli, ["mail", "list"])
    assert shown.exit_code == 0, shown.output
    lines = shown.output.splitlines()
    assert [line.split()[0] for line in lines] == ["1", "2", "3"]
    assert "annie.morin@mtq.example" in lines[0] and "Arrivée : accès prêts" in lines[0]
    assert "DUPLICATE" not in lines[1] and lines[2].endswith("DUPLICATE (sent again)")

    as_json = json.loads(CliRunner().invoke(cli, ["mail", "list", "--json"]).output)
    assert [m["duplicate"] for m in as_json] == [False, False, True]
    assert as_json[1]["message_id"] == as_json[2]["message_id"]


def test_mail_show_prints_the_headers_and_the_decoded_body_by_number_or_file(
    sink: SinkHandler,
) -> None:
    shown = CliRunner().invoke(cli, ["mail", "show", "1"])
    assert shown.exit_code == 0, shown.output
    assert "Subject: Arrivée : accès prêts" in shown.output
    assert shown.output.rstrip().endswith("Été, œuvre.")  # quoted-printable undone
    [file] = sink.folder.glob("*-duplicate.eml")
    by_file = CliRunner().invoke(cli, ["mail", "show", file.name])
    assert "a duplicate: this Message-ID was received before" in by_file.output


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["mail", "show", "7"], "message 7: the sink holds 3 message(s)"),
        (["mail", "show", "nowhere.eml"], "nowhere.eml: no such .eml file"),
        (["mail", "outbox", "--status", "lost"], "'lost' is not one of"),
        (["mail", "outbox", "--limit", "0"], "--limit must be between 1 and 500"),
    ],
)
def test_bad_input_to_mail_is_one_line_and_exit_code_2(
    sink: SinkHandler, args: list[str], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(args)
    err = capsys.readouterr().err
    assert exited.value.code == 2
    assert said in err and len(err.strip().splitlines()) == 1


def test_mail_outbox_shows_each_mails_delivery_state_without_its_address(home: Path) -> None:
    uow = UnitOfWork(make_engine(f"sqlite:///{home / 'sagir.db'}"))
    migrate(uow.engine)
    mailer = OutboxMailer(uow, MAIL_KEYS)
    for key in ("arrivee-MTQ-45871/notify/employee/active", "depart-MTQ-52310/notify/hr/done"):
        mail = Mail(idempotency_key=key, to="annie.morin@mtq.example", subject="s", body="b")
        mailer.send(mail, AT)
    outbox = SqlOutbox(uow, MAIL_KEYS)
    claimed = outbox.claim("depart-MTQ-52310/notify/hr/done", AT, timedelta(minutes=5))
    assert claimed is not None
    outbox.mark_failed(claimed, "550 5.1.1 <adresse>: Recipient address rejected")
    uow.engine.dispose()

    every = CliRunner().invoke(cli, ["mail", "outbox"])
    assert every.exit_code == 0, every.output
    first, second = every.output.splitlines()
    assert first.startswith("arrivee-MTQ-45871/notify/employee/active") and "queued" in first
    assert "due now" in first
    assert "failed" in second and "550 5.1.1 <adresse>: Recipient address rejected" in second
    assert "annie.morin" not in every.output

    failed = json.loads(
        CliRunner().invoke(cli, ["mail", "outbox", "--status", "failed", "--json"]).output
    )
    assert [(e["key"], e["attempts"]) for e in failed] == [("depart-MTQ-52310/notify/hr/done", 1)]
    one = CliRunner().invoke(cli, ["mail", "outbox", "--workflow", "arrivee-MTQ-45871"])
    assert len(one.output.splitlines()) == 1
