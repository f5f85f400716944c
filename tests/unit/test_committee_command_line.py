"""`sagir-desk report committee`: the month against the one before as a table, CSV or JSON; an
MO's people get their own MO's figures (another MO's: not found, exit code 2); a month that is
not one is refused in one line with exit code 2."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.database import UnitOfWork, make_engine
from adapters.demo_data import load_demo_data
from adapters.schema import migrate
from adapters.sql_directory import SqlDirectory
from adapters.sql_sagir_erp import SqlSagirErp
from adapters.sql_sga import SqlSga
from adapters.sql_tokens import SqlTokens
from models.roles import Caller, Role
from starter.cli.main import main
from starter.ports import free_port
from tests.adapters.test_committee_report import write_records
from tests.payload_keys import TEST_AUDIT_KEYS_TEXT

NOW = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)


@pytest.fixture
def uow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> UnitOfWork:
    url = f"sqlite:///{tmp_path / 'sagir.db'}"
    monkeypatch.setenv("SAGIR_DATABASE_URL", url)
    monkeypatch.setenv("SAGIR_HOME", str(tmp_path))
    monkeypatch.setenv("SAGIR_AUDIT_KEYS", TEST_AUDIT_KEYS_TEXT)
    monkeypatch.setenv("TEMPORAL_ADDRESS", f"127.0.0.1:{free_port()}")  # not needed
    monkeypatch.setenv("SAGIR_RESOLUTION_TARGETS", "RF:email=8, RH:phone=2")
    uow = UnitOfWork(make_engine(url))
    migrate(uow.engine)
    load_demo_data(SqlDirectory(uow), SqlSagirErp(uow), SqlSga(uow))
    write_records(uow)
    return uow


def as_caller(uow: UnitOfWork, monkeypatch: pytest.MonkeyPatch, caller: Caller) -> None:
    monkeypatch.setenv("SAGIR_TOKEN", SqlTokens(uow).create(caller, "", NOW).token)


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        main(["report", "committee", *args])
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err


def test_a_supervisor_reads_every_mo_and_the_whole_service_against_the_month_before(
    uow: UnitOfWork, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    as_caller(uow, monkeypatch, Caller(role=Role.ca_supervisor, subject="super-cote"))
    code, out, _ = run(["--month", "2026-11", "--format", "json"], capsys)
    assert code == 0
    found = json.loads(out)
    assert (found["month"], found["previous_month"]) == ("2026-11", "2026-10")
    assert [line["mo"] for line in found["lines"]] == ["MSSS", "MTQ", None]
    mtq = found["lines"][1]
    assert (mtq["median_resolution_minutes"], mtq["within_target"]) == (395, 1)

    code, out, _ = run(["--month", "2026-11"], capsys)
    assert code == 0
    assert "MTQ: 2026-11 against 2026-10" in out
    assert "service: 2026-11 against 2026-10" in out
    assert "median_resolution_minutes" in out and "breaches by module" in out

    code, out, _ = run(["--month", "2026-11", "--format", "csv"], capsys)
    assert code == 0
    assert out.splitlines()[0].startswith("mo,month,received,")
    assert len(out.splitlines()) == 7  # three lines each month, and the header


def test_an_mo_user_reads_its_own_mos_figures_only(
    uow: UnitOfWork, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    as_caller(uow, monkeypatch, Caller(role=Role.mo_user, mo="MTQ", subject="user-mtq"))
    code, out, _ = run(["--month", "2026-11", "--format", "json"], capsys)
    assert code == 0
    assert [line["mo"] for line in json.loads(out)["lines"]] == ["MTQ"]  # no whole service

    code, out, err = run(["--month", "2026-11", "--mo", "MSSS"], capsys)
    assert code == 2  # a refusal, as every other
    assert err == "sagir-desk: MO MSSS does not exist\n"
    assert out == ""


def test_a_committee_month_that_is_not_one_is_one_line_and_exit_code_2(
    uow: UnitOfWork, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    as_caller(uow, monkeypatch, Caller(role=Role.auditor, subject="audit-1"))
    code, _, err = run(["--month", "2026-13"], capsys)
    assert (code, err) == (2, "sagir-desk: month: '2026-13' is not a month like 2026-11\n")
    code, _, err = run(["--month", "2026-11", "--format", "pdf"], capsys)
    assert code == 2
