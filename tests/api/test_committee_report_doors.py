"""The committee's report over HTTP and in the console (issue 16), in-process on the database
alone: the JSON and CSV routes beside the SLA report's, an MO's people refused another MO's
figures as if it did not exist (404), and the « Comité » page in French with its SVG charts,
linked from the reports page."""

from __future__ import annotations

import html
from collections.abc import AsyncIterator

import httpx
import pytest

from adapters.database import UnitOfWork
from models.roles import Caller, Role
from starter.api.app import create_app
from starter.desks.compose import Desks, build_desks
from starter.settings import Settings
from tests.adapters.test_committee_report import write_records
from tests.api.test_console_auditor_supervision import sign_in
from tests.payload_keys import TEST_AUDIT_KEYS_TEXT, TEST_KEYS

SUPERVISOR = Caller(role=Role.ca_supervisor, subject="super-cote")
USER_MTQ = Caller(role=Role.mo_user, mo="MTQ", subject="user-mtq")
HR_MSSS = Caller(role=Role.mo_hr, mo="MSSS", subject="rh-msss")


@pytest.fixture
def desks(demo_uow: UnitOfWork) -> Desks:
    write_records(demo_uow)
    settings = Settings().model_copy(update={"audit_keys_text": TEST_AUDIT_KEYS_TEXT})
    return build_desks(settings, None, demo_uow)


@pytest.fixture
async def http(desks: Desks) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(desks, TEST_KEYS)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://desk") as client:
        yield client


def bearer(desks: Desks, caller: Caller) -> dict[str, str]:
    return {"Authorization": f"Bearer {desks.tokens.issue(caller, 'test').token}"}


async def test_the_committee_report_over_http_gives_every_mo_and_the_service_to_the_ca(
    desks: Desks, http: httpx.AsyncClient
) -> None:
    answer = await http.get("/reports/committee?month=2026-11", headers=bearer(desks, SUPERVISOR))
    assert answer.status_code == 200, answer.text
    found = answer.json()
    assert [line["mo"] for line in found["lines"]] == ["MSSS", "MTQ", None]
    assert [line["month"] for line in found["previous"]] == ["2026-10"] * 3
    csv = await http.get(
        "/reports/committee.csv?month=2026-11&mo=MTQ", headers=bearer(desks, SUPERVISOR)
    )
    assert csv.status_code == 200
    assert csv.headers["content-type"].startswith("text/csv")
    assert [row.split(",")[:2] for row in csv.text.splitlines()[1:]] == [
        ["MTQ", "2026-11"],
        ["MTQ", "2026-10"],
    ]


async def test_an_mo_user_reads_its_own_mos_figures_and_another_mos_is_not_found(
    desks: Desks, http: httpx.AsyncClient
) -> None:
    mine = await http.get("/reports/committee?month=2026-11", headers=bearer(desks, USER_MTQ))
    assert mine.status_code == 200
    assert [line["mo"] for line in mine.json()["lines"]] == ["MTQ"]
    other = await http.get(
        "/reports/committee?month=2026-11&mo=MSSS", headers=bearer(desks, USER_MTQ)
    )
    assert other.status_code == 404
    other_csv = await http.get(
        "/reports/committee.csv?month=2026-11&mo=MSSS", headers=bearer(desks, USER_MTQ)
    )
    assert other_csv.status_code == 404
    # The SLA report stays the CA supervisors' and the auditors'.
    sla = await http.get("/reports/sla?mo=MTQ", headers=bearer(desks, USER_MTQ))
    assert sla.status_code == 403


async def test_a_committee_month_that_is_not_one_is_422_never_500(
    desks: Desks, http: httpx.AsyncClient
) -> None:
    for path in ("/reports/committee", "/reports/committee?month=2026-13"):
        answer = await http.get(path, headers=bearer(desks, SUPERVISOR))
        assert answer.status_code == 422, path


async def test_the_comite_page_is_in_french_with_its_svg_charts_and_linked_from_the_reports(
    desks: Desks, http: httpx.AsyncClient
) -> None:
    await sign_in(http, desks.tokens.issue(SUPERVISOR, "console").token)
    reports = await http.get("/console/rapports?mois=2026-11")
    assert 'href="/console/rapports/comite"' in reports.text
    page = await http.get("/console/rapports/comite?mois=2026-11")
    assert page.status_code == 200
    assert '<html lang="fr">' in page.text
    assert "Rapport du comité d'amélioration continue" in html.unescape(page.text)
    assert page.text.count("<svg") == 3
    assert '<title id="resolution-titre">Délai de résolution, sans l&#39;attente du client' in (
        page.text
    )
    assert '<desc id="resolution-desc">' in page.text
    assert "<script" not in page.text.split("</head>", 1)[1]  # no chart library
    assert "Ensemble du service : novembre 2026 comparé à octobre 2026" in page.text
    assert "Taux de réouverture" in page.text and "50 %" in page.text
    csv = await http.get("/console/rapports/comite.csv?mois=2026-11&organisme=MTQ")
    assert csv.status_code == 200
    assert csv.headers["content-disposition"] == 'attachment; filename="comite-MTQ-2026-11.csv"'


async def test_an_mo_person_sees_the_comite_page_for_its_own_mo_only(
    desks: Desks, http: httpx.AsyncClient
) -> None:
    await sign_in(http, desks.tokens.issue(HR_MSSS, "console").token)
    page = await http.get("/console/rapports/comite?mois=2026-11")
    assert page.status_code == 200
    assert 'href="/console/rapports/comite"' in page.text  # in the menu
    assert "MSSS : novembre 2026 comparé à octobre 2026" in page.text
    assert "MTQ :" not in page.text and "Ensemble du service :" not in page.text
    other = await http.get("/console/rapports/comite?mois=2026-11&organisme=MTQ")
    assert other.status_code == 404
    refused = await http.get("/console/rapports/comite?mois=2026-13")
    assert refused.status_code == 422
    assert "Mois : « 2026-13 » n'est pas un mois comme 2026-11" in html.unescape(refused.text)
