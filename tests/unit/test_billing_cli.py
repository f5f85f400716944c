"""`sagir-desk billing`: what a person types wrong is one sentence naming the field on standard
error and exit code 2, before anything reaches the engine or the database (none runs here, and
no token is set: a command that went further would say so instead)."""

from __future__ import annotations

import pytest

from starter.cli.main import main

PAY = ("billing", "pay", "F-2026-000001")
AGREE = ("billing", "agreement", "set", "--first-day", "2026-04-01")


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exited:
        main(args)
    _, err = capsys.readouterr()
    return int(exited.value.code or 0), err.strip()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            [*PAY, "--amount", "-5"],
            "amount: '-5' is not an amount above 0 to the cent, like 16250.00",
        ),
        (
            [*PAY, "--amount", "16250.005"],
            "amount: '16250.005' is not an amount above 0 to the cent, like 16250.00",
        ),
        (
            [*PAY, "--amount", "seize mille"],
            "amount: 'seize mille' is not an amount above 0 to the cent, like 16250.00",
        ),
        (
            [*PAY, "--amount", "100", "--paid-on", "2026-12-32"],
            "paid_on: '2026-12-32' is not a date like 2026-12-07",
        ),
        (
            ["billing", "invoice", "issue", "--mo", "MTQ", "--month", "2026-13"],
            "month: '2026-13' is not a month like 2026-11",
        ),
        (
            ["billing", "schedule", "backfill", "--month", "octobre"],
            "month: 'octobre' is not a month like 2026-11",
        ),
        (
            ["billing", "invoice", "adjust", "--mo", "MTQ", "--year", "2026-2027"],
            "year: '2026-2027' is not a fiscal year like 2026 (April 2026 to March 2027)",
        ),
        (
            ["billing", "invoices", "--mo", "mtq"],
            "mo: 'mtq' is not an MO code like MTQ",
        ),
        (
            [*AGREE, "--mo", "MTQ", "--estimated", "mille", "--contact", "f@mtq.gouv.qc.ca"],
            "estimated_headcount: 'mille' is not a whole number of employees",
        ),
        (
            [*AGREE, "--mo", "MTQ", "--estimated", "0", "--contact", "f@mtq.gouv.qc.ca"],
            "estimated_headcount: Input should be greater than or equal to 1",
        ),
        (
            [*AGREE, "--mo", "MTQ", "--estimated", "1000", "--contact", "finances"],
            "billing_contact: give one email address, like finances@mtq.gouv.qc.ca",
        ),
        (
            ["billing", "rate", "add", "--rate", "0", "--from", "2027-04-01"],
            "rate: '0' is not an amount above 0 to the cent, like 204.00",
        ),
        (
            ["billing", "rate", "add", "--rate", "204.00", "--from", "avril"],
            "valid_from: 'avril' is not a date like 2026-12-07",
        ),
    ],
)
def test_bad_billing_input_is_one_sentence_naming_the_field_and_exit_code_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = run(args, capsys)
    assert (code, err) == (2, f"sagir-desk: {message}")
