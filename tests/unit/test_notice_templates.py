"""Issue 12, "from templates a CA supervisor can read and change without touching code": every
notice renders in French and English, dates read as a person says them, and a supervisor's
template replaces the shipped one (a broken one never loses the notice)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from adapters.jinja_notices import NoticeTemplates, rendered_samples
from models.notices import SAMPLES, Template, Wording
from models.tickets import Language


def test_every_notice_renders_in_french_and_in_english_with_a_subject_and_a_body() -> None:
    rendered = rendered_samples(NoticeTemplates())
    assert len(rendered) == 2 * len(Template)
    for (template, language), text in rendered.items():
        subject, _, body = text.partition("\n\n")
        assert subject and "\n" not in subject, template
        assert body.startswith("Bonjour," if language is Language.fr else "Hello,"), template


def test_the_deadline_of_an_acknowledgement_reads_in_quebec_french_in_montreal_time() -> None:
    notice = NoticeTemplates().render(
        Wording(template=Template.ticket_received, values=SAMPLES[Template.ticket_received]),
        Language.fr,
    )
    # 15:00 UTC on 24 November is 10:00 in Montréal.
    assert "Prise en charge au plus tard le mardi 24 novembre 2026 à 10 h 00." in notice.body
    assert notice.subject == (
        "[T-2026-000123] Votre demande est reçue : Écran de saisie des factures bloqué"
    )


def test_the_first_of_the_month_reads_1er() -> None:
    values = SAMPLES[Template.ticket_reopen_window_ending] | {
        "reopen_until": "2026-12-01T21:00:00+00:00"
    }
    notice = NoticeTemplates().render(
        Wording(template=Template.ticket_reopen_window_ending, values=values), Language.fr
    )
    assert "le mardi 1er décembre 2026 à 16 h 00" in notice.body


def test_a_supervisors_template_replaces_the_shipped_wording(tmp_path: Path) -> None:
    (tmp_path / "ticket_received.fr.txt").write_text(
        "[{{ ticket }}] Bien reçu\n\nMerci, nous traitons {{ ticket }}.\n", encoding="utf-8"
    )
    templates = NoticeTemplates(tmp_path)
    notice = templates.render(
        Wording(template=Template.ticket_received, values=SAMPLES[Template.ticket_received]),
        Language.fr,
    )
    assert (notice.subject, notice.body) == (
        "[T-2026-000123] Bien reçu",
        "Merci, nous traitons T-2026-000123.\n",
    )
    assert templates.check() == []
    english = templates.render(
        Wording(template=Template.ticket_received, values=SAMPLES[Template.ticket_received]),
        Language.en,
    )
    assert english.subject.startswith("[T-2026-000123] Your request was received")


def test_a_broken_supervisors_template_is_reported_and_the_shipped_wording_sent(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "ticket_question.fr.txt").write_text(
        "[{{ ticket }}] Question\n\n{{ questoin }}\n", encoding="utf-8"
    )
    templates = NoticeTemplates(tmp_path)
    [problem] = templates.check()
    assert "ticket_question.fr.txt" in problem and "questoin" in problem

    values = SAMPLES[Template.ticket_question] | {"question": "Quel numéro voyez-vous ?"}
    with caplog.at_level(logging.ERROR):
        notice = templates.render(
            Wording(template=Template.ticket_question, values=values), Language.fr
        )
    assert "Quel numéro voyez-vous ?" in notice.body  # the shipped wording, not lost
    assert "ticket_question.fr.txt" in caplog.text
    assert "Quel numéro" not in caplog.text  # never the values: they may be personal


def test_a_template_without_a_subject_line_is_refused(tmp_path: Path) -> None:
    (tmp_path / "ticket_closed.fr.txt").write_text("Fermé {{ ticket }}\n", encoding="utf-8")
    [problem] = NoticeTemplates(tmp_path).check()
    assert "subject on one line, then a blank line" in problem
