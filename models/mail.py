"""A message to a person, through the mail port. Holds personal data: never log its fields."""

from __future__ import annotations

import hashlib

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
