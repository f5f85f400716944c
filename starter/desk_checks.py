"""Checks every desk service makes before speaking to a workflow, and how it reads a refusal."""

from __future__ import annotations

from temporalio.client import WorkflowUpdateFailedError

from adapters.ports import Directory
from starter.errors import InvalidInput


def require_mo(directory: Directory, code: str) -> None:
    if directory.mo(code) is None:
        raise InvalidInput(f"mo: {code} is not a client MO of the CA")


def require_agent(directory: Directory, code: str) -> None:
    agent = directory.agent(code)
    if agent is None or not agent.active:
        raise InvalidInput(f"agent: {code} is not an active agent of the CA")


def checked_mo_code(mo: str) -> str:
    """An MO code safe to put in a visibility query."""
    if not mo.isalnum():
        raise InvalidInput(f"mo: {mo!r} is not an MO code")
    return mo


def refusal_reason(failed: WorkflowUpdateFailedError) -> str:
    """The refusal's own sentence, as the workflow's validator or handler wrote it."""
    cause = failed.cause
    return getattr(cause, "message", None) or str(cause or failed)
