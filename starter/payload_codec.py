"""The payload codec: every workflow and activity payload is encrypted before it reaches the
engine, so the stored history holds no personal data in clear (RULES.md "Personal information").

AES-256-GCM from `cryptography` (well kept, audited; no crypto of our own). Each payload names the
key that sealed it, so keys can rotate: the first configured key seals, all of them open.
"""

from __future__ import annotations

import base64
import os
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"
NONCE_BYTES = 12


class PayloadKeyError(ValueError):
    """The configured keys are malformed, or a payload names a key nobody configured."""


@dataclass(frozen=True)
class PayloadKey:
    key_id: str
    secret: bytes

    def __repr__(self) -> str:  # never print the secret
        return f"PayloadKey({self.key_id!r})"


class EncryptionCodec(PayloadCodec):
    """Seals with the first key; opens with whichever key a payload names. Payloads that were
    never sealed (histories recorded before the codec) pass through unchanged."""

    def __init__(self, keys: Sequence[PayloadKey]) -> None:
        if not keys:
            raise PayloadKeyError("at least one payload key is required")
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
        if payload.metadata.get("encoding") != ENCODING:
            return payload
        key_id = payload.metadata.get(KEY_ID, b"").decode()
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise PayloadKeyError(f"payload sealed with key {key_id!r}, which is not configured")
        nonce, sealed = payload.data[:NONCE_BYTES], payload.data[NONCE_BYTES:]
        try:
            opened = cipher.decrypt(nonce, sealed, key_id.encode())
        except InvalidTag:
            raise PayloadKeyError(f"payload sealed with key {key_id!r} does not open") from None
        return Payload.FromString(opened)


def parse_keys(text: str) -> list[PayloadKey]:
    """`id:base64,id:base64`: the first seals, all open. Each secret is 32 bytes."""
    keys = []
    for part in (chunk.strip() for chunk in text.split(",")):
        if not part:
            continue
        key_id, sep, encoded = part.partition(":")
        if not sep or not key_id:
            raise PayloadKeyError("SAGIR_PAYLOAD_KEYS entries must read key-id:base64-secret")
        try:
            secret = base64.b64decode(encoded, validate=True)
        except ValueError:
            raise PayloadKeyError(f"payload key {key_id!r} is not valid base64") from None
        if len(secret) != 32:
            raise PayloadKeyError(f"payload key {key_id!r} must be 32 bytes (AES-256)")
        keys.append(PayloadKey(key_id, secret))
    if not keys:
        raise PayloadKeyError("SAGIR_PAYLOAD_KEYS is empty")
    if len({key.key_id for key in keys}) != len(keys):
        raise PayloadKeyError("SAGIR_PAYLOAD_KEYS names a key id twice")
    return keys


def format_keys(keys: Iterable[PayloadKey]) -> str:
    return ",".join(f"{key.key_id}:{base64.b64encode(key.secret).decode()}" for key in keys)


def new_key() -> PayloadKey:
    return PayloadKey(f"local-{secrets.token_hex(4)}", secrets.token_bytes(32))


def local_keys(path: Path) -> list[PayloadKey]:
    """The embedded default: a key file under SAGIR_HOME, created (mode 0600) on first use."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process of the desk made it first
            return parse_keys(path.read_text())
        with os.fdopen(descriptor, "w") as handle:
            handle.write(format_keys([new_key()]) + "\n")
    return parse_keys(path.read_text())
