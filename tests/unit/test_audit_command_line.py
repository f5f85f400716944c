"""`sagir-desk audit verify` on a database: intact, then tampered with (exit code 3). No engine
runs here: the file's checkpoints are read, and the engine's are said to be out of reach."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import update

from adapters.database import AuditRow, UnitOfWork, make_engine
from adapters.schema import migrate
from adapters.sql_audit import SqlAuditTrail
from adapters.sql_tokens import SqlTokens
from models.audit import AuditEvent, Outcome
from models.roles import Caller, Role
from starter.cli.main import main
from starter.ports import free_port
from tests.payload_keys import TEST_AUDIT_KEYS, TEST_AUDIT_KEYS_TEXT

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exited:
        main(args)
    out, _ = capsys.readouterr()
    return int(exited.value.code or 0), out


def test_audit_verify_says_intact_then_names_the_altered_entry_with_exit_code_3(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'sagir.db'}"
    monkeypatch.setenv("SAGIR_DATABASE_URL", url)
    monkeypatch.setenv("SAGIR_HOME", str(tmp_path))
    monkeypatch.setenv("SAGIR_AUDIT_KEYS", TEST_AUDIT_KEYS_TEXT)
    monkeypatch.setenv("TEMPORAL_ADDRESS", f"127.0.0.1:{free_port()}")  # nothing listens
    uow = UnitOfWork(make_engine(url))
    migrate(uow.engine)
    trail = SqlAuditTrail(uow, TEST_AUDIT_KEYS)
    for actor in ("rh-mtq", "agent-roy"):
        trail.append(
            AuditEvent(
                at=NOW,
                workflow_id="arrivee-MTQ-45871",
                mo="MTQ",
                actor=actor,
                role="mo_hr",
                action="arrival.start",
                outcome=Outcome.done,
            )
        )
    code, _ = run(["audit", "verify"], capsys)
    assert code == 2  # no token: the command line acts as nobody
    auditor = SqlTokens(uow).create(Caller(role=Role.auditor, subject="verif-1"), "", NOW)
    monkeypatch.setenv("SAGIR_TOKEN", auditor.token)
    assert run(["audit", "verify"], capsys) == (
        0,
        "audit trail intact: 2 entries, each sealed and linked to the one before\n"
        "checked against no checkpoint yet (one is kept now)\n",
    )
    code, out = run(["audit", "verify"], capsys)
    assert (code, out.splitlines()[1].split(", the newest")[0]) == (
        0,
        "checked against 1 checkpoint kept outside the database",
    )
    with uow.begin() as session:
        session.execute(update(AuditRow).where(AuditRow.seq == 1).values(actor="quelqu-un"))
    code, out = run(["audit", "verify"], capsys)
    assert code == 3
    assert out == "entry 1: altered: its content no longer matches its seal\n"
    code, out = run(["audit", "trail", "arrivee-MTQ-45871", "--csv"], capsys)
    assert out.splitlines()[0] == "seq,at,workflow_id,mo,actor,role,action,outcome,detail"
    assert len(out.splitlines()) == 3
