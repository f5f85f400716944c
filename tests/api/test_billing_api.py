"""Billing over HTTP (issue 15): the CA's billing clerk keeps the agreements and the rate grid,
issues an MO's invoice of a month once (1,000 employees at 195 $ a year: 16 250,00 $), hands
out its PDF and records its payments (a payment sent twice under one reference counts once);
an MO's finance officer reads its own MO's invoices and nothing of another's; the supervisors
and the auditors read everything and change nothing; a bad field is one sentence naming it."""

from __future__ import annotations

import asyncio
import calendar
import csv
import io
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from pypdf import PdfReader
from temporalio.testing import WorkflowEnvironment

from adapters.database import UnitOfWork
from adapters.sql_billing import SqlBilling
from models.billing import Period
from models.roles import Caller, Role
from starter.client import ensure_billing_schedules
from tests.api.api_harness import CALLERS, Api, running_api
from workflows import billing

CLERK = Caller(role=Role.ca_billing, subject="facturation-roy")
MTQ_FINANCE = Caller(role=Role.mo_finance, mo="MTQ", subject="finances-mtq")
MSSS_FINANCE = Caller(role=Role.mo_finance, mo="MSSS", subject="finances-msss")
AUDITOR, SUPERVISOR = CALLERS[Role.auditor], CALLERS[Role.ca_supervisor]
MONTH_OF_1000 = "16250.00"  # 1,000 employees x 195.00 $ / 12


@pytest.fixture
async def api(
    local_env: WorkflowEnvironment, demo_uow: UnitOfWork, task_queue: str
) -> AsyncIterator[Api]:
    async with running_api(local_env, demo_uow, task_queue) as running:
        yield running


def one_sentence(answer: httpx.Response, status: int, starts: str) -> None:
    assert answer.status_code == status, answer.text
    detail = answer.json()["detail"]
    assert detail.startswith(starts) and "\n" not in detail, detail


def ok(answer: httpx.Response, status: int = 200) -> Any:
    assert answer.status_code == status, answer.text
    return answer.json()


async def agreed(api: Api, *mos: str, estimated: int = 1000) -> None:
    """The grid's rate (195 $ since 2020) and each MO's agreement from April 1, 2026."""
    ok(
        await api.call(
            CLERK,
            "POST",
            "/billing/rates",
            {"per_employee_per_year": "195.00", "valid_from": "2020-04-01"},
        ),
        201,
    )
    for mo in mos:
        ok(
            await api.call(
                CLERK,
                "PUT",
                f"/billing/agreements/{mo}",
                {
                    "first_day": "2026-04-01",
                    "estimated_headcount": estimated,
                    "billing_contact": f"finances@{mo.lower()}.example",
                },
            )
        )


async def issued(api: Api, mo: str = "MTQ", month: str = "2026-11") -> dict[str, Any]:
    """The MO's invoice of `month`, issued by the clerk: its state, numbered."""
    state: dict[str, Any] = ok(
        await api.call(CLERK, "POST", "/billing/invoices", {"mo": mo, "month": month}), 201
    )
    assert state["invoice"] is not None, state
    return state


def today(api: Api) -> str:
    return api.desks.billing.today().isoformat()


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


async def until(read: Callable[[], Awaitable[Any]], check: Callable[[Any], bool]) -> Any:
    """`read()`'s value once `check` holds (the engine's runs and activities in real time)."""
    value = await read()
    for _ in range(300):
        if check(value):
            return value
        await asyncio.sleep(0.1)
        value = await read()
    raise AssertionError(f"condition never held; last value {value!r}")


async def test_1000_employees_at_195_dollars_are_invoiced_16_250_dollars_for_a_month_once(
    api: Api,
) -> None:
    await agreed(api, "MTQ")
    state = await issued(api)
    invoice = state["invoice"]
    assert (state["key"], state["mo"], state["status"]) == ("facture-MTQ-2026-11", "MTQ", "issued")
    assert (invoice["amount"], Decimal(invoice["headcount"]), invoice["rate"]) == (
        MONTH_OF_1000,
        1000,
        "195.00",
    )
    assert invoice["number"].startswith("F-2026-")
    assert (state["paid"], state["outstanding"]) == ("0.00", MONTH_OF_1000)

    again = await api.call(CLERK, "POST", "/billing/invoices", {"mo": "MTQ", "month": "2026-11"})
    one_sentence(again, 409, "facture-MTQ-2026-11: this invoice was issued already")
    assert invoice["number"] in again.json()["detail"]
    listed = ok(await api.call(CLERK, "GET", "/billing/invoices?mo=MTQ"))
    assert [one["invoice"]["number"] for one in listed] == [invoice["number"]]
    by_key = ok(await api.call(CLERK, "GET", "/billing/invoices/facture-MTQ-2026-11"))
    assert by_key["invoice"] == invoice


