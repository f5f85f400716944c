"""The payload codec: every workflow and activity payload is encrypted before it reaches the
engine, so the stored history holds no personal data in clear (RULES.md "Personal information").

AES-256-GCM from `cryptography` (well kept, audited; no crypto of our own). Each payload names the
key that sealed it, so keys can rotate: the first configured key seals, all of them open.

A payload of some size is compressed (zlib) before it is sealed: a ticket's state, steps and all,
shrinks several times, and so does the history that keeps it. The compression is named beside
the key and bound to the seal (the authenticated data), so it cannot be changed unnoticed.
A compressed payload's length tells how compressible it was: someone who can put text of their
own in a ticket and also read the sizes of the engine's stored payloads could learn something
of what sits beside it. Those sizes are the engine's database, which holds the sealed payloads
themselves; it is protected as they are.

Upgrading from a desk that did not compress: a process of the older version cannot open a
compressed payload, so every worker and API process runs this version before any of them
seals one (stop them all, then start them all; no rolling deploy across this change).
"""

from __future__ import annotations

import copy
import os
import zlib
from collections.abc import Sequence
from typing import Self

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from google.protobuf.message import DecodeError
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec, SerializationContext, WithSerializationContext

from starter.keys import BadKey, Key

ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"
# The workflow a payload belongs to, in clear beside it (a business id, never personal data):
# whoever opens it through the UI's codec is recorded with the workflow they opened.
WORKFLOW = "sagir-workflow-id"
COMPRESSION = "compression"
ZLIB = b"zlib"
COMPRESS_FROM = 512  # bytes: smaller payloads are sealed as they are
NONCE_BYTES = 12
TAG_BYTES = 16  # AES-GCM's authentication tag


class EncryptionCodec(PayloadCodec, WithSerializationContext):
    """Seals with the first key; opens with whichever key a payload names. Payloads that were
    never sealed (histories recorded before the codec) pass through unchanged. The SDK hands it
    the workflow a payload belongs to (its serialization context): the sealed payload names it."""

    def __init__(self, keys: Sequence[Key], workflow_id: str | None = None) -> None:
        if not keys:
            raise BadKey("at least one payload key is required")
        self._keys = list(keys)
        self._current = keys[0]
        self._ciphers = {key.key_id: AESGCM(key.secret) for key in keys}
        self._workflow_id = workflow_id

    def with_context(self, context: SerializationContext) -> Self:
        workflow_id = getattr(context, "workflow_id", None)
        bound = copy.copy(self)
        bound._workflow_id = workflow_id if isinstance(workflow_id, str) else None
        return bound

    @property
    def current_key_id(self) -> str:
        return self._current.key_id

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.seal(payload) for payload in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.open(payload) for payload in payloads]

    def seal(self, payload: Payload) -> Payload:
        nonce = os.urandom(NONCE_BYTES)
        key_id = self._current.key_id
        plain = payload.SerializeToString()
        metadata = {"encoding": ENCODING, KEY_ID: key_id.encode()}
        if len(plain) >= COMPRESS_FROM:
            smaller = zlib.compress(plain, 6)
            if len(smaller) < len(plain):
                plain = smaller
                metadata[COMPRESSION] = ZLIB
        bound = _bound(key_id, metadata.get(COMPRESSION))
        sealed = self._ciphers[key_id].encrypt(nonce, plain, bound)
        if self._workflow_id:
            metadata[WORKFLOW] = self._workflow_id.encode()
        return Payload(metadata=metadata, data=nonce + sealed)

    def open(self, payload: Payload) -> Payload:
        """The payload as it was sealed; `BadKey`, one sentence, for anything that is not a
        payload this desk sealed (what the UI's codec endpoint answers 422 with)."""
        if payload.metadata.get("encoding") != ENCODING:
            return payload
        try:
            key_id = payload.metadata.get(KEY_ID, b"").decode()
        except UnicodeDecodeError:
            raise BadKey("payload: its key id is not text") from None
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise BadKey(f"payload sealed with key {key_id!r}, which is not configured")
        if len(payload.data) < NONCE_BYTES + TAG_BYTES:
            raise BadKey(f"payload sealed with key {key_id!r} is too short to be sealed")
        nonce, sealed = payload.data[:NONCE_BYTES], payload.data[NONCE_BYTES:]
        compression = payload.metadata.get(COMPRESSION)
        if compression not in (None, ZLIB):
            raise BadKey(f"payload sealed with key {key_id!r} names an unknown compression")
        try:
            plain = cipher.decrypt(nonce, sealed, _bound(key_id, compression))
            return Payload.FromString(zlib.decompress(plain) if compression else plain)
        except (InvalidTag, DecodeError, zlib.error):
            raise BadKey(f"payload sealed with key {key_id!r} does not open") from None


def _bound(key_id: str, compression: bytes | None) -> bytes:
    """The data the seal authenticates beside the payload: its key, and its compression if any
    (payloads sealed before compression existed bound the key alone, and still open)."""
    return key_id.encode() if compression is None else key_id.encode() + b"/" + compression


def workflows_of(payloads: Sequence[Payload]) -> list[str]:
    """The workflows sealed payloads say they belong to, in the order first seen."""
    found: list[str] = []
    for payload in payloads:
        named = payload.metadata.get(WORKFLOW, b"").decode(errors="replace")
        if named and named not in found:
            found.append(named)
    return found
