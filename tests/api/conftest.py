"""The API's tests run on a real local engine (the Temporal CLI dev server from the installed
wheel): listings need the engine's visibility, which the time-skipping server lacks."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from temporalio.testing import WorkflowEnvironment

from starter.client import register_search_attributes
from starter.ports import engine_port_args, free_ports
from tests.conftest import installed_binary
from tests.payload_keys import TEST_CONVERTER


async def start_local_engine() -> WorkflowEnvironment:
    """A dev server of the test's own, its search attributes registered."""
    port, http_port, metrics_port = free_ports(3)
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=installed_binary("temporal"),
        data_converter=TEST_CONVERTER,
        port=port,
        ui=False,
        dev_server_log_level="error",
        dev_server_extra_args=engine_port_args(http_port, metrics_port),
    )
    await register_search_attributes(env.client)
    return env


@pytest.fixture
async def local_env() -> AsyncIterator[WorkflowEnvironment]:
    async with await start_local_engine() as env:
        yield env
