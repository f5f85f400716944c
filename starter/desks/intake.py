"""Incoming mail: a message received opens a ticket, reaches the ticket it replies to, becomes
a question on the communiqué it replies to (the communiqués' desk takes it: a CA ticket for the
DGGIR's, the author's list for an MO's), waits in triage for a person of the CA, or opens nothing
(an auto-reply, a list, a loop). The door (the SMTP server, starter/intake.py) hands each
message here whole; the desk reads it (the pure rules of models/inbound.py), keeps its files by
digest, records it once with its reserved ticket number in one transaction, then takes its step
to the engine. A step the engine could not take stays owed in the record, and `sweep` takes it
later (the intake's rounds, a Temporal Schedule: workflows/mail_intake.py): nothing received is
lost, and a ticket number reserved once (a workflow id the engine never starts twice) means
nothing opens twice.

Its guarded form: CA agents and supervisors sort triage and keep the MOs' mail domains; whoever
may read a ticket may list and download its attachments (an MO user, their own MO's tickets)."""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass

from pydantic import TypeAdapter, ValidationError

from adapters.ports import AttachmentFiles, InboundMail, MailDomains
from models.communiques import Ask, QuestionVia
from models.inbound import (
    WRITER,
    Attachment,
    AttachmentPolicy,
    Delivery,
    InboundMessage,
    IntakeAddresses,
    MailDomain,
    Outcome,
    ParsedAttachment,
    ParsedMail,
    Receipt,
    Routing,
    TriageItem,
    description_of,
    known_digest,
    parse_mail,
    reserves_a_ticket,
    route,
    route_question,
    route_reply,
    size_text,
    subject_of,
)
from models.requests import MAX_PAGE
from models.roles import Action, Caller
from models.service_calendar import MONTREAL
from models.sla import Channel, take_in_charge_deadline
from models.tickets import ClientMessage, Contract, EmailAddress, TicketRequest
from starter.desks.access import authorize
from starter.desks.checks import require_mo
from starter.desks.clock import Clock, utc_now
from starter.desks.communiques import CommuniqueDesk
from starter.desks.errors import (
    AlreadyRunning,
    InvalidInput,
    NotFound,
    Refused,
    Unavailable,
)
from starter.desks.tickets import GuardedTickets, TicketDesk

log = logging.getLogger("sagir_desk.intake")

