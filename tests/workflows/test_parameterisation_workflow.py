"""Parameterisation and access requests on the time-skipping server (RULES.md
"Parameterisation, access and security requests"): the real desk, worker and SQLite ERP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment

from adapters.database import ErpWriteRow, UnitOfWork
from adapters.sql_escalations import SqlEscalations
from models.escalations import EscalationKind
from models.parameterisation import (
    ApprovalPowers,
    AskClient,
    ClientAnswer,
    CompleteParam,
    ParamKind,
    ParamRequest,
    ParamState,
    ParamStatus,
    PowerScope,
    QualityCheck,
    ResponsibilityTemplate,
)
from models.sagir import Authority, AuthorityKind, Module
from models.service_calendar import MONTREAL
from starter.desks.errors import InvalidInput, Refused
from starter.desks.parameterisation import ParameterisationDesk
from tests.workflows.desks_harness import (
    ANSWER_WAIT_OPEN_DAYS,
    CALENDAR,
    DesksHarness,
    FlakyGrantErp,
    running_desks,
)

Desk = tuple[DesksHarness, ParameterisationDesk]
USER = "52310"  # the demo employee with an active SAGIR account (MTQ)


@pytest.fixture
async def desk(
    time_skipping_env: WorkflowEnvironment, demo_uow: UnitOfWork, task_queue: str
) -> AsyncIterator[Desk]:
    async with running_desks(time_skipping_env, demo_uow, task_queue) as harness:
        yield harness, harness.parameterisation()


def param_request(kind: ParamKind = ParamKind.access, **changes: Any) -> ParamRequest:
    fields: dict[str, Any] = {
        "mo": "MTQ",
        "kind": kind,
        "description": "Accès à l'approbation des dépenses pour la DGF",
        "authorised_by": "30001",
        "requested_by": "rh-mtq",
        "mo_email": "sagir@mtq.example",
    }
    if kind not in (ParamKind.create_responsibility, ParamKind.modify_responsibility):
        fields["beneficiary"] = USER
    if kind is ParamKind.access:
        fields["grant"] = ["RF-APPROBATEUR"]
    fields.update(changes)
    return ParamRequest(**fields)


def powers(amount: str) -> ApprovalPowers:
    return ApprovalPowers(
        scope=PowerScope.centre_de_couts,
        scope_code="CC-4410",
        amount_limit=Decimal(amount),
        valid_from=date(2027, 1, 1),
    )


TEMPLATE = ResponsibilityTemplate(
    code="MTQ-RF-APPRO-DGF",
    name="Approbation des dépenses de la DGF",
    module=Module.RF,
    transactions=["FB60", "MIRO"],
    data_scope="centres de coûts de la DGF",
)


async def submit(desk: Desk, request: ParamRequest) -> ParamState:
    harness, param_desk = desk
    await harness.sync()
    state = await param_desk.submit(request)
    harness.started.append(state.id)
    return state


async def settled(desk: Desk, workflow_id: str, status: ParamStatus) -> ParamState:
    harness, param_desk = desk
    return await harness.eventually(
        lambda: param_desk.show(workflow_id), lambda state: state.status is status
    )


async def through_quality_check(
    desk: Desk, state: ParamState, template: ResponsibilityTemplate | None = None
) -> ParamState:
    _, param_desk = desk
    await param_desk.take(state.id, "agent-tremblay")
    await param_desk.complete(state.id, CompleteParam(agent="agent-tremblay", template=template))
    await param_desk.check(state.id, QualityCheck(agent="agent-gagnon", approved=True))
    # Its end: applied, and the MO told (no activity left running when the test stops).
    handle = desk[0].env.client.get_workflow_handle(state.id, result_type=ParamState)
    done = await handle.result()
    assert done.status is ParamStatus.applied
    return done


def erp_write_count(uow: UnitOfWork, prefix: str = "") -> int:
    with uow.begin() as session:
        return (
            session.scalar(
                select(func.count())
                .select_from(ErpWriteRow)
                .where(ErpWriteRow.idempotency_key.startswith(prefix))
            )
            or 0
        )


async def assert_not_started(harness: DesksHarness, workflow_id: str) -> None:
    with pytest.raises(RPCError) as missing:
        await harness.env.client.get_workflow_handle(workflow_id).describe()
    assert missing.value.status is RPCStatusCode.NOT_FOUND


# --- the whole path ---------------------------------------------------------------------------


async def test_authorised_access_request_is_taken_checked_applied_in_sagir_and_the_mo_told(
    desk: Desk,
) -> None:
    harness, _ = desk
    state = await submit(desk, param_request())
    assert state.id == f"acces-MTQ-{(await harness.today()).year}-000001"
    assert state.status is ParamStatus.received
    assert state.request == param_request()  # what the agents see of the MO's request
    applied = await through_quality_check(desk, state)
    assert applied.completed_by == "agent-tremblay" and applied.checked_by == "agent-gagnon"
    assert "RF-APPROBATEUR" in harness.erp.access_of("MTQ", USER).responsibilities
    told = await harness.eventually(
        _async(lambda: harness.mail.sent(f"{state.id}/mail/")), lambda mails: mails != []
    )
    assert [mail.to for mail in told] == ["sagir@mtq.example"]
    assert "est appliquée dans SAGIR" in told[0].body
    # The registre check runs as the request arrives; an agent may take it meanwhile.
    kinds = [step.kind for step in applied.steps if step.kind != "authorised"]
    assert kinds == ["received", "take", "complete", "quality_approved", "applied"]
    assert [step.kind for step in applied.steps].count("authorised") == 1


async def test_access_request_removes_a_responsibility(desk: Desk) -> None:
    harness, _ = desk
    state = await submit(desk, param_request(grant=[], remove=["RF-CONSULTATION"]))
    await through_quality_check(desk, state)
    assert harness.erp.access_of("MTQ", USER).responsibilities == ["LS-EMPLOYE"]


async def test_relève_valid_that_day_may_authorise(desk: Desk) -> None:
    harness, param_desk = desk
    state = await submit(desk, param_request(authorised_by="30002"))
    authorised = await harness.eventually(
        lambda: param_desk.show(state.id), lambda s: len(s.steps) > 1
    )
    assert authorised.steps[-1].kind == "authorised"
    assert authorised.status is ParamStatus.received


# --- refusals that start nothing ----------------------------------------------------------------


async def test_self_authorisation_is_refused_and_starts_nothing(desk: Desk) -> None:
    harness, _ = desk
    writes = erp_write_count(harness.uow)
    with pytest.raises(InvalidInput, match="nobody may authorise a request for themselves"):
        await submit(desk, param_request(beneficiary="30001"))
    await assert_not_started(harness, f"acces-MTQ-{(await harness.today()).year}-000001")
    assert erp_write_count(harness.uow) == writes
    assert harness.mail.sent() == []


async def test_expired_relève_is_refused_with_its_validity_and_starts_nothing(desk: Desk) -> None:
    harness, _ = desk
    today = await harness.today()
    harness.erp.add_authority(
        Authority(
            mo="MTQ",
            employee_number="30003",
            kind=AuthorityKind.releve,
            releve_of="30001",
            valid_from=today - timedelta(days=60),
            valid_until=today - timedelta(days=1),
        )
    )
    with pytest.raises(InvalidInput, match=r"30003 is not valid for MTQ on .*releve from"):
        await submit(desk, param_request(authorised_by="30003"))
    await assert_not_started(harness, f"acces-MTQ-{today.year}-000001")
    assert harness.mail.sent() == []


async def test_responsibility_not_in_the_registre_is_refused(desk: Desk) -> None:
    with pytest.raises(InvalidInput, match="RH-GESTIONNAIRE is not allowed by the MO's registre"):
        await submit(desk, param_request(grant=["RH-GESTIONNAIRE"]))


async def test_access_for_a_user_without_a_sagir_account_is_refused(desk: Desk) -> None:
    with pytest.raises(InvalidInput, match="45871 has no SAGIR account in MTQ to change"):
        await submit(desk, param_request(beneficiary="45871"))


async def test_removing_a_responsibility_the_user_does_not_have_is_refused(desk: Desk) -> None:
    with pytest.raises(InvalidInput, match="remove: 52310 does not have RM-ACHETEUR"):
        await submit(desk, param_request(grant=[], remove=["RM-ACHETEUR"]))


async def test_ei_access_without_cloisonnement_is_refused(desk: Desk) -> None:
    with pytest.raises(InvalidInput, match="EI-RAPPORTS-FIN is an EI responsibility"):
        await submit(desk, param_request(grant=["EI-RAPPORTS-FIN"]))


async def test_over_limit_approval_powers_are_refused_and_start_nothing(desk: Desk) -> None:
    harness, _ = desk
    with pytest.raises(InvalidInput, match=r"300,000.00 \$ is over .*limit is 250,000.00 \$"):
        await submit(desk, param_request(ParamKind.grant_powers, powers=powers("300000")))
    assert harness.erp.approval_powers_of("MTQ", USER) == []
    await assert_not_started(harness, f"param-MTQ-{(await harness.today()).year}-000001")


async def test_approval_powers_within_the_limit_are_granted_then_withdrawn(desk: Desk) -> None:
    harness, _ = desk
    granted = await submit(desk, param_request(ParamKind.grant_powers, powers=powers("50000")))
    await through_quality_check(desk, granted)
    assert harness.erp.approval_powers_of("MTQ", USER) == [powers("50000")]
    withdrawn = await submit(
        desk, param_request(ParamKind.withdraw_powers, withdraw_scope="CC-4410")
    )
    await through_quality_check(desk, withdrawn)
    assert harness.erp.approval_powers_of("MTQ", USER) == []


async def test_cloisonnement_change_to_an_unknown_group_is_refused_and_a_known_one_applied(
    desk: Desk,
) -> None:
    harness, _ = desk
    with pytest.raises(InvalidInput, match="MTQ-NULLEPART is not a partition group of MTQ"):
        await submit(
            desk, param_request(ParamKind.change_cloisonnement, partition_group="MTQ-NULLEPART")
        )
    state = await submit(
        desk, param_request(ParamKind.change_cloisonnement, partition_group="MTQ-DGF")
    )
    await through_quality_check(desk, state)
    assert harness.erp.access_of("MTQ", USER).partition_group == "MTQ-DGF"


# --- the responsibility template --------------------------------------------------------------


async def test_template_outside_the_mo_nomenclature_is_refused_and_a_named_one_created(
    desk: Desk,
) -> None:
    harness, param_desk = desk
    state = await submit(desk, param_request(ParamKind.create_responsibility))
    await param_desk.take(state.id, "agent-tremblay")
    unnamed = TEMPLATE.model_copy(update={"code": "RF-APPRO-DGF"})
    with pytest.raises(InvalidInput, match=r"does not follow MTQ's nomenclature \(MTQ-RF-<NAME>\)"):
        await param_desk.complete(state.id, CompleteParam(agent="agent-tremblay", template=unnamed))
    with pytest.raises(InvalidInput, match="complete the responsibility template"):
        await param_desk.complete(state.id, CompleteParam(agent="agent-tremblay"))
    assert (await param_desk.show(state.id)).status is ParamStatus.in_progress
    await param_desk.complete(state.id, CompleteParam(agent="agent-tremblay", template=TEMPLATE))
    await param_desk.check(state.id, QualityCheck(agent="agent-roy", approved=True))
    await settled(desk, state.id, ParamStatus.applied)
    assert harness.erp.catalogue()["MTQ-RF-APPRO-DGF"].module is Module.RF
    assert harness.erp.responsibility_template("MTQ-RF-APPRO-DGF") == TEMPLATE
    assert "MTQ-RF-APPRO-DGF" in harness.erp.registre_responsibilities("MTQ")


async def test_quality_check_by_the_agent_who_completed_the_template_is_refused(
    desk: Desk,
) -> None:
    harness, param_desk = desk
    state = await submit(desk, param_request(ParamKind.create_responsibility))
    await param_desk.take(state.id, "agent-tremblay")
    await param_desk.complete(state.id, CompleteParam(agent="agent-tremblay", template=TEMPLATE))
    with pytest.raises(Refused, match="agent-tremblay completed .* another agent"):
        await param_desk.check(state.id, QualityCheck(agent="agent-tremblay", approved=True))
    assert (await param_desk.show(state.id)).status is ParamStatus.to_check
    assert "MTQ-RF-APPRO-DGF" not in harness.erp.catalogue()


async def test_quality_check_that_fails_returns_the_request_to_the_agent(desk: Desk) -> None:
    harness, param_desk = desk
    state = await submit(desk, param_request(ParamKind.create_responsibility))
    await param_desk.take(state.id, "agent-tremblay")
    await param_desk.complete(state.id, CompleteParam(agent="agent-tremblay", template=TEMPLATE))
    returned = await param_desk.check(
        state.id, QualityCheck(agent="agent-gagnon", approved=False, note="scope too wide")
    )
    assert returned.status is ParamStatus.in_progress
    assert "MTQ-RF-APPRO-DGF" not in harness.erp.catalogue()
    narrower = TEMPLATE.model_copy(update={"data_scope": "centre de coûts CC-4410"})
    await param_desk.complete(state.id, CompleteParam(agent="agent-tremblay", template=narrower))
    await param_desk.check(state.id, QualityCheck(agent="agent-gagnon", approved=True))
    await settled(desk, state.id, ParamStatus.applied)
    assert harness.erp.responsibility_template("MTQ-RF-APPRO-DGF") == narrower


async def test_step_that_does_not_fit_the_state_is_refused(desk: Desk) -> None:
    _, param_desk = desk
    state = await submit(desk, param_request())
    with pytest.raises(Refused, match="complete is allowed only when it is in_progress"):
        await param_desk.complete(state.id, CompleteParam(agent="agent-tremblay"))


# --- waiting on the client --------------------------------------------------------------------


async def test_question_waits_on_the_client_with_a_reminder_each_open_day_then_closes(
    desk: Desk,
) -> None:
    harness, param_desk = desk
    state = await submit(desk, param_request())
    await param_desk.take(state.id, "agent-tremblay")
    asked = await param_desk.ask(
        state.id, AskClient(agent="agent-tremblay", question="Quel centre de coûts?")
    )
    assert asked.status is ParamStatus.waiting_client
    day = (await harness.sync()).astimezone(MONTREAL).date()
    opening = [
        CALENDAR.periods_on(CALENDAR.open_days_after(day, n))[0].start
        for n in range(1, ANSWER_WAIT_OPEN_DAYS + 1)
    ]
    for number, instant in enumerate(opening[:-1], start=1):
        await harness.move_to(instant + timedelta(minutes=1))
        reminded = await harness.eventually(
            lambda: param_desk.show(state.id), reminders_reach(number)
        )
        assert reminded.status is ParamStatus.waiting_client
    await harness.move_to(opening[-1] + timedelta(minutes=1))
    closed = await settled(desk, state.id, ParamStatus.closed_no_answer)
    assert closed.reminders == ANSWER_WAIT_OPEN_DAYS - 1
    assert closed.reason == f"no answer from the MO after {ANSWER_WAIT_OPEN_DAYS} open days"
    reminders = harness.mail.sent(f"{state.id}/question-1/reminder-")
    assert len(reminders) == ANSWER_WAIT_OPEN_DAYS - 1
    assert "RF-APPROBATEUR" not in harness.erp.access_of("MTQ", USER).responsibilities
    escalated = await harness.eventually(
        _async(lambda: SqlEscalations(harness.uow).get(f"{state.id}/given-up")),
        lambda found: found is not None,
    )
    assert escalated.kind is EscalationKind.given_up and escalated.reason == closed.reason


async def test_answer_from_the_mo_resumes_the_request(desk: Desk) -> None:
    harness, param_desk = desk
    state = await submit(desk, param_request())
    await param_desk.take(state.id, "agent-tremblay")
    await param_desk.ask(state.id, AskClient(agent="agent-tremblay", question="Quel centre?"))
    await harness.skip(timedelta(hours=2))
    answered = await param_desk.answer(state.id, ClientAnswer(by="rh-mtq", answer="CC-4410"))
    assert answered.status is ParamStatus.in_progress
    await param_desk.complete(state.id, CompleteParam(agent="agent-tremblay"))
    await param_desk.check(state.id, QualityCheck(agent="agent-gagnon", approved=True))
    await settled(desk, state.id, ParamStatus.applied)


# --- deadlines and retries ----------------------------------------------------------------------


async def test_request_not_taken_in_charge_in_24_hours_is_breached_and_escalated(
    desk: Desk,
) -> None:
    harness, param_desk = desk
    state = await submit(desk, param_request())
    await harness.move_to(state.due - timedelta(minutes=1))
    assert not (await param_desk.show(state.id)).breached
    await harness.move_to(state.due + timedelta(minutes=1))
    await harness.eventually(lambda: param_desk.show(state.id), lambda s: s.breached)
    await harness.eventually(
        _async(lambda: harness.records.escalations_of(state.id)), lambda keys: keys != []
    )
    assert harness.records.escalations_of(state.id) == [f"{state.id}/warning", f"{state.id}/breach"]


async def test_a_retried_apply_activity_changes_sagir_once(
    time_skipping_env: WorkflowEnvironment, demo_uow: UnitOfWork, task_queue: str
) -> None:
    erp = FlakyGrantErp(demo_uow)
    async with running_desks(time_skipping_env, demo_uow, task_queue, erp) as harness:
        desk = (harness, harness.parameterisation())
        state = await submit(desk, param_request())
        applied = await through_quality_check(desk, state)
    assert erp.answers == [True, False]  # the retry found its key and wrote nothing
    assert erp_write_count(demo_uow, f"{state.id}/apply/") == 1
    assert applied.status is ParamStatus.applied
    assert erp.access_of("MTQ", USER).responsibilities.count("RF-APPROBATEUR") == 1


def reminders_reach(count: int) -> Callable[[ParamState], bool]:
    return lambda state: state.reminders == count


def _async(read: Any) -> Any:
    async def wrapped() -> Any:
        return read()

    return wrapped


async def test_modifying_a_responsibility_keeps_its_code_and_only_the_mo_own_may_be_modified(
    desk: Desk,
) -> None:
    harness, param_desk = desk
    harness.erp.create_responsibility("setup/create", "MTQ", TEMPLATE, harness.now)
    with pytest.raises(InvalidInput, match="RF-CONSULTATION is not a responsibility of MTQ"):
        await submit(
            desk,
            param_request(ParamKind.modify_responsibility, responsibility="RF-CONSULTATION"),
        )
    state = await submit(
        desk, param_request(ParamKind.modify_responsibility, responsibility=TEMPLATE.code)
    )
    await param_desk.take(state.id, "agent-tremblay")
    renamed = TEMPLATE.model_copy(update={"code": "MTQ-RF-APPRO-DGF2"})
    with pytest.raises(InvalidInput, match="a modification keeps the code MTQ-RF-APPRO-DGF"):
        await param_desk.complete(state.id, CompleteParam(agent="agent-tremblay", template=renamed))
    wider = TEMPLATE.model_copy(update={"transactions": ["FB60", "MIRO", "F53"]})
    await param_desk.complete(state.id, CompleteParam(agent="agent-tremblay", template=wider))
    await param_desk.check(state.id, QualityCheck(agent="agent-roy", approved=True))
    await settled(desk, state.id, ParamStatus.applied)
    assert harness.erp.responsibility_template(TEMPLATE.code) == wider


async def test_changing_approval_powers_replaces_the_limit_on_that_scope(desk: Desk) -> None:
    harness, _ = desk
    await through_quality_check(
        desk, await submit(desk, param_request(ParamKind.grant_powers, powers=powers("50000")))
    )
    await through_quality_check(
        desk, await submit(desk, param_request(ParamKind.change_powers, powers=powers("75000")))
    )
    assert harness.erp.approval_powers_of("MTQ", USER) == [powers("75000")]
