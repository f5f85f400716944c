"""Who may do what, for every guarded desk: the RULES.md roles matrix (`models/roles.py`), an
MO's role acting for its own MO only, a caller acting under their own name, and another MO's
records answered as if they did not exist."""

from __future__ import annotations

from models.roles import Action, Caller, roles_allowed
from starter.desks.errors import Forbidden, NotFound


def authorize(caller: Caller, action: Action, mo: str | None = None, record: str = "") -> None:
    """Refuse an action the caller's role may not take (403), and a record of another MO as if
    it did not exist (404: its id reveals nothing)."""
    if not caller.may(action):
        raise Forbidden(
            f"role: the {caller.role.value} role may not {action.value} "
            f"(allowed: {', '.join(roles_allowed(action))})"
        )
    if mo is not None and not caller.sees(mo):
        raise NotFound(f"{record or 'the record'} does not exist")


def acting_as_self(caller: Caller, field: str, given: str) -> None:
    """A caller acts under their own name: the request's `field` must be them."""
    if given != caller.subject:
        raise Forbidden(f"{field}: {given} is not you ({caller.subject}); act under your own name")


def own_mo(caller: Caller, mo: str) -> None:
    """An MO's role acts for its own MO only."""
    if not caller.spans_mos and caller.mo != mo:
        raise Forbidden(f"mo: you act for {caller.mo}, not {mo}")


def listing_scope(caller: Caller, mo: str | None) -> tuple[bool, str | None]:
    """Whether a listing can hold anything for the caller, and the MO the engine's query is
    limited to: an MO's role lists its own MO only (asking for another finds nothing)."""
    if caller.spans_mos:
        return True, mo
    return mo in (None, caller.mo), caller.mo
