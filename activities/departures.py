"""Activities of departures: every access removed, and the departure recorded in the dossier
personne, each once per key."""

from __future__ import annotations

from temporalio import activity
from temporalio.exceptions import ApplicationError

from adapters.ports import SagirErp
from models.departures import DepartureWrite
from models.requests import KeyedEmployeeStep
from models.sagir import ErpRefused


class DepartureActivities:
    def __init__(self, erp: SagirErp) -> None:
        self._erp = erp

    @activity.defn
    def remove_all_access(self, step: KeyedEmployeeStep) -> bool:
        now = activity.info().current_attempt_scheduled_time
        return self._erp.remove_all_access(step.idempotency_key, step.mo, step.employee_number, now)

    @activity.defn
    def record_departure(self, write: DepartureWrite) -> bool:
        now = activity.info().current_attempt_scheduled_time
        try:
            return self._erp.record_departure(
                write.idempotency_key, write.mo, write.employee_number, write.departure_date, now
            )
        except ErpRefused as refused:
            raise ApplicationError(str(refused), type="ErpRefused", non_retryable=True) from None
