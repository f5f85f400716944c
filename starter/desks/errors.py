"""Errors a caller can act on, and the one sentence a bad input becomes. Each message is one
sentence naming the field or step and the rule: the command line makes every `DeskError` exit
code 2, the API a 4xx."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from pydantic import BaseModel

# Imported by the command line's entry point: pydantic loads only when a contract is built.
Model = TypeVar("Model", bound="BaseModel")

# Where the API's validator says a field came from: not part of the field's name.
_REQUEST_PARTS = ("body", "query", "path", "header")


class DeskError(Exception):
    """Base: something the caller asked for that the desk will not do."""


class InvalidInput(DeskError):
    """A field breaks a rule (HTTP 422)."""


class NotFound(DeskError):
    """No such record, or one the caller may not see (HTTP 404)."""


class Refused(DeskError):
    """A step that does not fit the current state (HTTP 409)."""


class AlreadyRunning(Refused):
    """A workflow with this id runs already (HTTP 409)."""

    def __init__(self, workflow_id: str) -> None:
        super().__init__(f"{workflow_id} is already in progress; show it to see where it stands")
        self.workflow_id = workflow_id


class Unauthenticated(DeskError):
    """No valid token (HTTP 401)."""


class Forbidden(DeskError):
    """The caller's role may not do this (HTTP 403)."""


class Unavailable(Exception):
    """The engine or the database cannot be reached: not the caller's input (exit code 1)."""


def one_sentence(errors: Sequence[Mapping[str, Any]], request: bool = False) -> str:
    """The first of pydantic's validation errors as one sentence naming its field: the command
    line's (a contract built from options) and the API's (a request's body, query or path)."""
    if not errors:
        return "the input is not valid"
    detail = errors[0]
    if detail.get("type") == "json_invalid":
        return "body: is not valid JSON"
    # A rule across fields (a model validator) already names its field in its sentence.
    message = str(detail.get("msg", "invalid")).removeprefix("Value error, ")
    place = [str(part) for part in detail.get("loc", ())]
    # A request's errors begin with its part (a field may be called `body` too: it stays).
    where = place[1:] if request and place and place[0] in _REQUEST_PARTS else place
    if not where:
        return "body: required" if detail.get("type") == "missing" else message
    return f"{'.'.join(where)}: {message}"


def parse(model: type[Model], **fields: Any) -> Model:
    """Build a contract from what a person gave; a bad field is `InvalidInput`, one sentence."""
    from pydantic import ValidationError

    try:
        return model(**fields)
    except ValidationError as error:
        raise InvalidInput(one_sentence(error.errors())) from None
