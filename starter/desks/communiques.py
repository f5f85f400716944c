"""Communiqués (issue 14): submitted by their authors (the DGGIR's, or an MO's), checked and
released by the CA, forwarded unchanged to the groups they target, and their questions answered
by the side that wrote them. The desk keeps the content (digested at submission, never edited)
and starts one workflow per communiqué; the workflow checks, waits, resolves and sends."""

from __future__ import annotations

import builtins
import re
from dataclasses import dataclass
from datetime import datetime
from typing import NoReturn

from adapters.ports import (
    AttachmentFiles,
    CommuniqueRecords,
    Counters,
    Directory,
    Mailer,
    SagirErp,
    SagirUsers,
    Wordings,
)
from models.communiques import (
    COMMUNIQUE_ID,
    DEFAULT_QUESTION_DAYS,
    LIST_NAME_PATTERN,
    QUESTION_PERIOD,
    Answer,
    Ask,
    CancelCommunique,
    CheckCommunique,
    Communique,
    CommuniqueState,
    CommuniqueStatus,
    FileRef,
    Question,
    QuestionVia,
    ReleaseCommunique,
    Side,
    StartCommunique,
    Submission,
    VerifyReport,
    communique_id,
    content_digest,
)
from models.mail import Mail
from models.notices import Template, Wording
from models.roles import Action, Caller, Role
from models.service_calendar import MONTREAL
from models.sla import Channel
from models.tickets import Language, TicketRequest
from starter.desks.access import acting_as_self, authorize, own_mo
from starter.desks.checks import checked_id, require_agent, require_mo
from starter.desks.clock import Clock, utc_now
from starter.desks.engine import Engine
from starter.desks.errors import (
    AlreadyRunning,
    Forbidden,
    InvalidInput,
    NotFound,
    Refused,
    Unavailable,
)
from starter.desks.tickets import TicketDesk
from workflows.communiques import CommuniqueWorkflow
from workflows.search_attributes import communique_attributes

ANSWERABLE = QUESTION_PERIOD
MODULE_OF_A_QUESTION = "Communiqués"
LIST_LIMIT = 5_000  # members of one named list
EMPLOYEE_NUMBER = re.compile(r"^\d{3,12}$")


