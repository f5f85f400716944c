"""RULES.md "Roles": the matrix as pure rules (the API's own matrix test walks it over HTTP)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from models.roles import MATRIX, MO_ROLES, READ_ACTIONS, Action, Caller, Role

AGENT = Caller(role=Role.ca_agent, subject="agent-roy")
AUDITOR = Caller(role=Role.auditor, subject="verif-1")
HR_MTQ = Caller(role=Role.mo_hr, mo="MTQ", subject="rh-mtq")


def test_auditor_reads_everything_and_changes_nothing() -> None:
    assert {action for action in Action if AUDITOR.may(action)} == READ_ACTIONS - {
        Action.queue_read
    }


def test_mo_hr_starts_arrivals_and_departures_and_records_the_departure_only() -> None:
    changes = {action for action in Action if HR_MTQ.may(action)} - READ_ACTIONS
    assert changes == {
        Action.arrival_start,
        Action.arrival_dossier_ready,
        Action.departure_notify,
        Action.departure_record,
        Action.param_answer,
        Action.communique_ask,  # a question about a communiqué the MO received
    }


def test_only_a_personne_autorisee_submits_and_changes_the_registre() -> None:
    assert MATRIX[Action.param_submit] == {Role.personne_autorisee}
    assert MATRIX[Action.registre_change] == {Role.personne_autorisee}


def test_supervisor_may_everything_an_agent_may() -> None:
    supervisor = Caller(role=Role.ca_supervisor, subject="super-cote")
    assert all(supervisor.may(action) for action in Action if AGENT.may(action))


def test_ca_agent_acts_on_any_mo_and_an_mo_role_only_on_its_own() -> None:
    assert AGENT.sees("MTQ") and AGENT.sees("MSSS")
    assert HR_MTQ.sees("MTQ") and not HR_MTQ.sees("MSSS")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"role": "mo_hr", "subject": "rh"}, "the mo_hr role acts for one MO; name it"),
        ({"role": "auditor", "mo": "MTQ", "subject": "v"}, "the auditor role spans every MO"),
    ],
)
def test_a_caller_names_an_mo_exactly_when_its_role_acts_for_one(
    fields: dict[str, str], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        Caller(**fields)  # type: ignore[arg-type]


def test_every_action_has_someone_allowed() -> None:
    assert set(MATRIX) == set(Action)
    assert all(MATRIX[action] for action in Action)


def test_communiques_are_written_by_their_authors_and_released_by_the_ca_alone() -> None:
    assert MATRIX[Action.communique_submit] == {Role.dggir_author, Role.mo_author}
    assert MATRIX[Action.communique_release] == {Role.ca_agent, Role.ca_supervisor}
    assert MATRIX[Action.communique_answer] == {Role.mo_author}
    assert Role.mo_author in MO_ROLES and Role.dggir_author not in MO_ROLES
