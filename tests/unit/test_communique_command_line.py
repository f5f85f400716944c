"""`sagir-desk communique`: what a person types wrong is one sentence on standard error and exit
code 2, before anything reaches the engine or the database (none runs here: a command that
tried to reach one would exit 1)."""

from __future__ import annotations

from pathlib import Path

import pytest

from starter.cli.main import main

SUBMIT = ("communique", "submit", "--title", "Calendrier de la paie 2027")


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exited:
        main(args)
    _, err = capsys.readouterr()
    return int(exited.value.code or 0), err.strip()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            [*SUBMIT, "--body", "Bonjour", "--group", "nobody"],
            "groups: 'nobody' is not a group; write one of all, responsibility:RF-ACHETEUR, "
            "module:RF, managers, self-service, list:NAME",
        ),
        (
            [*SUBMIT, "--body", "Bonjour", "--group", "module:XX"],
            "groups: module:XX is not a SAGIR module (RF, RM, RH, EI, LS)",
        ),
        (
            [*SUBMIT, "--body", "Bonjour", "--group", "all", "--release-at", "le 12 décembre"],
            "timestamp 'le 12 décembre' is not ISO 8601 (like 2026-11-23T10:00 or "
            "2026-11-23T10:00-05:00)",
        ),
        ([*SUBMIT, "--group", "all"], "give either --body TEXT or --body-file PATH"),
        (
            ["communique", "questions", "communique-2026-000001", "--answer", "abc"],
            "--answer QUESTION_ID needs --text and --by",
        ),
        (
            ["communique", "questions", "communique-2026-000001", "--text", "Oui"],
            "--text and --by go with --answer QUESTION_ID",
        ),
    ],
)
def test_bad_communique_input_is_one_sentence_and_exit_code_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = run(args, capsys)
    assert (code, err) == (2, f"sagir-desk: {message}")


def test_a_body_and_a_body_file_together_are_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    body = tmp_path / "communique.txt"
    body.write_text("Bonjour\n", encoding="utf-8")
    code, err = run([*SUBMIT, "--body", "x", "--body-file", str(body), "--group", "all"], capsys)
    assert (code, err) == (2, "sagir-desk: give either --body TEXT or --body-file PATH")
