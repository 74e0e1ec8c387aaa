"""The sign-up form in Chromium: what a visitor sees, inline errors, the answer, what gets stored."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

pytest.importorskip("playwright")

from playwright.sync_api import Page, expect

from tests.e2e.browser.conftest import contact, needs_chromium, outbox, public_list, wait_for_texts
from tests.e2e.conftest import LocalStack

pytestmark = [pytest.mark.e2e, needs_chromium]

Shot = Callable[[Page, str], Path]


def open_form(page: Page, stack: LocalStack, query: str = "?list=demo") -> None:
    page.goto(stack.base_url + "/" + query)
    expect(page.locator("form#optin")).to_have_attribute("data-ready", "true")  # form.js has loaded the list


def test_form_shows_the_list_errors_inline_and_asks_to_check_the_phone(
    page: Page, local_stack: LocalStack, shot: Shot
) -> None:
    phone_number = "+48512345678"
    listed = public_list(local_stack)
    open_form(page, local_stack)

    # What the visitor agrees to is the list's exact consent text, next to a separate, unticked box.
    expect(page.locator(".brand")).to_have_text(listed["brand"])
    expect(page.locator("label[for=sms_consent]")).to_have_text(listed["consent_text"]["text"])
    expect(page.locator("input[name=consent_version]")).to_have_value(listed["consent_text"]["version"])
    expect(page.locator("#sms_consent")).not_to_be_checked()
    expect(page.locator("#email_consent")).not_to_be_checked()
    expect(page.locator("input[name=timezone]")).to_have_value("Europe/Warsaw")
    disclosure = page.locator("#disclosure")
    expect(disclosure).to_contain_text(listed["frequency"])
    expect(disclosure).to_contain_text("Msg & data rates may apply")  # the list reaches US numbers
    expect(disclosure).to_contain_text("STOP")
    expect(page.locator("html")).to_have_attribute("lang", listed["language"])
    shot(page, "form-1-empty")

    # Keyboard order follows the page; the honeypot is out of it and hidden from assistive technology.
    order = []
    for _ in range(8):
        page.keyboard.press("Tab")
        order.append(page.evaluate("document.activeElement.id || document.activeElement.dataset.link"))
    assert order == [
        "phone",
        "first_name",
        "email",
        "sms_consent",
        "terms_url",
        "privacy_url",
        "email_consent",
        "submit",
    ]
    honeypot = page.locator("#company_website")
    expect(honeypot).to_have_attribute("tabindex", "-1")
    expect(honeypot).to_have_attribute("autocomplete", "off")
    expect(page.locator(".hp")).to_have_attribute("aria-hidden", "true")

    # A number that is not a phone number: the API's message, inline, tied to the field, focused.
    phone = page.locator("#phone")
    phone.fill("123")
    page.check("#sms_consent")
    page.click("#submit")
    expect(phone).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#phone-error")).to_be_visible()
    expect(page.locator("#phone-error")).not_to_be_empty()
    assert "phone-error" in (phone.get_attribute("aria-describedby") or "").split()
    expect(phone).to_be_focused()
    expect(page.locator("#status")).not_to_be_empty()
    shot(page, "form-2-bad-phone")

    # Fixing the field clears its error; no consent ticked: an error on the consent box.
    phone.fill("512 345 678")
    expect(phone).not_to_have_attribute("aria-invalid", "true")
    page.uncheck("#sms_consent")
    page.click("#submit")
    consent = page.locator("#sms_consent")
    expect(consent).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#sms_consent-error")).to_be_visible()
    assert "sms_consent-error" in (consent.get_attribute("aria-describedby") or "").split()
    expect(consent).to_be_focused()
    shot(page, "form-3-no-consent")

    page.check("#sms_consent")
    page.fill("#first_name", "Ala")
    page.click("#submit")
    done = page.locator("#done")
    expect(done).to_be_visible()
    expect(done).to_have_attribute("data-status", "pending_confirmation")
    expect(page.locator("#done-body")).to_contain_text(phone_number)
    expect(page.locator("#done-body")).to_contain_text("TAK")
    expect(page.locator("#done-title")).to_be_focused()
    expect(page.locator("form#optin")).to_be_hidden()
    shot(page, "form-4-check-your-phone")

    [request] = wait_for_texts(local_stack, phone_number, 1)
    assert request.get("kind", "confirm_request") == "confirm_request"
    assert "TAK" in request["body"]

    status, body = contact(local_stack, phone_number)
    assert status == 200, body
    [granted] = body["ledger"]
    assert granted["consent_text"] == listed["consent_text"]["text"]  # what the page showed is what is proven
    assert granted["consent_version"] == listed["consent_text"]["version"]
    assert "Chrome" in granted["user_agent"]
    assert granted["source"].startswith(local_stack.base_url)
    # A form post has not proven control of the number: its name and zone wait for the reply (issue 14).
    assert (body.get("profile") or {}).get("first_name") is None
    reply = {"from": phone_number, "to": request["from"], "body": "TAK"}
    assert local_stack.json("POST", "/dev/inbound", reply).status == 202
    wait_for_texts(local_stack, phone_number, 2)  # the welcome SMS: the confirmation went through
    status, body = contact(local_stack, phone_number)
    assert body["profile"]["first_name"] == "Ala"
    assert body["profile"]["timezone"] == "Europe/Warsaw"


def test_form_works_without_javascript(no_js_page: Page, local_stack: LocalStack, shot: Shot) -> None:
    page = no_js_page
    phone_number = "+48513456789"
    listed = public_list(local_stack)
    page.goto(local_stack.base_url + "/?list=demo")
    # Rendered by the server: no script needed to show what the visitor consents to.
    expect(page.locator("label[for=sms_consent]")).to_have_text(listed["consent_text"]["text"])
    expect(page.locator("input[name=consent_version]")).to_have_value(listed["consent_text"]["version"])
    expect(page.locator("input[name=list_id]")).to_have_value("demo")
    shot(page, "nojs-1-form")

    # A wrong number: the API answers a browser form post with a readable page, not JSON.
    page.fill("#phone", "123")
    page.check("#sms_consent")
    with page.expect_navigation() as navigation:
        page.click("#submit")
    response = navigation.value
    assert response is not None and response.status == 422
    assert response.headers["content-type"].startswith("text/html")
    expect(page.locator("html")).to_have_attribute("lang", listed["language"])  # the list's language
    expect(page.locator("body")).to_contain_text("Numer telefonu")
    back = page.locator("a[href]").first  # the way back to the form
    expect(back).to_be_visible()
    shot(page, "nojs-2-error-page")

    back.click()
    page.fill("#phone", "513 456 789")
    page.check("#sms_consent")
    with page.expect_navigation() as navigation:
        page.click("#submit")
    response = navigation.value
    assert response is not None and response.status == 200
    assert response.headers["content-type"].startswith("text/html")
    expect(page.locator("body")).to_contain_text("Sprawdź telefon")
    shot(page, "nojs-3-check-your-phone")

    assert len(wait_for_texts(local_stack, phone_number, 1)) == 1
    status, body = contact(local_stack, phone_number)
    assert status == 200, body
    [granted] = body["ledger"]
    assert granted["method"] == "web_form"
    assert granted["consent_text"] == listed["consent_text"]["text"]


def test_a_filled_honeypot_looks_like_success_and_stores_nothing(
    page: Page, local_stack: LocalStack, shot: Shot
) -> None:
    phone_number = "+48514567890"
    open_form(page, local_stack)
    page.fill("#phone", "514 567 890")
    page.check("#sms_consent")
    # What a form-filling bot does: it fills every field, including the one people never see.
    page.locator("#company_website").evaluate("el => { el.value = 'https://cheap-pills.example'; }")
    page.click("#submit")
    expect(page.locator("#done")).to_be_visible()
    expect(page.locator("#done")).to_have_attribute("data-status", "pending_confirmation")
    shot(page, "honeypot-answer")

    status, body = contact(local_stack, phone_number)
    assert status == 404, body
    time.sleep(1.5)  # the sender would have sent by now
    assert outbox(local_stack, phone_number) == []


def test_form_links_terms_and_privacy_and_shows_the_email_wording(page: Page, local_stack: LocalStack) -> None:
    listed = public_list(local_stack)
    open_form(page, local_stack)
    expect(page.locator("a[data-link=terms_url]")).to_have_attribute("href", listed["terms_url"])
    expect(page.locator("a[data-link=privacy_url]")).to_have_attribute("href", listed["privacy_url"])
    expect(page.locator("a[data-link=terms_url]")).to_be_visible()
    expect(page.locator("a[data-link=privacy_url]")).to_be_visible()
    expect(page.locator("label[for=email_consent]")).to_have_text(listed["email_consent_text"]["text"])
    expect(page.locator("input[name=email_consent_version]")).to_have_value(listed["email_consent_text"]["version"])


def test_api_in_the_query_cannot_take_the_visitors_data(page: Page, local_stack: LocalStack) -> None:
    """Issue 14: ``?api=`` on the brand's own form page must not move where the form reads and posts."""
    seen: list[str] = []
    with brand_site("{}", seen) as attacker:
        open_form(page, local_stack, f"?list=demo&api={attacker.rstrip('/')}")
        listed = public_list(local_stack)
        expect(page.locator("label[for=sms_consent]")).to_have_text(listed["consent_text"]["text"])
        page.fill("#phone", "515 678 901")
        page.check("#sms_consent")
        page.click("#submit")
        expect(page.locator("#done")).to_be_visible()
    assert seen == []  # the attacker's server heard nothing
    status, _ = contact(local_stack, "+48515678901")
    assert status == 200  # the sign-up went to the brand's own API


