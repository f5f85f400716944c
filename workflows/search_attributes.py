"""The search attributes that make requests findable. Never personal data in them."""

from __future__ import annotations

from typing import Any

from temporalio.common import SearchAttributeKey, SearchAttributePair

from models.arrivals import ArrivalState
from models.billing import InvoiceState
from models.communiques import DGGIR, CommuniqueState
from models.departures import DepartureState
from models.employee_changes import EmployeeChangeState
from models.parameterisation import ParamState, request_prefix
from models.passwords import PasswordResetState
from models.requests import Process
from models.tickets import TicketState
from models.training import TrainingState
from models.training_requests import TrainingRequestState

MO = SearchAttributeKey.for_keyword("Mo")
PROCESS = SearchAttributeKey.for_keyword("Process")
CHANNEL = SearchAttributeKey.for_keyword("Channel")
STATUS = SearchAttributeKey.for_keyword("RequestStatus")
URGENT = SearchAttributeKey.for_bool("Urgent")
BREACHED = SearchAttributeKey.for_bool("Breached")
DUE = SearchAttributeKey.for_datetime("Due")
LATE_NOTICE = SearchAttributeKey.for_bool("LateNotice")

ALL = (MO, PROCESS, CHANNEL, STATUS, URGENT, BREACHED, DUE, LATE_NOTICE)


def ticket_attributes(state: TicketState) -> list[SearchAttributePair[Any]]:
    """A ticket's search attributes: set at start by the opener, kept current by the workflow."""
    return [
        SearchAttributePair(MO, state.mo),
        SearchAttributePair(PROCESS, Process.ticket.value),
        SearchAttributePair(CHANNEL, state.channel.value),
        SearchAttributePair(STATUS, state.status.value),
        SearchAttributePair(URGENT, state.urgent),
        SearchAttributePair(BREACHED, state.breached),
        SearchAttributePair(DUE, state.due),
    ]


def arrival_attributes(state: ArrivalState) -> list[SearchAttributePair[Any]]:
    return [
        SearchAttributePair(MO, state.mo),
        SearchAttributePair(PROCESS, Process.arrival.value),
        SearchAttributePair(STATUS, state.status.value),
        SearchAttributePair(BREACHED, state.breached),
        SearchAttributePair(DUE, state.due),
    ]


def departure_attributes(state: DepartureState) -> list[SearchAttributePair[Any]]:
    return [
        SearchAttributePair(MO, state.mo),
        SearchAttributePair(PROCESS, Process.departure.value),
        SearchAttributePair(STATUS, state.status.value),
        SearchAttributePair(BREACHED, state.breached),
        SearchAttributePair(DUE, state.due),
        SearchAttributePair(LATE_NOTICE, state.late),
    ]


def param_attributes(state: ParamState) -> list[SearchAttributePair[Any]]:
    """Parameterisation (`param`) and access (`acces`) requests."""
    return [
        SearchAttributePair(MO, state.mo),
        SearchAttributePair(PROCESS, request_prefix(state.kind).value),
        SearchAttributePair(STATUS, state.status.value),
        SearchAttributePair(BREACHED, state.breached),
        SearchAttributePair(DUE, state.due),
    ]


def password_attributes(state: PasswordResetState) -> list[SearchAttributePair[Any]]:
    return [
        SearchAttributePair(MO, state.mo),
        SearchAttributePair(PROCESS, Process.password.value),
        SearchAttributePair(STATUS, state.status.value),
    ]


def training_attributes(state: TrainingState) -> list[SearchAttributePair[Any]]:
    return [
        SearchAttributePair(MO, state.mo),
        SearchAttributePair(PROCESS, Process.training.value),
        SearchAttributePair(STATUS, state.status.value),
    ]


def training_request_attributes(state: TrainingRequestState) -> list[SearchAttributePair[Any]]:
    """A training request (`demande-formation`): taken in charge under the 24-hour rule."""
    return [
        SearchAttributePair(MO, state.mo),
        SearchAttributePair(PROCESS, Process.training_request.value),
        SearchAttributePair(STATUS, state.status.value),
        SearchAttributePair(BREACHED, state.breached),
        SearchAttributePair(DUE, state.due),
    ]


def employee_change_attributes(state: EmployeeChangeState) -> list[SearchAttributePair[Any]]:
    """A change to an employee's data (`modification`): taken in charge under the 24-hour rule."""
    return [
        SearchAttributePair(MO, state.mo),
        SearchAttributePair(PROCESS, Process.employee_change.value),
        SearchAttributePair(STATUS, state.status.value),
        SearchAttributePair(BREACHED, state.breached),
        SearchAttributePair(DUE, state.due),
    ]


def communique_attributes(state: CommuniqueState) -> list[SearchAttributePair[Any]]:
    """A communiqué: its author's MO (`DGGIR` for the DGGIR's), the process and its status."""
    return [
        SearchAttributePair(MO, state.mo or DGGIR),
        SearchAttributePair(PROCESS, Process.communique.value),
        SearchAttributePair(STATUS, state.status.value),
    ]


def invoice_attributes(state: InvoiceState) -> list[SearchAttributePair[Any]]:
    """An invoice (or adjustment, or credit note): its MO, the process and its status."""
    return [
        SearchAttributePair(MO, state.mo),
        SearchAttributePair(PROCESS, Process.invoice.value),
        SearchAttributePair(STATUS, state.status.value if state.status else "issuing"),
    ]
