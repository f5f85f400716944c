"""The mail server port over SMTP (`smtplib`): the relay hands each message to the configured
server (the government's relay in production, the dev sink locally) and reads its answer.

`SAGIR_SMTP_URL` is `smtp://host:port` (plain), `smtp+starttls://user:pass@host:587` or
`smtps://user:pass@host:465`. Its credentials never appear in a repr, a log or an error.
"""

from __future__ import annotations

import contextlib
import smtplib
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from urllib.parse import unquote, urlsplit

from models.communiques import digest_of_message
from models.mail import Delivery, Handed, MailRefused, without_addresses

SETTING = "SAGIR_SMTP_URL"
SCHEMES = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}
TIMEOUT_SECONDS = 20.0  # a server that stalls longer is down for this attempt


@dataclass(frozen=True)
class SmtpServer:
    """Where to deliver and how (plain, STARTTLS or TLS), with its credentials."""

    scheme: str
    host: str
    port: int
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    @classmethod
    def from_url(cls, url: str) -> SmtpServer:
        """The server of a `SAGIR_SMTP_URL`; a ValueError of one sentence naming the variable
        (never echoing the URL, which may hold a password) when it is not one."""
        expected = (
            f"{SETTING} must read smtp://host:port, smtp+starttls://user:password@host:587 or "
            "smtps://user:password@host:465"
        )
        try:
            parts = urlsplit(url.strip())
            port = parts.port
        except ValueError:
            raise ValueError(expected) from None
        if parts.scheme not in SCHEMES or not parts.hostname or parts.path not in ("", "/"):
            raise ValueError(expected)
        if parts.query or parts.fragment:
            raise ValueError(expected)
        if (parts.username is None) != (parts.password is None):
            raise ValueError(f"{SETTING} must give both a user and a password, or neither")
        return cls(
            scheme=parts.scheme,
            host=parts.hostname,
            port=port or SCHEMES[parts.scheme],
            username=None if parts.username is None else unquote(parts.username),
            password=None if parts.password is None else unquote(parts.password),
        )

    @property
    def shown(self) -> str:
        """The server as logs may name it: no credentials."""
        return f"{self.scheme}://{self.host}:{self.port}"


class SmtpMailServer:
    """Delivers one message per connection: the relay's pace is a mail every few seconds at
    most, and a fresh connection never inherits a half-broken session."""

    def __init__(self, server: SmtpServer, sender: str, timeout: float = TIMEOUT_SECONDS) -> None:
        self._server = server
        self._sender = sender  # `Centre d'assistance SAGIR <assistance@...>`
        self._timeout = timeout

    def __repr__(self) -> str:
        return f"SmtpMailServer({self._server.shown})"

    def deliver(self, delivery: Delivery, now: datetime) -> Handed:
        message = self.message(delivery, now)
        # CRLF line ends, as SMTP wants them: smtplib sends bytes as they are, and a message
        # with bare LFs reads as one line over the 1,000-byte limit once it is long enough.
        raw = message.as_bytes(policy=message.policy.clone(linesep="\r\n"))
        # The digest of the content of these very bytes, for `communique verify`.
        sent_digest = None if delivery.content is None else digest_of_message(raw)
        envelope_from = parseaddr(self._sender)[1]
        try:
            with self._connected() as smtp:
                code, answer = smtp.mail(envelope_from)
                _accepted(code, answer, (250,))
                code, answer = smtp.rcpt(delivery.mail.to)
                _accepted(code, answer, (250, 251))
                code, answer = smtp.data(raw)
                _accepted(code, answer, (250,))
                return Handed(reply=_reply(code, answer), content_digest=sent_digest)
        except smtplib.SMTPAuthenticationError as error:
            # The server refuses us, not the message: passing until someone fixes the account.
            raise MailRefused(
                f"the mail server refused the relay's sign-in ({error.smtp_code}); check the "
                f"user and password of {SETTING}",
                permanent=False,
            ) from None
        except smtplib.SMTPConnectError as error:  # a greeting that turns us away: not the mail's
            raise MailRefused(_reply(error.smtp_code, error.smtp_error), permanent=False) from None
        except smtplib.SMTPResponseException as error:  # MAIL, RCPT or DATA refused
            raise MailRefused(
                _reply(error.smtp_code, error.smtp_error), permanent=500 <= error.smtp_code < 600
            ) from None
        except (smtplib.SMTPException, OSError) as error:  # refused, reset, timed out, TLS
            raise MailRefused(
                f"the mail server {self._server.shown} did not answer: "
                f"{type(error).__name__}: {without_addresses(str(error)) or 'no detail'}",
                permanent=False,
            ) from None

    def message(self, delivery: Delivery, now: datetime) -> EmailMessage:
        """The message as it goes out: the same Message-ID on every delivery of one mail."""
        mail = delivery.mail
        message = EmailMessage()
        message["Message-ID"] = delivery.message_id
        message["Date"] = format_datetime(now)
        message["From"] = self._sender
        message["To"] = mail.to
        message["Subject"] = mail.subject  # RFC 2047-encoded when it is not ASCII
        # A notice, not a person: no auto-reply or vacation message should answer it.
        message["Auto-Submitted"] = "auto-generated"
        content = delivery.content
        if content is None:
            # Quoted-printable: 7-bit clean, so a relay without 8BITMIME passes it unchanged.
            message.set_content(mail.body, charset="utf-8", cte="quoted-printable")
            return message
        # A communiqué: its body and attachments exactly as submitted (the digest proves it).
        message["Content-Language"] = content.language.value
        message.set_content(content.body, charset="utf-8", cte="quoted-printable")
        for file in content.files:
            maintype, _, subtype = file.content_type.partition("/")
            message.add_attachment(
                file.data, maintype=maintype, subtype=subtype, filename=file.name
            )
        return message

    @contextlib.contextmanager
    def _connected(self) -> Iterator[smtplib.SMTP]:
        server = self._server
        smtp: smtplib.SMTP
        if server.scheme == "smtps":
            smtp = smtplib.SMTP_SSL(
                server.host,
                server.port,
                timeout=self._timeout,
                context=ssl.create_default_context(),
            )
        else:
            smtp = smtplib.SMTP(server.host, server.port, timeout=self._timeout)
        try:
            smtp.ehlo()
            if server.scheme == "smtp+starttls":
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if server.username is not None and server.password is not None:
                smtp.login(server.username, server.password)
            yield smtp
        finally:
            # The answer to DATA is what counts: a QUIT the server drops changes nothing.
            with contextlib.suppress(smtplib.SMTPException, OSError):
                smtp.quit()
            smtp.close()


def _accepted(code: int, answer: bytes, expected: tuple[int, ...]) -> None:
    if code not in expected:
        raise smtplib.SMTPResponseException(code, answer)


def _reply(code: int, answer: bytes | str) -> str:
    text = answer.decode(errors="replace") if isinstance(answer, bytes) else answer
    return without_addresses(f"{code} {' '.join(text.split())}")
