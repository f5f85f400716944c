"""Incoming mail's pure rules (models/inbound.py): tags, loops, channels, MOs, reopening, the
ticket's text, and what the intake refuses."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from models.inbound import (
    NO_TEXT,
    AttachmentPolicy,
    IntakeAddresses,
    MailRefused,
    Outcome,
    asks_to_reopen,
    channel_of,
    description_of,
    message_key,
    mo_of,
    parse_mail,
    reply_allowed,
    route,
    route_reply,
    subject_of,
    ticket_tag,
)
from models.sla import Channel

DESK = "assistance@sagir-desk.local"
POLICY = AttachmentPolicy(types=frozenset({"application/pdf", "text/plain"}), max_bytes=1000)
DOMAINS = {"mtq.gouv.qc.ca": "MTQ", "msss.gouv.qc.ca": "MSSS"}
ADDRESSES = IntakeAddresses(
    desk=DESK,
    fax=frozenset({"telecopieur@mtq.gouv.qc.ca"}),
    voicemail=frozenset({"boite-vocale@sagir-desk.local"}),
)


def message(
    sender: str = "Jean Doe <Jean.Doe@mtq.gouv.qc.ca>",
    subject: str = "Accès LSA",
    body: str = "Je ne peux pas me connecter.",
    **headers: str,
) -> EmailMessage:
    mail = EmailMessage()
    if sender:
        mail["From"] = sender
    mail["To"] = DESK
    mail["Subject"] = subject
    mail["Message-ID"] = "<abc@mtq.gouv.qc.ca>"
    for name, value in headers.items():
        mail[name.replace("_", "-")] = value
    mail.set_content(body)
    return mail


def parsed(mail: EmailMessage):  # type: ignore[no-untyped-def]
    return parse_mail(mail.as_bytes(), POLICY, DESK)


def test_the_ticket_tag_is_read_from_anywhere_in_the_subject() -> None:
    assert ticket_tag("RE: Accès LSA [T-2026-000123]") == "T-2026-000123"
    assert ticket_tag("Accès [T-26-1]") is None
    assert ticket_tag("T-2026-000123 without brackets") is None


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto_Submitted": "auto-replied"},
        {"Auto_Submitted": "auto-generated"},
        {"Precedence": "bulk"},
        {"Precedence": "junk"},
        {"Precedence": "list"},
        {"X_Autoreply": "yes"},
        {"X_Autorespond": "yes"},
        {"List_Id": "<annonces.mtq.gouv.qc.ca>"},
    ],
)
def test_auto_replies_lists_and_bulk_mail_open_nothing(headers: dict[str, str]) -> None:
    routing = route(parsed(message(**headers)), ADDRESSES, DOMAINS)
    assert routing.outcome is Outcome.ignored


def test_a_person_marking_auto_submitted_no_is_a_person() -> None:
    routing = route(parsed(message(Auto_Submitted="no")), ADDRESSES, DOMAINS)
    assert routing.outcome is Outcome.ticket


def test_our_own_address_coming_back_opens_nothing() -> None:
    routing = route(parsed(message(sender=DESK)), ADDRESSES, DOMAINS)
    assert (routing.outcome, routing.reason) == (
        Outcome.ignored,
        "sent from the desk's own address",
    )


def test_the_fax_gateway_and_voicemail_system_give_their_channel_else_email() -> None:
    assert channel_of("telecopieur@mtq.gouv.qc.ca", ADDRESSES) is Channel.fax
    assert channel_of("boite-vocale@sagir-desk.local", ADDRESSES) is Channel.voicemail
    assert channel_of("jean.doe@mtq.gouv.qc.ca", ADDRESSES) is Channel.email


def test_the_mo_is_the_senders_declared_domain_or_a_parent_of_it() -> None:
    assert mo_of("mtq.gouv.qc.ca", DOMAINS) == "MTQ"
    assert mo_of("dgf.MTQ.gouv.qc.ca", DOMAINS) == "MTQ"
    assert mo_of("gouv.qc.ca", DOMAINS) is None
    assert mo_of("gmail.com", DOMAINS) is None


def test_an_unknown_senders_domain_goes_to_triage() -> None:
    routing = route(parsed(message(sender="someone@gmail.com")), ADDRESSES, DOMAINS)
    assert routing.outcome is Outcome.triage
    assert routing.channel is Channel.email


def test_a_new_message_of_a_declared_domain_opens_a_ticket_of_its_mo() -> None:
    mail = parsed(message())
    assert mail.sender == "jean.doe@mtq.gouv.qc.ca"
    routing = route(mail, ADDRESSES, DOMAINS)
    assert (routing.outcome, routing.mo, routing.channel) == (Outcome.ticket, "MTQ", Channel.email)


def test_a_reply_reaches_its_ticket_from_its_contact_or_its_mo_else_triage() -> None:
    mail = parsed(message(sender="jean@gmail.com", subject="RE: [T-2026-000123] Accès"))
    routing = route(mail, ADDRESSES, DOMAINS)
    assert (routing.outcome, routing.ticket_id) == (Outcome.reply, "T-2026-000123")
    as_contact = route_reply(routing, mail.sender, "MTQ", "Jean@gmail.com", DOMAINS)
    assert (as_contact.outcome, as_contact.mo) == (Outcome.reply, "MTQ")
    stranger = route_reply(routing, mail.sender, "MTQ", "other@gmail.com", DOMAINS)
    assert stranger.outcome is Outcome.triage
    unknown = route_reply(routing, mail.sender, None, None, DOMAINS)
    assert unknown.outcome is Outcome.triage
    assert reply_allowed("chef@mtq.gouv.qc.ca", None, "MTQ", DOMAINS)
    assert not reply_allowed("chef@msss.gouv.qc.ca", None, "MTQ", DOMAINS)


@pytest.mark.parametrize(
    ("subject", "text", "reopen"),
    [
        ("RE: [T-2026-000123] Accès", "ROUVRIR : le problème revient", True),
        ("RE: [T-2026-000123] Accès", "\n\nréouvrir s.v.p.", True),
        ("RE: [T-2026-000123] Accès", "Reopen please", True),
        ("RE: [T-2026-000123] ROUVRIR", "Le problème revient", True),
        ("RE: [T-2026-000123] Accès", "Merci, pourriez-vous rouvrir ?", False),
        ("RE: [T-2026-000123] Accès", "Merci!", False),
    ],
)
def test_a_reply_asks_to_reopen_when_its_first_line_or_subject_begins_with_the_word(
    subject: str, text: str, reopen: bool
) -> None:
    assert asks_to_reopen(subject, text) is reopen


def test_the_description_leaves_out_quotes_reply_headers_and_signature() -> None:
    text = (
        "Voici la réponse.\n"
        "Le compte est actif.\n"
        "> ancienne ligne citée\n"
        "-- \n"
        "Jean Doe\n"
        "Le lun. 23 nov. 2026, agent a écrit :\n"
        "> question\n"
    )
    assert description_of(text) == "Voici la réponse.\nLe compte est actif."
    assert description_of("Bonjour\n\nLe 23 nov. 2026 à 10:00, X a écrit :\n> q") == "Bonjour"
    assert description_of("> only quoted\n") == NO_TEXT
    assert len(description_of("x" * 5000)) == 4000


def test_the_subject_is_one_line_cut_to_200() -> None:
    assert subject_of("  Accès\n   LSA ") == "Accès LSA"
    assert len(subject_of("s" * 300)) == 200
    assert subject_of("") == "(sans objet)"


def test_a_message_delivered_twice_has_one_key_and_one_without_id_is_keyed_by_its_bytes() -> None:
    assert message_key("<ABC@x>", b"one") == message_key(" <abc@x> ", b"two")
    assert message_key(None, b"one") != message_key(None, b"two")


def test_a_message_without_a_from_is_refused_as_malformed() -> None:
    with pytest.raises(MailRefused) as refused:
        parsed(message(sender=""))
    assert refused.value.code == 550
    with pytest.raises(MailRefused):
        parse_mail(b"\x00\x01 not a message at all", POLICY, DESK)


def test_attachments_of_another_type_or_too_large_are_refused_with_the_rule() -> None:
    mail = message()
    mail.add_attachment(b"MZ...", maintype="application", subtype="x-msdownload", filename="a.exe")
    with pytest.raises(MailRefused) as refused:
        parsed(mail)
    assert refused.value.code == 554
    assert "application/x-msdownload" in refused.value.text
    assert refused.value.text.isascii()
    big = message()
    big.add_attachment(
        b"%PDF" + b"0" * 2000, maintype="application", subtype="pdf", filename="a.pdf"
    )
    with pytest.raises(MailRefused) as too_large:
        parsed(big)
    assert too_large.value.code == 552


def test_a_kept_attachment_has_its_name_type_bytes_and_digest() -> None:
    mail = message()
    mail.add_attachment(b"%PDF-1.4 hello", maintype="application", subtype="pdf", filename="f.pdf")
    (found,) = parsed(mail).attachments
    assert (found.file_name, found.content_type, found.data) == (
        "f.pdf",
        "application/pdf",
        b"%PDF-1.4 hello",
    )
    assert len(found.digest) == 64


def test_an_html_only_message_gives_its_text() -> None:
    mail = message()
    mail.set_content("<p>Bonjour&nbsp;<b>CA</b></p><p>Merci</p>", subtype="html")
    assert "Bonjour\xa0CA" in parsed(mail).text
