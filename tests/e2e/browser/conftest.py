"""Browser tests: the sign-up form and the dev phone in a real Chromium, driven by Playwright.

Chromium comes from the distribution (``apt-get install chromium``); Playwright never downloads a
browser here. Without ``/usr/bin/chromium`` (or the ``playwright`` package) the browser tests skip and
say why. One local stack serves every module of this package.
"""

from __future__ import annotations

import os
import time
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.e2e.conftest import ROOT, LocalStack, run_local_stack

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

CHROMIUM = Path(os.environ.get("CHROMIUM") or "/usr/bin/chromium")  # the distribution's package
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Without these Chromium keeps calling home (updates, sync, field trials) on a closed network.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
TIMEOUT_MS = 10_000

needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason=f"browser tests skipped: {CHROMIUM} not found (apt-get install chromium)"
)


@pytest.fixture(scope="package")
def local_stack() -> Iterator[LocalStack]:
    """One stack for the whole browser package (the parent conftest starts one per module)."""
    with run_local_stack() as stack:
        yield stack


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests skipped: {CHROMIUM} not found (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    sync_api.expect.set_options(timeout=TIMEOUT_MS)
    playwright = sync_api.sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    finally:
        playwright.stop()


def _context(browser: Browser, **options: Any) -> BrowserContext:
    context = browser.new_context(
        viewport={"width": 390, "height": 844},  # a phone first: the form is mobile-first
        locale="pl-PL",
        timezone_id="Europe/Warsaw",
        **options,
    )
    context.set_default_timeout(TIMEOUT_MS)
    return context


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = _context(browser)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def no_js_page(browser: Browser) -> Iterator[Page]:
    context = _context(browser, java_script_enabled=False)
    yield context.new_page()
    context.close()


@pytest.fixture
def shot() -> Callable[[Page, str], Path]:
    """``shot(page, "form-1-empty")`` saves test-artifacts/screenshots/form-1-empty.png (full page)."""

    def take(page: Page, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


# ---- talking to the stack over HTTP -----------------------------------------------------------------


def quoted(phone: str) -> str:
    return urllib.parse.quote(phone, safe="")


def outbox(stack: LocalStack, phone: str) -> list[dict[str, Any]]:
    reply = stack.request("GET", "/dev/outbox?phone=" + quoted(phone))
    assert reply.status == 200, reply.body
    return reply.body["messages"]  # type: ignore[no-any-return]


def wait_for_texts(stack: LocalStack, phone: str, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while len(found := outbox(stack, phone)) < count and time.monotonic() < deadline:
        time.sleep(0.2)
    return found


def contact(stack: LocalStack, phone: str) -> tuple[int, Any]:
    reply = stack.request("GET", "/v1/admin/contacts/" + quoted(phone))
    return reply.status, reply.body


def public_list(stack: LocalStack, list_id: str = "demo") -> dict[str, Any]:
    reply = stack.request("GET", f"/v1/lists/{list_id}/public")
    assert reply.status == 200, reply.body
    return reply.body  # type: ignore[no-any-return]
