"""`sagir-desk escalations`: a supervisor lists what needs them and acknowledges it; an agent
may read but not acknowledge; bad input is exit code 2. Only the database is needed."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.database import UnitOfWork, make_engine
from adapters.demo_data import load_demo_data
from adapters.schema import migrate
from adapters.sql_directory import SqlDirectory
from adapters.sql_sagir_erp import SqlSagirErp
from adapters.sql_sga import SqlSga
from adapters.sql_ticket_records import SqlTicketRecords
from adapters.sql_tokens import SqlTokens
from models.requests import Escalation
from models.roles import Caller, Role
from starter.cli.main import main
from tests.payload_keys import TEST_AUDIT_KEYS_TEXT

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        main(args)
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err


@pytest.fixture
def uow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> UnitOfWork:
    url = f"sqlite:///{tmp_path / 'sagir.db'}"
    monkeypatch.setenv("SAGIR_DATABASE_URL", url)
    monkeypatch.setenv("SAGIR_HOME", str(tmp_path))
    monkeypatch.setenv("SAGIR_AUDIT_KEYS", TEST_AUDIT_KEYS_TEXT)
    uow = UnitOfWork(make_engine(url))
    migrate(uow.engine)
    load_demo_data(SqlDirectory(uow), SqlSagirErp(uow), SqlSga(uow))
    SqlTicketRecords(uow).record_escalation(
        Escalation(
            idempotency_key="T-2026-000007/breach",
            workflow_id="T-2026-000007",
            mo="MTQ",
            reason="not taken in charge by 2026-11-26T10:15:00-05:00",
            at=NOW,
        ),
        ["super-cote"],
    )
    return uow


def as_caller(uow: UnitOfWork, monkeypatch: pytest.MonkeyPatch, role: Role, who: str) -> None:
    token = SqlTokens(uow).create(Caller(role=role, subject=who), "", NOW)
    monkeypatch.setenv("SAGIR_TOKEN", token.token)


def test_a_supervisor_sees_an_open_breach_and_acknowledges_it(
    uow: UnitOfWork, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    as_caller(uow, monkeypatch, Role.ca_supervisor, "super-cote")
    code, out, _ = run(["escalations", "--open"], capsys)
    assert code == 0 and "breach" in out and "T-2026-000007" in out and "open" in out

    code, out, _ = run(["escalations", "ack", "T-2026-000007/breach", "--by", "super-cote"], capsys)
    assert (code, out.strip()) == (0, "T-2026-000007/breach acknowledged by super-cote")

    code, out, _ = run(["escalations", "--open"], capsys)
    assert "no escalations" in out
    code, out, _ = run(["escalations", "--acknowledged", "--kind", "breach"], capsys)
    assert "acknowledged by super-cote" in out


def test_an_agent_reads_escalations_but_may_not_acknowledge_them(
    uow: UnitOfWork, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    as_caller(uow, monkeypatch, Role.ca_agent, "agent-roy")
    assert run(["escalations"], capsys)[0] == 0
    code, _, err = run(["escalations", "ack", "T-2026-000007/breach", "--by", "agent-roy"], capsys)
    assert code == 2 and "may not escalation.ack" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["escalations", "--since", "2026-13-01"], "since"),
        (["escalations", "--since", "2026-11-27", "--until", "2026-11-26"], "until"),
        (["escalations", "--mo", "mtq!"], "mo"),
        (["escalations", "--kind", "late"], "late"),
        (["escalations", "ack", "T-2026-000404/breach", "--by", "super-cote"], "does not exist"),
    ],
)
def test_bad_input_is_one_sentence_and_exit_code_2(
    uow: UnitOfWork,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    as_caller(uow, monkeypatch, Role.ca_supervisor, "super-cote")
    code, _, err = run(args, capsys)
    assert code == 2 and message in err
