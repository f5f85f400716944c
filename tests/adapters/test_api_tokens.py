"""API tokens (issue 5): stored hashed, revocable, issued only to identities that fit the role.
SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from adapters.database import ApiTokenRow, UnitOfWork
from adapters.demo_data import load_demo_data
from adapters.sql_directory import SqlDirectory
from adapters.sql_sagir_erp import SqlSagirErp
from adapters.sql_sga import SqlSga
from adapters.sql_tokens import SqlTokens
from models.roles import Caller, Role
from starter.desks.errors import InvalidInput, NotFound, Unauthenticated
from starter.desks.tokens import TokenDesk

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)


@pytest.fixture
def access(uow: UnitOfWork) -> TokenDesk:
    load_demo_data(SqlDirectory(uow), SqlSagirErp(uow), SqlSga(uow))
    return TokenDesk(SqlTokens(uow), SqlDirectory(uow), SqlSagirErp(uow), lambda: NOW)


def test_token_authenticates_its_caller_and_only_its_hash_is_stored(
    access: TokenDesk, uow: UnitOfWork
) -> None:
    caller = Caller(role=Role.mo_hr, mo="MTQ", subject="rh-mtq")
    issued = access.issue(caller, "HR system of MTQ")
    assert access.authenticate(f"Bearer {issued.token}") == caller
    secret = issued.token.split(".", 1)[1]
    with uow.begin() as session:
        stored = " ".join(str(row) for row in session.execute(select(ApiTokenRow.__table__)).all())
    assert issued.info.id in stored and secret not in stored
    assert repr(issued) == f"IssuedToken(id={issued.info.id!r})"


def test_revoked_or_forged_token_is_refused(access: TokenDesk) -> None:
    issued = access.issue(Caller(role=Role.auditor, subject="verif-1"), "")
    forged = issued.token[:-2] + ("aa" if not issued.token.endswith("aa") else "bb")
    for header in (f"Bearer {forged}", "Bearer sdk_nope.nope", "Basic abc", None, "Bearer "):
        with pytest.raises(Unauthenticated):
            access.authenticate(header)
    access.revoke(issued.info.id)
    with pytest.raises(Unauthenticated, match="unknown or revoked"):
        access.authenticate(f"Bearer {issued.token}")
    with pytest.raises(NotFound):
        access.revoke("0000000000")


@pytest.mark.parametrize(
    ("caller", "message"),
    [
        (Caller(role=Role.ca_agent, subject="agent-nobody"), "not an active agent of the CA"),
        (Caller(role=Role.ca_supervisor, subject="agent-roy"), "agent-roy is not a CA supervisor"),
        (
            Caller(role=Role.personne_autorisee, mo="MTQ", subject="30011"),
            "30011 is not in MTQ's registre d'autorité",
        ),
        (Caller(role=Role.mo_hr, mo="MXYZ", subject="rh"), "mo: MXYZ is not a client MO"),
    ],
)
def test_token_is_issued_only_to_an_identity_that_fits_its_role(
    access: TokenDesk, caller: Caller, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        access.issue(caller, "")
    assert access.list() == []
