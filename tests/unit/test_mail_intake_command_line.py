"""`sagir-desk mail ...` and `sagir-desk ticket attachment(s)`: bad input is one line and exit
code 2; the MOs' mail domains are kept on the database alone; `mail send-test` says in one line
what it sent and what the server answered."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from adapters.database import UnitOfWork, make_engine
from adapters.demo_data import load_demo_data
from adapters.schema import migrate
from adapters.sql_directory import SqlDirectory
from adapters.sql_sagir_erp import SqlSagirErp
from adapters.sql_tokens import SqlTokens
from models.roles import Caller, Role
from starter.cli.main import main
from starter.ports import free_port
from tests.payload_keys import TEST_AUDIT_KEYS_TEXT

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)


@pytest.fixture
def as_an_agent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'sagir.db'}"
    for name, value in {
        "SAGIR_DATABASE_URL": url,
        "SAGIR_HOME": str(tmp_path),
        "SAGIR_AUDIT_KEYS": TEST_AUDIT_KEYS_TEXT,
        "TEMPORAL_ADDRESS": f"127.0.0.1:{free_port()}",  # nothing listens
    }.items():
        monkeypatch.setenv(name, value)
    uow = UnitOfWork(make_engine(url))
    migrate(uow.engine)
    load_demo_data(SqlDirectory(uow), SqlSagirErp(uow))
    agent = SqlTokens(uow).create(Caller(role=Role.ca_agent, subject="agent-roy"), "", NOW)
    monkeypatch.setenv("SAGIR_TOKEN", agent.token)


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        main(args)
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err


def test_mail_domains_are_declared_listed_and_removed_by_the_ca(
    as_an_agent: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["mail", "domains", "add", "MTQ.gouv.qc.ca", "--mo", "mtq"], capsys)[:2] == (
        0,
        "mtq.gouv.qc.ca is MTQ's\n",
    )
    code, out, _ = run(["mail", "domains", "list"], capsys)
    assert code == 0 and out.startswith("mtq.gouv.qc.ca") and "by agent-roy" in out
    assert run(["mail", "domains", "remove", "mtq.gouv.qc.ca"], capsys)[0] == 0
    assert run(["mail", "domains", "list"], capsys)[1] == "no mail domain declared\n"
    assert run(["mail", "triage"], capsys)[1] == "triage is empty\n"


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["mail", "domains", "add", "not a domain", "--mo", "MTQ"], "domain:"),
        (["mail", "domains", "add", "x.example.org", "--mo", "NOPE"], "NOPE"),
        (["mail", "domains", "remove", "never.example.org"], "is not declared"),
        (["mail", "sort", "0123456789ab"], "either --mo MO or --discard"),
        (["mail", "sort", "0123456789ab", "--mo", "MTQ", "--discard"], "either --mo"),
        (["mail", "triage", "--limit", "0"], "limit:"),
        (["mail", "send-test", "--from", "a@b.c", "--subject", "s", "--attach", "/nope"], "nope"),
        (["ticket", "attachment", "T-2026-000001", "abc"], "--out"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(
    as_an_agent: None, capsys: pytest.CaptureFixture[str], args: list[str], says: str
) -> None:
    code, _, err = run(args, capsys)
    assert code == 2, err
    assert says in err


class Answering:
    """A mail server that takes every message (what `send-test` talks to)."""

    def __init__(self) -> None:
        self.received: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append(envelope.original_content)
        return "250 2.0.0 Recu : billet T-2026-000042"


@pytest.fixture
def mail_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[Answering]:
    handler = Answering()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("SAGIR_INTAKE_PORT", str(port))
    try:
        yield handler
    finally:
        controller.stop()


def test_send_test_says_in_one_line_what_it_sent_and_the_servers_answer(
    as_an_agent: None, mail_server: Answering, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "page.pdf"
    page.write_bytes(b"%PDF-1.4 page")
    code, out, _ = run(
        [
            "mail",
            "send-test",
            "--from",
            "jean@mtq.gouv.qc.ca",
            "--subject",
            "Accès LSA",
            "--attach",
            str(page),
        ],
        capsys,
    )
    assert code == 0
    assert out == (
        "sent 'Accès LSA' from jean@mtq.gouv.qc.ca to assistance@sagir-desk.local, 1 file(s): "
        "250 2.0.0 Recu : billet T-2026-000042\n"
    )
    (received,) = mail_server.received
    assert b"page.pdf" in received


def test_send_test_with_no_intake_listening_says_so_with_exit_code_1(
    as_an_agent: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SAGIR_INTAKE_PORT", str(free_port()))
    code, _, err = run(["mail", "send-test", "--from", "a@b.ca", "--subject", "s"], capsys)
    assert code == 1
    assert "cannot reach the mail intake" in err
