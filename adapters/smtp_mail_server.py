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

from models.communiques import CommuniqueContent, digest_of_message
from models.mail import Delivery, Handed, MailRefused, without_addresses

SETTING = "SAGIR_SMTP_URL"
SCHEMES = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}
TIMEOUT_SECONDS = 20.0  # a server that stalls longer is down for this attempt
# Then a fresh connection: servers cap what one carries (and a long one may go stale).
MESSAGES_PER_CONNECTION = 100


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
    """Hands each message to the server. `deliver` alone opens a connection for the one
    message; a relay round opens a `session`, which carries its messages on one connection (a
    fresh one after an error or after MESSAGES_PER_CONNECTION)."""

    def __init__(
        self,
        server: SmtpServer,
        sender: str,
        timeout: float = TIMEOUT_SECONDS,
        per_connection: int = MESSAGES_PER_CONNECTION,
    ) -> None:
        self._server = server
        self._sender = sender  # `Centre d'assistance SAGIR <assistance@...>`
        self._timeout = timeout
        self._per_connection = per_connection

    def __repr__(self) -> str:
        return f"SmtpMailServer({self._server.shown})"

    def deliver(self, delivery: Delivery, now: datetime) -> Handed:
        with self.session() as session:
            return session.deliver(delivery, now)

    @contextlib.contextmanager
    def session(self) -> Iterator[SmtpSession]:
        """One connection for many messages, opened with the first and closed at the end."""
        session = SmtpSession(self, self._server, self._timeout, self._per_connection)
        try:
            yield session
        finally:
            session.close()

    def envelope_from(self) -> str:
        return parseaddr(self._sender)[1]

    def message(self, delivery: Delivery, now: datetime) -> EmailMessage:
        """The message as it goes out: the same Message-ID on every delivery of one mail."""
        message = self._addressed(delivery, now)
        if delivery.content is None:
            # Quoted-printable: 7-bit clean, so a relay without 8BITMIME passes it unchanged.
            message.set_content(delivery.mail.body, charset="utf-8", cte="quoted-printable")
        else:
            _put_content(message, delivery.content)
        return message

    def encoded(
        self, delivery: Delivery, now: datetime, contents: dict[tuple[str, str], Encoded]
    ) -> tuple[bytes, str | None]:
        """The message's bytes as they go out and, for a communiqué, the digest of the content
        of these bytes. A communiqué's content is encoded once per session (`contents`) and
        each recipient's message is its own headers and those very bytes."""
        content = delivery.content
        if content is None:
            return _crlf(self.message(delivery, now)), None
        key = (content.id, content.digest)
        encoded = contents.get(key)
        if encoded is None:
            encoded = contents[key] = Encoded.of(content)
        addressed = _crlf(self._addressed(delivery, now))  # its headers and the blank line
        return addressed.removesuffix(b"\r\n") + encoded.raw, encoded.digest

    def _addressed(self, delivery: Delivery, now: datetime) -> EmailMessage:
        """The headers of one delivery: the same Message-ID on every delivery of one mail."""
        mail = delivery.mail
        message = EmailMessage()
        message["Message-ID"] = delivery.message_id
        message["Date"] = format_datetime(now)
        message["From"] = self._sender
        message["To"] = mail.to
        message["Subject"] = mail.subject  # RFC 2047-encoded when it is not ASCII
        # A notice, not a person: no auto-reply or vacation message should answer it.
        message["Auto-Submitted"] = "auto-generated"
        return message


@dataclass(frozen=True)
class Encoded:
    """A communiqué's content as it travels: its MIME headers and body (`raw`, CRLF line
    ends), and the digest of the content read back from those bytes."""

    raw: bytes
    digest: str

    @classmethod
    def of(cls, content: CommuniqueContent) -> Encoded:
        message = EmailMessage()
        _put_content(message, content)
        raw = _crlf(message)
        # The digest of the content of these very bytes, for `communique verify`.
        return cls(raw=raw, digest=digest_of_message(raw))


def _put_content(message: EmailMessage, content: CommuniqueContent) -> None:
    """A communiqué: its body and attachments exactly as submitted (the digest proves it)."""
    message["Content-Language"] = content.language.value
    message.set_content(content.body, charset="utf-8", cte="quoted-printable")
    for file in content.files:
        maintype, _, subtype = file.content_type.partition("/")
        message.add_attachment(file.data, maintype=maintype, subtype=subtype, filename=file.name)


def _crlf(message: EmailMessage) -> bytes:
    # CRLF line ends, as SMTP wants them: smtplib sends bytes as they are, and a message with
    # bare LFs reads as one line over the 1,000-byte limit once it is long enough.
    return message.as_bytes(policy=message.policy.clone(linesep="\r\n"))


