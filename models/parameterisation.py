"""Parameterisation and access requests (RULES.md "Parameterisation, access and security
requests"): contracts and the pure rules the desk and the workflow both apply.

An MO asks for a responsibility to be created or changed (the CA completes the responsibility
template), for approval powers (pouvoirs d'approbation) to be granted, changed or withdrawn, for a
user's cloisonnement to change, or for accesses (responsibilities) to be granted or removed. A
personne autorisée of the MO, or that person's relève, valid that day, must authorise it, and
nobody authorises a request that benefits themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Self

from pydantic import EmailStr, Field, StringConstraints, model_validator

from models.notices import Wording
from models.requests import Listing, Process, Record, StepLog
from models.sagir import (
    Absence,
    AccessSnapshot,
    AccountStatus,
    Authority,
    EmployeeNumber,
    GroupName,
    Module,
    Responsibility,
    ResponsibilityCode,
    RuleRefused,
    check_authoriser,
)
from models.tickets import ActorCode, Contract, Instant, MoCode, ServiceDate, Text

TransactionCode = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Z0-9_]{2,20}$")
]
ScopeCode = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Z0-9-]{2,20}$")]


class ParamKind(StrEnum):
    create_responsibility = "create_responsibility"
    modify_responsibility = "modify_responsibility"
    grant_powers = "grant_powers"
    change_powers = "change_powers"
    withdraw_powers = "withdraw_powers"
    change_cloisonnement = "change_cloisonnement"
    access = "access"  # grant or remove responsibilities of a user


TEMPLATE_KINDS = frozenset({ParamKind.create_responsibility, ParamKind.modify_responsibility})
POWER_KINDS = frozenset({ParamKind.grant_powers, ParamKind.change_powers})


def request_prefix(kind: ParamKind) -> Process:
    """Access requests are `acces-…`; every other kind is `param-…`."""
    return Process.access if kind is ParamKind.access else Process.parameterisation


def request_id(kind: ParamKind, mo: str, year: int, number: int) -> str:
    return f"{request_prefix(kind).value}-{mo}-{year}-{number:06d}"


class ResponsibilityTemplate(Contract):
    """The responsibility template the CA completes: a name in the MO's nomenclature, the
    module, its transactions and the data it reaches."""

    code: ResponsibilityCode
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=120)]
    module: Module
    transactions: list[TransactionCode] = Field(min_length=1, max_length=60)
    data_scope: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)
    ]


class PowerScope(StrEnum):
    centre_de_couts = "centre_de_couts"
    unite_budgetaire = "unite_budgetaire"


class ApprovalPowers(Contract):
    """Pouvoirs d'approbation: a spending limit on a cost centre or a budget unit, for a time."""

    scope: PowerScope
    scope_code: ScopeCode
    amount_limit: Decimal = Field(gt=0, max_digits=14, decimal_places=2)
    valid_from: ServiceDate
    valid_until: ServiceDate | None = None

    @model_validator(mode="after")
    def _dates_in_order(self) -> Self:
        if self.valid_until is not None and self.valid_until < self.valid_from:
            raise ValueError("valid_until: must be on or after valid_from")
        return self


class ParamRequest(Contract):
    """What the MO sends. Which fields it carries depends on the kind (checked here)."""

    mo: MoCode
    kind: ParamKind
    description: Text  # the need in the MO's words; the CA completes the template from it
    beneficiary: EmployeeNumber | None = None  # the user whose accesses change
    responsibility: ResponsibilityCode | None = None  # the one to modify
    powers: ApprovalPowers | None = None
    withdraw_scope: ScopeCode | None = None  # the cost centre or budget unit to withdraw
    partition_group: GroupName | None = None
    grant: list[ResponsibilityCode] = Field(default_factory=list, max_length=40)
    remove: list[ResponsibilityCode] = Field(default_factory=list, max_length=40)
    authorised_by: EmployeeNumber
    requested_by: ActorCode
    mo_email: EmailStr  # where the CA answers the MO

    @model_validator(mode="after")
    def _fields_fit_the_kind(self) -> Self:
        kind = self.kind
        if kind not in TEMPLATE_KINDS and self.beneficiary is None:
            raise ValueError(f"beneficiary: required for a {kind.value} request")
        if kind in TEMPLATE_KINDS and self.beneficiary is not None:
            raise ValueError(f"beneficiary: a {kind.value} request has none")
        if kind is ParamKind.modify_responsibility and self.responsibility is None:
            raise ValueError("responsibility: name the responsibility to modify")
        if kind in POWER_KINDS and self.powers is None:
            raise ValueError(f"powers: required for a {kind.value} request")
        if kind is ParamKind.withdraw_powers and self.withdraw_scope is None:
            raise ValueError("withdraw_scope: name the cost centre or budget unit to withdraw")
        if kind is ParamKind.change_cloisonnement and self.partition_group is None:
            raise ValueError("partition_group: required to change a cloisonnement")
        if kind is ParamKind.access and not (self.grant or self.remove):
            raise ValueError("grant, remove: an access request grants or removes something")
        if set(self.grant) & set(self.remove):
            raise ValueError("grant, remove: a responsibility cannot be granted and removed")
        return self


