"""Ending an absence of the registre d'autorité sooner, or cancelling one not yet begun, through
its doors (issue 16): the HTTP API, the console's absences table, the command line. A refusal is
one sentence naming the field and the rule (HTTP 422, the console in French, the command line
exit 2) and changes nothing. Absences lie in 2030, ahead of the real clock these doors read."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from adapters.database import UnitOfWork
from adapters.schema import migrate
from adapters.sql_tokens import SqlTokens
from models.registre import AbsenceDeclaration
from models.sagir import Absence
from starter.api.app import create_app
from starter.cli.main import main
from starter.desks.compose import Desks, build_desks
from starter.settings import Settings
from tests.api.test_console_requests_registre import PERSONNE_AUTORISEE, alert, shown, signed_in
from tests.payload_keys import TEST_AUDIT_KEYS_TEXT, TEST_KEYS


@pytest.fixture
def desks(demo_uow: UnitOfWork) -> Desks:
    settings = Settings().model_copy(update={"audit_keys_text": TEST_AUDIT_KEYS_TEXT})
    return build_desks(settings, None, demo_uow)


@pytest.fixture
def app(desks: Desks) -> FastAPI:
    return create_app(desks, TEST_KEYS)


def declared(desks: Desks, start: date, end: date) -> Absence:
    """An absence of 30001 (MTQ), declared by 30001."""
    [line] = [line for line in desks.registre.show("MTQ") if line.employee_number == "30001"]
    return desks.registre.declare_absence(
        "MTQ",
        AbsenceDeclaration(line_id=line.id, absent_from=start, absent_until=end, by="30001"),
    )


async def call(app: FastAPI, desks: Desks, path: str, body: object) -> httpx.Response:
    token = desks.tokens.issue(PERSONNE_AUTORISEE, "test").token
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://desk") as http:
        return await http.post(path, json=body, headers={"Authorization": f"Bearer {token}"})


# --- the HTTP API -------------------------------------------------------------------------------


async def test_an_absence_is_ended_or_cancelled_over_http_and_a_refusal_is_422(
    app: FastAPI, desks: Desks
) -> None:
    march = declared(desks, date(2030, 3, 4), date(2030, 3, 15))
    may = declared(desks, date(2030, 5, 4), date(2030, 5, 8))
    base = "/registre/MTQ/absences"
    ended = await call(app, desks, f"{base}/{march.id}/end", {"last_day": "2030-03-08"})
    assert ended.status_code == 200, ended.text
    assert (ended.json()["absent_from"], ended.json()["absent_until"]) == (
        "2030-03-04",
        "2030-03-08",
    )
    longer = await call(app, desks, f"{base}/{may.id}/end", {"last_day": "2030-05-20"})
    both = await call(
        app, desks, f"{base}/{may.id}/end", {"last_day": "2030-05-06", "cancel": True}
    )
    neither = await call(app, desks, f"{base}/{may.id}/end", {})
    assert [(r.status_code, r.json()["detail"]) for r in (longer, both, neither)] == [
        (422, "last_day: absence 2 already ends on 2030-05-08; ending it makes it shorter"),
        (422, "last_day: a cancelled absence has no last day; give one or the other"),
        (422, "last_day: give the absence's new last day, or cancel it"),
    ]
    cancelled = await call(app, desks, f"{base}/{may.id}/end", {"cancel": True})
    assert cancelled.status_code == 200, cancelled.text
    assert [(a.id, a.absent_until) for a in desks.registre.absences("MTQ")] == [
        (march.id, date(2030, 3, 8))
    ]
    assert [c.action.value for c in desks.registre.history("MTQ")][-2:] == [
        "absence_end",
        "absence_cancel",
    ]


# --- the console --------------------------------------------------------------------------------


async def test_an_absence_is_ended_or_cancelled_from_the_console_and_a_refusal_shows_in_french(
    app: FastAPI, desks: Desks
) -> None:
    march = declared(desks, date(2030, 3, 4), date(2030, 3, 15))
    may = declared(desks, date(2030, 5, 4), date(2030, 5, 8))
    async with signed_in(app, desks, PERSONNE_AUTORISEE) as person:
        page = await person.get("/console/registre")
        assert f'action="/console/registre/absences/{may.id}/terminer"' in page.text
        assert "Annuler l'absence" in shown(page)
        refused = await person.post(
            f"/console/registre/absences/{march.id}/terminer", last_day="2030-03-20"
        )
        ended = await person.post(
            f"/console/registre/absences/{march.id}/terminer", last_day="2030-03-08"
        )
        assert ended.status_code == 303
        after_end = await person.get(ended.headers["location"])
        cancelled = await person.post(
            f"/console/registre/absences/{may.id}/terminer", annuler="oui"
        )
        assert cancelled.status_code == 303
        after_cancel = await person.get(cancelled.headers["location"])
        unknown = await person.post("/console/registre/absences/abc/terminer", annuler="oui")
    assert refused.status_code == 422
    assert f'id="refus-absence-{march.id}"' in refused.text
    assert alert(refused).startswith(f"Dernier jour : l'absence {march.id} se termine déjà le ")
    assert "L'absence est terminée" in shown(after_end)
    assert "Absence de 30001 du 4 mars 2030 au 15 mars 2030, terminée le 8 mars 2030" in shown(
        after_end
    )
    assert "L'absence est annulée." in shown(after_cancel)
    assert "Absence de 30001 du 4 mai 2030 au 8 mai 2030, annulée" in shown(after_cancel)
    assert unknown.status_code == 404
    assert [(a.id, a.absent_until) for a in desks.registre.absences("MTQ")] == [
        (march.id, date(2030, 3, 8))
    ]


# --- the command line ---------------------------------------------------------------------------


@pytest.fixture
def as_personne_autorisee(
    demo_uow: UnitOfWork, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The command line on the demo database, as 30001 of MTQ (no engine: the registre needs
    only the database)."""
    migrate(demo_uow.engine)
    monkeypatch.setenv("SAGIR_DATABASE_URL", str(demo_uow.engine.url))
    monkeypatch.setenv("SAGIR_HOME", str(tmp_path))
    monkeypatch.setenv("SAGIR_AUDIT_KEYS", TEST_AUDIT_KEYS_TEXT)
    token = SqlTokens(demo_uow).create(PERSONNE_AUTORISEE, "", datetime(2026, 11, 26, tzinfo=UTC))
    monkeypatch.setenv("SAGIR_TOKEN", token.token)


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        main(args)
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err


