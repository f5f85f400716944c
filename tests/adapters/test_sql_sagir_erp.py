"""The SAGIR-like ERP on SQLite and PostgreSQL: writes happen once per key; removal empties."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from adapters.database import UnitOfWork
from adapters.demo_data import load_demo_data
from adapters.sql_directory import SqlDirectory
from adapters.sql_sagir_erp import SqlSagirErp
from models.sagir import AccountStatus, ErpRefused

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)


@pytest.fixture
def erp(uow: UnitOfWork) -> SqlSagirErp:
    erp = SqlSagirErp(uow)
    load_demo_data(SqlDirectory(uow), erp)
    return erp


def test_a_write_repeated_under_its_key_changes_nothing(erp: SqlSagirErp) -> None:
    assert erp.create_account("w/account", "MTQ", "45871", NOW)
    assert erp.grant("w/rf", "MTQ", "45871", "RF-CONSULTATION", NOW)
    assert erp.revoke("w/rf/undo", "MTQ", "45871", "RF-CONSULTATION", NOW)
    assert not erp.grant("w/rf", "MTQ", "45871", "RF-CONSULTATION", NOW)  # a late retry
    assert erp.access_of("MTQ", "45871").responsibilities == []


def test_remove_all_access_leaves_nothing(erp: SqlSagirErp) -> None:
    erp.create_account("w/account", "MTQ", "45871", NOW)
    erp.grant("w/ei", "MTQ", "45871", "EI-RAPPORTS-FIN", NOW)
    erp.set_partition("w/partition", "MTQ", "45871", "MTQ-DGF", NOW)
    erp.set_parameter("w/langue", "MTQ", "45871", "langue", "fr", NOW)
    erp.activate_account("w/activate", "MTQ", "45871", NOW)
    assert not erp.access_of("MTQ", "45871").is_empty
    erp.remove_all_access("w/remove", "MTQ", "45871", NOW)
    left = erp.access_of("MTQ", "45871")
    assert left.is_empty and left.account is AccountStatus.removed


def test_refused_writes_leave_no_key_behind(erp: SqlSagirErp) -> None:
    erp.create_account("w/account", "MTQ", "45871", NOW)
    with pytest.raises(ErpRefused, match="partition group MTQ-NOPE does not exist"):
        erp.set_partition("w/partition", "MTQ", "45871", "MTQ-NOPE", NOW)
    assert not erp.write_done("w/partition")
    with pytest.raises(ErpRefused, match="not in SAGIR's catalogue"):
        erp.grant("w/x", "MTQ", "45871", "XX-NOPE", NOW)


def test_record_departure_marks_the_dossier_personne(erp: SqlSagirErp) -> None:
    erp.record_departure("w/record", "MTQ", "45871", date(2026, 12, 4), NOW)
    person = erp.person("MTQ", "45871")
    assert person is not None and person.status == "departed"


def test_registre_and_reference_data_read_back(erp: SqlSagirErp) -> None:
    assert erp.default_responsibilities("MTQ") == ["LS-EMPLOYE"]
    assert "EI-RAPPORTS-FIN" in erp.registre_responsibilities("MTQ")
    assert [a.employee_number for a in erp.registre("MTQ")] == ["30001", "30002"]
    assert erp.partition_group_exists("MTQ", "MTQ-DGF")
    assert not erp.partition_group_exists("MSSS", "MTQ-DGF")
