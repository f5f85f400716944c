"""Incoming mail, the pure rules: what a received message is, whether it may open or touch a
ticket, by which channel, for which MO, and what of it becomes the ticket's text. Parsing is the
standard library's `email` package (no I/O); the intake (starter/intake.py) and its desk
(starter/desks/intake.py) do the receiving, the storing and the reaching of the engine.

Conventions a person relies on (the "solution returned" notice tells the client):
- A reply carries the ticket's tag, `[T-2026-000123]`, anywhere in its subject.
- A reply to a communiqué keeps the communiqué's tag, `[C-2026-000012]`, in its subject: it is a
  question on that communiqué (models/communiques.py), which the side that wrote it answers.
- A reply asks to reopen a returned or closed ticket when its first line of text, or its
  subject, begins with one of the words `ROUVRIR`, `RÉOUVRIR` (or `REOUVRIR`) or `REOPEN`, in any
  case. Any other reply is a message on the ticket (or the answer, when the CA asked a question).
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Mapping
from datetime import datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses
from enum import StrEnum

from pydantic import Field

from models.communiques import QUESTION_PERIOD, Communique, Side, id_in_subject, tag_of
from models.sla import Channel
from models.tickets import Contract

# What a notice to the client (the solution returned, say) tells them about replying.
REPLY_HINT = (
    "Pour répondre, gardez [{ticket_id}] dans l'objet. Pour rouvrir ce billet dans les 10 jours "
    "ouvrables, commencez votre réponse par le mot ROUVRIR."
)
TICKET_TAG = re.compile(r"\[(T-\d{4}-\d{6})\]")
SUBJECT_LIMIT = 200  # models.tickets.ShortText
TEXT_LIMIT = 4000  # models.tickets.Text
REOPEN_WORDS = ("ROUVRIR", "RÉOUVRIR", "REOUVRIR", "REOPEN")
# When a message has no text of its own (a fax, a voicemail): the ticket still needs one.
NO_TEXT = "(aucun texte : voir les pièces jointes)"
NO_SUBJECT = "(sans objet)"
# Who the engine's history names for a message's writer: never their address (personal data,
# kept sealed by the desk), but the way it came.
WRITER = {
    Channel.email: "courriel",
    Channel.fax: "telecopie",
    Channel.voicemail: "messagerie-vocale",
}
DIGEST = re.compile(r"^[0-9a-f]{64}$")


class Outcome(StrEnum):
    """What a received message became."""

    ticket = "ticket"  # it opens a ticket
    reply = "reply"  # it goes to the ticket its subject names
    question = "question"  # a question on the communiqué its subject names
    triage = "triage"  # a person of the CA sorts it: unknown sender, or a reply that cannot go
    ignored = "ignored"  # an auto-reply, a list, a loop: nothing opens


class MailRefused(ValueError):
    """A message the intake refuses at DATA time: the SMTP code and its reply text (ASCII, as
    RFC 5321 wants it; French, as the sender's bounce shows it to a person)."""

    def __init__(self, code: int, text: str) -> None:
        super().__init__(f"{code} {text}")
        self.code = code
        self.text = text

    @property
    def reply(self) -> str:
        return f"{self.code} {self.text}"


class AttachmentPolicy(Contract):
    """What the intake takes in: the MIME types allowed for a file, and the largest file."""

    types: frozenset[str]
    max_bytes: int = Field(gt=0)


class ParsedAttachment(Contract):
    file_name: str
    content_type: str
    data: bytes = Field(repr=False)

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def size(self) -> int:
        return len(self.data)


class ParsedMail(Contract):
    """A received message, read: personal data all of it (never printed, never in a history)."""

    key: str  # the digest it is recorded under (of its Message-ID, or of its bytes)
    sender: str = Field(repr=False)
    subject: str = Field(repr=False)
    text: str = Field(repr=False)  # the text part, whole
    automatic: str | None = None  # why it is an auto-reply, a list or a loop
    attachments: list[ParsedAttachment] = Field(default_factory=list, repr=False)

    @property
    def domain(self) -> str:
        return self.sender.rpartition("@")[2]


class IntakeAddresses(Contract):
    """The desk's own address, and the senders that are the fax gateway or the voicemail
    system (configuration)."""

    desk: str
    fax: frozenset[str] = frozenset()
    voicemail: frozenset[str] = frozenset()


class Routing(Contract):
    """Where a received message goes, and why (a reason never holds personal data)."""

    outcome: Outcome
    channel: Channel
    mo: str | None = None
    ticket_id: str | None = None  # the ticket it opens, or the one it replies to
    communique_id: str | None = None  # the communiqué a question is about
    reopen: bool = False
    reason: str | None = None


def route(mail: ParsedMail, addresses: IntakeAddresses, domains: Mapping[str, str]) -> Routing:
    """Where a message goes on what it says itself: nowhere (automatic), to the ticket its
    subject names (checked against that ticket by `route_reply`), to the communiqué its subject
    names as a question of its sender's MO (checked against that communiqué by
    `route_question`), to a new ticket of its sender's MO, or to triage when its sender's
    domain is not declared."""
    channel = channel_of(mail.sender, addresses)
    if mail.automatic is not None:
        return Routing(outcome=Outcome.ignored, channel=channel, reason=mail.automatic)
    tag = ticket_tag(mail.subject)
    if tag is not None:
        return Routing(
            outcome=Outcome.reply,
            channel=channel,
            ticket_id=tag,
            reopen=asks_to_reopen(mail.subject, mail.text),
        )
    mo = mo_of(mail.domain, domains)
    communique = id_in_subject(mail.subject)
    if mo is None:
        return Routing(
            outcome=Outcome.triage,
            channel=channel,
            reason="the sender's domain is not declared for any MO",
        )
    if communique is not None:
        return Routing(outcome=Outcome.question, channel=channel, mo=mo, communique_id=communique)
    return Routing(outcome=Outcome.ticket, channel=channel, mo=mo)


def route_question(routing: Routing, communique: Communique | None) -> Routing:
    """A question goes to its communiqué when the desk knows it, it was sent to the sender's
    MO, and it is in its question period (from its sending to the period's end); otherwise to
    triage, saying which."""
    named = routing.communique_id
    if communique is None:
        reason = f"names {named}, which the desk does not know"
    elif not communique.addressed_to(routing.mo or ""):
        reason = f"names {named}, which was not sent to {routing.mo}"
    elif communique.status not in QUESTION_PERIOD:
        reason = (
            f"names {named}, which is {communique.status.value}: questions are taken from its "
            "sending to the end of its question period"
        )
    else:
        return routing
    return routing.model_copy(update={"outcome": Outcome.triage, "reason": reason})


def reserves_a_ticket(routing: Routing, communique: Communique | None) -> bool:
    """Whether the message's record reserves a ticket number: a new ticket, and a question on
    a DGGIR communiqué (the CA answers it on a ticket; an MO's goes to the MO's authors)."""
    if routing.outcome is Outcome.ticket:
        return True
    return (
        routing.outcome is Outcome.question
        and communique is not None
        and communique.side is Side.dggir
    )


def route_reply(
    routing: Routing,
    sender: str,
    ticket_mo: str | None,
    contact: str | None,
    domains: Mapping[str, str],
) -> Routing:
    """A reply goes to its ticket when the ticket exists and the sender is its contact or of
    its MO's domains; otherwise to triage, saying which."""
    if ticket_mo is None:
        return routing.model_copy(
            update={
                "outcome": Outcome.triage,
                "reason": f"names {routing.ticket_id}, which the desk does not know",
            }
        )
    if not reply_allowed(sender, contact, ticket_mo, domains):
        return routing.model_copy(
            update={
                "outcome": Outcome.triage,
                "reason": f"replies to {routing.ticket_id} from neither its contact nor its MO",
            }
        )
    return routing.model_copy(update={"mo": ticket_mo})


def message_key(message_id: str | None, raw: bytes) -> str:
    """The digest a message is recorded under: of its Message-ID (so a message the sender's
    server delivers twice is recorded once), or of its bytes when it has none."""
    if message_id and message_id.strip():
        return hashlib.sha256(b"mid:" + message_id.strip().lower().encode()).hexdigest()
    return hashlib.sha256(b"raw:" + raw).hexdigest()


def parse_mail(raw: bytes, attachments: AttachmentPolicy, desk_address: str) -> ParsedMail:
    """The message read, or `MailRefused` saying why it is not taken in (malformed, no
    sender, an attachment of a type or a size the desk does not keep)."""
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
        sender = _sender(message)
        subject = _header(message, "Subject")
        message_id = _header(message, "Message-ID")
    except (ValueError, TypeError, LookupError, IndexError):
        raise MailRefused(554, "5.6.0 Message mal forme : en-tetes illisibles") from None
    if sender is None:
        raise MailRefused(
            550, "5.1.7 Message refuse : l'en-tete From ne donne pas une adresse d'expediteur"
        )
    assert isinstance(message, EmailMessage)
    text, files = _contents(message)
    for found in files:
        _check_attachment(found, attachments)
    return ParsedMail(
        key=message_key(message_id, raw),
        sender=sender,
        subject=subject,
        text=text,
        automatic=automatic_reason(message, desk_address),
        attachments=files,
    )


def automatic_reason(message: Message, desk_address: str) -> str | None:
    """Why a message must open nothing: an auto-reply, a bulk or list message, or a loop (our
    own address, or one of our own notices coming back). None: a person wrote it."""
    auto = (_header(message, "Auto-Submitted") or "no").split(";")[0].strip().lower()
    if auto != "no":
        return f"Auto-Submitted: {auto}"
    precedence = (_header(message, "Precedence") or "").strip().lower()
    if precedence in ("bulk", "junk", "list"):
        return f"Precedence: {precedence}"
    for header in ("X-Autoreply", "X-Autorespond", "List-Id"):
        if message.get(header) is not None:
            return f"{header} present"
    sender = _sender(message)
    if sender is not None and sender == desk_address.strip().lower():
        return "sent from the desk's own address"
    return None


def ticket_tag(subject: str) -> str | None:
    """The ticket a subject names, `[T-2026-000123]`; the first tag when there are several."""
    found = TICKET_TAG.search(subject)
    return found.group(1) if found else None


def channel_of(sender: str, addresses: IntakeAddresses) -> Channel:
    """The fax gateway's and the voicemail system's messages come by fax and by voicemail;
    everything else by email."""
    if sender in addresses.fax:
        return Channel.fax
    if sender in addresses.voicemail:
        return Channel.voicemail
    return Channel.email


def mo_of(domain: str, domains: Mapping[str, str]) -> str | None:
    """The MO whose declared domain the sender's is, or a parent of it (a sub-domain of a
    ministry is the ministry's); None: unknown, the message goes to triage."""
    labels = domain.strip().lower().split(".")
    for start in range(len(labels) - 1):
        found = domains.get(".".join(labels[start:]))
        if found is not None:
            return found
    return None


def asks_to_reopen(subject: str, text: str) -> bool:
    """Whether a reply asks to reopen its ticket: its first line of text, or its subject once
    the `Re:`/`TR:` prefixes and the tag are left out, begins with a reopen word."""
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    bare_subject = TICKET_TAG.sub(" ", subject)
    bare_subject = re.sub(r"^\s*((re|tr|fw|fwd)\s*:\s*)+", "", bare_subject, flags=re.IGNORECASE)
    return _begins_with_reopen(first_line) or _begins_with_reopen(bare_subject)


def reply_allowed(
    sender: str, contact: str | None, ticket_mo: str, domains: Mapping[str, str]
) -> bool:
    """A reply reaches its ticket when it comes from the ticket's contact or from one of its
    MO's declared domains; from anyone else it goes to triage (a tag is easily copied)."""
    if contact is not None and sender == contact.strip().lower():
        return True
    return mo_of(sender.rpartition("@")[2], domains) == ticket_mo


def description_of(text: str) -> str:
    """The ticket's description from a message's text: the quoted lines of earlier messages,
    what follows a reply header ("Le ... a écrit :", "On ... wrote:", "-----Message
    d'origine-----") and the signature (after "-- ") left out, cut to 4000 characters."""
    kept: list[str] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        stripped = line.strip()
        if line.rstrip() == "--" or _REPLY_HEADER.match(stripped):
            break
        if stripped.startswith(">"):
            continue
        kept.append(line.rstrip())
    described = "\n".join(kept).strip()
    return _cut(described, TEXT_LIMIT) if described else NO_TEXT


def subject_of(subject: str) -> str:
    """The ticket's subject: the message's on one line, cut to 200 characters."""
    flat = " ".join(subject.split())
    return _cut(flat, SUBJECT_LIMIT) if flat else NO_SUBJECT


_REPLY_HEADER = re.compile(
    r"^(le\s.+\sa\s[ée]crit\s?:|on\s.+\swrote:|-{2,}\s*(original message|message d'origine)"
    r"\s*-{2,})$",
    re.IGNORECASE,
)


def _begins_with_reopen(text: str) -> bool:
    word = re.split(r"[\s:,.;!-]", text.strip(), maxsplit=1)[0].upper()
    return word in REOPEN_WORDS


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _header(message: Message, name: str) -> str:
    value = message.get(name)
    return "" if value is None else str(value)


def _sender(message: Message) -> str | None:
    """The one address of From, in lower case; None when there is not exactly one usable."""
    values = message.get_all("From") or []
    found = [address for _, address in getaddresses([str(value) for value in values])]
    found = [address.strip().lower() for address in found if address and address.strip()]
    if len(found) != 1:
        return None
    try:
        parsed = Address(addr_spec=found[0])
    except (ValueError, IndexError):
        return None
    if not parsed.username or "." not in parsed.domain or any(c.isspace() for c in found[0]):
        return None
    return found[0]


def _contents(message: EmailMessage) -> tuple[str, list[ParsedAttachment]]:
    """The message's text (its plain part, else its HTML part flattened) and its files."""
    body = message.get_body(preferencelist=("plain", "html"))
    text = ""
    if body is not None:
        content = _text_of(body)
        text = _flatten_html(content) if body.get_content_type() == "text/html" else content
    files: list[ParsedAttachment] = []
    for part in message.walk():
        if part.is_multipart() or part is body:
            continue
        name = part.get_filename()
        inline_text = part.get_content_maintype() == "text" and name is None
        if inline_text and part.get_content_disposition() != "attachment":
            continue  # the other alternative of the body (its HTML), not a file
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes):
            data = b""
        files.append(
            ParsedAttachment(
                file_name=(name or f"piece-jointe-{len(files) + 1}").strip()[:200],
                content_type=part.get_content_type(),
                data=data,
            )
        )
    return text, files


