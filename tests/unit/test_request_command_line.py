"""`sagir-desk param|access|password|registre|training|token|audit|report`: bad input is one
sentence and exit code 2, before anything reaches the engine or the database (none runs here: a
command that tried to reach one would exit 1)."""

from __future__ import annotations

import pytest

from starter.cli.main import main

REQUEST = ("--description", "besoin", "--authorised-by", "30001", "--by", "rh-mtq")
MAIL = ("--mo-email", "sagir@mtq.example")


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exited:
        main(args)
    _, err = capsys.readouterr()
    return int(exited.value.code or 0), err.strip()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            [
                "param",
                "submit",
                "--kind",
                "grant_powers",
                "--mo",
                "MTQ",
                "--beneficiary",
                "52310",
                "--scope",
                "centre_de_couts",
                "--scope-code",
                "CC-1",
                "--amount",
                "lots",
                "--valid-from",
                "2027-01-01",
                *REQUEST,
                *MAIL,
            ],
            "--amount: 'lots' is not an amount like 50000.00",
        ),
        (
            [
                "param",
                "submit",
                "--kind",
                "grant_powers",
                "--mo",
                "MTQ",
                "--beneficiary",
                "52310",
                "--scope",
                "centre_de_couts",
                "--scope-code",
                "CC-1",
                "--amount",
                "-5",
                "--valid-from",
                "2027-01-01",
                *REQUEST,
                *MAIL,
            ],
            "amount_limit: Input should be greater than 0",
        ),
        (
            [
                "param",
                "submit",
                "--kind",
                "create_responsibility",
                "--mo",
                "MTQ",
                "--beneficiary",
                "52310",
                *REQUEST,
                *MAIL,
            ],
            "beneficiary: a create_responsibility request has none",
        ),
        (
            ["param", "submit", "--kind", "modify_responsibility", "--mo", "MTQ", *REQUEST, *MAIL],
            "responsibility: name the responsibility to modify",
        ),
        (
            [
                "param",
                "submit",
                "--kind",
                "change_cloisonnement",
                "--mo",
                "MTQ",
                "--beneficiary",
                "52310",
                *REQUEST,
                *MAIL,
            ],
            "partition_group: required to change a cloisonnement",
        ),
        (
            ["access", "request", "--mo", "MTQ", "--employee", "52310", *REQUEST, *MAIL],
            "grant, remove: an access request grants or removes something",
        ),
        (
            [
                "access",
                "request",
                "--mo",
                "MTQ",
                "--employee",
                "52310",
                "--grant",
                "RF-A",
                "--remove",
                "RF-A",
                *REQUEST,
                *MAIL,
            ],
            "grant, remove: a responsibility cannot be granted and removed",
        ),
        (
            [
                "access",
                "request",
                "--mo",
                "MTQ",
                "--employee",
                "52310",
                "--grant",
                "RF-A",
                *REQUEST,
                "--mo-email",
                "nowhere",
            ],
            "mo_email: value is not a valid email address",
        ),
        (
            [
                "param",
                "complete",
                "param-MTQ-2026-000001",
                "--agent",
                "agent-roy",
                "--code",
                "MTQ-RF-X",
                "--name",
                "Nom",
                "--module",
                "RF",
                "--data-scope",
                "DGF",
            ],
            "transactions: List should have at least 1 item",
        ),
        (
            [
                "password",
                "reset",
                "--mo",
                "MTQ",
                "--employee",
                "52310",
                "--birth-day",
                "32",
                "--birth-month",
                "8",
                "--agent",
                "agent-roy",
            ],
            "birth_day: Input should be less than or equal to 31",
        ),
        (
            [
                "registre",
                "declare",
                "--mo",
                "MTQ",
                "--employee",
                "30009",
                "--kind",
                "releve",
                "--from",
                "2026-12-01",
                "--by",
                "pa-mtq",
            ],
            "a relève is the relève of a personne autorisée",
        ),
        (
            [
                "registre",
                "declare",
                "--mo",
                "MTQ",
                "--employee",
                "30009",
                "--kind",
                "personne_autorisee",
                "--from",
                "2026-12-01",
                "--until",
                "2026-11-01",
                "--by",
                "pa-mtq",
            ],
            "valid_until: must be on or after valid_from",
        ),
        (
            ["registre", "end", "3", "--mo", "MTQ", "--on", "demain", "--by", "pa-mtq"],
            "--on: 'demain' is not a date like 2026-12-07",
        ),
        (
            [
                "registre",
                "absence",
                "declare",
                "1",
                "--mo",
                "MTQ",
                "--from",
                "2026-12-18",
                "--until",
                "2026-12-07",
                "--by",
                "30001",
            ],
            "absent_until: must be on or after absent_from",
        ),
        (
            [
                "registre",
                "declare",
                "--mo",
                "MTQ",
                "--employee",
                "30009",
                "--kind",
                "personne_autorisee",
                "--releve",
                "30009",
                "--from",
                "2026-12-01",
                "--by",
                "pa-mtq",
            ],
            "releve: a relève is another person than the personne autorisée",
        ),
        (
            [
                "training",
                "enrol",
                "--session",
                "RF101-2027-01",
                "--mo",
                "MTQ",
                "--employee",
                "52-310",
                "--basis",
                "mo_instruction",
                "--agent",
                "agent-roy",
            ],
            "employee_number: String should match pattern",
        ),
        (
            ["token", "create", "--role", "mo_hr", "--subject", "rh-mtq"],
            "mo: the mo_hr role acts for one MO; name it",
        ),
        (
            ["token", "create", "--role", "auditor", "--mo", "MTQ", "--subject", "v"],
            "mo: the auditor role spans every MO; name none",
        ),
        (["audit", "list", "--since", "hier"], "--since: 'hier' is not a date like 2026-12-07"),
        (["report", "sla", "--month", "2026-13"], "month: '2026-13' is not a month like 2026-11"),
    ],
)
def test_bad_request_input_is_one_sentence_and_exit_code_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = run(args, capsys)
    assert code == 2
    assert err.startswith("sagir-desk: ") and message in err and "\n" not in err


def test_an_unknown_parameterisation_kind_is_refused_with_the_kinds_allowed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, err = run(["param", "submit", "--kind", "access", "--mo", "MTQ", *REQUEST, *MAIL], capsys)
    assert code == 2
    assert "'access' is not one of" in err and "create_responsibility" in err
