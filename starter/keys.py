"""Keys the desk reads from its configuration, each named by an id so it can rotate: the
payload keys (`SAGIR_PAYLOAD_KEYS`, AES-256 for the payload codec) and the audit keys
(`SAGIR_AUDIT_KEYS`, HMAC-SHA256 for the audit trail's seals). The first key of a setting seals,
all of them open. With no setting, a key file under SAGIR_HOME (mode 0600) is made on first use.
"""

from __future__ import annotations

import base64
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


class BadKey(ValueError):
    """The configured keys are malformed, or a sealed value names a key nobody configured."""


@dataclass(frozen=True)
class Key:
    key_id: str
    secret: bytes

    def __repr__(self) -> str:  # never print the secret
        return f"Key({self.key_id!r})"


def parse_keys(text: str, setting: str = "SAGIR_PAYLOAD_KEYS") -> list[Key]:
    """`id:base64,id:base64`: the first seals, all open. Each secret is 32 bytes."""
    keys = []
    for part in (chunk.strip() for chunk in text.split(",")):
        if not part:
            continue
        key_id, sep, encoded = part.partition(":")
        if not sep or not key_id:
            raise BadKey(f"{setting} entries must read key-id:base64-secret")
        try:
            secret = base64.b64decode(encoded, validate=True)
        except ValueError:
            raise BadKey(f"{setting}: key {key_id!r} is not valid base64") from None
        if len(secret) != 32:
            raise BadKey(f"{setting}: key {key_id!r} must be 32 bytes")
        keys.append(Key(key_id, secret))
    if not keys:
        raise BadKey(f"{setting} is empty")
    if len({key.key_id for key in keys}) != len(keys):
        raise BadKey(f"{setting} names a key id twice")
    return keys


def format_keys(keys: Iterable[Key]) -> str:
    return ",".join(f"{key.key_id}:{base64.b64encode(key.secret).decode()}" for key in keys)


def new_key() -> Key:
    return Key(f"local-{secrets.token_hex(4)}", secrets.token_bytes(32))


def local_keys(path: Path, setting: str = "SAGIR_PAYLOAD_KEYS") -> list[Key]:
    """The embedded default: a key file under SAGIR_HOME, created (mode 0600) on first use.
    Written whole under another name, then linked into place: a process starting beside
    another reads no file or the whole one, never one half written."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{os.getpid()}")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(format_keys([new_key()]) + "\n")
        try:
            os.link(draft, path)  # unless another process of the desk made it first
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return parse_keys(path.read_text(), setting)
