"""Attacks on the inbound webhooks (issue 14 findings 3, 7, 10; issue 13 §2), through the HTTP handler and
the inbound worker on moto. Twilio's own validator signs the genuine requests."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import boto3
import pytest
from twilio.request_validator import RequestValidator

from tests.integration.conftest import (
    PUBLIC_BASE_URL,
    TWILIO_ACCOUNT_SID,
    TWILIO_TOKEN,
    WEBHOOK_SECRETS,
    Clock,
    LocalAws,
    sent_sms,
)

PHONE = "+48501234567"
URL = f"{PUBLIC_BASE_URL}/v1/inbound/twilio"


def sid(n: int) -> str:
    return "SM" + f"{n:032x}"


def twilio_params(body: str, n: int, **extra: str) -> dict[str, str]:
    return {
        "AccountSid": TWILIO_ACCOUNT_SID,
        "Body": body,
        "From": PHONE,
        "MessageSid": sid(n),
        "NumMedia": "0",
        "SmsMessageSid": sid(n),
        "SmsSid": sid(n),
        "To": "+48500000000",
        **extra,
    }


def post_twilio(aws: LocalAws, params: dict[str, str], signature: str | None = None, **headers: str) -> Any:
    signature = signature or RequestValidator(TWILIO_TOKEN).compute_signature(URL, params)
    hdrs = {"content-type": "application/x-www-form-urlencoded", "x-twilio-signature": signature, **headers}
    return aws.http("POST", "/v1/inbound/twilio", raw=urlencode(params), headers=hdrs)


def sign(secret: str, body: bytes, t: int) -> str:
    return f"t={t},v1=" + hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()


def post_webhook(aws: LocalAws, body: bytes, signature: str) -> Any:
    headers = {"content-type": "application/json", "x-signature": signature}
    return aws.http("POST", "/v1/inbound/webhook", raw=body, headers=headers)


def queued(aws: LocalAws) -> list[dict[str, Any]]:
    return aws.receive("InboundQueue")


@pytest.fixture
def webhook_clock(clock: Clock) -> Clock:
    """The webhook function reads the same injected clock as the worker (``domain.clock``'s source)."""
    clock.now = datetime.now(UTC).replace(microsecond=0) + timedelta(days=400)  # far from today, still ahead
    return clock


def subscription(aws: LocalAws) -> dict[str, Any]:
    contact = aws.http("GET", "/v1/admin/contacts/%2B48501234567").body
    [sub] = contact["subscriptions"]
    return sub  # type: ignore[no-any-return]


def expire_ttl(aws: LocalAws, now: datetime) -> int:
    """What DynamoDB's TTL sweeper does eventually (moto never does): delete items whose ttl passed."""
    ddb = boto3.client("dynamodb")
    table = aws.stack.attributes["ConsentTable"]["Ref"]
    gone = 0
    for item in ddb.scan(TableName=table)["Items"]:
        if "ttl" in item and int(item["ttl"]["N"]) < now.timestamp():
            ddb.delete_item(TableName=table, Key={"pk": item["pk"], "sk": item["sk"]})
            gone += 1
    return gone


# ---- finding 3: Twilio ------------------------------------------------------------------------------


def test_shifted_parameter_boundary_is_refused(aws: LocalAws) -> None:
    """``MessageSid=<sid>NumMedia0`` without ``NumMedia`` signs exactly like the genuine request; as a
    new message id it would have passed de-duplication."""
    genuine = twilio_params("START", 1)
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(URL, genuine)
    shifted = {k: v for k, v in genuine.items() if k != "NumMedia"}
    shifted["MessageSid"] += "NumMedia0"
    assert RequestValidator(TWILIO_TOKEN).validate(URL, shifted, signature)  # the attack is real
    reply = post_twilio(aws, shifted, signature)
    assert reply.status == 400 and "MessageSid" in reply.body["error"]["fields"]
    assert queued(aws) == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"AccountSid": "AC" + "b2" * 16}, "AccountSid"),  # another account, same token (e.g. a subaccount)
        ({"SmsSid": sid(2)}, "MessageSid"),
        ({"MessageSid": "SM123"}, "MessageSid"),
        ({"": "x"}, "(empty)"),
        ({"BodyX": "START"}, "BodyX"),
        ({"From": "+48501234567x"}, "From"),
    ],
)
def test_signed_but_malformed_twilio_requests_are_400(aws: LocalAws, change: dict[str, str], field: str) -> None:
    params = {**twilio_params("START", 1), **change}
    reply = post_twilio(aws, params)
    assert reply.status == 400 and field in reply.body["error"]["fields"], reply.body
    assert queued(aws) == []