class StartParameterisation(Contract):
    """The workflow's input: the request plus what the desk computed once at receipt."""

    id: str
    request: ParamRequest
    received_at: Instant
    due: Instant
    answer_wait_open_days: int = Field(ge=1, le=60)


class ParamStatus(StrEnum):
    received = "received"  # authorised; waiting for an agent to take it in charge
    in_progress = "in_progress"
    waiting_client = "waiting_client"
    to_check = "to_check"  # completed; waiting for another agent's quality check
    applied = "applied"
    refused = "refused"
    failed = "failed"
    closed_no_answer = "closed_no_answer"


FINAL_PARAM_STATUSES = frozenset(
    {ParamStatus.applied, ParamStatus.refused, ParamStatus.failed, ParamStatus.closed_no_answer}
)


class TakeParam(Contract):
    agent: ActorCode


class AskClient(Contract):
    agent: ActorCode
    question: Text


class ClientAnswer(Contract):
    by: ActorCode
    answer: Text


class CompleteParam(Contract):
    """The agent completes the request: the template for a responsibility, nothing else for the
    other kinds (their change is the MO's request itself)."""

    agent: ActorCode
    template: ResponsibilityTemplate | None = None


class QualityCheck(Contract):
    agent: ActorCode
    approved: bool
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = None


class ParamState(Record):
    id: str
    request: ParamRequest  # what the MO asked, as the agents see it
    mo: str
    kind: ParamKind
    beneficiary: str | None
    responsibility: str | None = None  # the one a modification changes
    status: ParamStatus
    received_at: datetime
    due: datetime
    breached: bool = False
    taken_by: str | None = None
    taken_at: datetime | None = None
    questions: int = 0
    reminders: int = 0
    completed_by: str | None = None
    template: ResponsibilityTemplate | None = None
    checked_by: str | None = None
    applied_at: datetime | None = None
    reason: str | None = None

    def listing(self) -> Listing:
        return Listing(
            status=self.status.value, breached=self.breached, warned=self.warned, due=self.due
        )

    @classmethod
    def initial(cls, start: StartParameterisation) -> ParamState:
        request = start.request
        return cls(
            id=start.id,
            request=request,
            mo=request.mo,
            kind=request.kind,
            beneficiary=request.beneficiary,
            responsibility=request.responsibility,
            status=ParamStatus.received,
            received_at=start.received_at,
            due=start.due,
            steps=[StepLog(kind="received", actor=request.requested_by, at=start.received_at)],
        )


class AuthoriseParam(Contract):
    """Check a request against the registre d'autorité as of `day` (the day it was received)."""

    request: ParamRequest
    day: date


class ApplyParam(Contract):
    """Apply a checked request in SAGIR; every write is keyed `<key>/<what>`."""

    idempotency_key: str
    request: ParamRequest
    template: ResponsibilityTemplate | None = None


class MoMail(Contract):
    """A message to the MO at the address its request gave."""

    idempotency_key: str
    to: str
    # The wording, put in words by the notice's template (subject and body are what mails
    # carried before templates; kept so the payloads of requests in flight still read).
    wording: Wording | None = None
    subject: str = ""
    body: str = ""


# --- the rules -------------------------------------------------------------------------------


def check_nomenclature(mo: str, template: ResponsibilityTemplate) -> None:
    """An MO's own responsibilities are named `<MO>-<module>-<name>` (the MO's nomenclature),
    so an auditor can tell whose a responsibility is and what it reaches."""
    prefix = f"{mo}-{template.module.value}-"
    if not template.code.startswith(prefix) or len(template.code) <= len(prefix):
        raise RuleRefused(
            "Nomenclature",
            f"template.code: {template.code} does not follow {mo}'s nomenclature ({prefix}<NAME>)",
        )


