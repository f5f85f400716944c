"""Attachments' bytes on the file system, outside the database and the engine's history: one
file per SHA-256 digest of the content (a file sent twice is kept once), sealed at rest with
the payload keys and bound to its digest, written whole or not at all (a temporary file
renamed)."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from adapters.sealed_mail import MailKeys, Sealer
from models.inbound import known_digest

WHERE = "the attachments folder"


class FileAttachments:
    def __init__(self, folder: Path, keys: MailKeys) -> None:
        self._folder = folder
        self._sealer = Sealer(keys)

    def path(self, digest: str) -> Path:
        if not known_digest(digest):
            raise ValueError(f"digest: {digest!r} is not a SHA-256 digest in hexadecimal")
        return self._folder / digest[:2] / digest

    def keep(self, data: bytes) -> str:
        """Keep the bytes (once per content); returns their digest."""
        digest = hashlib.sha256(data).hexdigest()
        path = self.path(digest)
        if path.exists():
            return digest
        path.parent.mkdir(parents=True, exist_ok=True)
        sealed = self._sealer.seal_bytes(data, "attachments", digest)
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(sealed)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return digest

    def read(self, digest: str) -> bytes | None:
        """The bytes of `digest`, checked against it; None when no such file is kept."""
        path = self.path(digest)
        if not path.exists():
            return None
        data = self._sealer.open_bytes(
            path.read_bytes(), f"attachment {digest}", WHERE, "attachments", digest
        )
        if hashlib.sha256(data).hexdigest() != digest:
            raise ValueError(f"attachment {digest} does not match its digest")
        return data

    def kept(self) -> list[str]:
        """Every digest kept (for tests and checks)."""
        if not self._folder.exists():
            return []
        return sorted(path.name for path in self._folder.glob("*/*") if known_digest(path.name))