class SmtpSession:
    """A relay round's connection to the server. A message refused is refused alone (the
    session is reset and goes on); a connection that fails is dropped, and the next message
    opens another. A kept connection the server closed while idle is opened again before the
    message is sent, so that message is not counted as an attempt."""

    def __init__(
        self, mail_server: SmtpMailServer, server: SmtpServer, timeout: float, per_connection: int
    ) -> None:
        self._mail_server = mail_server
        self._server = server
        self._timeout = timeout
        self._per_connection = per_connection
        self._smtp: smtplib.SMTP | None = None
        self._carried = 0  # messages the open connection has carried
        self._contents: dict[tuple[str, str], Encoded] = {}  # the communiqués met, encoded

    def deliver(self, delivery: Delivery, now: datetime) -> Handed:
        try:
            raw, sent_digest = self._mail_server.encoded(delivery, now, self._contents)
        except (ValueError, TypeError, AttributeError, LookupError, UnicodeError) as error:
            # A message the email package cannot write (a line break in a header, a media type
            # it cannot encode): this mail is refused for good, and the round goes on.
            raise MailRefused(
                f"the message cannot be written: {type(error).__name__}: "
                f"{without_addresses(str(error))[:200] or 'no detail'}",
                permanent=True,
            ) from None
        try:
            reply = self._send(delivery.mail.to, raw)
        except smtplib.SMTPAuthenticationError as error:
            self.close()
            # The server refuses us, not the message: passing until someone fixes the account.
            raise MailRefused(
                f"the mail server refused the relay's sign-in ({error.smtp_code}); check the "
                f"user and password of {SETTING}",
                permanent=False,
            ) from None
        except smtplib.SMTPConnectError as error:  # a greeting that turns us away: not the mail's
            self.close()
            raise MailRefused(_reply(error.smtp_code, error.smtp_error), permanent=False) from None
        except smtplib.SMTPResponseException as error:  # MAIL, RCPT or DATA refused
            self._after_refusal(error.smtp_code)
            raise MailRefused(
                _reply(error.smtp_code, error.smtp_error), permanent=500 <= error.smtp_code < 600
            ) from None
        except (smtplib.SMTPException, OSError) as error:  # refused, reset, timed out, TLS
            self.close()
            raise MailRefused(
                f"the mail server {self._server.shown} did not answer: "
                f"{type(error).__name__}: {without_addresses(str(error)) or 'no detail'}",
                permanent=False,
            ) from None
        return Handed(reply=reply, content_digest=sent_digest)

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        # The answer to DATA is what counts: a QUIT the server drops changes nothing.
        with contextlib.suppress(smtplib.SMTPException, OSError):
            smtp.quit()
        smtp.close()

    def _send(self, to: str, raw: bytes) -> str:
        if self._carried >= self._per_connection:
            self.close()  # servers cap what one connection carries
        if self._smtp is not None:
            try:
                return self._transaction(self._smtp, to, raw, kept=True)
            except _Closed:
                self.close()  # closed by the server while idle: nothing was handed yet
        return self._transaction(self._open(), to, raw, kept=False)

    def _transaction(self, smtp: smtplib.SMTP, to: str, raw: bytes, kept: bool) -> str:
        try:
            code, answer = smtp.mail(self._mail_server.envelope_from())
        except (smtplib.SMTPServerDisconnected, OSError):
            if kept:
                raise _Closed from None
            raise
        if code == 421 and kept:  # the server closes this connection: another is opened
            raise _Closed
        _accepted(code, answer, (250,))
        code, answer = smtp.rcpt(to)
        _accepted(code, answer, (250, 251))
        code, answer = smtp.data(raw)
        _accepted(code, answer, (250,))
        self._carried += 1
        return _reply(code, answer)

    def _open(self) -> smtplib.SMTP:
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
        except BaseException:
            smtp.close()
            raise
        self._smtp, self._carried = smtp, 0
        return smtp

    def _after_refusal(self, code: int) -> None:
        """After one message's refusal, the connection is reset for the next (or dropped, when
        the server closes it or the reset fails)."""
        if self._smtp is None:
            return
        if code == 421:
            self.close()
            return
        try:
            reset, _ = self._smtp.rset()
        except (smtplib.SMTPException, OSError):
            reset = 0
        if reset != 250:
            self.close()


class _Closed(Exception):
    """A kept connection the server had closed, met before anything was handed over."""


def _accepted(code: int, answer: bytes, expected: tuple[int, ...]) -> None:
    if code not in expected:
        raise smtplib.SMTPResponseException(code, answer)


def _reply(code: int, answer: bytes | str) -> str:
    text = answer.decode(errors="replace") if isinstance(answer, bytes) else answer
    return without_addresses(f"{code} {' '.join(text.split())}")
