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
