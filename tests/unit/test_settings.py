"""Configuration comes only from the documented variables."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from starter.settings import Settings


def test_home_is_sagir_home_not_the_users_home(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SAGIR_HOME", raising=False)
    monkeypatch.setenv("HOME", "/somewhere/else")
    settings = Settings()
    assert settings.home == Path(".sagir")
    assert settings.database_url.endswith("/.sagir/sagir.db")


def test_extra_closures_are_comma_separated_dates(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAGIR_EXTRA_CLOSURES", "2026-12-28, 2026-12-29")
    settings = Settings()
    assert settings.extra_closures == (date(2026, 12, 28), date(2026, 12, 29))
    assert not settings.calendar.is_open_day(date(2026, 12, 28))


def test_a_bad_closure_date_is_refused_with_the_variable_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SAGIR_EXTRA_CLOSURES", "2026-12-28,tomorrow")
    with pytest.raises(ValueError, match="SAGIR_EXTRA_CLOSURES must be dates"):
        Settings()


def test_the_engine_port_follows_temporal_address(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEMPORAL_ADDRESS", "127.0.0.1:17233")
    monkeypatch.delenv("SAGIR_UI_PORT", raising=False)
    assert (Settings().temporal_port, Settings().temporal_ui_port) == (17233, 18233)


def test_a_bad_smtp_url_is_one_sentence_naming_the_variable_never_its_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from starter.cli.session import settings
    from starter.desks.errors import InvalidInput

    monkeypatch.setenv("SAGIR_SMTP_URL", "http://relai:s3cret-pw@mail.example:25")
    with pytest.raises(InvalidInput) as refused:
        settings()
    assert str(refused.value).startswith("configuration: SAGIR_SMTP_URL must read smtp://")
    with pytest.raises(ValueError) as raw:
        Settings()
    assert "s3cret-pw" not in str(raw.value)


def test_the_smtp_url_gives_the_server_and_never_shows_its_credentials(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SAGIR_SMTP_URL", "smtps://relai-sagir:s3cret%40pw@smtp.gouv.example")
    settings = Settings()
    server = settings.smtp_server
    assert server is not None
    assert (server.host, server.port, server.username, server.password) == (
        "smtp.gouv.example",
        465,
        "relai-sagir",
        "s3cret@pw",
    )
    assert server.shown == "smtps://smtp.gouv.example:465"
    assert "s3cret" not in repr(server) and "s3cret" not in repr(settings)


def test_without_an_smtp_url_no_relay_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SAGIR_SMTP_URL", raising=False)
    settings = Settings()
    assert settings.smtp_server is None
    assert (settings.smtp_max_attempts, settings.mail_relay_seconds) == (8, 15)
    assert settings.mail_from == "Centre d'assistance SAGIR <assistance@sagir-desk.local>"


def test_a_ticket_continue_after_events_out_of_its_range_is_refused_with_the_variable_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SAGIR_TICKET_CONTINUE_AFTER_EVENTS", "5")
    with pytest.raises(ValueError, match="SAGIR_TICKET_CONTINUE_AFTER_EVENTS"):
        Settings()
