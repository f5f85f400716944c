"""The path and query parameters of the routes, with the shapes the desks accept written into
the OpenAPI document (a client learns an id's form from the schema, not from a refusal)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from models.tickets import MO_CODE_PATTERN, TICKET_ID_PATTERN
from models.training import COURSE_CODE_PATTERN
from starter.desks.arrivals import ARRIVAL_ID
from starter.desks.auditor import WORKFLOW_ID
from starter.desks.departures import DEPARTURE_ID
from starter.desks.employee_changes import CHANGE_ID
from starter.desks.employee_changes import EXAMPLE_ID as CHANGE_EXAMPLE
from starter.desks.parameterisation import REQUEST_ID
from starter.desks.passwords import RESET_ID
from starter.desks.training import TRAINING_ID
from starter.desks.training_requests import EXAMPLE_ID, TRAINING_REQUEST_ID

TicketId = Annotated[str, Path(pattern=TICKET_ID_PATTERN.pattern, examples=["T-2026-000123"])]
ArrivalId = Annotated[str, Path(pattern=ARRIVAL_ID.pattern, examples=["arrivee-MTQ-45871"])]
DepartureId = Annotated[str, Path(pattern=DEPARTURE_ID.pattern, examples=["depart-MTQ-45871"])]
RequestId = Annotated[str, Path(pattern=REQUEST_ID.pattern, examples=["param-MTQ-2026-000001"])]
ResetId = Annotated[str, Path(pattern=RESET_ID.pattern, examples=["motdepasse-MTQ-2026-000001"])]
RegistrationId = Annotated[
    str, Path(pattern=TRAINING_ID.pattern, examples=["formation-RF101-2027-01-MTQ-52310"])
]
WorkflowId = Annotated[str, Path(pattern=WORKFLOW_ID.pattern, examples=["T-2026-000123"])]
TrainingRequestId = Annotated[str, Path(pattern=TRAINING_REQUEST_ID.pattern, examples=[EXAMPLE_ID])]
ChangeId = Annotated[str, Path(pattern=CHANGE_ID.pattern, examples=[CHANGE_EXAMPLE])]
SessionCode = Annotated[str, Path(pattern=COURSE_CODE_PATTERN, examples=["RF101-2027-01"])]
MoCode = Annotated[str, Path(pattern=MO_CODE_PATTERN, examples=["MTQ"])]
LineId = Annotated[int, Path(ge=1, le=2**31 - 1)]
AbsenceId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Mo = Annotated[
    str | None, Query(pattern=MO_CODE_PATTERN, description="Only this MO's.", examples=["MTQ"])
]
Month = Annotated[
    str | None,
    Query(
        pattern=r"^(20\d\d|2100)-(0[1-9]|1[0-2])$", description="YYYY-MM; every month when absent."
    ),
]