def test_signed_url_never_comes_from_host_headers(aws: LocalAws, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without PUBLIC_BASE_URL the route is closed (503), not rebuilt from the client's Host header."""
    from tests.integration.conftest import _reset_cached_settings

    monkeypatch.setenv("PUBLIC_BASE_URL", "")
    _reset_cached_settings()
    params = twilio_params("START", 1)
    evil = "https://evil.example.com/v1/inbound/twilio"
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(evil, params)
    reply = post_twilio(aws, params, signature, host="evil.example.com", **{"x-forwarded-proto": "https"})
    assert reply.status == 503 and reply.body["error"]["code"] == "service_unavailable"
    assert queued(aws) == []


def test_captured_start_replayed_after_the_marker_ttl_does_not_resubscribe(
    aws: LocalAws, demo_list: dict, webhook_clock: Clock
) -> None:
    clock = webhook_clock
    assert aws.http("POST", "/v1/optin", {"phone": PHONE, "list_id": "demo", "sms_consent": True}).status == 202
    aws.drain()
    for n, body in enumerate(("TAK", "STOP", "START", "STOP"), start=1):
        clock.advance(minutes=1)
        assert post_twilio(aws, twilio_params(body, n)).status == 200
        aws.process_inbound()
    assert subscription(aws)["status"] == "revoked"
    texts = len(sent_sms())
    for days in (31, 400):  # long after any marker TTL; moto's TTL is simulated
        clock.advance(days=days)
        expire_ttl(aws, clock.now)
        assert post_twilio(aws, twilio_params("START", 3)).status == 200  # the captured START, verbatim
        aws.process_inbound()
        assert subscription(aws)["status"] == "revoked"
        assert len(sent_sms()) == texts


# ---- finding 7: HMAC webhook replays ------------------------------------------------------------------


def test_webhook_replay_inside_the_window_publishes_nothing(
    aws: LocalAws, demo_list: dict, webhook_clock: Clock, aws_calls: list
) -> None:
    clock = webhook_clock
    assert aws.http("POST", "/v1/optin", {"phone": PHONE, "list_id": "demo", "sms_consent": True}).status == 202
    aws.drain()
    body = json.dumps({"from": PHONE, "to": "+48500000000", "body": "TAK", "message_id": "wh-7"}).encode()
    signature = sign(WEBHOOK_SECRETS[0], body, int(clock.now.timestamp()))
    assert post_webhook(aws, body, signature).status == 202
    aws.process_inbound()
    published = [c for c in aws_calls if c[1] == "PutEvents"]
    assert subscription(aws)["status"] == "active" and published
    texts = len(sent_sms())
    clock.advance(seconds=120)
    assert post_webhook(aws, body, signature).status == 202  # captured and replayed within ±300 s
    aws.process_inbound()
    assert [c for c in aws_calls if c[1] == "PutEvents"] == published  # no Consent.* again
    assert len(sent_sms()) == texts


def test_redelivery_of_the_same_queue_message_still_finishes_a_crashed_first_attempt(
    aws: LocalAws, demo_list: dict, webhook_clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The counterpart: the outbox is re-delivered for the same SQS message (not for a replay)."""
    from consent_platform.services.inbound.service import InboundService

    assert aws.http("POST", "/v1/optin", {"phone": PHONE, "list_id": "demo", "sms_consent": True}).status == 202
    aws.drain()
    texts = len(sent_sms())
    assert post_twilio(aws, twilio_params("TAK", 9)).status == 200
    with pytest.MonkeyPatch.context() as crash:  # the first attempt commits, then dies before the welcome
        crash.setattr(
            InboundService, "_deliver", lambda self, replies, events: (_ for _ in ()).throw(RuntimeError("crash"))
        )
        assert aws.drain("InboundWorkerFunction", "InboundQueue")["batchItemFailures"]
    aws.process_inbound()  # SQS redelivers the same message
    assert len(sent_sms()) == texts + 1


# ---- issue 13 §2: malformed signature headers are 4xx, never 500 --------------------------------------


@pytest.mark.parametrize(
    "header",
    ["t=" + "9" * 5000 + ",v1=" + "0" * 64, "t=²³,v1=" + "0" * 64, "t=1,v1=é" + "0" * 63, "t=ü", "x" * 5000],
)
def test_malformed_x_signature_is_401(aws: LocalAws, header: str) -> None:
    reply = post_webhook(aws, b'{"from": "+48501234567"}', header)
    assert reply.status == 401 and reply.body["error"]["code"] == "unauthorized"
    assert queued(aws) == []


@pytest.mark.parametrize("signature", ["é" * 28, "zażółć", "A" * 27 + "="])
def test_malformed_x_twilio_signature_is_403(aws: LocalAws, signature: str) -> None:
    reply = post_twilio(aws, twilio_params("START", 1), signature)
    assert reply.status == 403 and reply.body["error"]["code"] == "forbidden"
    assert queued(aws) == []


# ---- finding 10 (part): secret rotation -----------------------------------------------------------------


def test_rotated_out_secret_stops_at_its_until(aws: LocalAws, webhook_clock: Clock) -> None:
    clock = webhook_clock
    until = clock.now + timedelta(hours=1)
    name = aws.stack.function_environment("InboundWebhookFunction")["WEBHOOK_SECRET_PARAMETER"]
    value = f"new-secret,{WEBHOOK_SECRETS[0]};until={until.isoformat()}"
    boto3.client("ssm").put_parameter(Name=name, Value=value, Type="SecureString", Overwrite=True)
    from aws_lambda_powertools.utilities import parameters

    parameters.clear_caches()
    body = json.dumps({"from": PHONE, "to": "4301", "body": "x", "message_id": "rot-1"}).encode()
    t = int(clock.now.timestamp())
    assert post_webhook(aws, body, sign(WEBHOOK_SECRETS[0], body, t)).status == 202  # inside the overlap
    clock.advance(hours=1)
    t = int(clock.now.timestamp())
    assert post_webhook(aws, body, sign(WEBHOOK_SECRETS[0], body, t)).status == 401  # cached or not
    assert post_webhook(aws, body, sign("new-secret", body, t)).status == 202
    assert WEBHOOK_SECRETS[1] not in value  # a secret removed from the value is refused once the cache lapses


def test_secret_cache_is_short() -> None:
    from consent_platform.settings import InboundWebhookSettings

    assert InboundWebhookSettings.model_fields["secret_cache_seconds"].default <= 30
