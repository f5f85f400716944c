"""The console in a real browser: the real app served by uvicorn on a free local port (a task in
the test's own event loop, so the desks' engine client works), over the real desks, a worker on a
local dev server (listings need its visibility) and a SQLite database with the demo data; Debian's
Chromium driven by Playwright; axe-core for accessibility; screenshots for the README."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import os
import shutil
import socket
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pytest
import uvicorn
from temporalio.testing import WorkflowEnvironment

from adapters.database import UnitOfWork
from models.roles import Caller
from starter.api.app import create_app
from starter.desks.compose import Desks, build_desks
from starter.settings import Settings
from tests.api.api_harness import CALLERS, harness_settings
from tests.payload_keys import TEST_KEYS
from tests.workflows.desks_harness import DesksHarness, running_desks

if TYPE_CHECKING:  # the package may be missing: the browser fixture then skips, saying so
    from playwright.async_api import Browser, Page

__all__ = [
    "CALLERS",
    "Console",
    "axe_source",
    "check_accessibility",
    "chromium",
    "chromium_path",
    "running_console",
    "screenshot",
    "serving",
    "sign_in",
    "unavailable",
]

REPO_ROOT = Path(__file__).resolve().parents[2]
# The README's pictures are written over only on request (`make screenshots`): a test run
# leaves the checkout as it was; otherwise they go to a folder of the run's own.
SCREENSHOTS = (
    REPO_ROOT / "docs" / "screenshots"
    if os.environ.get("SAGIR_UPDATE_SCREENSHOTS") == "1"
    else Path(tempfile.gettempdir()) / f"sagir-desk-screenshots-{os.getpid()}"
)
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
REQUIRE_BROWSER = os.environ.get("SAGIR_TEST_REQUIRE_BROWSER") == "1"
# The WCAG 2.0 and 2.1 rules at levels A and AA, and axe's best practices.
AXE_RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
BLOCKING_IMPACTS = {"serious", "critical"}
SERVER_START_TIMEOUT = 10.0


# A step the page never reaches fails in seconds, not in Playwright's default 30.
STEP_TIMEOUT_MS = 10_000


def unavailable(reason: str) -> NoReturn:
    """Skip the test for a missing tool, or fail it where CI promises the tool is there."""
    if REQUIRE_BROWSER:
        pytest.fail(f"{reason} (SAGIR_TEST_REQUIRE_BROWSER=1 requires it)")
    pytest.skip(reason)


def chromium_path() -> str | None:
    """Debian's Chromium (`apt-get install chromium`); Playwright's own download cannot work
    here."""
    found = shutil.which("chromium")
    if found is not None:
        return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


@dataclass
class Console:
    """The app as a browser reaches it: `base_url` serves the API and the console under
    `/console`."""

    base_url: str
    desks: Desks
    settings: Settings
    harness: DesksHarness
    tokens: dict[str, str] = field(default_factory=dict)

    def token_for(self, caller: Caller) -> str:
        key = caller.model_dump_json()
        if key not in self.tokens:
            self.tokens[key] = self.desks.tokens.issue(caller, "test").token
        return self.tokens[key]


class _TestServer(uvicorn.Server):
    """uvicorn as a task of the test's loop: Ctrl-C stays pytest's, not this server's."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@contextlib.asynccontextmanager
async def serving(app: Any) -> AsyncIterator[str]:
    """`app` served on a free local port until the block ends; yields its base URL. The socket
    is bound here and handed to uvicorn, so no other process can take the port in between."""
    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    port = int(listening.getsockname()[1])
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        # A request the browser left hanging must not hold the test's teardown for ever.
        timeout_graceful_shutdown=5,
    )
    server = _TestServer(config)
    task = asyncio.create_task(server.serve(sockets=[listening]))
    try:
        await _until_started(server, task)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        listening.close()


