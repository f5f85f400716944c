"""Reads of an employee's dossier personne and accesses in SAGIR, shared by arrivals,
departures and password help."""

from __future__ import annotations

from temporalio import activity

from adapters.ports import SagirErp
from models.arrivals import DossierCheck
from models.departures import BirthMatch
from models.requests import EmployeeRef
from models.sagir import AccessSnapshot


class DossierActivities:
    def __init__(self, erp: SagirErp) -> None:
        self._erp = erp

    @activity.defn
    def look_up_dossier(self, who: EmployeeRef) -> DossierCheck:
        person = self._erp.person(who.mo, who.employee_number)
        if person is None:
            return DossierCheck(found=False)
        return DossierCheck(found=True, email_works=person.email_works)

    @activity.defn
    def match_birth(self, match: BirthMatch) -> bool:
        """Whether the birth day and month match the dossier personne (never says which part)."""
        person = self._erp.person(match.mo, match.employee_number)
        return (
            person is not None
            and person.birth_day == match.birth.birth_day
            and person.birth_month == match.birth.birth_month
        )

    @activity.defn
    def read_access(self, who: EmployeeRef) -> AccessSnapshot:
        return self._erp.access_of(who.mo, who.employee_number)
