"""The API's tests run on a real local engine (the Temporal CLI dev server from the installed
wheel): listings need the engine's visibility, which the time-skipping server lacks."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import pytest
from temporalio.testing import WorkflowEnvironment

from starter.client import register_search_attributes
from tests.conftest import installed_binary
from tests.payload_keys import TEST_CONVERTER


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def start_local_engine() -> WorkflowEnvironment:
    """A dev server of the test's own, its search attributes registered."""
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=installed_binary("temporal"),
        data_converter=TEST_CONVERTER,
        port=_free_port(),
        ui=False,
        dev_server_log_level="error",
    )
    await register_search_attributes(env.client)
    return env


@pytest.fixture
async def local_env() -> AsyncIterator[WorkflowEnvironment]:
    async with await start_local_engine() as env:
        yield env
