"""The web console's sessions in the desk's database. The cookie holds a 256-bit random secret;
only its SHA-256 is kept, so a copy of the table opens no session. A session opened with a token
stands only while that token does: revoking the token ends it at the next request."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from adapters.database import ApiTokenRow, ConsoleSessionRow, UnitOfWork
from models.roles import Caller, Role


class SqlConsoleSessions:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def open(self, caller: Caller, token_id: str | None, at: datetime, lasts: timedelta) -> str:
        """A new session for `caller`; its secret (the cookie's value), shown only here."""
        secret = secrets.token_urlsafe(32)
        with self._uow.begin() as session:
            session.add(
                ConsoleSessionRow(
                    id=_digest(secret),
                    token_id=token_id,
                    role=caller.role.value,
                    mo_code=caller.mo,
                    subject=caller.subject,
                    created_at=at,
                    expires_at=at + lasts,
                )
            )
        return secret

    def caller(self, secret: str, at: datetime) -> Caller | None:
        """Who a session stands for; None when it is unknown, ended, expired or its token was
        revoked."""
        with self._uow.begin() as session:
            row = session.get(ConsoleSessionRow, _digest(secret))
            if row is None or row.ended_at is not None or row.expires_at <= at:
                return None
            if row.token_id is not None:
                token = session.get(ApiTokenRow, row.token_id)
                if token is None or token.revoked_at is not None:
                    return None
            return Caller(role=Role(row.role), mo=row.mo_code, subject=row.subject)

    def end(self, secret: str, at: datetime) -> None:
        with self._uow.begin() as session:
            row = session.get(ConsoleSessionRow, _digest(secret))
            if row is not None and row.ended_at is None:
                row.ended_at = at


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
