"""Bearer tokens of the HTTP API: who holds one, never its secret."""

from __future__ import annotations

from datetime import datetime

from models.roles import Caller
from models.tickets import Contract

TOKEN_PREFIX = "sdk_"


class TokenInfo(Contract):
    id: str
    caller: Caller
    note: str
    created_at: datetime
    revoked_at: datetime | None = None


class IssuedToken(Contract):
    """What `token create` shows once: the token itself is not kept anywhere."""

    info: TokenInfo
    token: str

    def __repr__(self) -> str:
        return f"IssuedToken(id={self.info.id!r})"

    __str__ = __repr__