@dataclass(frozen=True)
class CommuniqueDesk:
    engine: Engine
    records: CommuniqueRecords
    users: SagirUsers
    directory: Directory
    erp: SagirErp
    counters: Counters
    files: AttachmentFiles
    tickets: TicketDesk
    mailer: Mailer
    wordings: Wordings
    question_days: int = DEFAULT_QUESTION_DAYS
    clock: Clock = utc_now

    async def submit(self, submission: Submission) -> Communique:
        """Keep the content and its digest, then start the workflow; a communiqué is never
        edited after this (a correction is a new one pointing to it)."""
        now = self.clock()
        if submission.mo is not None:
            require_mo(self.directory, submission.mo)
        unknown = sorted(set(submission.mos) - self.users.mos_known(submission.mos))
        if unknown:
            raise InvalidInput(f"mos: {', '.join(unknown)} is not a client MO of the service")
        if submission.release_at is not None and submission.release_at < now:
            raise InvalidInput(
                f"release_at: {submission.release_at.isoformat()} is past; give a later time, "
                "or none to send once released"
            )
        if submission.corrects is not None:
            self._check_correction(submission)
        refs = [
            FileRef(
                name=file.name,
                content_type=file.content_type,
                digest=self.files.keep(file.data),
                size=len(file.data),
            )
            for file in submission.files
        ]
        digest = content_digest(
            submission.body,
            [(file.name, file.content_type, file.data) for file in submission.files],
        )
        year = now.astimezone(MONTREAL).year
        workflow_id = communique_id(year, self.counters.next_number(f"communique-{year}"))
        self.records.add(workflow_id, submission, refs, digest, now)
        start = StartCommunique(
            id=workflow_id,
            side=submission.side,
            mo=submission.mo,
            author=submission.author,
            submitted_at=now,
            digest=digest,
            release_at=submission.release_at,
            question_days=self.question_days,
        )
        try:
            await self.engine.start(
                CommuniqueWorkflow.run,
                start,
                workflow_id,
                communique_attributes(CommuniqueState.initial(start)),
                again=False,
            )
        except BaseException:
            # No communiqué without its workflow; but a start the engine made, whose answer
            # was lost (a deadline, a cancelled call), keeps its record.
            if not await self._started(workflow_id):
                self.records.remove(workflow_id)
                raise
        return await self.show(workflow_id)

    async def _started(self, workflow_id: str) -> bool:
        try:
            await self.engine.state(CommuniqueWorkflow, workflow_id)
        except (NotFound, Unavailable):
            return False
        return True

    def _check_correction(self, submission: Submission) -> None:
        original = self.records.get(submission.corrects or "")
        if original is None:
            raise InvalidInput(f"corrects: {submission.corrects} is not a communiqué")
        if (original.side, original.mo) != (submission.side, submission.mo):
            raise InvalidInput(
                f"corrects: {original.id} was written by another side; a correction comes from "
                "the author's side"
            )

    async def show(self, workflow_id: str) -> Communique:
        found = self.records.get(_checked(workflow_id))
        if found is None:
            raise NotFound(f"{workflow_id} does not exist")
        if found.status is CommuniqueStatus.sending:
            # While the relay delivers, the outbox is ahead of the workflow's last look.
            counts = self.records.counts(found.id)
            found = found.model_copy(
                update={
                    "delivered": counts.delivered,
                    "failed": counts.failed,
                    "queued": counts.queued,
                }
            )
        return found

    async def list(
        self,
        side: Side | None = None,
        mo: str | None = None,
        addressed_to: str | None = None,
        status: CommuniqueStatus | None = None,
    ) -> builtins.list[Communique]:
        return self.records.list(side=side, mo=mo, addressed_to=addressed_to, status=status)

    async def check(self, workflow_id: str, agent: str) -> Communique:
        require_agent(self.directory, agent)
        await self.engine.step(
            CommuniqueWorkflow.check, CheckCommunique(agent=agent), _checked(workflow_id)
        )
        return await self.show(workflow_id)

    async def release(self, workflow_id: str, agent: str) -> Communique:
        require_agent(self.directory, agent)
        await self.engine.step(
            CommuniqueWorkflow.release, ReleaseCommunique(agent=agent), _checked(workflow_id)
        )
        return await self.show(workflow_id)

    async def cancel(self, workflow_id: str, by: str) -> Communique:
        await self.engine.step(
            CommuniqueWorkflow.cancel, CancelCommunique(by=by), _checked(workflow_id)
        )
        return await self.show(workflow_id)

    async def state(self, workflow_id: str) -> CommuniqueState:
        """The workflow's own word (the engine), for the auditor and the tests."""
        state: CommuniqueState = await self.engine.state(CommuniqueWorkflow, _checked(workflow_id))
        return state

    async def verify(self, workflow_id: str) -> VerifyReport:
        report = self.records.verify(_checked(workflow_id))
        if report is None:
            raise NotFound(f"{workflow_id} does not exist")
        return report

    async def questions(self, workflow_id: str) -> builtins.list[Question]:
        await self.show(workflow_id)
        return self.records.questions(workflow_id)

    async def ask(
        self,
        ask: Ask,
        via: QuestionVia = QuestionVia.outil,
        key: str | None = None,
        received_at: datetime | None = None,
        number: str | None = None,
    ) -> Question:
        """A question about a communiqué: the DGGIR's opens a CA ticket (the 24-hour rule);
        an MO's goes to that MO's authors (the CA does not answer it). `key` makes a question
        delivered twice (a mail received twice) one question; `number`, a ticket number the
        mail intake reserved, makes its ticket one ticket."""
        communique = await self.show(ask.communique_id)
        if communique.status not in ANSWERABLE:
            raise Refused(
                f"communique_id: {communique.id} is {communique.status.value}; questions are "
                "taken from its sending to the end of its question period"
            )
        if not communique.addressed_to(ask.mo):
            raise NotFound(f"{communique.id} does not exist")
        at = received_at or self.clock()
        key = key or f"{communique.id}/{ask.mo}/{ask.asked_by}/{at.isoformat()}"
        ticket_id = None
        if communique.side is Side.dggir:
            request = TicketRequest(
                mo=ask.mo,
                channel=Channel.email if via is QuestionVia.mail else Channel.web,
                requester=ask.asked_by,
                subject=f"Question sur le communiqué {communique.tag[1:-1]}",
                description=f"{communique.title}\n\n{ask.text}"[:4000],
                module=MODULE_OF_A_QUESTION,
                received_at=received_at,
                contact_email=ask.contact_email,
            )
            try:
                ticket_id = (await self.tickets.open(request, number=number)).id
            except AlreadyRunning:
                if number is None:
                    raise
                ticket_id = number  # a delivery tried again: its ticket opened the first time
        question, _ = self.records.add_question(
            communique.id,
            via,
            ask.asked_by,
            ask.mo,
            ask.text,
            ask.contact_email,
            at,
            key,
            ticket_id,
        )
        if communique.side is Side.mo:
            self._tell_the_author(communique, question)
        return question

    def _tell_the_author(self, communique: Communique, question: Question) -> None:
        """An MO's question reaches its author by mail (when the dossier has an address)."""
        author = self.erp.person(communique.mo or "", communique.author)
        if author is None or not author.email_works:
            return  # the question waits on the author's list all the same
        values = {
            "communique": communique.id,
            "tag": communique.tag,
            "title": communique.title,
            "question_id": question.id,
            "question": question.text,
        }
        notice = self.wordings.render(
            Wording(template=Template.communique_question, values=values), author.language
        )
        self.mailer.send(
            Mail(
                idempotency_key=f"{communique.id}/question/{question.id}/author",
                to=author.work_email,
                subject=notice.subject,
                body=notice.body,
            ),
            self.clock(),
        )

    async def answer(self, question_id: str, answer: Answer) -> Question:
        """An MO author's answer, mailed to the asker in the same transaction."""
        question = self.records.question(question_id)
        if question is None:
            raise NotFound(f"question {question_id} does not exist")
        communique = await self.show(question.communique_id)
        if communique.side is Side.dggir:
            raise Refused(
                f"question {question_id}: a DGGIR communiqué's question is answered by the CA on "
                f"its ticket {question.ticket_id}"
            )
        if question.answered_at is not None:
            raise Refused(
                f"question {question_id} was answered already by {question.answered_by} on "
                f"{question.answered_at.astimezone(MONTREAL):%Y-%m-%d %H:%M} (Montreal time)"
            )
        address = self.records.asker_address(question_id)
        notice = None
        if address is not None:
            values = {
                "tag": communique.tag,
                "title": communique.title,
                "question": question.text,
                "answer": answer.text,
            }
            # The asker's language is not known (a reply, the Outil Requête): the service's.
            wording = self.wordings.render(
                Wording(template=Template.communique_answer, values=values), Language.fr
            )
            notice = Mail(
                idempotency_key=f"{communique.id}/question/{question_id}/answer",
                to=address,
                subject=wording.subject,
                body=wording.body,
            )
        answered = self.records.answer(question_id, answer.text, answer.by, self.clock(), notice)
        if answered is None:
            raise NotFound(f"question {question_id} does not exist")
        return answered

    async def edit(self, workflow_id: str) -> NoReturn:
        """A submitted communiqué is never edited: its content is what was digested, and what
        every delivery must match. The refusal says how to correct it."""
        found = await self.show(workflow_id)
        raise Refused(
            f"{found.id} was submitted and is never edited; submit a correction that points to "
            f"it (corrects: {found.id})"
        )

    async def lists(self, mo: str) -> dict[str, int]:
        """An MO's named lists (the `list:NAME` groups) and how many members each has."""
        require_mo(self.directory, mo)
        return self.users.lists(mo)

    async def keep_list(self, mo: str, name: str, employees: builtins.list[str]) -> int:
        """Replace the members of an MO's named list (none: the list is gone); each member is
        in the MO's dossiers personne. Returns how many it holds."""
        require_mo(self.directory, mo)
        if not re.match(LIST_NAME_PATTERN, name):
            raise InvalidInput(
                f"name: {name!r} is not a list's name: lowercase letters, digits, '-' or '_' "
                "(paie-2027)"
            )
        if len(employees) > LIST_LIMIT:
            raise InvalidInput(f"employees: a list holds at most {LIST_LIMIT} people")
        members = sorted({number.strip() for number in employees})
        for number in members:
            if not EMPLOYEE_NUMBER.match(number):
                raise InvalidInput(f"employees: {number!r} is not an employee number like 52310")
        for number in members:
            if self.erp.person(mo, number) is None:
                raise InvalidInput(f"employees: {number} is not in {mo}'s dossiers personne")
        return self.users.keep_list(mo, name, members)


