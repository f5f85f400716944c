"""Bearer tokens: issued to a role once the holder's identity fits it (an active agent for the
CA's roles, a line of the registre for a personne autorisée, a client MO for the MO's roles),
kept hashed, revoked at once, and read back into the caller of every request and command."""

from __future__ import annotations

from dataclasses import dataclass

from adapters.ports import Directory, SagirErp, Tokens
from models.directory import AgentRole
from models.roles import CA_ROLES, MO_ROLES, Caller, Role
from models.tokens import IssuedToken, TokenInfo
from starter.desks.checks import require_mo
from starter.desks.clock import Clock, utc_now
from starter.desks.errors import InvalidInput, NotFound, Unauthenticated


@dataclass(frozen=True)
class TokenDesk:
    tokens: Tokens
    directory: Directory
    erp: SagirErp
    clock: Clock = utc_now

    def issue(self, caller: Caller, note: str) -> IssuedToken:
        """A token for `caller`, once its identity fits its role."""
        if caller.role in MO_ROLES:
            assert caller.mo is not None  # Caller's own validator requires it
            require_mo(self.directory, caller.mo)
        if caller.role in CA_ROLES:
            agent = self.directory.agent(caller.subject)
            if agent is None or not agent.active:
                raise InvalidInput(f"subject: {caller.subject} is not an active agent of the CA")
            if caller.role is Role.ca_supervisor and agent.role is not AgentRole.supervisor:
                raise InvalidInput(f"subject: {caller.subject} is not a CA supervisor")
        if caller.role is Role.personne_autorisee:
            assert caller.mo is not None
            if not any(
                line.employee_number == caller.subject for line in self.erp.registre(caller.mo)
            ):
                raise InvalidInput(
                    f"subject: {caller.subject} is not in {caller.mo}'s registre d'autorité"
                )
        return self.tokens.create(caller, note, self.clock())

    def revoke(self, token_id: str) -> TokenInfo:
        revoked = self.tokens.revoke(token_id, self.clock())
        if revoked is None:
            raise NotFound(f"token {token_id} does not exist")
        return revoked

    def list(self) -> list[TokenInfo]:
        return self.tokens.list()

    def authenticate(self, authorization: str | None) -> Caller:
        """The caller of an `Authorization: Bearer <token>` header."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated(
                "authorization: send `Authorization: Bearer <token>` (`sagir-desk token create`)"
            )
        caller = self.tokens.authenticate(token.strip())
        if caller is None:
            raise Unauthenticated("authorization: the token is unknown or revoked")
        return caller
