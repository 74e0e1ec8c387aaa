"""`make run` end to end: real HTTP to `python -m infra.local`, the SQS poller and the local SMS outbox.

The tests share one running stack and build on each other, in file order, like a developer trying the
printed curl lines: a list is created, a number opts in, the confirmation SMS appears in the outbox.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.e2e.conftest import LocalStack

pytestmark = pytest.mark.e2e

PHONE = "+48501234567"
PHONE_PATH = "%2B48501234567"
CONSENT_TEXT = "Tak, chcę otrzymywać SMS-y marketingowe od Demo Shop. Zgodę mogę wycofać, odpisując STOP."
UA = "e2e-test/1.0"
FORM_HEADERS = {"content-type": "application/x-www-form-urlencoded", "user-agent": UA}

SHOP_LIST: dict[str, Any] = {
    "brand": "Shop",
    "opt_in": "double",
    "default_country": "US",
    "allowed_countries": ["US", "PL"],
    "language": "en",
    "frequency": "up to 4 msgs/month",
    "support": "help@shop.example",
    "terms_url": "https://shop.example/terms",
    "privacy_url": "https://shop.example/privacy",
    "consent_text": {"version": "1", "text": "I agree to receive marketing SMS from Shop. Reply STOP to opt out."},
}


def form_optin(stack: LocalStack, **fields: str) -> Any:
    data = {"phone": "501234567", "list_id": "demo", "sms_consent": "on", **fields}
    return stack.request("POST", "/v1/optin", body=urlencode(data).encode(), headers=FORM_HEADERS)


def outbox(stack: LocalStack, phone: str = PHONE_PATH) -> list[dict[str, Any]]:
    reply = stack.request("GET", f"/dev/outbox?phone={phone}")
    assert reply.status == 200, reply.body
    return reply.body["messages"]  # type: ignore[no-any-return]


def wait_for_outbox(stack: LocalStack, count: int, timeout: float = 15.0) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while True:
        messages = outbox(stack)
        if len(messages) >= count or time.monotonic() > deadline:
            return messages
        time.sleep(0.25)


def assert_error(reply: Any, status: int, code: str) -> dict[str, Any]:
    assert reply.status == status, reply.body
    assert set(reply.body) == {"error"}
    error = reply.body["error"]
    assert set(error) == {"code", "message", "fields"}
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    return error  # type: ignore[no-any-return]


def test_health_and_seeded_demo_list(local_stack: LocalStack) -> None:
    assert local_stack.request("GET", "/healthz").body == {"ok": True}
    demo = local_stack.request("GET", "/v1/admin/lists/demo")
    assert demo.status == 200, demo.body
    assert demo.body["brand"] == "Demo Shop"
    assert demo.body["opt_in"] == "double"
    assert demo.body["consent_text"] == {"version": "2026-11-01", "text": CONSENT_TEXT}


def test_create_a_list_through_the_admin_api(local_stack: LocalStack) -> None:
    reply = local_stack.json("PUT", "/v1/admin/lists/shop", SHOP_LIST)
    assert reply.status == 201, reply.body
    assert reply.body["list_id"] == "shop"
    assert reply.body["allowed_countries"] == ["PL", "US"]
    assert "YES" in reply.body["messages"]["confirm_request"]
    assert local_stack.request("GET", "/v1/admin/lists/shop").status == 200


def test_form_optin_sends_a_confirmation_request(local_stack: LocalStack) -> None:
    reply = form_optin(local_stack)
    assert reply.status == 202, reply.body
    assert reply.body == {
        "status": "pending_confirmation",
        "phone": PHONE,
        "list_id": "demo",
        "confirmation_sent": True,
    }

    # Delivered asynchronously: opt-in → SQS → poller → sender → outbox file.
    messages = wait_for_outbox(local_stack, 1)
    assert len(messages) == 1, local_stack.log()
    [sms] = messages
    assert sms["to"] == PHONE
    assert sms["from"] == "+48500000000"
    assert "TAK" in sms["body"] and "STOP" in sms["body"] and "Demo Shop" in sms["body"]
    assert sms["encoding"] in ("GSM-7", "UCS-2")
    assert isinstance(sms["segments"], int) and sms["segments"] >= 1
    assert sms["sent_at"]
    # The filter accepts other spellings of the same number.
    assert outbox(local_stack, "%2B48%20501%20234%20567") == messages


def test_contact_shows_the_consent_proof(local_stack: LocalStack) -> None:
    reply = local_stack.request("GET", f"/v1/admin/contacts/{PHONE_PATH}")
    assert reply.status == 200, reply.body
    assert reply.body["phone"] == PHONE
    [entry] = [e for e in reply.body["ledger"] if e["list_id"] == "demo"]
    assert entry["action"] == "requested"
    assert entry["method"] == "web_form"
    assert entry["ip"] == "127.0.0.1"
    assert entry["user_agent"] == UA
    assert entry["consent_text"] == CONSENT_TEXT
    assert entry["consent_version"] == "2026-11-01"
    [sub] = reply.body["subscriptions"]
    assert sub["status"] == "pending"


def test_immediate_resubmission_sends_nothing_new(local_stack: LocalStack) -> None:
    reply = form_optin(local_stack)
    assert reply.status == 202, reply.body
    assert reply.body["status"] == "pending_confirmation"
    assert reply.body["confirmation_sent"] is False
    # Long enough for a queued message (delay + poll + send) to have reached the outbox.
    time.sleep(3)
    assert len(outbox(local_stack)) == 1


def test_bad_input_gets_the_error_shape(local_stack: LocalStack) -> None:
    malformed = local_stack.request(
        "POST", "/v1/optin", body=b'{"phone": ', headers={"content-type": "application/json"}
    )
    assert_error(malformed, 400, "malformed_body")

    bad_phone = form_optin(local_stack, phone="12")
    assert "phone" in assert_error(bad_phone, 422, "validation_error")["fields"]

    unknown_list = form_optin(local_stack, list_id="no-such-list")
    assert_error(unknown_list, 404, "not_found")

    assert_error(local_stack.request("GET", "/no/such/route"), 404, "not_found")
    too_big = local_stack.request(
        "POST", "/v1/optin", body=b"x" * (1024 * 1024 + 1), headers={"content-type": "text/plain"}
    )
    assert_error(too_big, 413, "payload_too_large")


def test_ctrl_c_shuts_down_cleanly(local_stack: LocalStack) -> None:
    assert local_stack.interrupt() == 0
    log = local_stack.log()
    assert "Traceback" not in log, log
    assert "stopped" in log
