"""Who may do what, in one place for the HTTP API and the command line: tokens are issued to a
role (checked against the directory and the registre), and every action goes through
`authorize`, which applies the RULES.md roles matrix and keeps each MO to its own records."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from adapters.ports import Directory, SagirErp
from adapters.sql_tokens import SqlTokens
from models.directory import AgentRole
from models.roles import CA_ROLES, MO_ROLES, Action, Caller, Role, roles_allowed
from models.tokens import IssuedToken, TokenInfo
from starter.desk_checks import require_mo
from starter.errors import Forbidden, InvalidInput, NotFound, Unauthenticated


def authorize(caller: Caller, action: Action, mo: str | None = None, record: str = "") -> None:
    """Refuse an action the caller's role may not take (403), and a record of another MO as if
    it did not exist (404: its id reveals nothing)."""
    if not caller.may(action):
        raise Forbidden(
            f"role: the {caller.role.value} role may not {action.value} "
            f"(allowed: {', '.join(roles_allowed(action))})"
        )
    if mo is not None and not caller.sees(mo):
        raise NotFound(f"{record or 'the record'} does not exist")


def acting_as_self(caller: Caller, field: str, given: str) -> None:
    """A caller acts under their own name: the request's `field` must be them."""
    if given != caller.subject:
        raise Forbidden(f"{field}: {given} is not you ({caller.subject}); act under your own name")


class AccessControl:
    def __init__(
        self,
        directory: Directory,
        erp: SagirErp,
        tokens: SqlTokens,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.directory = directory
        self._erp = erp
        self._tokens = tokens
        self._clock = clock

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
                line.employee_number == caller.subject for line in self._erp.registre(caller.mo)
            ):
                raise InvalidInput(
                    f"subject: {caller.subject} is not in {caller.mo}'s registre d'autorité"
                )
        return self._tokens.create(caller, note, self._clock())

    def revoke(self, token_id: str) -> TokenInfo:
        revoked = self._tokens.revoke(token_id, self._clock())
        if revoked is None:
            raise NotFound(f"token {token_id} does not exist")
        return revoked

    def list(self) -> list[TokenInfo]:
        return self._tokens.list()

    def authenticate(self, authorization: str | None) -> Caller:
        """The caller of an `Authorization: Bearer <token>` header."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated(
                "authorization: send `Authorization: Bearer <token>` (`sagir-desk token create`)"
            )
        caller = self._tokens.authenticate(token.strip())
        if caller is None:
            raise Unauthenticated("authorization: the token is unknown or revoked")
        return caller
