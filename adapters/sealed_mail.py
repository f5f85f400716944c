"""A mail body that holds a secret, as the outbox keeps it: sealed with the payload keys, so
whoever reads the database (a backup, a replica, a support query) does not read the secret.
AES-256-GCM from `cryptography` (well kept, audited; no crypto of our own).

The forms of the outbox's columns (Text since migration 0011):
- `private:<key id>:<base64 of nonce + ciphertext>`: an address, subject or body sealed because
  it is personal data (every mail queued since 0011).
- `sealed:<key id>:<base64 of nonce + ciphertext>`: a secret body. The key id beside the
  ciphertext lets the keys rotate: the first key seals, every configured key opens.
- `removed:delivered`: a secret body removed once the mail was delivered.
- anything else: as written before these forms existed; `plain:` goes in front of a plain
  body that would otherwise read as one of the forms above.

The seal also covers the mail's key, address and subject (as associated data): a sealed body
copied onto another row, or its row redirected to another address, no longer opens, so whoever
can write the table cannot have the relay send the secret elsewhere.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from models.mail import Mail, UnreadableMail

SEALED = "sealed:"
PRIVATE = "private:"
REMOVED = "removed:delivered"
PLAIN = "plain:"
MARKERS = (SEALED, PRIVATE, "removed:", PLAIN)
NONCE_BYTES = 12
KEY_BYTES = 32  # AES-256


@dataclass(frozen=True)
class MailKeys:
    """The payload keys as plain data (the adapters never import the starter's settings): the
    first seals, every one opens."""

    sealing: str
    secrets: dict[str, bytes] = field(repr=False)

    @classmethod
    def of(cls, keys: Sequence[tuple[str, bytes]]) -> MailKeys:
        if not keys:
            raise ValueError("at least one payload key is required to seal mail")
        for key_id, secret in keys:
            if not key_id or ":" in key_id:
                # The key id is read back up to the next ':' of the stored form.
                raise ValueError(f"payload key id {key_id!r} must be text without ':'")
            if len(secret) != KEY_BYTES:
                raise ValueError(f"payload key {key_id!r} must be {KEY_BYTES} bytes")
        secrets = dict(keys)
        if len(secrets) != len(keys):
            raise ValueError("the payload keys name a key id twice")
        return cls(keys[0][0], secrets)

    def __repr__(self) -> str:  # never print a secret
        return f"MailKeys(sealing={self.sealing!r}, ids={sorted(self.secrets)!r})"


class Sealer:
    """Seals a text with the payload keys, bound to the strings that say where it belongs (a
    row's key, say): sealed elsewhere, it no longer opens. For personal data kept at rest."""

    def __init__(self, keys: MailKeys) -> None:
        self._sealing = keys.sealing
        self._ciphers = {key_id: AESGCM(secret) for key_id, secret in keys.secrets.items()}

    def seal(self, text: str, *bound: str, marker: str = SEALED) -> str:
        key_id, blob = self._encrypt(text.encode(), bound)
        return f"{marker}{key_id}:{base64.b64encode(blob).decode()}"

    def open(self, stored: str, what: str, table: str, *bound: str) -> str:
        """The text; `UnreadableMail` naming `what` (kept in `table`) when the keys cannot
        open it."""
        key_id, _, encoded = stored.removeprefix(SEALED).removeprefix(PRIVATE).partition(":")
        altered = f"its row in the {table} was altered"
        try:
            blob = base64.b64decode(encoded, validate=True)
        except ValueError:
            blob = b""  # does not open: said below, as any altered row
        opened = self._decrypt(key_id, blob, bound, what, altered)
        try:
            return opened.decode()
        except UnicodeDecodeError:
            raise UnreadableMail(
                f"{what} sealed with payload key {key_id!r} does not open: {altered}"
            ) from None

    def seal_bytes(self, data: bytes, *bound: str) -> bytes:
        """`seal` for a file's bytes: `sealed:<key id>:` then the nonce and the ciphertext."""
        key_id, blob = self._encrypt(data, bound)
        return f"{SEALED}{key_id}:".encode() + blob

    def open_bytes(self, stored: bytes, what: str, where: str, *bound: str) -> bytes:
        """The file's bytes; `UnreadableMail` naming `what` (kept in `where`) otherwise."""
        head, _, blob = stored.removeprefix(SEALED.encode()).partition(b":")
        key_id = head.decode(errors="replace")
        return self._decrypt(key_id, blob, bound, what, f"it was altered in {where}")

    def _encrypt(self, data: bytes, bound: tuple[str, ...]) -> tuple[str, bytes]:
        key_id = self._sealing
        nonce = os.urandom(NONCE_BYTES)
        return key_id, nonce + self._ciphers[key_id].encrypt(nonce, data, _bound(key_id, *bound))

    def _decrypt(
        self, key_id: str, blob: bytes, bound: tuple[str, ...], what: str, altered: str
    ) -> bytes:
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise UnreadableMail(
                f"{what} is sealed with payload key {key_id!r}, which is not configured: add "
                "that key back to SAGIR_PAYLOAD_KEYS (after the first) to open it"
            )
        try:
            return cipher.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], _bound(key_id, *bound))
        except (ValueError, InvalidTag):  # a short nonce, a failed tag
            raise UnreadableMail(
                f"{what} sealed with payload key {key_id!r} does not open: {altered}"
            ) from None


