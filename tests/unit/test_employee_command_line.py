"""`sagir-desk arrival|departure`: bad input is one sentence and exit code 2, before anything
reaches the engine (no engine runs here: a command that tried to reach one would exit 1)."""

from __future__ import annotations

import pytest

from starter.cli.main import main

ARRIVAL = [
    *("arrival", "start", "--mo", "MTQ", "--employee", "45871", "--start-date", "2099-01-04"),
    *("--authorised-by", "30001", "--by", "rh-mtq", "--hr-email", "rh@mtq.example"),
]
DEPARTURE = [
    *("departure", "notify", "--mo", "MTQ", "--employee", "45871", "--date", "2099-01-04"),
    *("--by", "rh-mtq", "--birth-day", "14", "--birth-month", "3"),
]


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exited:
        main(args)
    _, err = capsys.readouterr()
    return int(exited.value.code or 0), err.strip()


def replaced(args: list[str], option: str, value: str) -> list[str]:
    changed = list(args)
    changed[changed.index(option) + 1] = value
    return changed


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--start-date", "next monday", "sagir-desk: --start-date: 'next monday' is not a date"),
        ("--employee", "45-871", "sagir-desk: employee_number: String should match pattern"),
        ("--hr-email", "rh-at-mtq", "sagir-desk: hr_email: value is not a valid email address"),
        ("--authorised-by", "boss", "sagir-desk: authorised_by: String should match pattern"),
    ],
)
def test_bad_arrival_input_is_one_sentence_and_exit_code_2(
    option: str, value: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = run(replaced(ARRIVAL, option, value), capsys)
    assert code == 2
    assert err.startswith(message) and "\n" not in err


def test_a_special_parameter_must_read_name_equals_value(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, err = run([*ARRIVAL, "--param", "langue"], capsys)
    assert (code, err) == (2, "sagir-desk: --param: 'langue' must read NAME=VALUE")


def test_an_arrival_without_hr_email_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    without = ARRIVAL[: ARRIVAL.index("--hr-email")]
    code, err = run(without, capsys)
    assert code == 2 and "--hr-email" in err


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        (
            "--birth-month",
            "13",
            "sagir-desk: birth_month: Input should be less than or equal to 12",
        ),
        ("--birth-day", "0", "sagir-desk: birth_day: Input should be greater than or equal to 1"),
        ("--date", "2099-02-30", "sagir-desk: --date: '2099-02-30' is not a date"),
    ],
)
def test_bad_departure_input_is_one_sentence_and_exit_code_2(
    option: str, value: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = run(replaced(DEPARTURE, option, value), capsys)
    assert code == 2
    assert err.startswith(message) and "\n" not in err
