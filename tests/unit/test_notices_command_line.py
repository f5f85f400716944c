"""`sagir-desk notices`: a supervisor reads a notice's template, previews it, and checks the
ones they changed; a mistake is exit code 2 naming the file."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from starter.cli.main import cli


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("SAGIR_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SAGIR_NOTICE_TEMPLATES", str(tmp_path))
    return CliRunner()


def test_a_supervisor_previews_the_question_notice_in_french(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["notices", "show", "ticket_question", "--preview"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Objet : [T-2026-000123] Question du Centre d'assistance")


def test_a_changed_template_is_listed_as_changed_and_shown_from_its_file(
    runner: CliRunner, tmp_path: Path
) -> None:
    (tmp_path / "ticket_closed.fr.txt").write_text("[{{ ticket }}] Fermé\n\nFin.\n")
    listed = runner.invoke(cli, ["notices", "list"])
    [line] = [line for line in listed.output.splitlines() if line.startswith("ticket_closed ")][:1]
    assert "changed" in line and str(tmp_path) in line
    shown = runner.invoke(cli, ["notices", "show", "ticket_closed"])
    assert "[{{ ticket }}] Fermé" in shown.output


def test_a_broken_template_fails_the_check_with_exit_code_2_naming_the_file(
    runner: CliRunner, tmp_path: Path
) -> None:
    (tmp_path / "ticket_question.en.txt").write_text("[{{ ticket }}] Q\n\n{{ nope }}\n")
    result = runner.invoke(cli, ["notices", "check"])
    assert result.exit_code == 2
    assert "ticket_question.en.txt" in result.output and "nope" in result.output


def test_an_unknown_notice_is_exit_code_2(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["notices", "show", "ticket_lost"])
    assert result.exit_code == 2 and "ticket_lost" in result.output
