"""`sagir-desk param` and `sagir-desk access`: a personne autorisée (or relève) of the MO
submits, agents take, ask, complete and check, the MO answers, everyone reads. Access requests
take the same steps as parameterisation requests, so both groups carry the same step commands."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

import click

from models.parameterisation import (
    ApprovalPowers,
    AskClient,
    ClientAnswer,
    CompleteParam,
    ParamKind,
    ParamRequest,
    ParamState,
    PowerScope,
    QualityCheck,
    ResponsibilityTemplate,
)
from models.requests import Process
from models.sagir import Module
from models.timestamps import local_text
from starter.cli import session
from starter.cli.output import (
    json_option,
    page_options,
    parse_date,
    print_model,
    print_requests,
    print_rows,
    print_steps,
)
from starter.desks.errors import InvalidInput, parse

if TYPE_CHECKING:
    from starter.desks.parameterisation import GuardedParameterisation

T = TypeVar("T")

PARAM_KINDS = [kind.value for kind in ParamKind if kind is not ParamKind.access]

common_request_options = [
    click.option("--mo", required=True),
    click.option("--description", required=True, help="The need, in the MO's words."),
    click.option(
        "--authorised-by", required=True, help="Employee number of the personne autorisée."
    ),
    click.option("--by", "requested_by", required=True, help="Who at the MO sends it."),
    click.option("--mo-email", required=True, help="Where the CA answers the MO."),
    json_option,
]


def with_common_request_options(command: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(common_request_options):
        command = option(command)
    return command


# --- parameterisation ---------------------------------------------------------------------------


@click.group()
def param() -> None:
    """Parameterisation requests: responsibilities, approval powers, cloisonnement."""


@param.command("submit", cls=session.Changing)
@click.option("--kind", required=True, type=click.Choice(PARAM_KINDS))
@click.option("--beneficiary", default=None, help="Employee number of the user concerned.")
@click.option("--responsibility", default=None, help="The MO responsibility to modify.")
@click.option("--scope", type=click.Choice([s.value for s in PowerScope]), default=None)
@click.option("--scope-code", default=None, help="Cost centre or budget unit, e.g. CC-4410.")
@click.option("--amount", default=None, help="Approval limit in dollars, e.g. 50000.")
@click.option("--valid-from", default=None, help="Powers valid from, YYYY-MM-DD.")
@click.option("--valid-until", default=None, help="Powers valid until, YYYY-MM-DD.")
@click.option("--withdraw-scope", default=None, help="Cost centre or budget unit to withdraw.")
@click.option("--partition-group", default=None, help="The new cloisonnement group.")
@with_common_request_options
def param_submit(
    as_json: bool,
    kind: str,
    scope: str | None,
    scope_code: str | None,
    amount: str | None,
    valid_from: str | None,
    valid_until: str | None,
    **fields: Any,
) -> None:
    """Submit a parameterisation request (checked against the registre d'autorité first)."""
    powers = None
    if kind in (ParamKind.grant_powers.value, ParamKind.change_powers.value):
        powers = parse(
            ApprovalPowers,
            scope=scope,
            scope_code=scope_code,
            amount_limit=_amount(amount),
            valid_from=parse_date("--valid-from", valid_from),
            valid_until=parse_date("--valid-until", valid_until),
        )
    request = parse(ParamRequest, kind=kind, powers=powers, **fields)
    _print_param(_with_requests(lambda requests: requests.submit(request)), as_json)


# --- access -------------------------------------------------------------------------------------


@click.group()
def access() -> None:
    """Access requests: grant or remove a user's responsibilities."""


@access.command("request", cls=session.Changing)
@click.option("--employee", "beneficiary", required=True, help="Employee number of the user.")
@click.option("--grant", multiple=True, help="A responsibility to grant; repeat.")
@click.option("--remove", multiple=True, help="A responsibility to remove; repeat.")
@click.option("--partition-group", default=None, help="Cloisonnement group (needed for EI).")
@with_common_request_options
def access_request(
    as_json: bool, grant: tuple[str, ...], remove: tuple[str, ...], **fields: Any
) -> None:
    """Request accesses for a user (checked against the registre d'autorité first)."""
    request = parse(
        ParamRequest, kind=ParamKind.access, grant=list(grant), remove=list(remove), **fields
    )
    _print_param(_with_requests(lambda requests: requests.submit(request)), as_json)


# --- the steps both groups share ---------------------------------------------------------------


def _add_steps(group: click.Group, example: str, kind: Process) -> None:
    @group.command("take", cls=session.Changing)
    @click.argument("request_id")
    @click.option("--agent", required=True)
    @json_option
    def take(request_id: str, agent: str, as_json: bool) -> None:
        """Take a request in charge (a CA agent)."""
        _print_param(_with_requests(lambda requests: requests.take(request_id, agent)), as_json)

    @group.command("ask", cls=session.Changing)
    @click.argument("request_id")
    @click.option("--agent", required=True)
    @click.option("--question", required=True)
    @json_option
    def ask(request_id: str, as_json: bool, **fields: Any) -> None:
        """Ask the MO a question (the request waits on the client)."""
        step = parse(AskClient, **fields)
        _print_param(_with_requests(lambda requests: requests.ask(request_id, step)), as_json)

    @group.command("answer", cls=session.Changing)
    @click.argument("request_id")
    @click.option("--by", required=True, help="Who at the MO answers.")
    @click.option("--answer", required=True)
    @json_option
    def answer(request_id: str, as_json: bool, **fields: Any) -> None:
        """The MO answers the CA's question."""
        step = parse(ClientAnswer, **fields)
        _print_param(_with_requests(lambda requests: requests.answer(request_id, step)), as_json)

    @group.command("complete", cls=session.Changing)
    @click.argument("request_id")
    @click.option("--agent", required=True)
    @click.option("--code", default=None, help="Template: the responsibility's code.")
    @click.option("--name", default=None, help="Template: its name.")
    @click.option("--module", type=click.Choice([m.value for m in Module]), default=None)
    @click.option("--transaction", "transactions", multiple=True, help="Template; repeat.")
    @click.option("--data-scope", default=None, help="Template: the data it reaches.")
    @json_option
    def complete(
        request_id: str, agent: str, as_json: bool, transactions: tuple[str, ...], **template: Any
    ) -> None:
        """Complete a request (with the responsibility template, for those kinds)."""
        given = {name: value for name, value in template.items() if value is not None}
        filled = None
        if given or transactions:
            filled = parse(ResponsibilityTemplate, **given, transactions=list(transactions))
        step = parse(CompleteParam, agent=agent, template=filled)
        _print_param(_with_requests(lambda requests: requests.complete(request_id, step)), as_json)

    @group.command("check", cls=session.Changing)
    @click.argument("request_id")
    @click.option("--agent", required=True, help="Not the agent who completed it.")
    @click.option("--approve/--return", "approved", required=True)
    @click.option("--note", default=None)
    @json_option
    def check(request_id: str, as_json: bool, **fields: Any) -> None:
        """Quality-check a completed request: approve (it is applied) or return it."""
        step = parse(QualityCheck, **fields)
        _print_param(_with_requests(lambda requests: requests.check(request_id, step)), as_json)

    @group.command("show")
    @click.argument("request_id")
    @json_option
    def show(request_id: str, as_json: bool) -> None:
        _print_param(_with_requests(lambda requests: requests.show(request_id)), as_json)

    show.help = f"Show a request (id like {example})."

    @group.command("list")
    @click.option("--mo", default=None)
    @page_options
    @json_option
    def list_requests(mo: str | None, limit: int, cursor: str | None, as_json: bool) -> None:
        """List requests, a page at a time (from the desk's records)."""
        found = _with_requests(lambda requests: requests.list(kind, mo, limit, cursor))
        print_requests(found, as_json)


_add_steps(param, "param-MTQ-2026-000001", Process.parameterisation)
_add_steps(access, "acces-MTQ-2026-000001", Process.access)

# --- plumbing -----------------------------------------------------------------------------------


def _amount(text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        return Decimal(text.replace(",", "").replace("$", "").strip())
    except ArithmeticError:
        raise InvalidInput(f"--amount: {text!r} is not an amount like 50000.00") from None


def _with_requests(action: Callable[[GuardedParameterisation], Awaitable[T]]) -> T:
    return session.run(lambda desks: desks.parameterisation, action)


def _print_param(state: ParamState, as_json: bool) -> None:
    if as_json:
        return print_model(state)
    asked = state.request
    rows = [
        ("request", state.id),
        ("kind", state.kind.value),
        ("mo", state.mo),
        ("beneficiary", state.beneficiary or "-"),
        ("asked", asked.description),
        ("authorised", f"by {asked.authorised_by}, sent by {asked.requested_by}"),
    ]
    if asked.grant or asked.remove:
        changes = [f"+{code}" for code in asked.grant] + [f"-{code}" for code in asked.remove]
        rows.append(("accesses", " ".join(changes)))
    if asked.powers is not None:
        powers = asked.powers
        rows.append(
            (
                "powers",
                f"{powers.scope.value} {powers.scope_code} up to {powers.amount_limit:,.2f} $, "
                f"{powers.valid_from} to {powers.valid_until or 'open'}",
            )
        )
    for label, value in (
        ("withdraw", asked.withdraw_scope),
        ("partition", asked.partition_group),
        ("modifies", asked.responsibility),
    ):
        if value:
            rows.append((label, value))
    rows += [
        ("status", state.status.value),
        ("due", local_text(state.due) + ("  BREACHED" if state.breached else "")),
        ("taken by", state.taken_by or "-"),
        ("completed by", state.completed_by or "-"),
        ("checked by", state.checked_by or "-"),
        ("applied", local_text(state.applied_at)),
    ]
    if state.template is not None:
        rows.append(("template", f"{state.template.code} ({state.template.module.value})"))
    if state.reason:
        rows.append(("reason", state.reason))
    print_rows(rows)
    print_steps(state.steps)
