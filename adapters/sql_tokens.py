"""API tokens in the desk's database. A token reads `sdk_<id>.<secret>`; only the SHA-256 of the
secret is stored (the secret is 256 random bits, so a plain hash is enough: nothing to guess)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

from sqlalchemy import select

from adapters.database import ApiTokenRow, UnitOfWork
from models.roles import Caller, Role
from models.tokens import TOKEN_PREFIX, IssuedToken, TokenInfo


class SqlTokens:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def create(self, caller: Caller, note: str, at: datetime) -> IssuedToken:
        token_id = secrets.token_hex(5)
        secret = secrets.token_urlsafe(32)
        with self._uow.begin() as session:
            row = ApiTokenRow(
                id=token_id,
                secret_hash=_digest(secret),
                role=caller.role.value,
                mo_code=caller.mo,
                subject=caller.subject,
                note=note,
                created_at=at,
            )
            session.add(row)
            session.flush()
            info = _info(row)
        return IssuedToken(info=info, token=f"{TOKEN_PREFIX}{token_id}.{secret}")

    def authenticate(self, token: str) -> Caller | None:
        """The caller a token stands for; None when it is malformed, unknown or revoked."""
        holder = self.holder(token)
        return None if holder is None else holder.caller

    def holder(self, token: str) -> TokenInfo | None:
        """The token's record (its id and caller); None when it is malformed, unknown or
        revoked."""
        if not token.startswith(TOKEN_PREFIX):
            return None
        token_id, dot, secret = token.removeprefix(TOKEN_PREFIX).partition(".")
        if not dot or not token_id or not secret:
            return None
        with self._uow.begin() as session:
            row = session.get(ApiTokenRow, token_id)
            if row is None or row.revoked_at is not None:
                return None
            if not hmac.compare_digest(row.secret_hash, _digest(secret)):
                return None
            return _info(row)

    def revoke(self, token_id: str, at: datetime) -> TokenInfo | None:
        with self._uow.begin() as session:
            row = session.get(ApiTokenRow, token_id)
            if row is None:
                return None
            if row.revoked_at is None:
                row.revoked_at = at
            return _info(row)

    def list(self) -> list[TokenInfo]:
        with self._uow.begin() as session:
            rows = session.scalars(select(ApiTokenRow).order_by(ApiTokenRow.created_at))
            return [_info(row) for row in rows]


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _caller(row: ApiTokenRow) -> Caller:
    return Caller(role=Role(row.role), mo=row.mo_code, subject=row.subject)


def _info(row: ApiTokenRow) -> TokenInfo:
    return TokenInfo(
        id=row.id,
        caller=_caller(row),
        note=row.note,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
    )
