"""The console says every refusal in French: each English sentence the desks, the rules, the
workflows, the activities and SAGIR's adapters raise has its French (a new one without it fails
here), and the ones people meet most read exactly as a Québec agent would write them."""

from __future__ import annotations

import ast
import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import BaseModel, ValidationError

from models.communiques import Answer, Ask, Submission
from models.departures import BirthDayMonth, DepartureRequest, RecordDeparture
from models.employee_changes import (
    CheckChange,
    EmployeeChangeRequest,
    MoveToMo,
    Proposal,
    ProposeChange,
    TakeChange,
)
from models.escalations import Acknowledge, EscalationQuery
from models.parameterisation import (
    ApprovalPowers,
    ClientAnswer,
    CompleteParam,
    ParamRequest,
    ResponsibilityTemplate,
    TakeParam,
)
from models.parameterisation import AskClient as AskParamClient
from models.parameterisation import QualityCheck as ParamQualityCheck
from models.passwords import PasswordResetRequest
from models.registre import ChangeValidity, Declaration
from models.requests import ListQuery, TakeRequest
from models.roles import Caller
from models.tickets import (
    AskClient,
    BringBack,
    CheckQuality,
    ClientMessage,
    CloseTicket,
    ForwardTicket,
    ProposeSolution,
    RecordAnswer,
    ReopenTicket,
    ReturnToClient,
    TakeTicket,
    TicketRequest,
)
from models.training import CancelPlace, Enrol
from starter.console.french import FALLBACK, field_label, in_french, is_translated
from starter.desks.errors import AlreadyRunning, one_sentence

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("models", "starter/desks", "starter/console", "adapters", "activities", "workflows")
# The refusals a person can meet, and where: a ValueError is one in the rules and in a
# workflow's validators; in the adapters and activities it is the worker's configuration.
REFUSALS = {
    "AlreadyRunning",
    "ApplicationError",
    "BadCursor",
    "ErpRefused",
    "Forbidden",
    "InvalidInput",
    "NotFound",
    "RecordRefused",
    "Refused",
    "RuleRefused",
    "StepRefused",
    "Unauthenticated",
    "Unavailable",
}
REFUSING_VALUE_ERRORS = ("models", "workflows")
# RuleRefused(rule, message): its sentence is the second argument.
SENTENCE_ARGUMENT = {"RuleRefused": 1}


def _constants(files: list[Path]) -> dict[str, str]:
    """Module-level sentences kept in a name (BIRTH_MISMATCH), by name."""
    found: dict[str, str] = {}
    for path in files:
        for node in ast.parse(path.read_text()).body:
            if (
                isinstance(node, ast.Assign)
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
            ):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        found[target.id] = node.value.value
    return found


def _texts(node: ast.expr, constants: dict[str, str]) -> list[list[str | None]]:
    """Every way the argument can read, as parts: text, or None where a value goes."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [[node.value]]
    if isinstance(node, ast.JoinedStr):
        parts: list[str | None] = []
        for value in node.values:
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                parts.append(value.value)
            else:
                parts.append(None)
        return [parts]
    if isinstance(node, ast.Name) and node.id in constants:
        return [[constants[node.id]]]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        lefts, rights = _texts(node.left, constants), _texts(node.right, constants)
        return [left + right for left, right in itertools.product(lefts, rights)]
    if isinstance(node, ast.IfExp):
        return _texts(node.body, constants) + _texts(node.orelse, constants)
    return []  # str(refused), one_sentence(...): a sentence raised elsewhere, scanned there


def _with_placeholders(parts: list[str | None]) -> str:
    """The sentence with each value as X1, X2…, as a sentence with real values reads."""
    numbers = itertools.count(1)
    return "".join(f"X{next(numbers)}" if part is None else part for part in parts)


def raised_refusals() -> Iterator[tuple[str, str]]:
    """(where, sentence) for every sentence a refusal is raised with in the scanned code."""
    files = sorted(
        path
        for folder in SCANNED
        for path in (ROOT / folder).rglob("*.py")
        if ".venv" not in path.parts
    )
    constants = _constants(files)
    for path in files:
        where = path.relative_to(ROOT)
        kinds = set(REFUSALS)
        if where.parts[0] in REFUSING_VALUE_ERRORS:
            kinds.add("ValueError")
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            index = SENTENCE_ARGUMENT.get(str(name), 0)
            if name not in kinds or len(node.args) <= index:
                continue
            for parts in _texts(node.args[index], constants):
                sentence = _with_placeholders(parts)
                if not _passes_on_another(sentence):
                    yield f"{where}:{node.lineno}", sentence


def _passes_on_another(sentence: str) -> bool:
    """`f"urgent: {error}"`: the sentence is another's, which is scanned where it is raised."""
    rule = sentence.split(": ", 1)[-1]
    return rule.startswith("X") and rule[1:].isdigit()