def test_unknown_list_says_so(page: Page, local_stack: LocalStack) -> None:
    page.goto(local_stack.base_url + "/?list=no-such-list")
    expect(page.locator("h1")).to_contain_text("isn't available")
    expect(page.locator("form")).to_have_count(0)


def test_form_in_an_iframe_on_another_site(page: Page, local_stack: LocalStack, shot: Shot) -> None:
    """The embed snippet on a brand's page (another origin): the form loads, knows where it was embedded
    and sizes its iframe through the height it posts."""
    base = local_stack.base_url
    snippet = f"""<!doctype html><html><head><meta charset="utf-8"><title>Rose Florist</title></head>
      <body style="font-family:sans-serif;margin:0;padding:16px;background:#fafaf7"><h2>Rose Florist</h2>
      <iframe id="sms-optin" src="{base}/?list=demo" title="Sign up for text messages"
              style="width:100%;max-width:32rem;border:0;height:640px"></iframe>
      <script>
        addEventListener("message", (e) => {{
          if (e.origin === "{base}" && e.data && e.data.type === "sms-optin:height")
            document.getElementById("sms-optin").style.height = e.data.height + "px";
        }});
      </script></body></html>"""
    with brand_site(snippet) as brand_url:
        page.goto(brand_url)
        frame = page.frame_locator("#sms-optin")
        expect(frame.locator("form#optin")).to_have_attribute("data-ready", "true")
        expect(frame.locator("html")).to_have_class("js embedded")
        expect(frame.locator("input[name=source]")).to_have_value(brand_url)
        page.wait_for_function("document.getElementById('sms-optin').style.height !== '640px'")
        shot(page, "embedded-in-a-brand-page")


@contextmanager
def brand_site(html: str, seen: list[str] | None = None) -> Iterator[str]:
    """A page on another origin. A real local server rather than a routed public name: Chromium's local
    network access checks would block a public page from framing 127.0.0.1. ``seen`` collects the
    method and path of every request it gets."""
    body = html.encode()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.do_GET()

        def do_OPTIONS(self) -> None:
            self.do_GET()

        def do_GET(self) -> None:
            if seen is not None:
                seen.append(f"{self.command} {self.path}")
            self.send_response(200)
            self.send_header("content-type", "text/html; charset=utf-8")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
