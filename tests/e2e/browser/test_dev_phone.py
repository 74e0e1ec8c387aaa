"""The dev phone in Chromium: double opt-in and STOP the way a new user explores them."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

pytest.importorskip("playwright")

from playwright.sync_api import Page, expect

from tests.e2e.browser.conftest import contact, needs_chromium, outbox, wait_for_texts
from tests.e2e.conftest import LocalStack

pytestmark = [pytest.mark.e2e, needs_chromium]

NUMBER = "+48515678901"


def test_dev_phone_confirm_then_stop(page: Page, local_stack: LocalStack, shot: Callable[[Page, str], Path]) -> None:
    reply = local_stack.json("POST", "/v1/optin", {"phone": NUMBER, "list_id": "demo", "sms_consent": True})
    assert reply.status == 202, reply.body
    [request] = wait_for_texts(local_stack, NUMBER, 1)

    page.goto(local_stack.base_url + "/dev/phone")
    expect(page.locator(f"#seen option[value='{NUMBER}']")).to_have_count(1)
    page.select_option("#seen", NUMBER)

    incoming = page.locator("#chat .msg.in")
    expect(incoming).to_have_count(1)
    expect(incoming.nth(0)).to_contain_text(request["body"])
    expect(incoming.nth(0)).to_contain_text(f"from {request['from']}")
    expect(page.locator("#to")).to_have_value(request["from"])  # replies go to the number that texted
    status_pill = page.locator("#subs .pill")
    expect(status_pill).to_have_text("pending")
    expect(page).to_have_url(f"{local_stack.base_url}/dev/phone?phone=%2B48515678901")

    page.fill("#reply", "TAK")
    page.click("#send")
    expect(page.locator("#chat .msg.out")).to_have_count(1)
    expect(incoming).to_have_count(2)
    expect(page.locator("#chat .msg.in[data-kind=welcome]")).to_have_count(1)
    expect(status_pill).to_have_text("active")
    shot(page, "phone-1-confirmed")

    page.fill("#reply", "STOP")
    page.keyboard.press("Enter")
    stop_confirmations = page.locator("#chat .msg.in[data-kind=stop]")
    expect(stop_confirmations).to_have_count(1)
    expect(status_pill).to_have_text("revoked")
    expect(page.locator("#ledger li.revoked")).to_have_count(1)

    time.sleep(2)  # a duplicate would have arrived by now
    expect(stop_confirmations).to_have_count(1)
    expect(incoming).to_have_count(3)
    assert [m.get("kind") for m in outbox(local_stack, NUMBER)] == ["confirm_request", "welcome", "stop"]
    # The chat reads top to bottom: request, TAK, welcome, STOP, STOP confirmation.
    bubbles = page.locator("#chat .msg .bubble").all_inner_texts()
    assert bubbles[1] == "TAK" and bubbles[3] == "STOP"
    status, body = contact(local_stack, NUMBER)
    assert status == 200 and body["subscriptions"][0]["status"] == "revoked"
    page.set_viewport_size({"width": 1280, "height": 900})
    shot(page, "phone-2-stopped")


def test_dev_phone_refuses_a_number_without_country_code(page: Page, local_stack: LocalStack) -> None:
    page.goto(local_stack.base_url + "/dev/phone")
    page.fill("#number", "501234567")
    page.click("#picker button[type=submit]")
    expect(page.locator("#number")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#number-error")).to_be_visible()
    expect(page.locator("#workspace")).to_be_hidden()
