"""A reply to a communiqué, the pure rules (models/inbound.py): the communiqué's tag in the
subject makes a question of the sender's MO, which goes to the communiqué when the desk sent it
to that MO and it is in its question period, else to triage saying why; only a DGGIR
communiqué's question reserves a ticket number (the CA answers it on a ticket)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from models.communiques import Communique, CommuniqueStatus, Group, Side
from models.inbound import (
    Outcome,
    Receipt,
    Routing,
    reserves_a_ticket,
    route,
    route_question,
)
from models.sla import Channel
from models.tickets import Language
from tests.unit.test_inbound_mail import ADDRESSES, DOMAINS, message, parsed

COMMUNIQUE = "communique-2026-000012"


def communique(
    side: Side = Side.dggir,
    status: CommuniqueStatus = CommuniqueStatus.sent,
    mos: list[str] | None = None,
    mo: str | None = None,
) -> Communique:
    return Communique(
        id=COMMUNIQUE,
        side=side,
        mo=mo,
        author="dggir-redaction" if side is Side.dggir else "52330",
        title="Calendrier de la paie 2027",
        body="Bonjour\n",
        language=Language.fr,
        mos=mos or ([mo] if mo else []),  # an MO's targets its own MO, as stored
        groups=[Group.parse("all")],
        release_at=None,
        corrects=None,
        files=[],
        digest="0" * 64,
        submitted_at=datetime(2026, 12, 1, 15, tzinfo=UTC),
        status=status,
    )


def question(sender: str = "Jean Doe <jean.doe@mtq.gouv.qc.ca>") -> Routing:
    subject = "RE: [C-2026-000012] Calendrier de la paie 2027"
    return route(parsed(message(sender=sender, subject=subject)), ADDRESSES, DOMAINS)


def test_a_reply_keeping_a_communiques_tag_is_a_question_of_the_senders_mo() -> None:
    routing = question()
    assert (routing.outcome, routing.mo, routing.communique_id, routing.channel) == (
        Outcome.question,
        "MTQ",
        COMMUNIQUE,
        Channel.email,
    )
    assert route_question(routing, communique()) == routing


def test_a_ticket_tag_wins_over_a_communiques_and_an_unknown_domain_goes_to_triage() -> None:
    both = message(subject="RE: [T-2026-000123] [C-2026-000012] Question")
    assert route(parsed(both), ADDRESSES, DOMAINS).outcome is Outcome.reply
    stranger = question("quelqu.un@gmail.com")
    assert (stranger.outcome, stranger.reason) == (
        Outcome.triage,
        "the sender's domain is not declared for any MO",
    )
    automatic = message(subject="RE: [C-2026-000012] x", Auto_Submitted="auto-replied")
    assert route(parsed(automatic), ADDRESSES, DOMAINS).outcome is Outcome.ignored


@pytest.mark.parametrize(
    ("found", "reason"),
    [
        (None, f"names {COMMUNIQUE}, which the desk does not know"),
        (communique(mos=["MSSS"]), f"names {COMMUNIQUE}, which was not sent to MTQ"),
        (communique(Side.mo, mo="MSSS"), f"names {COMMUNIQUE}, which was not sent to MTQ"),
        (
            communique(status=CommuniqueStatus.closed),
            f"names {COMMUNIQUE}, which is closed: questions are taken from its sending to the "
            "end of its question period",
        ),
        (
            communique(status=CommuniqueStatus.scheduled),
            f"names {COMMUNIQUE}, which is scheduled: questions are taken from its sending to "
            "the end of its question period",
        ),
    ],
    ids=["unknown", "dggir-to-another-mo", "another-mos-own", "closed", "not-yet-sent"],
)
def test_a_question_the_communique_cannot_take_goes_to_triage_saying_why(
    found: Communique | None, reason: str
) -> None:
    routed = route_question(question(), found)
    assert (routed.outcome, routed.reason) == (Outcome.triage, reason)


def test_only_a_dggir_communiques_question_reserves_a_ticket_number() -> None:
    assert reserves_a_ticket(question(), communique(Side.dggir))
    assert not reserves_a_ticket(question(), communique(Side.mo, mo="MTQ"))
    assert route_question(question(), communique(Side.mo, mo="MTQ")).outcome is Outcome.question


def test_the_smtp_answer_to_a_question_names_the_communique_and_its_ticket() -> None:
    to_the_ca = Receipt(
        id="a" * 64, outcome=Outcome.question, communique_id=COMMUNIQUE, ticket_id="T-2026-000124"
    )
    assert to_the_ca.reply == (
        "250 2.0.0 Recu : question sur le communique C-2026-000012, billet T-2026-000124"
    )
    to_the_author = Receipt(id="a" * 64, outcome=Outcome.question, communique_id=COMMUNIQUE)
    assert to_the_author.reply == "250 2.0.0 Recu : question sur le communique C-2026-000012"