async def test_an_invoices_pdf_is_an_attachment_named_after_its_number_showing_what_is_due(
    api: Api,
) -> None:
    await agreed(api, "MTQ")
    invoice = (await issued(api))["invoice"]
    number = invoice["number"]

    answer = await api.call(MTQ_FINANCE, "GET", f"/billing/invoices/{number}/pdf")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["content-disposition"] == f'attachment; filename="{number}.pdf"'
    text = pdf_text(answer.content)
    for shown in (number, "MTQ", "16 250,00 $", invoice["due_on"]):
        assert shown in text, (shown, text)


async def test_a_partial_payment_then_the_rest_leave_the_invoice_paid(api: Api) -> None:
    await agreed(api, "MTQ")
    number = (await issued(api))["invoice"]["number"]
    path = f"/billing/invoices/{number}/payments"

    part = ok(
        await api.call(
            CLERK, "POST", path, {"amount": "10000.00", "paid_on": today(api), "reference": "V-1"}
        )
    )
    assert (part["status"], part["paid"], part["outstanding"]) == ("issued", "10000.00", "6250.00")
    assert part["payments"][0]["by"] == CLERK.subject  # the caller, never a field of the body

    too_much = await api.call(
        CLERK, "POST", path, {"amount": "6250.01", "paid_on": today(api), "reference": "V-2"}
    )
    one_sentence(too_much, 409, "amount: ")
    assert too_much.json()["detail"].endswith(f"outstanding on {number}")

    rest = ok(
        await api.call(
            CLERK, "POST", path, {"amount": "6250.00", "paid_on": today(api), "reference": "V-2"}
        )
    )
    assert (rest["status"], rest["paid"], rest["outstanding"]) == ("paid", MONTH_OF_1000, "0.00")
    shown = ok(await api.call(MTQ_FINANCE, "GET", f"/billing/invoices/{number}"))
    assert (shown["status"], shown["outstanding"]) == ("paid", "0.00")
    assert ok(await api.call(CLERK, "GET", "/billing/invoices?open=true")) == []

    after = await api.call(
        CLERK, "POST", path, {"amount": "1.00", "paid_on": today(api), "reference": "V-3"}
    )
    assert after.status_code == 409, after.text


async def test_a_payment_sent_twice_under_one_reference_is_recorded_once(api: Api) -> None:
    await agreed(api, "MTQ")
    number = (await issued(api))["invoice"]["number"]
    payment = {"amount": "5000.00", "paid_on": today(api), "reference": "VIR-2026-1187"}

    first = ok(await api.call(CLERK, "POST", f"/billing/invoices/{number}/payments", payment))
    second = ok(await api.call(CLERK, "POST", f"/billing/invoices/{number}/payments", payment))

    assert first["payments"] == second["payments"] and len(second["payments"]) == 1
    shown = ok(await api.call(CLERK, "GET", f"/billing/invoices/{number}"))
    assert (shown["paid"], shown["outstanding"]) == ("5000.00", "11250.00")


