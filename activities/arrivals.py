"""Activities of arrivals: the registre d'autorité's check, and the saga's idempotent writes in
SAGIR and SGA. Permanent refusals become non-retryable ApplicationErrors naming the rule."""

from __future__ import annotations

from temporalio import activity
from temporalio.exceptions import ApplicationError

from adapters.ports import SagirErp, Sga
from models.arrivals import ArrivalCheck, ArrivalPlan, GrantStep
from models.requests import KeyedEmployeeStep
from models.sagir import ErpRefused, RuleRefused, check_authoriser, responsibilities_to_grant


class ArrivalActivities:
    def __init__(self, erp: SagirErp, sga: Sga) -> None:
        self._erp = erp
        self._sga = sga

    @activity.defn
    def check_arrival(self, check: ArrivalCheck) -> ArrivalPlan:
        """The registre d'autorité's rules, read as of the day the request was received."""
        request = check.request
        try:
            check_authoriser(
                request.mo,
                request.authorised_by,
                request.employee_number,
                check.day,
                self._erp.registre(request.mo),
                self._erp.registre_absences(request.mo),
            )
            granted = responsibilities_to_grant(
                request.responsibilities,
                self._erp.default_responsibilities(request.mo),
                self._erp.registre_responsibilities(request.mo),
                self._erp.catalogue(),
                request.partition_group,
            )
            group = request.partition_group
            if group is not None and not self._erp.partition_group_exists(request.mo, group):
                raise RuleRefused(
                    "UnknownPartitionGroup",
                    f"partition_group: {group} is not a partition group of {request.mo}",
                )
        except RuleRefused as refused:
            raise ApplicationError(str(refused), type=refused.rule, non_retryable=True) from None
        return ArrivalPlan(responsibilities=granted)

    @activity.defn
    def apply_grant(self, step: GrantStep) -> bool:
        """One step of the arrival saga, once per key."""
        now = activity.info().current_attempt_scheduled_time
        erp, key, mo, number = self._erp, step.idempotency_key, step.mo, step.employee_number
        try:
            match step.kind:
                case "account":
                    return erp.create_account(key, mo, number, now)
                case "responsibility":
                    return erp.grant(key, mo, number, step.target, now)
                case "partition":
                    return erp.set_partition(key, mo, number, step.target, now)
                case "parameter":
                    return erp.set_parameter(key, mo, number, step.target, step.value, now)
                case "training":
                    return self._sga.register(mo, number, step.target, now)
        except ErpRefused as refused:
            raise ApplicationError(str(refused), type="ErpRefused", non_retryable=True) from None
        raise ApplicationError(f"unknown grant step {step.kind}", non_retryable=True)

    @activity.defn
    def undo_grant(self, step: GrantStep) -> bool:
        """Compensate one saga step (its own key: `<step key>/undo`)."""
        now = activity.info().current_attempt_scheduled_time
        erp, mo, number = self._erp, step.mo, step.employee_number
        key = f"{step.idempotency_key}/undo"
        match step.kind:
            case "account":
                return erp.delete_account(key, mo, number, now)
            case "responsibility":
                return erp.revoke(key, mo, number, step.target, now)
            case "partition":
                return erp.clear_partition(key, mo, number, now)
            case "parameter":
                return erp.remove_parameter(key, mo, number, step.target, now)
            case "training":
                self._sga.unregister(mo, number, step.target)
                return True
        raise ApplicationError(f"unknown grant step {step.kind}", non_retryable=True)

    @activity.defn
    def activate_account(self, step: KeyedEmployeeStep) -> bool:
        now = activity.info().current_attempt_scheduled_time
        try:
            return self._erp.activate_account(
                step.idempotency_key, step.mo, step.employee_number, now
            )
        except ErpRefused as refused:
            raise ApplicationError(str(refused), type="ErpRefused", non_retryable=True) from None
