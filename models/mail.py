"""A message to a person, through the mail port. Holds personal data: never log its fields."""

from __future__ import annotations

from models.tickets import Contract


class Mail(Contract):
    idempotency_key: str
    to: str
    subject: str
    body: str

    def __repr__(self) -> str:
        return f"Mail(key={self.idempotency_key!r})"

    __str__ = __repr__
