"""What every desk checks of a request before it speaks to a workflow: the MO and the agent
exist, and an id has its process's shape (so a malformed one never reaches the engine)."""

from __future__ import annotations

import re

from adapters.ports import Directory
from starter.desks.errors import InvalidInput


def require_mo(directory: Directory, code: str) -> None:
    if directory.mo(code) is None:
        raise InvalidInput(f"mo: {code} is not a client MO of the CA")


def require_agent(directory: Directory, code: str) -> None:
    agent = directory.agent(code)
    if agent is None or not agent.active:
        raise InvalidInput(f"agent: {code} is not an active agent of the CA")


def checked_id(pattern: re.Pattern[str], workflow_id: str, what: str, example: str) -> str:
    """`workflow_id` if it has the process's shape; else one sentence with an example."""
    if not pattern.match(workflow_id):
        raise InvalidInput(f"id: {workflow_id!r} is not {what} like {example}")
    return workflow_id
