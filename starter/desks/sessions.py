"""The web console's sign-in: a token (from `sagir-desk token create`) becomes a session, whose
secret travels in an HttpOnly cookie; every page reads its caller back from it. A session ends
when its person signs out, when it expires, or when its token is revoked.

An identity provider (OIDC) replaces only the way a session begins: `open_for` takes the caller
the provider vouches for, with no token."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from adapters.ports import ConsoleSessions, Tokens
from models.roles import Caller
from starter.desks.clock import Clock, utc_now
from starter.desks.errors import Unauthenticated


@dataclass(frozen=True)
class SessionDesk:
    sessions: ConsoleSessions
    tokens: Tokens
    lasts: timedelta
    secure_cookies: bool = False
    clock: Clock = utc_now

    def sign_in(self, token: str) -> tuple[str, Caller]:
        """A session for the holder of `token`: its secret and its caller."""
        holder = self.tokens.holder(token.strip())
        if holder is None:
            raise Unauthenticated("token: the token is unknown or revoked")
        return self.open_for(holder.caller, holder.id), holder.caller

    def open_for(self, caller: Caller, token_id: str | None = None) -> str:
        return self.sessions.open(caller, token_id, self.clock(), self.lasts)

    def caller(self, secret: str | None) -> Caller:
        """Who the session stands for (Unauthenticated when it is missing, ended, expired or
        its token revoked)."""
        caller = self.sessions.caller(secret, self.clock()) if secret else None
        if caller is None:
            raise Unauthenticated("session: sign in to the console")
        return caller

    def sign_out(self, secret: str | None) -> None:
        if secret:
            self.sessions.end(secret, self.clock())