@dataclass(frozen=True)
class GuardedCommuniques:
    desk: CommuniqueDesk
    caller: Caller

    async def submit(self, submission: Submission) -> Communique:
        caller = self.caller
        authorize(caller, Action.communique_submit)
        acting_as_self(caller, "author", submission.author)
        if caller.role is Role.dggir_author and submission.side is not Side.dggir:
            raise Forbidden("side: a DGGIR author submits the DGGIR's communiqués")
        if caller.role is Role.mo_author:
            if submission.side is not Side.mo:
                raise Forbidden("side: an MO's author submits the MO's communiqués")
            if submission.mo != caller.mo:
                raise Forbidden(f"mo: you act for {caller.mo}, not {submission.mo}")
        if submission.corrects is not None:
            try:
                await self.show(submission.corrects)
            except NotFound:
                # Another side's communiqué the caller cannot see: as if it did not exist.
                raise InvalidInput(f"corrects: {submission.corrects} is not a communiqué") from None
        return await self.desk.submit(submission)

    async def show(self, workflow_id: str) -> Communique:
        authorize(self.caller, Action.communique_read)
        found = await self.desk.show(workflow_id)
        if not self.sees(found):
            raise NotFound(f"{workflow_id} does not exist")
        return found

    def sees(self, communique: Communique) -> bool:
        """The CA and the auditors see every communiqué; the DGGIR's people, the DGGIR's; an
        MO's people, their MO's own and the DGGIR's sent to their MO."""
        caller = self.caller
        if caller.role in (Role.ca_agent, Role.ca_supervisor, Role.auditor):
            return True
        if caller.role in (Role.dggir_author, Role.dggir_pilot):
            return communique.side is Side.dggir
        if caller.role is Role.mo_author and communique.side is Side.mo:
            return communique.mo == caller.mo  # its drafts, refusals and cancellations too
        # An MO's other people read what was sent to them: the MO's own once released, and
        # the DGGIR's released to their MO.
        return communique.addressed_to(caller.mo or "") and communique.status not in (
            *_BEFORE_SENDING,
        )

    async def list(self, status: CommuniqueStatus | None = None) -> builtins.list[Communique]:
        caller = self.caller
        authorize(caller, Action.communique_read)
        if caller.role in (Role.ca_agent, Role.ca_supervisor, Role.auditor):
            return await self.desk.list(status=status)
        if caller.role in (Role.dggir_author, Role.dggir_pilot):
            return await self.desk.list(side=Side.dggir, status=status)
        own = await self.desk.list(side=Side.mo, mo=caller.mo, status=status)
        received = await self.desk.list(side=Side.dggir, addressed_to=caller.mo, status=status)
        found = [one for one in [*own, *received] if self.sees(one)]
        return sorted(found, key=lambda one: one.submitted_at, reverse=True)

    async def check(self, workflow_id: str, agent: str) -> Communique:
        authorize(self.caller, Action.communique_release)
        acting_as_self(self.caller, "agent", agent)
        return await self.desk.check(workflow_id, agent)

    async def release(self, workflow_id: str, agent: str) -> Communique:
        authorize(self.caller, Action.communique_release)
        acting_as_self(self.caller, "agent", agent)
        return await self.desk.release(workflow_id, agent)

    async def cancel(self, workflow_id: str, by: str) -> Communique:
        """The CA, or the communiqué's own side (its author's role), before the release."""
        caller = self.caller
        acting_as_self(caller, "by", by)
        if not caller.may(Action.communique_release):
            authorize(caller, Action.communique_submit)
            found = await self.show(workflow_id)
            if caller.role is Role.mo_author and found.side is not Side.mo:
                raise Forbidden(f"{workflow_id} is the DGGIR's: its side cancels it, or the CA")
        return await self.desk.cancel(workflow_id, by)

    async def verify(self, workflow_id: str) -> VerifyReport:
        await self.show(workflow_id)
        return await self.desk.verify(workflow_id)

    async def questions(self, workflow_id: str) -> builtins.list[Question]:
        authorize(self.caller, Action.communique_questions)
        found = await self.show(workflow_id)
        caller = self.caller
        if caller.role is Role.mo_author and found.side is not Side.mo:
            raise Forbidden(f"{workflow_id}'s questions are answered by the CA, not by the MO")
        return await self.desk.questions(workflow_id)

    async def ask(self, ask: Ask) -> Question:
        caller = self.caller
        authorize(caller, Action.communique_ask)
        if not caller.spans_mos:
            acting_as_self(caller, "asked_by", ask.asked_by)
            if ask.mo != caller.mo:
                raise Forbidden(f"mo: you act for {caller.mo}, not {ask.mo}")
        await self.show(ask.communique_id)
        return await self.desk.ask(ask)

    async def answer(self, question_id: str, answer: Answer) -> Question:
        caller = self.caller
        authorize(caller, Action.communique_answer)
        acting_as_self(caller, "by", answer.by)
        question = self.desk.records.question(question_id)
        unknown = NotFound(f"question {question_id} does not exist")
        if question is None:
            raise unknown
        try:
            found = await self.show(question.communique_id)
        except NotFound:
            raise unknown from None  # another MO's: its communiqué's id is not said either
        if found.side is not Side.mo or found.mo != caller.mo:
            raise unknown
        return await self.desk.answer(question_id, answer)

    def own_side(self) -> tuple[Side, str | None]:
        """The side the caller writes for, a submission's default: a DGGIR author, the DGGIR;
        an MO's author, their MO."""
        if self.caller.role is Role.mo_author:
            return Side.mo, self.caller.mo
        return Side.dggir, None

    async def edit(self, workflow_id: str) -> NoReturn:
        await self.show(workflow_id)
        await self.desk.edit(workflow_id)

    async def lists(self, mo: str | None = None) -> dict[str, int]:
        """An MO's named lists: its authors read their own MO's; the CA and the auditors, any
        MO's (they check the groups that name them)."""
        caller = self.caller
        authorize(caller, Action.communique_read)
        if caller.role is Role.mo_author:
            own_mo(caller, mo or caller.mo or "")
            return await self.desk.lists(caller.mo or "")
        if caller.role not in (Role.ca_agent, Role.ca_supervisor, Role.auditor):
            raise Forbidden(
                "role: an MO's named lists are read by its communiqué authors (mo_author), the "
                "CA and the auditors"
            )
        if mo is None:
            raise InvalidInput("mo: name the MO whose lists to read")
        return await self.desk.lists(mo)

    async def keep_list(
        self, name: str, employees: builtins.list[str], mo: str | None = None
    ) -> int:
        """An MO's author keeps the MO's named lists (the DGGIR targets SAGIR's own groups)."""
        caller = self.caller
        authorize(caller, Action.communique_submit)
        if caller.role is not Role.mo_author:
            raise Forbidden(
                "role: an MO's named lists are kept by its communiqué authors (mo_author); the "
                "DGGIR targets the groups of SAGIR's users"
            )
        own_mo(caller, mo or caller.mo or "")
        return await self.desk.keep_list(caller.mo or "", name, employees)


_BEFORE_SENDING = (
    CommuniqueStatus.submitted,
    CommuniqueStatus.checked,
    CommuniqueStatus.scheduled,
    CommuniqueStatus.refused,
    CommuniqueStatus.cancelled,
)


def _checked(workflow_id: str) -> str:
    return checked_id(COMMUNIQUE_ID, workflow_id, "a communiqué id", "communique-2026-000012")
