"""Errors a caller can act on. Each message is one sentence naming the field or step and the rule;
the command line turns every one into exit code 2, the API (later) into a 4xx."""

from __future__ import annotations


class DeskError(Exception):
    """Base: something the caller asked for that the desk will not do."""


class InvalidInput(DeskError):
    """A field breaks a rule (HTTP 422)."""


class NotFound(DeskError):
    """No such ticket or request (HTTP 404)."""


class Refused(DeskError):
    """A step that does not fit the current state (HTTP 409)."""


class Unauthenticated(DeskError):
    """No valid token (HTTP 401)."""


class Forbidden(DeskError):
    """The caller's role may not do this (HTTP 403)."""


class Unavailable(Exception):
    """The engine or the database cannot be reached: not the caller's input (exit code 1)."""