def test_an_absence_is_ended_or_cancelled_on_the_command_line_and_a_refusal_exits_2(
    as_personne_autorisee: None, desks: Desks, capsys: pytest.CaptureFixture[str]
) -> None:
    march = declared(desks, date(2030, 3, 4), date(2030, 3, 15))
    may = declared(desks, date(2030, 5, 4), date(2030, 5, 8))
    end = ["registre", "absence", "end", "--mo", "MTQ", "--by", "30001"]
    code, _, err = run([*end, str(march.id), "--on", "2030-03-01"], capsys)
    assert (code, err) == (
        2,
        f"sagir-desk: last_day: absence {march.id} begins on 2030-03-04; end it on that day or "
        "later, or cancel it\n",
    )
    code, _, err = run([*end, str(march.id), "--on", "2030-03-08", "--cancel"], capsys)
    assert (code, err.count("\n")) == (2, 1)
    assert "a cancelled absence has no last day" in err
    code, out, _ = run([*end, str(march.id), "--on", "2030-03-08", "--json"], capsys)
    assert code == 0 and json.loads(out)["absent_until"] == "2030-03-08"
    code, out, _ = run([*end, str(may.id), "--cancel"], capsys)
    assert code == 0
    assert out == f"cancelled absence {may.id} of 30001 (2030-05-04 to 2030-05-08)\n"
    code, out, _ = run(["registre", "history", "--mo", "MTQ"], capsys)
    assert "absence_end" in out and "ended on 2030-03-08" in out
    assert "absence_cancel" in out and "2030-05-08 cancelled" in out
