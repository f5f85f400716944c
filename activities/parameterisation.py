"""Activities of parameterisation and access requests: the registre d'autorité's check, the
idempotent apply in SAGIR, and the answer to the MO. Permanent refusals become non-retryable
ApplicationErrors naming the rule."""

from __future__ import annotations

from temporalio import activity
from temporalio.exceptions import ApplicationError

from adapters.ports import Mailer, SagirErp, Wordings
from models.mail import Mail
from models.parameterisation import (
    ApplyParam,
    AuthoriseParam,
    MoMail,
    ParamKind,
    ParamRequest,
    SagirView,
    check_param_request,
)
from models.sagir import ErpRefused, RuleRefused
from models.tickets import Language


def sagir_view(erp: SagirErp, request: ParamRequest) -> SagirView:
    """What a request is checked against, read from SAGIR (the desk and the activity alike)."""
    mo, beneficiary = request.mo, request.beneficiary
    return SagirView(
        register=erp.registre(mo),
        catalogue=erp.catalogue(),
        allowed=erp.registre_responsibilities(mo),
        defaults=erp.default_responsibilities(mo),
        partition_groups=(
            {request.partition_group}
            if request.partition_group is not None
            and erp.partition_group_exists(mo, request.partition_group)
            else set()
        ),
        approval_limit=erp.approval_limit(mo) if request.powers is not None else None,
        beneficiary_found=beneficiary is None or erp.person(mo, beneficiary) is not None,
        beneficiary_access=None if beneficiary is None else erp.access_of(mo, beneficiary),
        absences=erp.registre_absences(mo),
    )


class ParameterisationActivities:
    def __init__(self, erp: SagirErp, mailer: Mailer, wordings: Wordings) -> None:
        self._erp = erp
        self._mailer = mailer
        self._wordings = wordings

    @activity.defn(name="authorise_parameterisation")
    def authorise(self, check: AuthoriseParam) -> None:
        """The registre d'autorité's rules, read as of the day the request was received."""
        try:
            check_param_request(check.request, check.day, sagir_view(self._erp, check.request))
        except RuleRefused as refused:
            raise ApplicationError(str(refused), type=refused.rule, non_retryable=True) from None

    @activity.defn(name="apply_parameterisation")
    def apply(self, change: ApplyParam) -> list[str]:
        """Apply the checked change in SAGIR. Each write has its own key under the step's, so a
        retried apply (even one that lost its answer half-way) writes each thing once.
        Returns what was written this time."""
        now = activity.info().current_attempt_scheduled_time
        erp, key, request = self._erp, change.idempotency_key, change.request
        mo, who = request.mo, request.beneficiary or "-"
        done: list[str] = []
        try:
            match request.kind:
                case ParamKind.create_responsibility | ParamKind.modify_responsibility:
                    if change.template is None:
                        raise ErpRefused("template: the responsibility template is missing")
                    write = (
                        erp.create_responsibility
                        if request.kind is ParamKind.create_responsibility
                        else erp.modify_responsibility
                    )
                    if write(f"{key}/{change.template.code}", mo, change.template, now):
                        done.append(f"{request.kind.value} {change.template.code}")
                case ParamKind.grant_powers | ParamKind.change_powers:
                    powers = request.powers
                    assert powers is not None  # the request's own validator requires it
                    replace = request.kind is ParamKind.change_powers
                    if erp.set_approval_powers(
                        f"{key}/powers/{powers.scope_code}", mo, who, powers, now, replace
                    ):
                        done.append(f"powers {powers.scope_code} {powers.amount_limit}")
                case ParamKind.withdraw_powers:
                    scope = request.withdraw_scope or ""
                    if erp.withdraw_approval_powers(f"{key}/withdraw/{scope}", mo, who, scope, now):
                        done.append(f"withdraw powers {scope}")
                case ParamKind.change_cloisonnement:
                    group = request.partition_group or ""
                    if erp.set_partition(f"{key}/partition", mo, who, group, now):
                        done.append(f"partition {group}")
                case ParamKind.access:
                    needed = request.partition_group  # for an EI grant
                    if needed is not None and erp.set_partition(
                        f"{key}/partition", mo, who, needed, now
                    ):
                        done.append(f"partition {needed}")
                    for code in request.grant:
                        if erp.grant(f"{key}/grant/{code}", mo, who, code, now):
                            done.append(f"grant {code}")
                    for code in request.remove:
                        if erp.revoke(f"{key}/remove/{code}", mo, who, code, now):
                            done.append(f"remove {code}")
        except ErpRefused as refused:
            raise ApplicationError(str(refused), type="ErpRefused", non_retryable=True) from None
        return done

    @activity.defn
    def tell_mo(self, mail: MoMail) -> bool:
        """Mail the MO at the address its request gave, in French (the MO's language)."""
        now = activity.info().current_attempt_scheduled_time
        subject, body = mail.subject, mail.body
        if mail.wording is not None:
            words = self._wordings.render(mail.wording, Language.fr)
            subject, body = words.subject, words.body
        return self._mailer.send(
            Mail(idempotency_key=mail.idempotency_key, to=mail.to, subject=subject, body=body),
            now,
        )
