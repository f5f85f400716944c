"""The engine's visibility query every desk lists with: the search attributes' clauses, each
value checked before it goes into the query text."""

from __future__ import annotations

from datetime import date

from starter.desk_checks import checked_mo_code
from starter.errors import InvalidInput
from workflows import search_attributes as sa

PROCESSES = ("ticket", "arrivee", "depart", "param", "acces", "motdepasse", "formation")


def visibility_query(
    process: str | None = None,
    mo: str | None = None,
    status: str | None = None,
    breached: bool | None = None,
    late_notice: bool | None = None,
    since: date | None = None,
    until: date | None = None,
) -> str | None:
    """The clauses joined by AND (None: every workflow)."""
    clauses = []
    if process is not None:
        if process not in PROCESSES:
            raise InvalidInput(f"process: {process!r} is not one of {', '.join(PROCESSES)}")
        clauses.append(f"{sa.PROCESS.name} = '{process}'")
    if mo is not None:
        clauses.append(f"{sa.MO.name} = '{checked_mo_code(mo)}'")
    if status is not None:
        if not status.replace("_", "").isalnum():
            raise InvalidInput(f"status: {status!r} is not a status")
        clauses.append(f"{sa.STATUS.name} = '{status}'")
    if breached is not None:
        clauses.append(f"{sa.BREACHED.name} = {str(breached).lower()}")
    if late_notice is not None:
        clauses.append(f"{sa.LATE_NOTICE.name} = {str(late_notice).lower()}")
    if since is not None:
        clauses.append(f"StartTime >= '{since.isoformat()}T00:00:00Z'")
    if until is not None:
        clauses.append(f"StartTime < '{until.isoformat()}T23:59:59Z'")
    return " AND ".join(clauses) or None