async def test_an_mo_finance_officer_reads_its_own_mos_invoices_and_nothing_of_anothers(
    api: Api,
) -> None:
    await agreed(api, "MTQ", "MSSS")
    mtq = (await issued(api, "MTQ"))["invoice"]["number"]
    msss = (await issued(api, "MSSS"))["invoice"]["number"]

    assert ok(await api.call(MTQ_FINANCE, "GET", f"/billing/invoices/{mtq}"))["invoice"]["mo"] == (
        "MTQ"
    )
    for path in (
        f"/billing/invoices/{msss}",
        f"/billing/invoices/{msss}/pdf",
        "/billing/invoices/facture-MSSS-2026-11",
        "/billing/agreements/MSSS",
        "/billing/headcounts/MSSS",
    ):
        assert (await api.call(MTQ_FINANCE, "GET", path)).status_code == 404, path
    listed = ok(await api.call(MTQ_FINANCE, "GET", "/billing/invoices"))
    assert [one["invoice"]["number"] for one in listed] == [mtq]
    assert [one["mo"] for one in ok(await api.call(MTQ_FINANCE, "GET", "/billing/agreements"))] == [
        "MTQ"
    ]
    assert [line["mo"] for line in ok(await api.call(MTQ_FINANCE, "GET", "/billing/report"))] == [
        "MTQ"
    ]
    # Naming another MO in a list is refused: the officer acts for its own MO only.
    assert (await api.call(MTQ_FINANCE, "GET", "/billing/invoices?mo=MSSS")).status_code == 403
    # The other MO's officer sees the other side of the wall.
    listed = ok(await api.call(MSSS_FINANCE, "GET", "/billing/invoices"))
    assert [one["invoice"]["number"] for one in listed] == [msss]


async def test_an_mo_finance_officer_the_supervisor_and_the_auditor_read_and_change_nothing(
    api: Api,
) -> None:
    await agreed(api, "MTQ", "MSSS")
    number = (await issued(api))["invoice"]["number"]
    payment = {"amount": "100.00", "paid_on": today(api), "reference": "V-1"}
    changes = [
        ("POST", f"/billing/invoices/{number}/payments", payment),
        ("POST", "/billing/invoices", {"mo": "MTQ", "month": "2026-10"}),
        ("PUT", "/billing/agreements/MTQ", {"first_day": "2026-04-01"}),
        ("POST", "/billing/rates", {"per_employee_per_year": "1.00", "valid_from": "2026-12-01"}),
        ("POST", "/billing/schedules/pause", {"mo": "MTQ"}),
        ("POST", "/billing/schedules/backfill", {"month": "2026-10", "mo": "MTQ"}),
    ]
    for caller in (MTQ_FINANCE, SUPERVISOR, AUDITOR):
        for method, path, body in changes:
            one_sentence(
                await api.call(caller, method, path, body),
                403,
                f"role: the {caller.role.value} role may not billing.manage",
            )
    for caller in (SUPERVISOR, AUDITOR):
        listed = ok(await api.call(caller, "GET", "/billing/invoices"))
        assert [one["invoice"]["number"] for one in listed] == [number]
        assert len(ok(await api.call(caller, "GET", "/billing/agreements"))) == 2
        assert (await api.call(caller, "GET", f"/billing/invoices/{number}/pdf")).status_code == 200
    shown = ok(await api.call(CLERK, "GET", f"/billing/invoices/{number}"))
    assert (shown["status"], shown["payments"]) == ("issued", [])
    # Someone with no billing role at all reads nothing either.
    one_sentence(
        await api.call(CALLERS[Role.ca_agent], "GET", "/billing/invoices"),
        403,
        "role: the ca_agent role may not billing.read",
    )


async def test_bad_input_is_422_with_one_sentence_naming_the_field(api: Api) -> None:
    await agreed(api, "MTQ")
    number = (await issued(api))["invoice"]["number"]
    cases = [
        (
            "POST",
            "/billing/invoices",
            {"mo": "MTQ", "month": "2026-13"},
            "month: '2026-13' is not a month like 2026-11",
        ),
        (
            "POST",
            f"/billing/invoices/{number}/payments",
            {"amount": "-5.00", "paid_on": today(api), "reference": "V-1"},
            "amount: ",
        ),
        (
            "POST",
            f"/billing/invoices/{number}/payments",
            {"amount": "0", "paid_on": today(api)},
            "amount: ",
        ),
        (
            "POST",
            "/billing/invoices",
            {"mo": "MXYZ", "month": "2026-11"},
            "mo: MXYZ is not a client MO of the CA",
        ),
        (
            "PUT",
            "/billing/agreements/MXYZ",
            {
                "first_day": "2026-04-01",
                "estimated_headcount": 10,
                "billing_contact": "finances@mxyz.example",
            },
            "mo: MXYZ is not a client MO of the CA",
        ),
        (
            "POST",
            "/billing/invoices",
            {"mo": "MELCCFP", "month": "2026-11"},
            "mo: MELCCFP has no shared-services agreement",
        ),
        (
            "POST",
            "/billing/rates",
            {"per_employee_per_year": "-195.00", "valid_from": "2027-04-01"},
            "per_employee_per_year: ",
        ),
        (
            "POST",
            "/billing/schedules/backfill",
            {"month": "2026-1", "mo": "MTQ"},
            "month: '2026-1' is not a month like 2026-11",
        ),
        ("GET", "/billing/invoices?year=26", None, "year: "),
        ("GET", "/billing/invoices/F-26-1", None, "number_or_key: "),
    ]
    for method, path, body, starts in cases:
        one_sentence(await api.call(CLERK, method, path, body), 422, starts)
    # None of them issued, priced or paid anything.
    listed = ok(await api.call(CLERK, "GET", "/billing/invoices"))
    assert [(one["invoice"]["number"], one["payments"]) for one in listed] == [(number, [])]
    assert [rate["valid_from"] for rate in ok(await api.call(CLERK, "GET", "/billing/rates"))] == [
        "2020-04-01"
    ]


