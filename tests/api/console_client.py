"""A person's browser on the console, in-process: an httpx client with its own cookies, signed
in through the sign-in form, that reads each page's form token."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]{64})"', page)
    assert found is not None, "the page has no form token"
    return found.group(1)


async def sign_in(client: httpx.AsyncClient, token: str) -> httpx.Response:
    form = await client.get("/console/connexion")
    nonce = re.search(r'name="nonce" value="([^"]+)"', form.text)
    assert nonce is not None
    return await client.post(
        "/console/connexion", data={"jeton": token, "nonce": nonce.group(1), "suite": ""}
    )


class Person:
    """One signed-in person: `get` a page, `send` a form of the page last read; `page` is the
    text as the person reads it (entities unescaped)."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.page = ""

    async def get(self, path: str) -> httpx.Response:
        answer = await self.client.get(path, follow_redirects=True)
        self.page = html.unescape(answer.text)
        return answer

    async def send(
        self, path: str, files: list[tuple[str, bytes, str]] | None = None, **fields: str
    ) -> httpx.Response:
        """Send a form of the page last read; `files`: (name, bytes, type) as "pieces"."""
        answer = await self.client.post(
            path,
            data={"csrf": csrf_of(self.page), **fields},
            files=[("pieces", file) for file in files] if files else None,
            follow_redirects=True,
        )
        self.page = html.unescape(answer.text)
        return answer


@asynccontextmanager
async def signed_in(app: FastAPI, token: str) -> AsyncIterator[Person]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://desk") as client:
        answer = await sign_in(client, token)
        assert answer.status_code == 303, answer.text
        yield Person(client)