async def _until_started(server: uvicorn.Server, task: asyncio.Task[None]) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + SERVER_START_TIMEOUT
    while not server.started:
        if task.done():
            task.result()  # its exception, if it raised one
            raise AssertionError("uvicorn stopped before it started serving")
        if loop.time() > deadline:
            raise AssertionError(f"uvicorn did not start within {SERVER_START_TIMEOUT} s")
        await asyncio.sleep(0.01)


@contextlib.asynccontextmanager
async def running_console(
    env: WorkflowEnvironment, uow: UnitOfWork, task_queue: str
) -> AsyncIterator[Console]:
    """The real app (API and console) over the real desks and a worker on `env`, served over
    HTTP in this event loop, as `tests/api/api_harness.py:running_api` builds it."""
    async with running_desks(env, uow, task_queue) as harness:
        settings = harness_settings(uow, task_queue)
        desks = build_desks(settings, env.client, uow)
        async with serving(create_app(desks, TEST_KEYS)) as base_url:
            yield Console(base_url, desks, settings, harness)


@contextlib.asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    """Debian's Chromium, headless, driven by Playwright; never a downloaded browser."""
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        unavailable("the playwright package is missing: `pip install -e .[test]` installs it")
    executable = chromium_path()
    if executable is None:
        unavailable("Chromium is missing: `apt-get install chromium` installs Debian's")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=executable, headless=True)
        try:
            yield browser
        finally:
            await browser.close()


@functools.cache
def axe_source() -> str:
    """axe-core's script, installed by `npm ci --prefix tests/browser` (read once)."""
    if not AXE.exists():
        unavailable(f"axe-core is missing ({AXE}): run `npm ci --prefix tests/browser`")
    return AXE.read_text(encoding="utf-8")


async def check_accessibility(page: Page) -> None:
    """The page as it stands has no serious or critical WCAG 2.1 A/AA or best-practice
    violation, as axe-core finds them."""
    from playwright.async_api import Error as PlaywrightError

    await page.wait_for_load_state()  # a page a click just asked for: checked once it is there
    try:
        await page.add_script_tag(content=axe_source())
    except PlaywrightError as refused:
        # A Content-Security-Policy without 'unsafe-inline' refuses the tag (the console's
        # should); Playwright's own evaluation is not bound by the page's policy.
        if "Content Security Policy" not in refused.message:
            raise
        await page.evaluate(axe_source())
    results = await page.evaluate("(rules) => axe.run(document, {runOnly: rules})", AXE_RULES)
    blocking = [v for v in results["violations"] if v.get("impact") in BLOCKING_IMPACTS]
    assert not blocking, f"accessibility violations on {page.url}:\n" + "\n".join(
        _described(violation) for violation in blocking
    )


def _described(violation: dict[str, Any]) -> str:
    targets = [json.dumps(node["target"]) for node in violation["nodes"][:3]]
    more = len(violation["nodes"]) - len(targets)
    return (
        f"- {violation['id']} ({violation['impact']}): {violation['help']}; at "
        + ", ".join(targets)
        + (f" and {more} more" if more > 0 else "")
    )


async def screenshot(page: Page, name: str) -> Path:
    """The whole page as `<SCREENSHOTS>/<name>.png` (the README's pictures with
    SAGIR_UPDATE_SCREENSHOTS=1)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    await page.screenshot(path=path, full_page=True)
    return path


async def sign_in(page: Page, console: Console, caller: Caller) -> None:
    """Sign in as a person would: the sign-in page, the caller's token in "Jeton d'accès",
    "Se connecter", and the console's first page (which one depends on the caller's role: an
    agent lands on the queue)."""
    signin = f"{console.base_url}/console/connexion"
    await page.goto(signin)
    await page.get_by_label("Jeton d'accès").fill(console.token_for(caller))
    async with page.expect_navigation():
        await page.get_by_role("button", name="Se connecter").click()
    if page.url.startswith(signin):
        said = " ".join((await page.inner_text("body")).split())[:500]
        raise AssertionError(f"{caller.subject} stayed on the sign-in page, which says: {said}")
