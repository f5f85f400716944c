"""A local mail server for development (aiosmtpd): every message it receives is kept as an
`.eml` file under SAGIR_HOME/mail, one per message, named `<UTC time>-<digest of its
Message-ID>.eml` so they sort by arrival. A second copy of a Message-ID already kept (the relay
killed after the server took it) is kept too, named `...-duplicate.eml`, so a person sees it
happened. `sagir-desk mail list` and `mail show` read them back."""

from __future__ import annotations

import email
import email.policy
import hashlib
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from models.mail import OpenedSinkMessage, SinkMessage

DUPLICATE = "-duplicate"
STAMP = "%Y%m%dT%H%M%S.%fZ"


def digest_of(message_id: str) -> str:
    return hashlib.sha256(message_id.strip().encode()).hexdigest()[:12]


class SinkHandler:
    """aiosmtpd's handler: accepts every message and keeps it in `folder`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.keep(envelope.content, datetime.now(UTC))
        return "250 2.0.0 Ok: kept in the sink"

    def keep(self, content: bytes, at: datetime) -> Path:
        """Write one received message; a Message-ID kept before makes it a marked duplicate."""
        self.folder.mkdir(parents=True, exist_ok=True)
        parsed = email.message_from_bytes(content, policy=email.policy.default)
        digest = digest_of(str(parsed.get("Message-ID", "")) or content.hex()[:64])
        duplicate = any(self.folder.glob(f"*-{digest}*.eml"))
        stem = f"{at.astimezone(UTC).strftime(STAMP)}-{digest}{DUPLICATE if duplicate else ''}"
        path = self.folder / f"{stem}.eml"
        number = 1
        while path.exists():  # two messages in one microsecond
            number += 1
            path = self.folder / f"{stem}-{number}.eml"
        path.write_bytes(content)
        return path


class MailSink:
    """The sink served on `host:port` in a thread of its own (aiosmtpd's Controller)."""

    def __init__(self, folder: Path, host: str = "127.0.0.1", port: int = 1025) -> None:
        self.handler = SinkHandler(folder)
        self.controller = Controller(self.handler, hostname=host, port=port)

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()


def sink_messages(folder: Path) -> list[SinkMessage]:
    """Every kept message, oldest first."""
    # By arrival time, then a first copy before its duplicate (should they share a microsecond).
    paths = sorted(
        folder.glob("*.eml") if folder.is_dir() else [],
        key=lambda path: (path.name.split("-", 1)[0], DUPLICATE in path.name, path.name),
    )
    return [_listed(number, path) for number, path in enumerate(paths, start=1)]


def opened(folder: Path, which: str) -> OpenedSinkMessage:
    """Message number `which` of `sink_messages`, or the file `which` names (a path, or a name
    in the folder); ValueError in one sentence when there is none."""
    if which.isdigit():
        listed = sink_messages(folder)
        number = int(which)
        if not 1 <= number <= len(listed):
            raise ValueError(
                f"message {which}: the sink holds {len(listed)} message(s) in {folder}; "
                "`sagir-desk mail list` numbers them"
            )
        found = listed[number - 1]
    else:
        path = Path(which) if Path(which).is_file() else folder / which
        if not path.is_file() or path.suffix != ".eml":
            raise ValueError(f"{which}: no such .eml file here or in {folder}")
        found = _listed(0, path)
    message = read_message(Path(found.file))
    return OpenedSinkMessage(
        message=found,
        headers=[(name, str(value)) for name, value in message.items()],
        body=body_of(message),
    )


def read_message(path: Path) -> EmailMessage:
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def body_of(message: EmailMessage) -> str:
    """The text body, decoded (its transfer encoding and charset undone)."""
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    content = part.get_content()
    return content if isinstance(content, str) else content.decode(errors="replace")


def _listed(number: int, path: Path) -> SinkMessage:
    message = read_message(path)
    stamp = path.name.split("-", 1)[0]
    try:
        received = datetime.strptime(stamp, STAMP).replace(tzinfo=UTC)
    except ValueError:  # a file a person put there by hand
        received = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    return SinkMessage(
        number=number,
        file=str(path),
        received_at=received,
        to=str(message.get("To", "")),
        subject=str(message.get("Subject", "")),
        message_id=str(message.get("Message-ID", "")),
        duplicate=DUPLICATE in path.name,
    )