@dataclass(frozen=True)
class SagirView:
    """What SAGIR holds that a request is checked against, read once by the caller."""

    register: list[Authority]
    catalogue: dict[str, Responsibility]
    allowed: set[str]
    defaults: list[str]
    partition_groups: set[str] = field(default_factory=set)
    approval_limit: Decimal | None = None
    beneficiary_found: bool = True
    beneficiary_access: AccessSnapshot | None = None
    absences: list[Absence] = field(default_factory=list)  # the authoriser's relève replaces them


def check_param_request(request: ParamRequest, day: date, sagir: SagirView) -> None:
    """Every rule a request must keep before anyone works on it; raises `RuleRefused`."""
    check_authoriser(
        request.mo,
        request.authorised_by,
        request.beneficiary or "",
        day,
        sagir.register,
        sagir.absences,
    )
    if request.beneficiary is not None and not sagir.beneficiary_found:
        raise RuleRefused(
            "UnknownEmployee",
            f"beneficiary: {request.beneficiary} has no dossier personne in {request.mo}",
        )
    access = sagir.beneficiary_access
    if request.beneficiary is not None and (
        access is None or access.account not in (AccountStatus.prepared, AccountStatus.active)
    ):
        raise RuleRefused(
            "NoAccount",
            f"beneficiary: {request.beneficiary} has no SAGIR account in {request.mo} to change",
        )
    for code in request.remove:
        if access is None or code not in access.responsibilities:
            raise RuleRefused("NotGranted", f"remove: {request.beneficiary} does not have {code}")
    if request.kind is ParamKind.modify_responsibility:
        code = request.responsibility or ""
        if not code.startswith(f"{request.mo}-") or code not in sagir.catalogue:
            raise RuleRefused(
                "UnknownResponsibility",
                f"responsibility: {code} is not a responsibility of {request.mo} in SAGIR",
            )
    if request.powers is not None:
        limit = sagir.approval_limit
        if limit is None or request.powers.amount_limit > limit:
            shown = "none is set" if limit is None else f"the limit is {limit:,.2f} $"
            raise RuleRefused(
                "OverLimit",
                f"powers.amount_limit: {request.powers.amount_limit:,.2f} $ is over what "
                f"{request.mo}'s registre d'autorité allows ({shown})",
            )
    group = request.partition_group
    if group is not None and group not in sagir.partition_groups:
        raise RuleRefused(
            "UnknownPartitionGroup",
            f"partition_group: {group} is not a partition group of {request.mo}",
        )
    for code in request.grant:
        if code not in sagir.catalogue:
            raise RuleRefused("UnknownResponsibility", f"grant: {code} is not in SAGIR's catalogue")
        if code not in sagir.allowed and code not in sagir.defaults:
            raise RuleRefused(
                "NotInRegistre", f"grant: {code} is not allowed by the MO's registre d'autorité"
            )
    ei = [code for code in request.grant if sagir.catalogue[code].module is Module.EI]
    has_group = group is not None or (
        sagir.beneficiary_access is not None
        and sagir.beneficiary_access.partition_group is not None
    )
    if ei and not has_group:
        raise RuleRefused(
            "EiNeedsCloisonnement",
            f"partition_group: {', '.join(ei)} is an EI responsibility and needs a partition "
            "group (cloisonnement)",
        )


def check_completion(
    kind: ParamKind, mo: str, responsibility: str | None, completion: CompleteParam
) -> None:
    """The template is required exactly for the responsibility kinds, and follows the MO's
    nomenclature; a modification keeps the responsibility's code."""
    template = completion.template
    if kind not in TEMPLATE_KINDS:
        if template is not None:
            raise RuleRefused("NoTemplate", f"template: a {kind.value} request has no template")
        return
    if template is None:
        raise RuleRefused(
            "TemplateRequired",
            f"template: complete the responsibility template of this {kind.value}",
        )
    check_nomenclature(mo, template)
    if kind is ParamKind.modify_responsibility and template.code != responsibility:
        raise RuleRefused(
            "TemplateCode",
            f"template.code: a modification keeps the code {responsibility}",
        )
