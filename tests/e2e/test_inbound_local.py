"""Text-to-join, reply-YES and STOP against `make run`: /dev/inbound publishes End User Messaging JSON to
the SNS topic, which the stack delivers (raw) to the inbound queue, worker and sender — the real path."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.e2e.conftest import LocalStack

pytestmark = pytest.mark.e2e

NEW_NUMBER = "+48601234567"


def messages(stack: LocalStack, phone: str) -> list[dict[str, Any]]:
    reply = stack.request("GET", "/dev/outbox?phone=" + phone.replace("+", "%2B"))
    return reply.body["messages"]  # type: ignore[no-any-return]


def text(stack: LocalStack, body: str, sender: str = NEW_NUMBER, to: str = "4301") -> str:
    reply = stack.json("POST", "/dev/inbound", {"from": sender, "to": to, "body": body})
    assert reply.status == 202, reply.body
    return str(reply.body["inboundMessageId"])


def wait_for(stack: LocalStack, phone: str, count: int, timeout: float = 15.0) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while ((found := messages(stack, phone)) and len(found) < count) or not found:
        if time.monotonic() > deadline:
            break
        time.sleep(0.25)
    return messages(stack, phone)


def subscription(stack: LocalStack, phone: str) -> dict[str, Any]:
    reply = stack.request("GET", "/v1/admin/contacts/" + phone.replace("+", "%2B"))
    assert reply.status == 200, reply.body
    [sub] = reply.body["subscriptions"]
    return sub  # type: ignore[no-any-return]


def test_keyword_join_confirm_stop(local_stack: LocalStack) -> None:
    text(local_stack, "demo")
    [confirm] = wait_for(local_stack, NEW_NUMBER, 1)
    assert confirm["from"] == "4301" and "TAK" in confirm["body"]
    assert subscription(local_stack, NEW_NUMBER)["status"] == "pending"

    text(local_stack, "tak")
    found = wait_for(local_stack, NEW_NUMBER, 2)
    assert len(found) == 2 and "zapisano" in found[1]["body"]
    assert subscription(local_stack, NEW_NUMBER)["status"] == "active"

    text(local_stack, "Stop.")
    found = wait_for(local_stack, NEW_NUMBER, 3)
    assert len(found) == 3 and "wypisano" in found[2]["body"]
    assert subscription(local_stack, NEW_NUMBER)["status"] == "revoked"

    text(local_stack, "STOP")
    time.sleep(3)  # the second STOP is processed (worker, sender) well within this
    assert len(messages(local_stack, NEW_NUMBER)) == 3


def test_dev_inbound_validates(local_stack: LocalStack) -> None:
    reply = local_stack.json("POST", "/dev/inbound", {"to": "4301", "body": "x"})
    assert reply.status == 422
    assert reply.body["error"]["fields"] == {"from": "required"}


def test_signed_twilio_and_webhook_requests(local_stack: LocalStack) -> None:
    sid = "SM" + "e2e1" * 8
    params = {"From": "+48602345678", "To": "4301", "Body": "DEMO", "MessageSid": sid, "AccountSid": "AC" + "0" * 32}
    url = local_stack.base_url + "/v1/inbound/twilio"
    payload = url + "".join(k + v for k, v in sorted(params.items()))
    signature = base64.b64encode(hmac.new(b"local-twilio-auth-token", payload.encode(), hashlib.sha1).digest())
    headers = {"content-type": "application/x-www-form-urlencoded", "x-twilio-signature": signature.decode()}
    reply = local_stack.request("POST", "/v1/inbound/twilio", body=urlencode(params).encode(), headers=headers)
    assert reply.status == 200 and "<Response/>" in reply.body
    forged = local_stack.request(
        "POST", "/v1/inbound/twilio", body=urlencode({**params, "Body": "STOPALL"}).encode(), headers=headers
    )
    assert forged.status == 403
    assert len(wait_for(local_stack, "+48602345678", 1)) == 1

    body = json.dumps({"from": "+48603456789", "to": "4301", "body": "DEMO", "message_id": "wh-e2e-1"}).encode()
    t = int(time.time())
    mac = hmac.new(b"local-webhook-secret", f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    reply = local_stack.request(
        "POST",
        "/v1/inbound/webhook",
        body=body,
        headers={"content-type": "application/json", "x-signature": f"t={t},v1={mac}"},
    )
    assert reply.status == 202
    assert len(wait_for(local_stack, "+48603456789", 1)) == 1


def test_forwarding_to_the_local_test_receiver_is_signed(local_stack: LocalStack) -> None:
    """Issue #20 on `make run`: a free-text reply is POSTed to /dev/forwarded (plain http to loopback is
    allowed on the local stack only), which checks X-Signature with the local forwarding secret."""
    receiver = local_stack.base_url + "/dev/forwarded"
    rule = local_stack.json("PUT", "/v1/admin/numbers/%2B48500000000/forwarding", {"url": receiver})
    assert rule.status == 200, rule.body
    reply = local_stack.json(
        "POST", "/dev/inbound", {"from": "+48501230099", "to": "+48500000000", "body": "Czy macie róże na jutro?"}
    )
    message_id = reply.body["inboundMessageId"]
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        posts = [
            p for p in local_stack.json("GET", "/dev/forwarded", None).body["posts"] if message_id in p["message_id"]
        ]
        if posts:
            break
        time.sleep(0.3)
    assert len(posts) == 1
    assert posts[0]["signature"] == "valid"
    assert posts[0]["payload"]["body"] == "Czy macie róże na jutro?"
    assert posts[0]["payload"]["from"] == "+48501230099"