def test_every_refusal_the_desks_raise_reads_in_french() -> None:
    found = list(raised_refusals())
    untranslated = [
        f"{where}: {sentence}" for where, sentence in found if not is_translated(sentence)
    ]

    assert len(found) > 150  # the scan reads the code, not nothing
    assert untranslated == []


# The contracts a person fills in, on the console's forms or through the API: a pydantic
# refusal names one of their fields.
FILLED_IN: tuple[type[BaseModel], ...] = (
    Answer,
    Ask,
    AskClient,
    AskParamClient,
    Acknowledge,
    ApprovalPowers,
    BirthDayMonth,
    BringBack,
    Caller,
    CancelPlace,
    ChangeValidity,
    CheckChange,
    EmployeeChangeRequest,
    MoveToMo,
    Proposal,
    ProposeChange,
    TakeChange,
    CheckQuality,
    ClientAnswer,
    ClientMessage,
    CloseTicket,
    CompleteParam,
    Declaration,
    DepartureRequest,
    Enrol,
    EscalationQuery,
    ForwardTicket,
    ListQuery,
    ParamQualityCheck,
    ParamRequest,
    PasswordResetRequest,
    ProposeSolution,
    RecordAnswer,
    RecordDeparture,
    ReopenTicket,
    ResponsibilityTemplate,
    ReturnToClient,
    Submission,
    TakeParam,
    TakeRequest,
    TakeTicket,
    TicketRequest,
)


@pytest.mark.parametrize("contract", FILLED_IN, ids=lambda contract: contract.__name__)
def test_every_field_a_person_fills_in_has_a_french_label(contract: type[BaseModel]) -> None:
    unlabelled = [name for name in contract.model_fields if field_label(name) is None]

    assert unlabelled == []


# What people type wrong: nothing, too much, a word for a number or a date, a bad date, a list
# for a text, a fraction for a count, a space in a code.
MISTAKES: tuple[object, ...] = (
    "",
    "x" * 5000,
    "not a date",
    -5,
    10**30,
    "2026-13-45",
    [],
    {},
    3.5,
    "a b",
    None,
)


def _pydantic_refusals(contract: type[BaseModel]) -> Iterator[str]:
    tries: list[dict[str, object]] = [{}]
    tries += [{name: mistake} for name in contract.model_fields for mistake in MISTAKES]
    for fields in tries:
        try:
            contract.model_validate(fields)
        except ValidationError as refused:
            yield from (one_sentence([error]) for error in refused.errors())


@pytest.mark.parametrize("contract", FILLED_IN, ids=lambda contract: contract.__name__)
def test_every_refusal_pydantic_gives_a_form_reads_in_french(contract: type[BaseModel]) -> None:
    untranslated = {
        sentence for sentence in _pydantic_refusals(contract) if not is_translated(sentence)
    }

    assert untranslated == set()


def test_a_departure_recorded_too_early_says_from_when_it_may_be() -> None:
    english = (
        "the departure may be recorded in the dossier personne only 48 hours after the notice: "
        "from 2026-11-25 14:30 (Montreal time)"
    )

    assert in_french(english) == (
        "Le départ ne peut être inscrit au dossier personne que 48 heures après l'avis : "
        "à partir du mercredi 25 novembre 2026 à 14 h 30 (heure de Montréal)"
    )


def test_a_quality_check_by_the_agent_who_proposed_asks_for_another_agent() -> None:
    english = (
        "check quality: ag.tremblay proposed this solution; the quality check must be done by "
        "another CA agent"
    )

    assert in_french(english) == (
        "Contrôle de qualité : ag.tremblay a proposé cette solution ; le contrôle de qualité "
        "doit être fait par un autre agent du CA"
    )