def _text_of(part: Message) -> str:
    try:
        content = part.get_content()  # type: ignore[attr-defined]
    except (LookupError, ValueError):  # an unknown charset: read what can be read
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else ""
    return content if isinstance(content, str) else ""


def _flatten_html(content: str) -> str:
    content = re.sub(r"(?is)<(script|style).*?</\1>", " ", content)
    content = re.sub(r"(?i)<br\s*/?>|</p>|</div>", "\n", content)
    return html.unescape(re.sub(r"<[^>]+>", "", content))


def _check_attachment(found: ParsedAttachment, attachments: AttachmentPolicy) -> None:
    if found.content_type not in attachments.types:
        raise MailRefused(
            554,
            f"5.6.1 Piece jointe refusee : le type {found.content_type} n'est pas accepte "
            f"(acceptes : {', '.join(sorted(attachments.types))})",
        )
    if found.size > attachments.max_bytes:
        raise MailRefused(
            552,
            f"5.3.4 Piece jointe refusee : elle depasse {size_text(attachments.max_bytes)}",
        )


def size_text(size: int) -> str:
    """A size as a reply text gives it (ASCII)."""
    return f"{size / 1_000_000:g} Mo" if size >= 1_000_000 else f"{size} octets"


def known_digest(text: str) -> bool:
    return DIGEST.match(text) is not None


