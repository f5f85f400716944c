"""The browser tests' fixtures: the console served live for each test (its own dev server, task
queue and demo database), one Chromium for the whole run, a fresh context and page per test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import pytest
from temporalio.testing import WorkflowEnvironment

from adapters.database import UnitOfWork
from tests.api.conftest import start_local_engine
from tests.browser.harness import STEP_TIMEOUT_MS, Console, chromium, running_console

if TYPE_CHECKING:
    from playwright.async_api import Browser, BrowserContext, Page


@pytest.fixture
async def local_env() -> AsyncIterator[WorkflowEnvironment]:
    """A dev server of the test's own: the console's lists need the engine's visibility."""
    async with await start_local_engine() as env:
        yield env


@pytest.fixture
async def console(
    local_env: WorkflowEnvironment, demo_uow: UnitOfWork, task_queue: str
) -> AsyncIterator[Console]:
    async with running_console(local_env, demo_uow, task_queue) as running:
        yield running


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as launched:
        yield launched


@pytest.fixture
async def context(browser: Browser) -> AsyncIterator[BrowserContext]:
    """A fresh profile (no cookies, no storage), French and in Montréal's time zone, as the
    console's people use it."""
    fresh = await browser.new_context(locale="fr-CA", timezone_id="America/Montreal")
    fresh.set_default_timeout(STEP_TIMEOUT_MS)
    yield fresh
    await fresh.close()


@pytest.fixture
async def page(context: BrowserContext) -> Page:
    return await context.new_page()
