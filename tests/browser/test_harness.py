"""The browser harness proves itself on pages that exist already: the live server answers,
Chromium reads the API's docs, the accessibility check can fail, and screenshots are written."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import httpx
import pytest

from tests.browser.harness import SCREENSHOTS, Console, check_accessibility, screenshot

if TYPE_CHECKING:
    from playwright.async_api import Page, Route


async def test_the_live_server_answers_over_http(console: Console) -> None:
    async with httpx.AsyncClient(base_url=console.base_url) as http:
        answer = await http.get("/health")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok"}


async def test_chromium_opens_the_api_docs_served_live(console: Console, page: Page) -> None:
    await page.goto(f"{console.base_url}/docs")
    assert await page.title() == "sagir-desk - Swagger UI"


async def test_an_image_without_alternative_text_fails_the_accessibility_check(
    page: Page,
) -> None:
    await page.set_content('<html lang="fr"><body><main><img src="x.png"></main></body></html>')
    with pytest.raises(AssertionError) as refused:
        await check_accessibility(page)
    assert "image-alt (critical)" in str(refused.value)


async def test_the_accessibility_check_runs_under_a_policy_refusing_inline_scripts(
    page: Page,
) -> None:
    async def strict_page(route: Route) -> None:
        await route.fulfill(
            headers={"Content-Security-Policy": "default-src 'self'; script-src 'self'"},
            content_type="text/html",
            body='<html lang="fr"><body><main><img src="x.png"></main></body></html>',
        )

    await page.route("http://strict.test/", strict_page)
    await page.goto("http://strict.test/")
    with pytest.raises(AssertionError, match=r"image-alt \(critical\)"):
        await check_accessibility(page)


async def test_a_page_with_nothing_wrong_passes_the_accessibility_check(page: Page) -> None:
    await page.set_content(
        '<!doctype html><html lang="fr"><head><title>Essai</title></head>'
        '<body><main><h1>Essai</h1><img src="x.png" alt="Logo"></main></body></html>'
    )
    await check_accessibility(page)


async def test_a_screenshot_is_written_as_a_png(page: Page) -> None:
    await page.set_content("<h1>Capture</h1>")
    folder_existed = SCREENSHOTS.exists()
    path = await screenshot(page, f"test-harness-{uuid.uuid4().hex[:8]}")
    try:
        assert path.parent == SCREENSHOTS
        assert path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    finally:
        path.unlink(missing_ok=True)
        if not folder_existed and not any(SCREENSHOTS.iterdir()):
            SCREENSHOTS.rmdir()
            if not any(SCREENSHOTS.parent.iterdir()):
                SCREENSHOTS.parent.rmdir()