# The SAGIR module of a ticket opened by mail: an agent names it when taking it in charge.
MODULE_TO_NAME = "à préciser"
DOMAIN = re.compile(r"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
SHORT_ID = re.compile(r"^[0-9a-f]{8,64}$")
LIMIT = 100
MAX_FILES = 10  # files sent with one request from the console
_ADDRESS: TypeAdapter[str] = TypeAdapter(EmailAddress)


@dataclass(frozen=True)
class IntakePolicy:
    """What the intake takes in and how it recognises its senders (configuration)."""

    addresses: IntakeAddresses
    attachments: AttachmentPolicy


class TriagePage(Contract):
    items: list[TriageItem]
    total: int
    next_cursor: str | None = None


@dataclass(frozen=True)
class IntakeDesk:
    tickets: TicketDesk
    inbound: InboundMail
    domains: MailDomains
    files: AttachmentFiles
    policy: IntakePolicy
    communiques: CommuniqueDesk
    clock: Clock = utc_now

    async def receive(self, raw: bytes) -> Receipt:
        """Take in one message as the SMTP server received it; `MailRefused` (the SMTP code
        and reply) when it is not taken in, and then nothing of it is kept."""
        received_at = self.clock()  # the desk's receipt starts the 24-hour clock, not Date:
        mail = parse_mail(raw, self.policy.attachments, self.policy.addresses.desk)
        if self.inbound.known(mail.key):
            return await self._again(mail.key)
        domains = self.domains.mapping()
        routing = route(mail, self.policy.addresses, domains)
        if routing.outcome is Outcome.reply and routing.ticket_id is not None:
            mo, contact = await self._ticket_of(routing.ticket_id)
            routing = route_reply(routing, mail.sender, mo, contact, domains)
        communique = None
        if routing.outcome is Outcome.question and routing.communique_id is not None:
            communique = self.communiques.records.get(routing.communique_id)
            routing = route_question(routing, communique)
        if routing.outcome is not Outcome.ignored:
            for found in mail.attachments:
                self.files.keep(found.data)  # before the row that refers to them
        year = received_at.astimezone(MONTREAL).year
        recorded = self.inbound.record(
            mail, routing, received_at, year if reserves_a_ticket(routing, communique) else None
        )
        if recorded is None:
            return await self._again(mail.key)
        log.info(
            "message %s received by %s: %s %s",
            recorded.id[:12],
            recorded.channel.value,
            recorded.outcome.value,
            recorded.ticket_id or recorded.communique_id or "",
        )
        delivered = await self.deliver(recorded.id)
        return self._receipt(recorded.id, delivered=delivered)

    async def deliver(self, key: str) -> bool:
        """Take the step a recorded message owes (open its ticket, bring the client's message
        to the ticket, or give the question to the communiqués' desk); whether it is
        delivered. An engine that cannot be reached leaves it owed, for `sweep`; a ticket that
        has ended, or a communiqué that no longer takes questions, sends it to triage."""
        message = self.inbound.get(key)
        if message is None or message.delivery is not Delivery.pending:
            return message is not None and message.delivery is Delivery.delivered
        about = message.communique_id or message.ticket_id
        try:
            if message.outcome is Outcome.ticket:
                await self._open(message)
            elif message.outcome is Outcome.question:
                await self._question(message)
            else:
                await self._message(message)
        except AlreadyRunning:
            pass  # a retry that finds the ticket started: done already
        except NotFound:
            self.inbound.to_triage(key, f"{about} has ended or does not exist")
            return False
        except (Refused, InvalidInput) as refused:
            said = str(refused)
            named = message.outcome is Outcome.question and about is not None and about in said
            self.inbound.to_triage(key, said if named else f"{about}: {said}")
            return False
        except Exception as error:  # the engine down, the database busy: owed, tried again
            self.inbound.failed(key, type(error).__name__)
            log.warning("message %s kept for a later delivery (%s)", key[:12], type(error).__name__)
            return False
        self.inbound.delivered(key, self.clock())
        return True

    async def sweep(self) -> int:
        """Deliver every message still owed to the engine, the oldest first; how many were."""
        delivered = 0
        for key in self.inbound.pending():
            if await self.deliver(key):
                delivered += 1
        return delivered

    async def triage(self, limit: int = LIMIT, cursor: str | None = None) -> TriagePage:
        """The messages no rule could place, the oldest first, each with the deadline its
        receipt started."""
        if not 1 <= limit <= MAX_PAGE:
            raise InvalidInput(f"limit: must be between 1 and {MAX_PAGE}")
        if cursor is not None and not re.fullmatch(r"[0-9T:.+-]+/[0-9a-f]{64}", cursor):
            raise InvalidInput("cursor: is not a cursor this list gave")
        found, total = self.inbound.triage(limit + 1, cursor)
        items = [self._triage_item(message) for message in found[:limit]]
        following = None
        if len(found) > limit:
            last = found[limit - 1]
            following = f"{last.received_at.isoformat()}/{last.id}"
        return TriagePage(items=items, total=total, next_cursor=following)

    async def sort(self, message_id: str, mo: str, by: str) -> Receipt:
        """Open the ticket of a message in triage for `mo`, received when the message was."""
        message = self._in_triage(message_id)
        require_mo(self.tickets.directory, mo)
        if message.received_at < self.clock() - self.tickets.max_receipt_age:
            raise InvalidInput(
                f"message {message.id[:12]}: received more than "
                f"{self.tickets.max_receipt_age.days} days ago; open its ticket by hand"
            )
        year = message.received_at.astimezone(MONTREAL).year
        try:
            self.inbound.sort(message.id, mo, by, self.clock(), year)
        except LookupError:
            raise Refused(f"message {message.id[:12]} is no longer in triage") from None
        delivered = await self.deliver(message.id)
        return self._receipt(message.id, delivered=delivered)

    async def discard(self, message_id: str, by: str) -> Receipt:
        message = self._in_triage(message_id)
        try:
            self.inbound.discard(message.id, by, self.clock())
        except LookupError:
            raise Refused(f"message {message.id[:12]} is no longer in triage") from None
        return self._receipt(message.id)

    async def attachments(self, ticket_id: str) -> list[Attachment]:
        return self.inbound.attachments(ticket_id)

    async def attachment(self, ticket_id: str, digest: str) -> tuple[Attachment, bytes]:
        """An attachment of the ticket and its bytes; 404 when the ticket has none by that
        digest."""
        if not known_digest(digest):
            raise InvalidInput("digest: must be 64 hexadecimal characters (SHA-256)")
        found = next((a for a in self.inbound.attachments(ticket_id) if a.digest == digest), None)
        data = None if found is None else self.files.read(digest)
        if found is None or data is None:
            raise NotFound(f"{ticket_id} has no attachment {digest[:12]}")
        return found, data

    def check_files(self, files: list[ParsedAttachment]) -> None:
        """Files a person sends from the console, held to the intake's rules (types allowed,
        size), before anything is made of them."""
        allowed = self.policy.attachments
        if len(files) > MAX_FILES:
            raise InvalidInput(f"attachments: at most {MAX_FILES} files")
        for found in files:
            if found.content_type not in allowed.types:
                raise InvalidInput(
                    f"attachments: {found.content_type} is not a file type the desk takes "
                    f"({', '.join(sorted(allowed.types))})"
                )
            if found.size > allowed.max_bytes:
                raise InvalidInput(
                    f"attachments: a file is larger than {size_text(allowed.max_bytes)}"
                )

    async def attach(
        self, ticket_id: str, mo: str, by: str, files: list[ParsedAttachment]
    ) -> list[Attachment]:
        """Keep files sent with a request from the console, listed on its ticket (recorded once
        for the ticket: a form sent again adds nothing)."""
        self.check_files(files)
        if not files:
            return []
        for found in files:
            self.files.keep(found.data)  # before the row that refers to them
        now = self.clock()
        key = hashlib.sha256(f"console:{ticket_id}".encode()).hexdigest()
        self.inbound.record(
            ParsedMail(key=key, sender=by, subject="", text="", attachments=files),
            Routing(outcome=Outcome.ticket, channel=Channel.web, mo=mo, ticket_id=ticket_id),
            now,
            None,
            delivered_at=now,
        )
        return self.inbound.attachments(ticket_id)

    async def mail_domains(self) -> list[MailDomain]:
        return self.domains.all()

    async def declare_domain(self, domain: str, mo: str, by: str) -> MailDomain:
        """Declare that mail from `domain` (and its sub-domains) is `mo`'s."""
        domain = domain.strip().lower()
        if not DOMAIN.match(domain):
            raise InvalidInput(f"domain: {domain!r} is not a mail domain like mtq.gouv.qc.ca")
        require_mo(self.tickets.directory, mo)
        return self.domains.declare(domain, mo, by, self.clock())

    async def remove_domain(self, domain: str) -> str:
        domain = domain.strip().lower()
        if not self.domains.remove(domain):
            raise NotFound(f"the mail domain {domain} is not declared")
        return domain

    async def _again(self, key: str) -> Receipt:
        """A message recorded already (sent twice): what it became; its step taken if owed."""
        delivered = await self.deliver(key)
        return self._receipt(key, delivered=delivered, duplicate=True)

    async def _ticket_of(self, ticket_id: str) -> tuple[str | None, str | None]:
        """The MO and contact address of the ticket a reply names (None: no such ticket)."""
        record = self.tickets.records.get(ticket_id)
        mo = record.mo if record is not None else None
        if mo is None:
            try:
                mo = (await self.tickets.show(ticket_id)).mo
            except (NotFound, InvalidInput, Unavailable):
                return None, None  # a person in triage will know better
        contact = self.tickets.contacts.of(ticket_id)
        return mo, contact.address if contact is not None else None

    async def _open(self, message: InboundMessage) -> None:
        assert message.mo is not None and message.ticket_id is not None
        # Notices of a mailed ticket go back to its sender (a gateway is nobody's address).
        contact = message.sender if message.channel is Channel.email else None
        fields = {
            "mo": message.mo,
            "channel": message.channel,
            "requester": WRITER[message.channel],
            "subject": subject_of(message.subject),
            "description": description_of(message.text),
            "module": MODULE_TO_NAME,
            "received_at": message.received_at,
        }
        try:
            request = TicketRequest(**fields, contact_email=contact)
        except ValidationError:  # an address no notice could go to: the ticket opens anyway
            request = TicketRequest(**fields)
        await self.tickets.open(request, number=message.ticket_id)

    async def _question(self, message: InboundMessage) -> None:
        """A question on a communiqué, given to its desk under the message's id (a delivery
        tried again is the same question) with the ticket number reserved at receipt for a
        DGGIR communiqué's; the sender's address goes sealed to the desk, never to the engine."""
        assert message.mo is not None and message.communique_id is not None
        contact = message.sender if message.channel is Channel.email else None
        if contact is not None:
            try:
                contact = _ADDRESS.validate_python(contact)
            except ValidationError:  # an address no answer could go to: asked all the same
                contact = None
        await self.communiques.ask(
            Ask(
                communique_id=message.communique_id,
                text=description_of(message.text),
                asked_by=WRITER[message.channel],
                mo=message.mo,
                contact_email=contact,
            ),
            via=QuestionVia.mail,
            key=message.id,
            received_at=message.received_at,
            number=message.ticket_id,
        )

    async def _message(self, message: InboundMessage) -> None:
        assert message.ticket_id is not None
        step = ClientMessage(
            by=WRITER[message.channel],
            text=description_of(message.text),
            reopen=message.reopen,
            attachments=[found.digest for found in message.attachments][:50],
        )
        # The message's own id: a delivery tried again is the same step, taken once.
        await self.tickets.act("client_message", message.ticket_id, step, f"mail-{message.id}")

    def _in_triage(self, message_id: str) -> InboundMessage:
        key = message_id.strip().lower()
        if not SHORT_ID.match(key):
            raise InvalidInput("message: give its id (at least its first 8 hexadecimal characters)")
        matching = self.inbound.matching(key)
        if len(matching) > 1:
            raise InvalidInput(f"message: {key} begins more than one id; give more of it")
        message = self.inbound.get(matching[0]) if matching else None
        if message is None:
            raise NotFound(f"message {key} does not exist")
        if message.outcome is not Outcome.triage:
            raise Refused(
                f"message {key} is not in triage (it became: {message.outcome.value}"
                + (f" {message.ticket_id})" if message.ticket_id else ")")
            )
        return message

    def _triage_item(self, message: InboundMessage) -> TriageItem:
        return TriageItem(
            id=message.id,
            received_at=message.received_at,
            due=take_in_charge_deadline(
                message.channel, message.received_at, self.tickets.calendar
            ),
            channel=message.channel,
            reason=message.reason,
            sender=message.sender,
            subject=subject_of(message.subject),
            excerpt=description_of(message.text)[:200],
            attachments=len(message.attachments),
        )

    def _receipt(self, key: str, delivered: bool = False, duplicate: bool = False) -> Receipt:
        message = self.inbound.get(key)
        assert message is not None
        return Receipt(
            id=key,
            outcome=message.outcome,
            ticket_id=message.ticket_id,
            communique_id=message.communique_id,
            delivered=delivered,
            duplicate=duplicate,
        )


@dataclass(frozen=True)
class GuardedIntake:
    desk: IntakeDesk
    caller: Caller
    tickets: GuardedTickets

    async def triage(self, limit: int = LIMIT, cursor: str | None = None) -> TriagePage:
        authorize(self.caller, Action.triage_sort)
        return await self.desk.triage(limit, cursor)

    async def sort(self, message_id: str, mo: str) -> Receipt:
        authorize(self.caller, Action.triage_sort)
        return await self.desk.sort(message_id, mo, self.caller.subject)

    async def discard(self, message_id: str) -> Receipt:
        authorize(self.caller, Action.triage_sort)
        return await self.desk.discard(message_id, self.caller.subject)

    async def attach(self, ticket_id: str, files: list[ParsedAttachment]) -> list[Attachment]:
        """The files of a request the caller opened (the Outil Requête's form)."""
        authorize(self.caller, Action.ticket_open)
        state = await self.tickets.show(ticket_id)
        return await self.desk.attach(ticket_id, state.mo, self.caller.subject, files)

    def check_files(self, files: list[ParsedAttachment]) -> None:
        self.desk.check_files(files)

    async def attachments(self, ticket_id: str) -> list[Attachment]:
        """A ticket's files, for whoever may read the ticket (another's answers 404)."""
        await self.tickets.show(ticket_id)
        return await self.desk.attachments(ticket_id)

    async def attachment(self, ticket_id: str, digest: str) -> tuple[Attachment, bytes]:
        await self.tickets.show(ticket_id)
        return await self.desk.attachment(ticket_id, digest)

    async def mail_domains(self) -> list[MailDomain]:
        authorize(self.caller, Action.mail_domains)
        return await self.desk.mail_domains()

    async def declare_domain(self, domain: str, mo: str) -> MailDomain:
        authorize(self.caller, Action.mail_domains)
        return await self.desk.declare_domain(domain, mo, self.caller.subject)

    async def remove_domain(self, domain: str) -> str:
        authorize(self.caller, Action.mail_domains)
        return await self.desk.remove_domain(domain)
