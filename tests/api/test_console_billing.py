"""Billing in the console (issue 15), in-process over the real desks, a worker and a local
engine: the pages render for every role that reads billing and for no other; the CA's billing
clerk records an agreement and a rate, issues an MO's invoice of a month and records its
payments through the forms; a bad amount is one French sentence and changes nothing; an MO's
finance officer reads its own MO's invoices and statement only (another MO's is "not found")
and has no form; the invoice's PDF opens in the browser and the year's report downloads as
CSV; the Schedules' status shows, and the clerk pauses them."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import date, datetime
from decimal import Decimal

import pytest
from temporalio.testing import WorkflowEnvironment

from adapters.database import UnitOfWork
from models.billing import CURRENT_RATE, Agreement, InvoiceStatus, fiscal_year_of
from models.roles import Caller, Role
from starter.client import ensure_billing_schedules
from starter.console.billing import month_fr
from tests.api.api_harness import CALLERS, Api, running_api
from tests.api.console_client import Person, signed_in

CLERK = Caller(role=Role.ca_billing, subject="facturation-roy")
FINANCE = Caller(role=Role.mo_finance, mo="MTQ", subject="finances-mtq")
MSSS_FINANCE = Caller(role=Role.mo_finance, mo="MSSS", subject="finances-msss")
NUMBER = re.compile(r"F-\d{4}-\d{6}")


@pytest.fixture
async def api(
    local_env: WorkflowEnvironment, demo_uow: UnitOfWork, task_queue: str
) -> AsyncIterator[Api]:
    async with running_api(local_env, demo_uow, task_queue) as api:
        yield api


def agree(api: Api, mo: str = "MTQ", estimated: int = 1000) -> None:
    """The rate in force since 2020 and the MO's agreement from April 1, 2026, as the clerk
    keeps them."""
    desk = api.desks.billing
    if not desk.grid():
        desk.add_rate(CURRENT_RATE, date(2020, 4, 1), CLERK.subject)
    desk.keep_agreement(
        Agreement(
            mo=mo,
            first_day=date(2026, 4, 1),
            estimated_headcount=estimated,
            billing_contact=f"finances@{mo.lower()}.example",
        ),
        CLERK.subject,
    )


async def issued(api: Api, mo: str = "MTQ") -> str:
    """The MO's invoice of this month, issued by the clerk's desk; its number."""
    state = await api.desks.as_caller(CLERK).billing.issue(mo, this_month(api))
    assert state.invoice is not None
    return state.invoice.number


def today(api: Api) -> str:
    return api.desks.billing.today().isoformat()


def this_month(api: Api) -> date:
    """The month billed (the real clock's: the agreement began before it)."""
    return api.desks.billing.today().replace(day=1)


def fiscal_year(api: Api) -> tuple[str, str]:
    """This month's fiscal year, as a filter names it and as a page shows it: `2026`,
    `2026-2027`."""
    first, last = fiscal_year_of(this_month(api))
    return str(first.year), f"{first.year}-{last.year}"


def alert(person: Person) -> list[str]:
    """The refusals the page shows, as read."""
    return re.findall(r'role="alert"[^>]*><p>([^<]+)</p>', person.page)


async def test_the_billing_pages_render_for_each_role_that_reads_billing_and_no_other(
    api: Api,
) -> None:
    assert api.app is not None
    agree(api)
    number = await issued(api)
    readers = [CLERK, FINANCE, CALLERS[Role.ca_supervisor], CALLERS[Role.auditor]]
    pages = [
        "/console/facturation",
        "/console/factures",
        f"/console/factures/{number}",
        "/console/releve/MTQ",
        "/console/facturation/rapport",
    ]
    for caller in readers:
        async with signed_in(api.app, api.token_for(caller)) as person:
            for path in pages:
                answer = await person.get(path)
                assert answer.status_code == 200, (caller.role, path)
                assert "16 250,00 $" in person.page, (caller.role, path)
    for caller in (CALLERS[Role.ca_agent], CALLERS[Role.mo_user], CALLERS[Role.mo_hr]):
        async with signed_in(api.app, api.token_for(caller)) as person:
            for path in pages:
                answer = await person.get(path)
                assert answer.status_code == 403, (caller.role, path)


async def test_the_clerk_lands_on_facturation_and_an_mo_finance_officer_on_its_invoices(
    api: Api,
) -> None:
    assert api.app is not None
    async with signed_in(api.app, api.token_for(CLERK)) as clerk:
        landing = await clerk.get("/console/")
    async with signed_in(api.app, api.token_for(FINANCE)) as finance:
        own = await finance.get("/console/")
        statement = await finance.get("/console/releve")
    assert landing.url.path == "/console/facturation"
    assert own.url.path == "/console/factures"
    assert statement.url.path == "/console/releve/MTQ"


async def test_the_clerk_records_an_agreement_and_a_rate_through_the_forms(api: Api) -> None:
    assert api.app is not None
    async with signed_in(api.app, api.token_for(CLERK)) as clerk:
        await clerk.get("/console/facturation")
        assert "La grille est vide" in clerk.page
        await clerk.send(
            "/console/facturation/tarifs", per_employee_per_year="195,00", valid_from="2020-04-01"
        )
        assert "Le tarif est ajouté à la grille." in clerk.page
        assert "1er avril 2020" in clerk.page
        assert "195,00 $" in clerk.page
        # The same date again: a rate in the grid never changes.
        refused = await clerk.send(
            "/console/facturation/tarifs", per_employee_per_year="200,00", valid_from="2020-04-01"
        )
        assert refused.status_code == 409
        assert alert(clerk) == [
            "Début de validité : la grille a déjà un tarif en vigueur le mercredi 1 avril 2020 ; "
            "un tarif de la grille ne change jamais (des factures l'ont appliqué) : ajoutez-en "
            "un à une date ultérieure"
        ]
        await clerk.get("/console/facturation/entente")
        await clerk.send(
            "/console/facturation/entente",
            mo="MTQ",
            first_day="2026-04-01",
            estimated_headcount="1 000",
            billing_contact="finances@mtq.example",
        )
        assert "L'entente de services partagés de MTQ est enregistrée." in clerk.page
    agreement = api.desks.billing.agreement("MTQ")
    assert (agreement.first_day, agreement.estimated_headcount) == (date(2026, 4, 1), 1000)
    assert agreement.billing_contact == "finances@mtq.example"
    assert [rate.per_employee_per_year for rate in api.desks.billing.grid()] == [Decimal(195)]


async def test_the_clerk_issues_an_invoice_and_records_its_payments_through_the_forms(
    api: Api,
) -> None:
    assert api.app is not None
    agree(api)
    month = this_month(api)
    async with signed_in(api.app, api.token_for(CLERK)) as clerk:
        await clerk.get("/console/facturation")
        await clerk.send("/console/facturation/emettre", mo="MTQ", month=f"{month:%Y-%m}")
        assert "La facture est émise" in clerk.page
        found = NUMBER.search(clerk.page)
        assert found is not None
        number = found.group(0)
        assert f"Facture mensuelle {number}" in clerk.page
        assert "État : Émise" in clerk.page
        assert f"<dt>Période facturée</dt><dd>{month_fr(month)}</dd>" in clerk.page
        assert "16 250,00 $" in clerk.page
        page = f"/console/factures/{number}"
        await clerk.send(
            f"{page}/paiement", amount="10 000,00 $", paid_on=today(api), reference="VIR-1"
        )
        assert "Le paiement est enregistré." in clerk.page
        assert re.search(r'id="solde">6 250,00 \$<', clerk.page)
        assert "VIR-1" in clerk.page
        await clerk.send(f"{page}/paiement", amount="6250.00", paid_on=today(api), reference="")
        assert "État : Payée" in clerk.page
        assert "Enregistrer le paiement" not in clerk.page  # nothing left to pay
        # Issued already: one invoice per MO and month, refused in French beside its form.
        await clerk.get("/console/facturation")
        refused = await clerk.send("/console/facturation/emettre", mo="MTQ", month=f"{month:%Y-%m}")
    assert refused.status_code == 409
    assert alert(clerk) == [
        f"facture-MTQ-{month:%Y-%m} : cette facture a déjà été émise ({number}) ; une seule "
        "facture par MO et par mois"
    ]
    view = api.desks.billing.invoice(number)
    assert view.status is InvoiceStatus.paid
    assert [(one.amount, one.reference, one.by) for one in view.payments] == [
        (Decimal("10000.00"), "VIR-1", CLERK.subject),
        (Decimal("6250.00"), "", CLERK.subject),
    ]


async def test_a_bad_payment_amount_shows_one_french_sentence_and_changes_nothing(
    api: Api,
) -> None:
    assert api.app is not None
    agree(api)
    number = await issued(api)
    page = f"/console/factures/{number}"
    async with signed_in(api.app, api.token_for(CLERK)) as clerk:
        await clerk.get(page)
        not_a_number = await clerk.send(
            f"{page}/paiement", amount="douze mille", paid_on=today(api), reference="VIR-2"
        )
        assert not_a_number.status_code == 422
        assert alert(clerk) == ["Montant : doit être un nombre décimal"]
        # The form as it was sent, to correct.
        assert 'value="douze mille"' in clerk.page
        too_much = await clerk.send(
            f"{page}/paiement", amount="20 000,00", paid_on=today(api), reference="VIR-2"
        )
        assert too_much.status_code == 409
        [sentence] = alert(clerk)
        assert sentence.startswith("Montant : 20 000,00 $ dépasse les 16 250,00 $ dus sur F-")
    view = api.desks.billing.invoice(number)
    assert view.status is InvoiceStatus.issued
    assert view.payments == []
    assert view.outstanding == Decimal("16250.00")


async def test_an_mo_finance_officer_reads_its_own_mos_invoices_only_and_changes_nothing(
    api: Api,
) -> None:
    assert api.app is not None
    agree(api, "MTQ")
    agree(api, "MSSS", estimated=400)
    mtq = await issued(api, "MTQ")
    msss = await issued(api, "MSSS")
    async with signed_in(api.app, api.token_for(FINANCE)) as finance:
        await finance.get("/console/factures")
        listed = finance.page
        others = await finance.get(f"/console/factures/{msss}")
        others_pdf = await finance.get(f"/console/factures/{msss}/pdf")
        other_statement = await finance.get("/console/releve/MSSS")
        own = await finance.get(f"/console/factures/{mtq}")
        own_page = finance.page
        pay = await finance.client.post(
            f"/console/factures/{mtq}/paiement",
            data={"amount": "1,00", "paid_on": today(api), "reference": "x"},
        )
        statement = await finance.get("/console/releve/MTQ")
    assert mtq in listed
    assert msss not in listed
    assert (others.status_code, others_pdf.status_code, other_statement.status_code) == (
        404,
        404,
        404,
    )
    assert msss not in other_statement.text
    assert own.status_code == 200
    assert "Enregistrer le paiement" not in own_page
    assert pay.status_code == 403
    assert statement.status_code == 200
    assert f"Relevé de MTQ, exercice {fiscal_year(api)[1]}" in finance.page
    assert re.search(r'id="total-du">16 250,00 \$<', finance.page)
    assert api.desks.billing.invoice(mtq).payments == []


async def test_the_invoice_pdf_opens_in_the_browser_and_the_report_downloads_as_csv(
    api: Api,
) -> None:
    assert api.app is not None
    agree(api)
    number = await issued(api)
    year, shown = fiscal_year(api)
    async with signed_in(api.app, api.token_for(CALLERS[Role.auditor])) as auditor:
        pdf = await auditor.client.get(f"/console/factures/{number}/pdf")
        await auditor.get(f"/console/facturation/rapport?exercice={year}")
        report_page = auditor.page
        csv = await auditor.client.get(f"/console/facturation/rapport.csv?exercice={year}")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"].startswith("inline;")
    assert pdf.content.startswith(b"%PDF")
    assert f"Rapport annuel de facturation, exercice {shown}" in report_page
    assert f'href="/console/facturation/rapport.csv?exercice={year}"' in report_page
    assert csv.headers["content-type"].startswith("text/csv")
    assert f"facturation-{shown}.csv" in csv.headers["content-disposition"]
    assert csv.text.splitlines() == [
        "mo,annee,facture,paye,du,ajustement,credite",
        f"MTQ,{shown},16250.00,0.00,16250.00,0.00,0.00",
    ]


async def test_the_clerk_sees_the_schedules_and_pauses_an_mo_then_every_schedule(
    api: Api, local_env: WorkflowEnvironment
) -> None:
    assert api.app is not None
    agree(api)
    async with signed_in(api.app, api.token_for(CLERK)) as clerk:
        await clerk.get("/console/facturation")
        assert "La planification de facturation n'existe pas encore" in clerk.page
        await ensure_billing_schedules(local_env.client, api.settings)
        await clerk.get("/console/facturation")
        assert "Factures du mois (le 1er de chaque mois, à 6 h)" in clerk.page
        await clerk.send("/console/facturation/suspendre", mo="MTQ")
        assert "La facturation de MTQ est suspendue" in clerk.page
        assert 'action="/console/facturation/reprendre"' in clerk.page
        assert "MTQ" in api.desks.billing.paused_mos()
        await clerk.send("/console/facturation/reprendre", mo="MTQ")
        assert "La facturation de MTQ reprend." in clerk.page
        await clerk.send("/console/facturation/suspendre", mo="")
        assert "Les planifications de facturation sont suspendues" in clerk.page
    statuses = await api.desks.billing.schedule_status()
    # The invoices' schedules are paused; the daily headcount never is.
    assert [status.paused for status in statuses] == [True, True, False]
    assert api.desks.billing.paused_mos() == {}
    assert all(isinstance(at, datetime) for status in statuses for at in status.next_runs)