async def test_a_rate_from_a_day_the_grid_has_already_is_409_and_the_grid_is_unchanged(
    api: Api,
) -> None:
    await agreed(api)
    changed = {"per_employee_per_year": "200.00", "valid_from": "2020-04-01"}
    again = await api.call(CLERK, "POST", "/billing/rates", changed)
    one_sentence(again, 409, "valid_from: the grid has a rate from 2020-04-01 already")
    assert ok(await api.call(AUDITOR, "GET", "/billing/rates")) == [
        {"per_employee_per_year": "195.00", "valid_from": "2020-04-01"}
    ]


async def test_the_report_csv_has_a_header_row_and_one_row_per_mo(api: Api) -> None:
    await agreed(api, "MTQ", "MSSS")
    number = (await issued(api, "MTQ"))["invoice"]["number"]
    await issued(api, "MSSS")
    ok(
        await api.call(
            CLERK,
            "POST",
            f"/billing/invoices/{number}/payments",
            {"amount": "250.00", "paid_on": today(api)},
        )
    )

    answer = await api.call(AUDITOR, "GET", "/billing/report.csv?year=2026")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(answer.text)))
    assert rows[0] == ["mo", "annee", "facture", "paye", "du", "ajustement", "credite"]
    assert sorted(rows[1:]) == [
        ["MSSS", "2026-2027", MONTH_OF_1000, "0.00", MONTH_OF_1000, "0.00", "0.00"],
        ["MTQ", "2026-2027", MONTH_OF_1000, "250.00", "16000.00", "0.00", "0.00"],
    ]
    lines = ok(await api.call(AUDITOR, "GET", "/billing/report?year=2026&mo=MTQ"))
    assert [(line["mo"], Decimal(line["outstanding"])) for line in lines] == [
        ("MTQ", Decimal("16000.00"))
    ]
    own = await api.call(MTQ_FINANCE, "GET", "/billing/report.csv?year=2026")
    assert [row[0] for row in csv.reader(io.StringIO(own.text))] == ["mo", "MTQ"]
    previous = await api.call(AUDITOR, "GET", "/billing/report.csv?year=2025")
    assert list(csv.reader(io.StringIO(previous.text)))[1:] == []


async def test_the_clerk_pauses_and_resumes_an_mos_billing_and_every_schedule(api: Api) -> None:
    await ensure_billing_schedules(api.harness.env.client, api.settings)
    await agreed(api, "MTQ")
    status = ok(await api.call(SUPERVISOR, "GET", "/billing/schedules"))
    assert {one["id"]: one["paused"] for one in status["schedules"]} == {
        billing.MONTHLY_SCHEDULE: False,
        billing.ADJUSTMENT_SCHEDULE: False,
        billing.HEADCOUNT_SCHEDULE: False,
    }
    assert status["paused"] == []

    paused = ok(await api.call(CLERK, "POST", "/billing/schedules/pause", {"mo": "MTQ"}))
    assert paused["message"].startswith("billing of MTQ paused")
    status = ok(await api.call(AUDITOR, "GET", "/billing/schedules"))
    assert [(one["mo"], one["by"]) for one in status["paused"]] == [("MTQ", CLERK.subject)]
    ok(await api.call(CLERK, "POST", "/billing/schedules/resume", {"mo": "MTQ"}))

    ok(await api.call(CLERK, "POST", "/billing/schedules/pause"))
    status = ok(await api.call(CLERK, "GET", "/billing/schedules"))
    # The invoices' schedules are paused; the daily headcount never is.
    assert {one["id"]: one["paused"] for one in status["schedules"]} == {
        billing.MONTHLY_SCHEDULE: True,
        billing.ADJUSTMENT_SCHEDULE: True,
        billing.HEADCOUNT_SCHEDULE: False,
    }
    assert status["paused"] == []
    ok(await api.call(CLERK, "POST", "/billing/schedules/resume", {}))
    status = ok(await api.call(CLERK, "GET", "/billing/schedules"))
    assert not any(one["paused"] for one in status["schedules"])
    # The schedules are the CA's: an MO's finance officer does not see them.
    assert (await api.call(MTQ_FINANCE, "GET", "/billing/schedules")).status_code == 404


