"""What every desk checks of a request before it speaks to a workflow: the MO and the agent
exist, an id has its process's shape (so a malformed one never reaches the engine), and a list's
cursor is one the list gave."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from adapters.ports import Directory
from models.requests import ListQuery, Page
from models.tickets import MO_CODE_PATTERN
from starter.desks.errors import InvalidInput, parse


def require_mo(directory: Directory, code: str) -> None:
    if directory.mo(code) is None:
        raise InvalidInput(f"mo: {code} is not a client MO of the CA")


def require_agent(directory: Directory, code: str) -> None:
    agent = directory.agent(code)
    if agent is None or not agent.active:
        raise InvalidInput(f"agent: {code} is not an active agent of the CA")


def checked_mo(mo: str | None) -> str | None:
    """An MO code to filter a list by (none: every MO the caller sees)."""
    if mo is not None and not re.fullmatch(MO_CODE_PATTERN, mo):
        raise InvalidInput(f"mo: {mo!r} is not an MO code like MTQ")
    return mo


def checked_id(pattern: re.Pattern[str], workflow_id: str, what: str, example: str) -> str:
    """`workflow_id` if it has the process's shape; else one sentence with an example."""
    if not pattern.match(workflow_id):
        raise InvalidInput(f"id: {workflow_id!r} is not {what} like {example}")
    return workflow_id


def paged(read: Callable[[ListQuery], Page], **query: Any) -> Page:
    """A page of the desk's records; a bad limit or a cursor the list did not give is one
    sentence."""
    checked = parse(ListQuery, **query)
    try:
        return read(checked)
    except ValueError:
        raise InvalidInput("cursor: is not a cursor this list gave") from None


class RecentPages:
    """Pages read in the last `seconds`, by query: the queue every agent refreshes is read from
    the database once a second per process, not once per agent. A page is at most that much
    older than the records, which themselves follow the workflows a moment behind."""

    def __init__(self, seconds: float = 1.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._seconds = seconds
        self._clock = clock
        self._pages: dict[ListQuery, tuple[float, Page]] = {}

    def read(self, read: Callable[[ListQuery], Page]) -> Callable[[ListQuery], Page]:
        def cached(query: ListQuery) -> Page:
            now = self._clock()
            kept = self._pages.get(query)
            if kept is not None and now - kept[0] < self._seconds:
                return kept[1]
            found = read(query)
            if len(self._pages) > 1000:  # many filters and cursors: start again
                self._pages.clear()
            self._pages[query] = (now, found)
            return found

        return cached
