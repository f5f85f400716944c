"""A message to a person, through the mail port. Holds personal data: never log its fields."""

from __future__ import annotations

from models.tickets import Contract


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
