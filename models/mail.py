"""A message to a person, through the mail port. Holds personal data: never log its fields."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta
from enum import StrEnum

from models.communiques import CommuniqueContent
from models.tickets import Contract, EmailAddress, Language


class Contact(Contract):
    """Where one request's notices go. Personal data: kept sealed at rest, never in a history."""

    address: EmailAddress
    language: Language = Language.fr

    def __repr__(self) -> str:
        return f"Contact(language={self.language.value!r})"

    __str__ = __repr__


def message_id(idempotency_key: str, domain: str) -> str:
    """The Message-ID of the mail sent under `idempotency_key`: the same on every delivery of
    that mail, so a delivery retried is recognisable as the same message; no personal data."""
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]
    return f"<{digest}@{domain}>"


class Mail(Contract):
    idempotency_key: str
    to: str
    subject: str
    body: str
    # The body holds a secret (a temporary password): the mail port keeps it sealed at rest and
    # removes it once the mail is delivered, so no table holds the secret in clear.
    secret: bool = False

    def __repr__(self) -> str:
        return f"Mail(key={self.idempotency_key!r})"

    __str__ = __repr__


class UnreadableMail(ValueError):
    """A sealed mail body the configured payload keys cannot open: its key is no longer in
    SAGIR_PAYLOAD_KEYS, or the stored row was altered."""


def workflow_of_key(idempotency_key: str) -> str:
    """The workflow a mail belongs to: every mail key begins with its workflow id, then `/`."""
    return idempotency_key.split("/", 1)[0]


class DeliveryStatus(StrEnum):
    """Where a mail of the outbox stands with the mail server."""

    queued = "queued"  # owed: the relay sends it at `next_attempt_at` (or at once)
    sending = "sending"  # claimed by a relay; tried again if the claim grows older than a lease
    sent = "sent"  # the server accepted it (its answer kept)
    failed = "failed"  # refused for good, or never taken after the last attempt: escalated


# Backoff of a mail the server did not take: 30 s, 1 min, 2 min... never more than an hour apart.
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=1)


def next_attempt(attempts: int, now: datetime) -> datetime:
    """When to try again after the `attempts`-th attempt failed for a passing reason."""
    delay = FIRST_RETRY * 2 ** min(max(attempts - 1, 0), 16)
    return now + min(delay, LONGEST_RETRY)


# An address in a server's answer (`<jdoe@mtq.example>` or bare): personal data, never logged.
_ADDRESS = re.compile(r"<?[^\s<>@,;:\"()\[\]]+@[^\s<>@,;:\"()\[\]]+>?")


def without_addresses(text: str) -> str:
    """A server's answer as logs and escalations may carry it: every address `<adresse>`."""
    return _ADDRESS.sub("<adresse>", text)


class MailRefused(Exception):
    """The mail server did not take a message: `permanent` for a refusal for good (5xx), a
    passing one otherwise (4xx, the server down or slow). `reply` has no address in it."""

    def __init__(self, reply: str, permanent: bool) -> None:
        super().__init__(reply)
        self.reply = reply
        self.permanent = permanent


class Delivery(Contract):
    """A mail a relay holds (its claim): what goes to the server. Personal data: never in a
    history or a log."""

    mail: Mail
    message_id: str
    attempts: int  # this claim's attempt; the claim's token, too
    # Why the stored body does not open (its payload key is no longer configured): the relay
    # cannot send it until the key is back.
    unreadable: str | None = None
    # A communiqué's mail: its content, carried byte for byte (the mail's body is empty).
    content: CommuniqueContent | None = None

    def __repr__(self) -> str:
        return f"Delivery(key={self.mail.idempotency_key!r}, attempt={self.attempts})"

    __str__ = __repr__


class Handed(Contract):
    """What the mail server answered when it took a message, and, for a communiqué's mail, the
    digest of the content of the bytes actually sent (`models.communiques.digest_of_message`)."""

    reply: str
    content_digest: str | None = None


class RelayReport(Contract):
    """What one relay round did, in counts: no address, subject or body."""

    sent: int = 0
    retried: int = 0  # back in the queue, to be tried again later
    failed: int = 0  # refused for good or out of attempts: escalated
    skipped: int = 0  # due, but another relay claimed it first


class OutboxEntry(Contract):
    """A mail's delivery state as `sagir-desk mail outbox` shows it: no address, subject or
    body (the server's answer with its addresses masked)."""

    key: str
    workflow_id: str
    status: DeliveryStatus
    attempts: int
    created_at: datetime
    next_attempt_at: datetime | None = None
    sent_at: datetime | None = None
    server_reply: str | None = None
    message_id: str | None = None


class SinkMessage(Contract):
    """A message the dev mail sink kept, as `sagir-desk mail list` shows it."""

    number: int  # 1 for the oldest
    file: str
    received_at: datetime
    to: str
    subject: str
    message_id: str
    duplicate: bool  # a second copy of a Message-ID already kept (a resend)


class OpenedSinkMessage(Contract):
    """A kept message as `sagir-desk mail show` shows it: headers, and the body decoded."""

    message: SinkMessage
    headers: list[tuple[str, str]]
    body: str
