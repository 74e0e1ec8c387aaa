"""Signed inbound webhooks: genuine requests are queued, forged ones are refused with no side effect.
The Twilio reference validator (the ``twilio`` package) signs the genuine requests."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from urllib.parse import urlencode

import pytest
from twilio.request_validator import RequestValidator

from tests.integration.conftest import TWILIO_ACCOUNT_SID, TWILIO_TOKEN, WEBHOOK_SECRETS, LocalAws

HOST = "sms.example.com"
URL = f"https://{HOST}/v1/inbound/twilio"
SID = "SM" + "0123456789abcdef" * 2
PARAMS = {
    "From": "+48501234567",
    "To": "+48500000000",
    "Body": "TAK",
    "MessageSid": SID,
    "AccountSid": TWILIO_ACCOUNT_SID,
}


def post_twilio(
    aws: LocalAws,
    params: dict[str, str],
    signature: str | None,
    query: str = "",
    host: str = HOST,
    proto: str = "https",
):
    headers = {"content-type": "application/x-www-form-urlencoded", "host": host, "x-forwarded-proto": proto}
    if signature is not None:
        headers["x-twilio-signature"] = signature
    return aws.http("POST", "/v1/inbound/twilio", raw=urlencode(params), headers=headers, query=query)


def queued(aws: LocalAws) -> list[dict]:
    return [json.loads(m["Body"]) for m in aws.receive("InboundQueue")]


def test_genuine_twilio_request_is_queued(aws: LocalAws) -> None:
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(URL, PARAMS)
    reply = post_twilio(aws, PARAMS, signature)
    assert reply.status == 200
    assert reply.headers["Content-Type"] == "text/xml"
    assert reply.body.endswith("<Response/>")
    [message] = queued(aws)
    assert (message["provider"], message["message_id"], message["sender"], message["body"]) == (
        "twilio",
        SID,
        "+48501234567",
        "TAK",
    )


def test_twilio_url_with_query_string(aws: LocalAws) -> None:
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(URL + "?tenant=a", PARAMS)
    assert post_twilio(aws, PARAMS, signature, query="tenant=a").status == 200


FORGED = {
    "no signature": lambda s: (PARAMS, None, "", HOST, "https"),
    "empty signature": lambda s: (PARAMS, "", "", HOST, "https"),
    "tampered body": lambda s: ({**PARAMS, "Body": "STOP"}, s, "", HOST, "https"),
    "added parameter": lambda s: ({**PARAMS, "Extra": "1"}, s, "", HOST, "https"),
    "removed parameter": lambda s: ({k: v for k, v in PARAMS.items() if k != "AccountSid"}, s, "", HOST, "https"),
    "other sender": lambda s: ({**PARAMS, "From": "+48509999999"}, s, "", HOST, "https"),
    # Signed for another deployment (same token), its Host / X-Forwarded-Proto sent along: the URL comes
    # from PUBLIC_BASE_URL, never from those headers.
    "signed for another host": lambda s: (
        PARAMS,
        RequestValidator(TWILIO_TOKEN).compute_signature("https://evil.example.com/v1/inbound/twilio", PARAMS),
        "",
        "evil.example.com",
        "https",
    ),
    "signed for another scheme": lambda s: (
        PARAMS,
        RequestValidator(TWILIO_TOKEN).compute_signature(f"http://{HOST}/v1/inbound/twilio", PARAMS),
        "",
        HOST,
        "http",
    ),
    "query string added": lambda s: (PARAMS, s, "x=1", HOST, "https"),
    "wrong token": lambda s: (
        PARAMS,
        RequestValidator("other-token").compute_signature(URL, PARAMS),
        "",
        HOST,
        "https",
    ),
    "truncated signature": lambda s: (PARAMS, s[:-4], "", HOST, "https"),
    "signed for another path": lambda s: (
        PARAMS,
        RequestValidator(TWILIO_TOKEN).compute_signature(f"https://{HOST}/v1/inbound/other", PARAMS),
        "",
        HOST,
        "https",
    ),
    "signed without the body": lambda s: (
        PARAMS,
        RequestValidator(TWILIO_TOKEN).compute_signature(URL, {}),
        "",
        HOST,
        "https",
    ),
}


@pytest.mark.parametrize("case", sorted(FORGED))
def test_forged_twilio_requests_are_403_and_queue_nothing(aws: LocalAws, case: str) -> None:
    good = RequestValidator(TWILIO_TOKEN).compute_signature(URL, PARAMS)
    params, signature, query, host, proto = FORGED[case](good)
    reply = post_twilio(aws, params, signature, query=query, host=host, proto=proto)
    assert reply.status == 403
    assert reply.body["error"]["code"] == "forbidden"
    assert queued(aws) == []


def sign(secret: str, body: bytes, t: int | None = None) -> str:
    t = int(time.time()) if t is None else t
    return f"t={t},v1=" + hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()


BODY = json.dumps({"from": "+48501234567", "to": "4301", "body": "KWIATY", "message_id": "wh-1"}).encode()


def post_webhook(aws: LocalAws, body: bytes, signature: str | None):
    headers = {"content-type": "application/json"}
    if signature is not None:
        headers["x-signature"] = signature
    return aws.http("POST", "/v1/inbound/webhook", raw=body, headers=headers)


@pytest.mark.parametrize("secret", WEBHOOK_SECRETS)
def test_genuine_webhook_is_queued_with_current_or_previous_secret(aws: LocalAws, secret: str) -> None:
    reply = post_webhook(aws, BODY, sign(secret, BODY))
    assert reply.status == 202
    assert reply.body == {"status": "queued", "message_id": "wh-1"}
    [message] = queued(aws)
    assert (message["provider"], message["sender"], message["body"]) == ("webhook", "+48501234567", "KWIATY")


def test_several_v1_values_rotate(aws: LocalAws) -> None:
    t = int(time.time())
    good = sign(WEBHOOK_SECRETS[0], BODY, t).split("v1=")[1]
    assert post_webhook(aws, BODY, f"t={t},v1={'0' * 64},v1={good}").status == 202


FORGED_WEBHOOK = {
    "missing": lambda: (BODY, None),
    "stale": lambda: (BODY, sign(WEBHOOK_SECRETS[0], BODY, int(time.time()) - 360)),
    "future": lambda: (BODY, sign(WEBHOOK_SECRETS[0], BODY, int(time.time()) + 360)),
    "wrong secret": lambda: (BODY, sign("guess", BODY)),
    "tampered body": lambda: (BODY.replace(b"KWIATY", b"STOPALL"), sign(WEBHOOK_SECRETS[0], BODY)),
    "truncated": lambda: (BODY, sign(WEBHOOK_SECRETS[0], BODY)[:-2]),
    "no timestamp": lambda: (BODY, "v1=" + sign(WEBHOOK_SECRETS[0], BODY).split("v1=")[1]),
    "garbage": lambda: (BODY, "hello"),
}


@pytest.mark.parametrize("case", sorted(FORGED_WEBHOOK))
def test_forged_webhooks_are_401_and_queue_nothing(aws: LocalAws, case: str) -> None:
    body, signature = FORGED_WEBHOOK[case]()
    reply = post_webhook(aws, body, signature)
    assert reply.status == 401
    assert reply.body["error"]["code"] == "unauthorized"
    assert queued(aws) == []


def test_signed_but_invalid_payload_is_422(aws: LocalAws) -> None:
    body = json.dumps({"from": "+48501234567", "body": "x"}).encode()
    reply = post_webhook(aws, body, sign(WEBHOOK_SECRETS[0], body))
    assert reply.status == 422
    assert set(reply.body["error"]["fields"]) == {"to", "message_id"}
    assert queued(aws) == []


def test_webhook_message_is_processed_end_to_end(aws: LocalAws, demo_list: dict) -> None:
    aws.http("PUT", "/v1/admin/keywords/KWIATY", {"action": "join", "list_id": "demo"})
    post_webhook(aws, BODY, sign(WEBHOOK_SECRETS[0], BODY))
    post_webhook(aws, BODY, sign(WEBHOOK_SECRETS[0], BODY))  # the aggregator retries
    aws.process_inbound()
    contact = aws.http("GET", "/v1/admin/contacts/%2B48501234567").body
    assert [e["action"] for e in contact["ledger"]] == ["requested"]


def test_missing_from_is_named_from(aws: LocalAws) -> None:
    body = json.dumps({"to": "4301", "body": "x", "message_id": "m"}).encode()
    reply = post_webhook(aws, body, sign(WEBHOOK_SECRETS[0], body))
    assert reply.body["error"]["fields"] == {"from": "required"}
