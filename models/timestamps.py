"""Reading the timestamps people type: ISO 8601, Montreal local time when no offset is given."""

from __future__ import annotations

from datetime import UTC, datetime

from models.service_calendar import MONTREAL


def parse_instant(text: str) -> datetime:
    """`text` as an aware datetime; ValueError with a sentence a person can act on."""
    cleaned = text.strip()
    try:
        value = datetime.fromisoformat(cleaned)
    except ValueError:
        raise ValueError(
            f"timestamp {cleaned!r} is not ISO 8601 (like 2026-11-23T10:00 or "
            "2026-11-23T10:00-05:00)"
        ) from None
    if value.tzinfo is not None:
        return value
    local = value.replace(tzinfo=MONTREAL)
    # A local time skipped by the spring change does not survive a round trip through UTC.
    if local.astimezone(UTC).astimezone(MONTREAL).replace(tzinfo=None) != value:
        raise ValueError(
            f"timestamp {cleaned!r} does not exist in America/Montreal (clocks jump forward "
            "that night); give a UTC offset"
        )
    return local


def local_text(instant: datetime | None) -> str:
    """How people read an instant: Montreal time to the minute ("-" when there is none)."""
    if instant is None:
        return "-"
    return instant.astimezone(MONTREAL).strftime("%Y-%m-%d %H:%M %Z")