async def test_a_backfilled_month_is_issued_once_for_each_mo(api: Api) -> None:
    await ensure_billing_schedules(api.harness.env.client, api.settings)
    await agreed(api, "MTQ", "MSSS")
    done = ok(
        await api.call(
            CLERK, "POST", "/billing/schedules/backfill", {"month": "2026-10", "mo": "MTQ"}
        )
    )
    assert done["message"].endswith("issued for MTQ, 2026-10"), done
    one_sentence(
        await api.call(CLERK, "POST", "/billing/invoices", {"mo": "MTQ", "month": "2026-10"}),
        409,
        "facture-MTQ-2026-10: this invoice was issued already",
    )

    # The month's run for every MO: MSSS's October is issued, MTQ's is left as it was.
    run = ok(await api.call(CLERK, "POST", "/billing/schedules/backfill", {"month": "2026-10"}))
    assert run["message"].startswith("monthly run of 2026-10 backfilled")
    listed = await until(
        lambda: api.call(AUDITOR, "GET", "/billing/invoices?year=2026"),
        lambda answer: len(answer.json()) == 2,
    )
    assert sorted(one["invoice"]["key"] for one in listed.json()) == [
        "facture-MSSS-2026-10",
        "facture-MTQ-2026-10",
    ]
    coming = f"{api.desks.billing.today().year + 1}-01"
    one_sentence(
        await api.call(CLERK, "POST", "/billing/schedules/backfill", {"month": coming}),
        422,
        f"month: {coming} has not begun",
    )


async def test_the_clerk_issues_a_year_end_adjustment_once_its_year_has_ended(
    api: Api, demo_uow: UnitOfWork
) -> None:
    await agreed(api, "MTQ")
    ok(
        await api.call(
            CLERK,
            "PUT",
            "/billing/agreements/MSSS",
            {
                "first_day": "2025-04-01",
                "estimated_headcount": 1000,
                "billing_contact": "finances@msss.example",
            },
        )
    )
    year = Period(date(2025, 4, 1), date(2026, 3, 31))
    records = SqlBilling(demo_uow, api.settings.mail_keys)
    for month in year.months():  # 1,042 at every month's end; no month was invoiced
        last = month.replace(day=calendar.monthrange(month.year, month.month)[1])
        records.take_snapshot("MSSS", last, 1042, datetime.now(UTC))

    issued_now = ok(
        await api.call(CLERK, "POST", "/billing/adjustments", {"mo": "MSSS", "year": "2025"}),
        201,
    )
    again = await api.call(CLERK, "POST", "/billing/adjustments", {"mo": "MSSS", "year": "2025"})
    not_ended = await api.call(CLERK, "POST", "/billing/adjustments", {"mo": "MTQ", "year": "2026"})
    before = await api.call(CLERK, "POST", "/billing/adjustments", {"mo": "MTQ", "year": "2025"})
    refused = await api.call(
        MTQ_FINANCE, "POST", "/billing/adjustments", {"mo": "MTQ", "year": "2025"}
    )

    # 1,042 for the year, nothing billed yet: 1,042 x 195.00 $ = 203,190.00 $.
    assert issued_now["key"] == "ajustement-MSSS-2025-04-2026-03"
    assert Decimal(issued_now["invoice"]["amount"]) == Decimal("203190.00")
    one_sentence(again, 409, "ajustement-MSSS-2025-04-2026-03: this invoice was issued already")
    one_sentence(not_ended, 409, "year: the period 2026-04-01 to 2027-03-31 has not ended")
    one_sentence(before, 422, "year: MTQ's agreement begins on 2026-04-01")
    assert refused.status_code == 403
