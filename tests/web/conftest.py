"""Browser fixtures: one lncare service on a free loopback port and one headless Debian chromium for the
session, a fresh page per test that refuses (and records) any request leaving loopback."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from lncare.cli.serve import background_server
from lncare.service.app import create_app
from lncare.service.settings import Settings

CHROMIUM = "/usr/bin/chromium"  # Debian's chromium, installed by `make browser` (never `playwright install`)
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@pytest.fixture(scope="session")
def base_url() -> Iterator[str]:
    with background_server(create_app(Settings(insecure_no_auth=True))) as url:
        yield url


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    # --no-sandbox: the test machines run as root, where chromium's sandbox cannot start.
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
    yield browser
    browser.close()


@pytest.fixture
def page(browser: Browser, base_url: str) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    outside: list[str] = []
    errors: list[str] = []

    def guard(route: Any) -> None:
        if urlsplit(route.request.url).hostname in LOOPBACK or route.request.url.startswith("data:"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(f"{base_url}/?as_of=2026-11-27")  # the date the example records are written for
    page.wait_for_selector("body[data-ready=true]")
    yield page
    context.close()
    assert outside == [], f"requests left loopback: {outside}"
    assert errors == [], f"script errors: {errors}"