def test_a_step_the_ticket_status_does_not_allow_names_the_status_it_needs() -> None:
    english = (
        "reopen: ticket T-2026-000123 is in_charge; only a returned or closed ticket can be "
        "reopened"
    )

    assert in_french(english) == (
        "Réouverture : le billet T-2026-000123 est pris en charge ; cette étape n'est permise "
        "que pour un billet retourné au client ou fermé"
    )


def test_a_request_step_out_of_turn_agrees_with_the_request() -> None:
    english = (
        "check: param-MTQ-2026-000004 is in_progress; check is allowed only when it is to_check"
    )

    assert in_french(english) == (
        "Contrôle de qualité : param-MTQ-2026-000004 est en cours ; cette étape n'est permise "
        "que lorsque la demande est à contrôler"
    )


def test_a_record_that_does_not_exist_keeps_its_id() -> None:
    assert in_french("T-2026-000999 does not exist") == "T-2026-000999 n'existe pas"
    assert in_french("depart-MTQ-45871 does not exist or is finished") == (
        "depart-MTQ-45871 n'existe pas ou son traitement est terminé"
    )


def test_a_field_and_its_rule_read_as_the_french_label_and_rule() -> None:
    assert in_french("due: the deadline cannot come before the request was received") == (
        "Échéance : elle ne peut pas précéder la réception de la demande"
    )
    assert in_french("agent: ag.roy is not an active agent of the CA") == (
        "Agent : ag.roy n'est pas un agent actif du CA"
    )
    assert in_french("subject: ag.roy is not an active agent of the CA") == (
        "Titulaire du jeton : ag.roy n'est pas un agent actif du CA"
    )


def test_a_missing_field_pydantic_refuses_is_named_in_french() -> None:
    with pytest.raises(ValidationError) as refused:
        DepartureRequest.model_validate(
            {
                "mo": "MTQ",
                "departure_date": "2026-12-07",
                "birth": {"birth_day": 3, "birth_month": 4},
                "notified_by": "rh.gagnon",
            }
        )

    assert in_french(one_sentence(refused.value.errors())) == "Numéro d'employé : obligatoire"


def test_pydantic_rules_on_a_field_read_in_french() -> None:
    assert in_french("birth.birth_day: Input should be less than or equal to 31") == (
        "Jour et mois de naissance, jour de naissance : doit être inférieur ou égal à 31"
    )
    assert in_french("employee_number: String should match pattern '^\\d{3,12}$'") == (
        "Numéro d'employé : doit compter de 3 à 12 chiffres"
    )
    assert in_french("channel: Input should be 'phone', 'web' or 'email'") == (
        "Canal : doit être « phone », « web » ou « email »"
    )
    assert in_french("subject: String should have at least 1 character") == (
        "Objet : ne peut pas être vide"
    )


def test_a_workflow_already_running_says_where_to_look() -> None:
    assert in_french(str(AlreadyRunning("arrivee-MTQ-45871"))) == (
        "arrivee-MTQ-45871 est déjà en cours de traitement ; consultez son suivi pour voir où "
        "il en est"
    )


def test_an_amount_over_the_registre_reads_as_quebec_writes_it() -> None:
    english = (
        "powers.amount_limit: 75,000.00 $ is over what MTQ's registre d'autorité allows "
        "(the limit is 50,000.00 $)"
    )

    assert in_french(english) == (
        "Plafond des pouvoirs d'approbation : 75 000,00 $ dépasse ce que permet le registre "
        "d'autorité de MTQ (le plafond est de 50 000,00 $)"
    )


def test_a_sentence_without_its_french_yet_is_framed_not_lost() -> None:
    english = "frobnicator: the widget is upside down"

    assert not is_translated(english)
    assert in_french(english) == FALLBACK + english


def test_a_refusal_quoted_inside_another_is_said_in_french_too() -> None:
    """SGA's refusal, as the training request's registration quotes it."""
    assert in_french("SGA refused the registration: session: RF101-X is not a session of SGA") == (
        "SGA a refusé l'inscription : session : RF101-X n'est pas une session de SGA"
    )
    unknown = in_french("SGA refused the registration: the server is on fire")
    assert unknown == "SGA a refusé l'inscription : the server is on fire"
