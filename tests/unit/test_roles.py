"""RULES.md "Roles": the matrix as pure rules (the API's own matrix test walks it over HTTP)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from models.roles import MATRIX, MO_ROLES, READ_ACTIONS, Action, Caller, Role

AGENT = Caller(role=Role.ca_agent, subject="agent-roy")
AUDITOR = Caller(role=Role.auditor, subject="verif-1")
HR_MTQ = Caller(role=Role.mo_hr, mo="MTQ", subject="rh-mtq")
CLERK = Caller(role=Role.ca_billing, subject="facturation-roy")
FINANCE_MTQ = Caller(role=Role.mo_finance, mo="MTQ", subject="finances-mtq")


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
        Action.training_request_submit,  # an employee's training (issue 16 item 5)
        Action.employee_change_report,  # a change to an employee's data (issue 16 item 5)
    }


def test_only_a_personne_autorisee_submits_and_changes_the_registre() -> None:
    assert MATRIX[Action.param_submit] == {Role.personne_autorisee}
    assert MATRIX[Action.registre_change] == {Role.personne_autorisee}


def test_the_mos_hr_or_a_personne_autorisee_asks_for_a_training_and_the_ca_works_it() -> None:
    assert MATRIX[Action.training_request_submit] == {Role.mo_hr, Role.personne_autorisee}
    assert MATRIX[Action.training_request_work] == {Role.ca_agent, Role.ca_supervisor}
    assert Action.training_request_read in READ_ACTIONS


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
        ({"role": "mo_finance", "subject": "f"}, "the mo_finance role acts for one MO; name it"),
        (
            {"role": "ca_billing", "mo": "MTQ", "subject": "c"},
            "the ca_billing role spans every MO",
        ),
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


def test_only_the_cas_billing_clerk_manages_billing() -> None:
    assert MATRIX[Action.billing_manage] == {Role.ca_billing}
    assert Role.ca_billing not in MO_ROLES and CLERK.sees("MTQ") and CLERK.sees("MSSS")


def test_the_billing_clerk_does_billing_and_reads_the_communiques_and_nothing_else() -> None:
    assert {action for action in Action if CLERK.may(action)} == {
        Action.billing_manage,
        Action.billing_read,
        Action.communique_read,
    }


def test_an_mo_finance_officer_reads_its_own_mos_billing_and_changes_none_of_it() -> None:
    assert {action for action in Action if FINANCE_MTQ.may(action)} == {
        Action.billing_read,
        Action.communique_read,
        Action.communique_ask,  # a question about a communiqué the MO received
        Action.committee_read,  # its own MO's figures in the committee's report
    }
    assert Role.mo_finance in MO_ROLES
    assert FINANCE_MTQ.sees("MTQ") and not FINANCE_MTQ.sees("MSSS")


def test_billing_is_read_by_the_clerk_the_mos_finance_the_supervisors_and_the_auditors() -> None:
    assert MATRIX[Action.billing_read] == {
        Role.ca_billing,
        Role.mo_finance,
        Role.ca_supervisor,  # they follow the overdue invoices escalated to them
        Role.auditor,
    }
    assert Action.billing_read in READ_ACTIONS and Action.billing_manage not in READ_ACTIONS
    assert not any(role in MATRIX[Action.billing_manage] for role in (Role.ca_agent, Role.mo_hr))


def test_each_mos_people_the_ca_and_the_auditors_read_the_committees_report() -> None:
    assert MATRIX[Action.committee_read] == MO_ROLES | {
        Role.ca_agent,
        Role.ca_supervisor,
        Role.auditor,
    }
    assert Action.committee_read in READ_ACTIONS
