"""The console's sign-in (issue 13): a token becomes a session cookie (HttpOnly, SameSite,
expiring, ended with the token or by signing out), every form needs its CSRF token, and a page
without a session is the sign-in page. In-process, on the desk's database: no engine needed."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import text

from adapters.database import UnitOfWork
from models.roles import Caller, Role
from starter.api.app import create_app
from starter.console.session import COOKIE
from starter.desks.compose import Desks, build_desks
from starter.settings import Settings
from tests.payload_keys import TEST_AUDIT_KEYS_TEXT, TEST_KEYS

AGENT = Caller(role=Role.ca_agent, subject="agent-roy")


def _desks(uow: UnitOfWork) -> Desks:
    settings = Settings().model_copy(update={"audit_keys_text": TEST_AUDIT_KEYS_TEXT})
    return build_desks(settings, None, uow)


@pytest.fixture
async def desks(demo_uow: UnitOfWork) -> Desks:
    return _desks(demo_uow)


def _client(desks: Desks) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=create_app(desks, TEST_KEYS), raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://desk")


@pytest.fixture
async def browser(desks: Desks) -> AsyncIterator[httpx.AsyncClient]:
    async with _client(desks) as client:
        yield client


async def sign_in(client: httpx.AsyncClient, token: str) -> httpx.Response:
    form = await client.get("/console/connexion")
    nonce = re.search(r'name="nonce" value="([^"]+)"', form.text)
    assert nonce is not None
    return await client.post(
        "/console/connexion", data={"jeton": token, "nonce": nonce.group(1), "suite": ""}
    )


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]{64})"', page)
    assert found is not None, "the page has no form token"
    return found.group(1)


async def test_sign_in_with_a_token_sets_an_httponly_strict_expiring_cookie(
    desks: Desks, browser: httpx.AsyncClient
) -> None:
    token = desks.tokens.issue(AGENT, "console").token
    answer = await sign_in(browser, token)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/console/file"
    cookie = next(
        value
        for key, value in answer.headers.multi_items()
        if key == "set-cookie" and value.startswith(f"{COOKIE}=")
    )
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    assert "Max-Age=36000" in cookie  # SAGIR_CONSOLE_SESSION_HOURS, 10 by default
    home = await browser.get("/console/file")
    assert home.status_code == 200
    assert "File d'attente" in home.text
    assert "agent-roy" in home.text


async def test_the_session_is_kept_as_a_hash_only(
    desks: Desks, browser: httpx.AsyncClient, demo_uow: UnitOfWork
) -> None:
    await sign_in(browser, desks.tokens.issue(AGENT, "console").token)
    secret = browser.cookies[COOKIE]
    with demo_uow.engine.connect() as connection:
        kept = connection.execute(text("select id from console_sessions")).scalars().all()
    assert len(kept) == 1
    assert secret not in kept[0]


async def test_a_page_without_a_session_is_the_sign_in_page(browser: httpx.AsyncClient) -> None:
    answer = await browser.get("/console/mes-billets")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/console/connexion?suite=/console/mes-billets"
    page = await browser.get(answer.headers["location"])
    assert "Jeton d'accès" in page.text
    assert 'value="/console/mes-billets"' in page.text


async def test_an_unknown_token_is_refused_in_french(browser: httpx.AsyncClient) -> None:
    answer = await sign_in(browser, "sdk_0000000000.nope")
    assert answer.status_code == 401
    assert COOKIE not in browser.cookies
    assert "inconnu ou révoqué" in answer.text


async def test_a_revoked_token_ends_its_console_session(
    desks: Desks, browser: httpx.AsyncClient
) -> None:
    issued = desks.tokens.issue(AGENT, "console")
    await sign_in(browser, issued.token)
    assert (await browser.get("/console/file")).status_code == 200
    desks.tokens.revoke(issued.info.id)
    answer = await browser.get("/console/file")
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/console/connexion")


async def test_an_expired_session_gets_the_sign_in_page(demo_uow: UnitOfWork) -> None:
    desks = _desks(demo_uow)
    later = datetime.now(UTC) + timedelta(hours=10, seconds=1)
    token = desks.tokens.issue(AGENT, "console").token
    async with _client(desks) as client:
        await sign_in(client, token)
        assert (await client.get("/console/file")).status_code == 200
        expired = replace(desks, sessions=replace(desks.sessions, clock=lambda: later))
        client._transport = httpx.ASGITransport(app=create_app(expired, TEST_KEYS))
        answer = await client.get("/console/file")
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/console/connexion")


async def test_sign_out_ends_the_session(desks: Desks, browser: httpx.AsyncClient) -> None:
    await sign_in(browser, desks.tokens.issue(AGENT, "console").token)
    secret = browser.cookies[COOKIE]
    page = await browser.get("/console/file")
    answer = await browser.post("/console/deconnexion", data={"csrf": _csrf(page.text)})
    assert answer.status_code == 303
    browser.cookies.set(COOKIE, secret, path="/console")  # a copy of the cookie, kept
    assert (await browser.get("/console/file")).status_code == 303


async def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(
    desks: Desks, browser: httpx.AsyncClient
) -> None:
    await sign_in(browser, desks.tokens.issue(AGENT, "console").token)
    answer = await browser.post("/console/deconnexion", data={"csrf": "0" * 64})
    assert answer.status_code == 403
    assert "formulaire" in answer.text
    assert (await browser.get("/console/file")).status_code == 200  # still signed in


async def test_the_sign_in_form_needs_its_own_nonce(
    desks: Desks, browser: httpx.AsyncClient
) -> None:
    token = desks.tokens.issue(AGENT, "console").token
    answer = await browser.post(
        "/console/connexion", data={"jeton": token, "nonce": "forged", "suite": ""}
    )
    assert answer.status_code == 403
    assert COOKIE not in browser.cookies


async def test_sign_in_sends_back_only_to_the_console(
    desks: Desks, browser: httpx.AsyncClient
) -> None:
    form = await browser.get("/console/connexion?suite=https://ailleurs.example/")
    assert 'name="suite" value=""' in form.text
    nonce = re.search(r'name="nonce" value="([^"]+)"', form.text)
    assert nonce is not None
    answer = await browser.post(
        "/console/connexion",
        data={
            "jeton": desks.tokens.issue(AGENT, "x").token,
            "nonce": nonce.group(1),
            "suite": "//ailleurs.example/",
        },
    )
    assert answer.headers["location"] == "/console/file"


async def test_every_asset_is_served_by_the_desk(browser: httpx.AsyncClient) -> None:
    page = await browser.get("/console/connexion")
    assets = re.findall(r'(?:src|href)="(/console/static/[^"]+)"', page.text)
    assert {"/console/static/console.css", "/console/static/htmx.min.js"} <= set(assets)
    for asset in assets:
        assert (await browser.get(asset)).status_code == 200, asset
    assert "http://" not in page.text and "https://" not in page.text  # no CDN, no font host