@dataclass(frozen=True)
class StoredMail:
    """A mail's address, subject and body as the outbox keeps them."""

    to: str
    subject: str
    body: str


class MailSeal:
    """Turns a mail into its stored form and back."""

    def __init__(self, keys: MailKeys) -> None:
        self._sealer = Sealer(keys)

    def stored(self, mail: Mail) -> StoredMail:
        """The mail as the outbox keeps it: address, subject and body sealed (personal data);
        a secret body sealed apart (`sealed:`), so it can be removed once delivered."""
        key = mail.idempotency_key
        if mail.secret:
            body = self._sealer.seal(mail.body, key, mail.to, mail.subject)
        else:
            body = self._sealer.seal(mail.body, key, "body", marker=PRIVATE)
        return StoredMail(
            to=self._sealer.seal(mail.to, key, "to", marker=PRIVATE),
            subject=self._sealer.seal(mail.subject, key, "subject", marker=PRIVATE),
            body=body,
        )

    def opened(self, idempotency_key: str, to: str, subject: str, body: str) -> Mail:
        """The mail as it was sent (a secret body removed after delivery reads empty);
        `UnreadableMail`, saying what to do, when the keys cannot open it. Rows written before
        the outbox sealed everything read as they were written."""
        to = self._private(to, idempotency_key, "to")
        subject = self._private(subject, idempotency_key, "subject")
        text, secret = self._body(idempotency_key, to, subject, body)
        return Mail(
            idempotency_key=idempotency_key, to=to, subject=subject, body=text, secret=secret
        )

    def _private(self, stored: str, idempotency_key: str, part: str) -> str:
        if not stored.startswith(PRIVATE):
            return stored
        return self._sealer.open(
            stored, f"mail {idempotency_key!r}", "outbox", idempotency_key, part
        )

    def _body(self, idempotency_key: str, to: str, subject: str, body: str) -> tuple[str, bool]:
        if body == REMOVED:
            return "", True
        if body.startswith(PLAIN):
            return body.removeprefix(PLAIN), False
        if body.startswith(PRIVATE):
            return self._private(body, idempotency_key, "body"), False
        if not body.startswith(SEALED):
            return body, False
        text = self._sealer.open(
            body, f"mail {idempotency_key!r}", "outbox", idempotency_key, to, subject
        )
        return text, True


def _bound(key_id: str, *bound: str) -> bytes:
    """What the seal covers besides the text, in one unambiguous form."""
    return json.dumps([key_id, *bound], ensure_ascii=False).encode()