def addresses_of(text: str) -> frozenset[str]:
    """Comma-separated addresses of the configuration, in lower case."""
    return frozenset(part.strip().lower() for part in text.split(",") if part.strip())


class MailDomain(Contract):
    """A mail domain declared for an MO, by whom and when."""

    domain: str
    mo: str
    declared_by: str
    declared_at: datetime


class Delivery(StrEnum):
    """Whether the step a message owes the engine has reached it."""

    pending = "pending"
    delivered = "delivered"
    none = "none"  # nothing owed: in triage, ignored, or discarded


class Attachment(Contract):
    """A file a message brought, as listed: the bytes are read by their digest."""

    digest: str
    file_name: str = Field(repr=False)
    content_type: str
    size: int
    ticket_id: str | None = None


class InboundMessage(Contract):
    """A received message as the desk keeps it, opened (personal data: shown only to those who
    may read it, never printed whole)."""

    id: str
    received_at: datetime
    channel: Channel
    outcome: Outcome
    reason: str | None = None
    ticket_id: str | None = None
    mo: str | None = None
    reopen: bool = False
    delivery: Delivery
    attempts: int = 0
    sender: str = Field(repr=False)
    subject: str = Field(repr=False)
    text: str = Field(repr=False)
    sorted_by: str | None = None
    sorted_at: datetime | None = None
    attachments: list[Attachment] = Field(default_factory=list)

    @property
    def communique_id(self) -> str | None:
        """The communiqué a question is about: its subject's tag, as when it was routed."""
        return id_in_subject(self.subject) if self.outcome is Outcome.question else None


