"""The payload codec: every workflow and activity payload is encrypted before it reaches the
engine, so the stored history holds no personal data in clear (RULES.md "Personal information").

AES-256-GCM from `cryptography` (well kept, audited; no crypto of our own). Each payload names the
key that sealed it, so keys can rotate: the first configured key seals, all of them open.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from google.protobuf.message import DecodeError
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

from starter.keys import BadKey, Key

ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"
NONCE_BYTES = 12
TAG_BYTES = 16  # AES-GCM's authentication tag


class EncryptionCodec(PayloadCodec):
    """Seals with the first key; opens with whichever key a payload names. Payloads that were
    never sealed (histories recorded before the codec) pass through unchanged."""

    def __init__(self, keys: Sequence[Key]) -> None:
        if not keys:
            raise BadKey("at least one payload key is required")
        self._current = keys[0]
        self._ciphers = {key.key_id: AESGCM(key.secret) for key in keys}

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
        sealed = self._ciphers[key_id].encrypt(nonce, payload.SerializeToString(), key_id.encode())
        return Payload(
            metadata={"encoding": ENCODING, KEY_ID: key_id.encode()}, data=nonce + sealed
        )

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
        try:
            return Payload.FromString(cipher.decrypt(nonce, sealed, key_id.encode()))
        except (InvalidTag, DecodeError):
            raise BadKey(f"payload sealed with key {key_id!r} does not open") from None
