"""The SGA port's local adapter: courses, sessions with their places, enrolments and waiting
lists, in the desk's database. Each change is one transaction, so two agents enrolling for the
last place, or a cancellation serving the waiting list, can never over-fill a session."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session as DbSession

from adapters.database import (
    SgaCourseRow,
    SgaEnrolmentRow,
    SgaSessionRow,
    TrainingRegistrationRow,
    UnitOfWork,
)
from models.sagir import ErpRefused
from models.training import (
    Basis,
    Cancellation,
    Course,
    Enrol,
    Enrolment,
    EnrolmentStatus,
    Session,
    SessionView,
)


class SqlSga:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    # --- a course asked for in an arrival (no session chosen yet) -----------------------------

    def register(self, mo: str, employee_number: str, course: str, at: datetime) -> bool:
        """Register once: a retried registration finds the row and changes nothing."""
        with self._uow.begin() as session:
            if session.get(TrainingRegistrationRow, (mo, employee_number, course)) is not None:
                return False
            session.add(
                TrainingRegistrationRow(
                    mo_code=mo, employee_number=employee_number, course=course, registered_at=at
                )
            )
            return True

    def unregister(self, mo: str, employee_number: str, course: str) -> None:
        with self._uow.begin() as session:
            row = session.get(TrainingRegistrationRow, (mo, employee_number, course))
            if row is not None:
                session.delete(row)

    # --- courses and sessions -----------------------------------------------------------------

    def add_course(self, course: Course) -> None:
        with self._uow.begin() as session:
            session.merge(SgaCourseRow(code=course.code, title=course.title))

    def add_session(self, new: Session) -> None:
        with self._uow.begin() as session:
            if session.get(SgaCourseRow, new.course) is None:
                raise ErpRefused(f"course: {new.course} is not a course of SGA")
            session.merge(
                SgaSessionRow(
                    code=new.code,
                    course=new.course,
                    starts_on=new.starts_on,
                    capacity=new.capacity,
                )
            )

    def course(self, code: str) -> Course | None:
        with self._uow.begin() as session:
            row = session.get(SgaCourseRow, code)
            return None if row is None else Course(code=row.code, title=row.title)

    def sessions(self) -> list[SessionView]:
        with self._uow.begin() as session:
            rows = session.scalars(
                select(SgaSessionRow).order_by(SgaSessionRow.starts_on, SgaSessionRow.code)
            )
            return [self._view(session, row) for row in rows]

    def session(self, code: str) -> SessionView | None:
        with self._uow.begin() as session:
            row = session.get(SgaSessionRow, code)
            return None if row is None else self._view(session, row)

    def enrolments(self, session_code: str) -> list[Enrolment]:
        with self._uow.begin() as session:
            rows = session.scalars(
                select(SgaEnrolmentRow)
                .where(SgaEnrolmentRow.session_code == session_code)
                .order_by(SgaEnrolmentRow.seq)
            )
            return _with_positions(list(rows))

    # --- enrolling and cancelling -------------------------------------------------------------

    def enrol(self, enrol: Enrol, at: datetime) -> Enrolment:
        """Register in the session when a place is left, else join its waiting list. Enrolling
        someone already there changes nothing and says where they are."""
        with self._uow.begin() as session:
            row = self._locked_session(session, enrol.session)
            existing = self._enrolment(session, enrol.session, enrol.mo, enrol.employee_number)
            if existing is not None and existing.status != EnrolmentStatus.cancelled.value:
                return self._as_enrolment(session, existing)
            full = _count(session, enrol.session, EnrolmentStatus.registered) >= row.capacity
            status = EnrolmentStatus.waiting if full else EnrolmentStatus.registered
            if existing is not None:
                # Coming back after a cancellation: to the end of the line, like anyone else.
                session.delete(existing)
                session.flush()
            added = SgaEnrolmentRow(
                session_code=enrol.session,
                mo_code=enrol.mo,
                employee_number=enrol.employee_number,
                status=status.value,
                basis=enrol.basis.value,
                requested_by=enrol.by,
                requested_at=at,
                changed_at=at,
            )
            session.add(added)
            session.flush()
            return self._as_enrolment(session, added)

    def cancel(
        self, session_code: str, mo: str, employee_number: str, at: datetime
    ) -> Cancellation:
        """Cancel a place or a waiting-list entry; a freed place goes to the first waiting, in
        the same transaction. Cancelling again gives the same answer and changes nothing."""
        with self._uow.begin() as session:
            self._locked_session(session, session_code)
            row = self._enrolment(session, session_code, mo, employee_number)
            if row is None:
                raise ErpRefused(
                    f"employee_number: {mo}/{employee_number} is not enrolled in {session_code}"
                )
            if row.status == EnrolmentStatus.cancelled.value:
                replaced = (
                    None
                    if row.replaced_by_seq is None
                    else session.get(SgaEnrolmentRow, row.replaced_by_seq)
                )
                return Cancellation(
                    cancelled=self._as_enrolment(session, row),
                    promoted=None if replaced is None else self._as_enrolment(session, replaced),
                )
            freed = row.status == EnrolmentStatus.registered.value
            row.status = EnrolmentStatus.cancelled.value
            row.changed_at = at
            promoted = None
            if freed:
                promoted = session.scalars(
                    select(SgaEnrolmentRow)
                    .where(
                        SgaEnrolmentRow.session_code == session_code,
                        SgaEnrolmentRow.status == EnrolmentStatus.waiting.value,
                    )
                    .order_by(SgaEnrolmentRow.seq)
                    .limit(1)
                ).first()
                if promoted is not None:
                    promoted.status = EnrolmentStatus.registered.value
                    promoted.changed_at = at
                    row.replaced_by_seq = promoted.seq
            session.flush()
            return Cancellation(
                cancelled=self._as_enrolment(session, row),
                promoted=None if promoted is None else self._as_enrolment(session, promoted),
            )

    def enrolment(self, session_code: str, mo: str, employee_number: str) -> Enrolment | None:
        with self._uow.begin() as session:
            row = self._enrolment(session, session_code, mo, employee_number)
            return None if row is None else self._as_enrolment(session, row)

    # --- helpers --------------------------------------------------------------------------------

    @staticmethod
    def _locked_session(session: DbSession, code: str) -> SgaSessionRow:
        """The session row, locked so that enrolments of one session happen one at a time."""
        row = session.scalars(
            select(SgaSessionRow).where(SgaSessionRow.code == code).with_for_update()
        ).first()
        if row is None:
            raise ErpRefused(f"session: {code} is not a session of SGA")
        return row

    @staticmethod
    def _enrolment(
        session: DbSession, session_code: str, mo: str, employee_number: str
    ) -> SgaEnrolmentRow | None:
        return session.scalars(
            select(SgaEnrolmentRow).where(
                SgaEnrolmentRow.session_code == session_code,
                SgaEnrolmentRow.mo_code == mo,
                SgaEnrolmentRow.employee_number == employee_number,
            )
        ).first()

    @staticmethod
    def _as_enrolment(session: DbSession, row: SgaEnrolmentRow) -> Enrolment:
        position = None
        if row.status == EnrolmentStatus.waiting.value:
            position = session.scalar(
                select(func.count()).where(
                    SgaEnrolmentRow.session_code == row.session_code,
                    SgaEnrolmentRow.status == EnrolmentStatus.waiting.value,
                    SgaEnrolmentRow.seq <= row.seq,
                )
            )
        return _enrolment(row, position)

    @staticmethod
    def _view(session: DbSession, row: SgaSessionRow) -> SessionView:
        return SessionView(
            session=Session(
                code=row.code, course=row.course, starts_on=row.starts_on, capacity=row.capacity
            ),
            registered=_count(session, row.code, EnrolmentStatus.registered),
            waiting=_count(session, row.code, EnrolmentStatus.waiting),
        )


def _count(session: DbSession, session_code: str, status: EnrolmentStatus) -> int:
    return (
        session.scalar(
            select(func.count()).where(
                SgaEnrolmentRow.session_code == session_code,
                SgaEnrolmentRow.status == status.value,
            )
        )
        or 0
    )


def _enrolment(row: SgaEnrolmentRow, position: int | None) -> Enrolment:
    return Enrolment(
        session=row.session_code,
        mo=row.mo_code,
        employee_number=row.employee_number,
        status=EnrolmentStatus(row.status),
        basis=Basis(row.basis),
        requested_by=row.requested_by,
        requested_at=row.requested_at,
        waiting_position=position,
    )


def _with_positions(rows: list[SgaEnrolmentRow]) -> list[Enrolment]:
    waiting = 0
    found = []
    for row in rows:
        position = None
        if row.status == EnrolmentStatus.waiting.value:
            waiting += 1
            position = waiting
        found.append(_enrolment(row, position))
    return found