class TriageItem(Contract):
    """A message waiting in triage, as the CA sees it: when it came (its 24-hour clock runs from
    then), from whom, about what, and why it is there."""

    id: str
    received_at: datetime
    due: datetime
    channel: Channel
    reason: str | None
    sender: str
    subject: str
    excerpt: str
    attachments: int


class Receipt(Contract):
    """What the intake did with a message it accepted (its answer is 250 either way)."""

    id: str
    outcome: Outcome
    ticket_id: str | None = None
    communique_id: str | None = None
    delivered: bool = False
    duplicate: bool = False

    @property
    def reply(self) -> str:
        """The SMTP reply text (ASCII, French)."""
        if self.duplicate:
            return "250 2.0.0 Message deja recu"
        if self.outcome is Outcome.ticket and self.ticket_id:
            return f"250 2.0.0 Recu : billet {self.ticket_id}"
        if self.outcome is Outcome.reply and self.ticket_id:
            return f"250 2.0.0 Recu : ajoute au billet {self.ticket_id}"
        if self.outcome is Outcome.question and self.communique_id:
            tag = tag_of(self.communique_id)[1:-1]
            about = f"250 2.0.0 Recu : question sur le communique {tag}"
            return f"{about}, billet {self.ticket_id}" if self.ticket_id else about
        if self.outcome is Outcome.triage:
            return "250 2.0.0 Recu : le centre d'assistance le traitera"
        return "250 2.0.0 Recu"


# The kinds of file a person may send, by short name or MIME type
# (SAGIR_INTAKE_ATTACHMENT_TYPES).
FILE_KINDS = {
    "pdf": ("application/pdf",),
    "png": ("image/png",),
    "jpeg": ("image/jpeg",),
    "tiff": ("image/tiff",),
    "gif": ("image/gif",),
    "wav": ("audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave"),
    "mp3": ("audio/mpeg", "audio/mp3"),
    "ogg": ("audio/ogg", "application/ogg"),
    "text": ("text/plain",),
}
DEFAULT_FILE_KINDS = ",".join(FILE_KINDS)


def attachment_types(text: str) -> frozenset[str]:
    """The MIME types named by comma-separated kinds (`pdf`, `jpeg`...) or MIME types."""
    types: set[str] = set()
    for part in (part.strip().lower() for part in text.split(",")):
        if not part:
            continue
        if part in FILE_KINDS:
            types.update(FILE_KINDS[part])
        elif re.fullmatch(r"[a-z0-9.+-]+/[a-z0-9.+-]+", part):
            types.add(part)
        else:
            raise ValueError(
                f"{part!r} is neither a kind of file ({', '.join(FILE_KINDS)}) nor a MIME type"
            )
    return frozenset(types)
