"""With the engine down, a command says so in one line and exits with code 1, promptly; a
month outside the service's years is refused in one line (exit code 2), not a traceback."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.database import UnitOfWork, make_engine
from adapters.schema import migrate
from adapters.sql_tokens import SqlTokens
from models.roles import Caller, Role
from starter.cli.main import main
from starter.ports import free_port
from tests.payload_keys import TEST_AUDIT_KEYS_TEXT

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)


@pytest.fixture
def as_an_agent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'sagir.db'}"
    monkeypatch.setenv("SAGIR_DATABASE_URL", url)
    monkeypatch.setenv("SAGIR_HOME", str(tmp_path))
    monkeypatch.setenv("SAGIR_AUDIT_KEYS", TEST_AUDIT_KEYS_TEXT)
    monkeypatch.setenv("TEMPORAL_ADDRESS", f"127.0.0.1:{free_port()}")  # nothing listens
    uow = UnitOfWork(make_engine(url))
    migrate(uow.engine)
    agent = SqlTokens(uow).create(Caller(role=Role.ca_agent, subject="agent-roy"), "", NOW)
    monkeypatch.setenv("SAGIR_TOKEN", agent.token)


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exited:
        main(args)
    _, err = capsys.readouterr()
    return int(exited.value.code or 0), err


def test_a_command_with_the_engine_down_says_so_in_one_line_with_exit_code_1(
    as_an_agent: None, capsys: pytest.CaptureFixture[str]
) -> None:
    started = time.monotonic()
    code, err = run(["ticket", "show", "T-2026-000001"], capsys)
    assert time.monotonic() - started < 2.0
    assert code == 1
    assert err.startswith("sagir-desk: cannot reach the Temporal engine at 127.0.0.1:")
    assert err.count("\n") == 1


@pytest.mark.parametrize("month", ["0000-01", "9999-12"])
def test_a_report_month_outside_the_services_years_is_one_line_and_exit_code_2(
    as_an_agent: None, capsys: pytest.CaptureFixture[str], month: str
) -> None:
    code, err = run(["report", "sla", "--month", month], capsys)
    assert (code, err.count("\n")) == (2, 1)
    assert err.startswith(f"sagir-desk: month: '{month}' must fall between the years 2000")
