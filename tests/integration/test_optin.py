"""POST /v1/optin through the real handler, moto DynamoDB/SQS/SNS provisioned from template.yaml."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from tests.integration.conftest import DEMO_LIST, Clock, LocalAws, sent_sms

FORM = {"phone": "501 234 567", "list_id": "demo", "sms_consent": "on"}


def contact(aws: LocalAws, phone: str = "%2B48501234567") -> dict[str, Any]:
    reply = aws.http("GET", f"/v1/admin/contacts/{phone}")
    assert reply.status == 200, reply.body
    return reply.body  # type: ignore[no-any-return]


def table_items(aws: LocalAws, logical_id: str) -> list[dict[str, Any]]:
    name = aws.stack.attributes[logical_id]["Ref"]
    return boto3.client("dynamodb").scan(TableName=name)["Items"]


def test_double_opt_in_from_a_form_sends_one_confirmation(aws: LocalAws, demo_list: dict, clock: Clock) -> None:
    reply = aws.http(
        "POST",
        "/v1/optin",
        {**FORM, "source": "https://shop.example/footer", "timezone": "Europe/Warsaw", "first_name": "Ala"},
        form=True,
    )
    assert reply.status == 202
    assert reply.body == {
        "status": "pending_confirmation",
        "phone": "+48501234567",
        "list_id": "demo",
        "confirmation_sent": True,
    }
    assert aws.drain() == {"batchItemFailures": []}
    [sms] = sent_sms()
    assert sms["to"] == "+48501234567"
    assert "TAK" in sms["body"] and "STOP" in sms["body"] and "Kwiaciarnia Róża" in sms["body"]

    body = contact(aws)
    # Unconfirmed: the form's profile data waits for the confirmation (issue 14).
    assert body["profile"]["first_name"] is None and body["profile"]["timezone"] is None
    [sub] = body["subscriptions"]
    assert sub["status"] == "pending"
    [entry] = body["ledger"]
    assert entry["action"] == "requested"
    assert entry["method"] == "web_form"
    assert entry["ip"] == "203.0.113.7"
    assert entry["user_agent"] == "pytest/1.0"
    assert entry["consent_text"] == DEMO_LIST["consent_text"]["text"]
    assert entry["consent_version"] == "2026-11-01"
    assert entry["source"] == "https://shop.example/footer"
    assert entry["request_id"]
    aws.text("TAK")
    profile = contact(aws)["profile"]
    assert (profile["first_name"], profile["timezone"], profile["timezone_source"]) == ("Ala", "Europe/Warsaw", "form")


def test_json_opt_in_is_recorded_as_api(aws: LocalAws, demo_list: dict) -> None:
    reply = aws.http("POST", "/v1/optin", {"phone": "+48501234567", "list_id": "demo", "sms_consent": True})
    assert reply.status == 202
    assert contact(aws)["ledger"][0]["method"] == "api"


def test_resubmission_inside_cooldown_sends_nothing_new(aws: LocalAws, demo_list: dict, clock: Clock) -> None:
    assert aws.http("POST", "/v1/optin", FORM, form=True).status == 202
    aws.drain()
    clock.advance(minutes=5)
    again = aws.http("POST", "/v1/optin", FORM, form=True)
    assert again.status == 202
    assert again.body["confirmation_sent"] is False
    aws.drain()
    assert len(sent_sms()) == 1
    assert len(contact(aws)["ledger"]) == 1

    clock.advance(minutes=6)  # past the 10-minute cooldown
    third = aws.http("POST", "/v1/optin", FORM, form=True)
    assert third.body["confirmation_sent"] is True
    aws.drain()
    assert len(sent_sms()) == 2


def test_at_most_three_confirmation_requests_per_number_per_day(aws: LocalAws, demo_list: dict, clock: Clock) -> None:
    sent = []
    for _ in range(5):
        sent.append(aws.http("POST", "/v1/optin", FORM, form=True).body["confirmation_sent"])
        aws.drain()
        clock.advance(minutes=11)
    assert sent == [True, True, True, False, False]
    assert len(sent_sms()) == 3
    # A new list for the same number inside the same 24 h is refused outright (nothing written).
    other = {**DEMO_LIST, "consent_text": {"version": "a", "text": "Tak"}}
    assert aws.http("PUT", "/v1/admin/lists/other", other).status == 201
    clock.advance(hours=1)  # past the hourly per-number request limit: this is the 24-hour cap speaking
    refused = aws.http("POST", "/v1/optin", {**FORM, "list_id": "other"}, form=True)
    assert refused.status == 429
    assert refused.body["error"]["code"] == "rate_limited"
    assert "confirmation requests" in refused.body["error"]["message"]
    assert int(refused.headers["Retry-After"]) == 24 * 3600 - 115 * 60  # the first request was 115 min ago
    assert [s["list_id"] for s in contact(aws)["subscriptions"]] == ["demo"]
    clock.advance(hours=24)
    assert aws.http("POST", "/v1/optin", {**FORM, "list_id": "other"}, form=True).body["confirmation_sent"] is True


def test_pending_expires_after_48_hours(aws: LocalAws, demo_list: dict, clock: Clock) -> None:
    aws.http("POST", "/v1/optin", FORM, form=True)
    clock.advance(hours=48, seconds=1)
    again = aws.http("POST", "/v1/optin", FORM, form=True)
    assert again.body == {
        "status": "pending_confirmation",
        "phone": "+48501234567",
        "list_id": "demo",
        "confirmation_sent": True,
    }
    assert [e["action"] for e in contact(aws)["ledger"]] == ["requested", "expired", "requested"]


def test_single_opt_in_is_active_with_welcome_then_already_active(aws: LocalAws) -> None:
    single = {
        **DEMO_LIST,
        "opt_in": "single",
        "language": "en",
        "allowed_countries": ["US"],
        "default_country": "US",
        "brand": "Rose Florist",
    }
    assert aws.http("PUT", "/v1/admin/lists/roses", single).status == 201
    reply = aws.http("POST", "/v1/optin", {"phone": "(201) 555-0123", "list_id": "roses", "sms_consent": "yes"})
    assert reply.status == 202
    assert reply.body["status"] == "active"
    aws.drain()
    [sms] = sent_sms()
    assert sms["to"] == "+12015550123"
    assert "Msg & data rates may apply" in sms["body"]
    again = aws.http("POST", "/v1/optin", {"phone": "+12015550123", "list_id": "roses", "sms_consent": "1"})
    # Answered as for a new number (issue 14: no membership oracle); nothing is sent.
    assert again.status == 202
    assert again.body == {"status": "active", "phone": "+12015550123", "list_id": "roses"}
    aws.drain()
    assert len(sent_sms()) == 1
    assert [e["action"] for e in contact(aws, "%2B12015550123")["ledger"]] == ["granted"]


def test_consent_version_is_recorded_with_its_exact_text(aws: LocalAws, demo_list: dict) -> None:
    v2 = {**DEMO_LIST, "consent_text": {"version": "2026-12-01", "text": "Nowy tekst zgody."}}
    assert aws.http("PUT", "/v1/admin/lists/demo", v2).status == 200
    old = aws.http("POST", "/v1/optin", {**FORM, "consent_version": "2026-11-01"}, form=True)
    assert old.status == 202
    entry = contact(aws)["ledger"][0]
    assert (entry["consent_version"], entry["consent_text"]) == ("2026-11-01", DEMO_LIST["consent_text"]["text"])
    unknown = aws.http("POST", "/v1/optin", {**FORM, "phone": "502 345 678", "consent_version": "1999"}, form=True)
    assert unknown.status == 422
    assert "consent_version" in unknown.body["error"]["fields"]


def test_email_needs_its_own_consent(aws: LocalAws, demo_list: dict) -> None:
    aws.http("POST", "/v1/optin", {**FORM, "email": "ala@example.com"}, form=True)
    body = contact(aws)
    assert body["profile"]["email"] is None
    assert all(e["channel"] == "sms" for e in body["ledger"])

    aws.http(
        "POST",
        "/v1/optin",
        {**FORM, "phone": "502 345 678", "email": "Ola@Example.com", "email_consent": "on"},
        form=True,
    )
    # The e-mail consent is recorded once the SMS subscription is confirmed (issue 14).
    assert contact(aws, "%2B48502345678")["profile"]["email"] is None
    aws.text("TAK", sender="+48502345678")
    body = contact(aws, "%2B48502345678")
    assert body["profile"]["email"] == "ola@example.com"
    assert body["profile"]["email_consent_at"]
    assert [(e["action"], e["channel"]) for e in body["ledger"]] == [
        ("requested", "sms"),
        ("confirmed", "sms"),
        ("granted", "email"),
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"list_id": "demo", "sms_consent": "on"}, "phone"),
        ({**FORM, "phone": "22 123 45 67"}, "phone"),  # landline
        ({**FORM, "phone": "800 123 456"}, "phone"),  # toll-free
        ({**FORM, "phone": "+49 151 23456789"}, "phone"),  # Germany: not in allowed_countries
        ({"phone": "501234567", "list_id": "demo"}, "sms_consent"),
        ({**FORM, "sms_consent": "off"}, "sms_consent"),
        ({**FORM, "sms_consent": ""}, "sms_consent"),
        ({**FORM, "timezone": "Mars/Olympus"}, "timezone"),
        ({**FORM, "timezone": "../../etc/passwd"}, "timezone"),
        ({**FORM, "first_name": "x" * 101}, "first_name"),
        ({**FORM, "source": "s" * 201}, "source"),
        ({**FORM, "country": "XX"}, "country"),
        ({**FORM, "email": "not-an-email", "email_consent": "on"}, "email"),
        ({"phone": "501234567", "sms_consent": "on"}, "list_id"),
    ],
)
def test_bad_input_is_422_naming_the_field_and_writes_nothing(
    aws: LocalAws, demo_list: dict, body: dict, field: str
) -> None:
    before = len(table_items(aws, "ConsentTable"))
    reply = aws.http("POST", "/v1/optin", body, form=True)
    assert reply.status == 422, reply.body
    assert reply.body["error"]["code"] == "validation_error"
    assert field in reply.body["error"]["fields"]
    assert len(table_items(aws, "ConsentTable")) == before
    assert table_items(aws, "LedgerTable") == []
    assert aws.receive("OutboundQueue") == []


def test_unknown_list_is_404(aws: LocalAws) -> None:
    reply = aws.http("POST", "/v1/optin", {**FORM, "list_id": "nope"}, form=True)
    assert reply.status == 404
    assert reply.body["error"]["fields"] == {"list_id": "unknown list"}


@pytest.mark.parametrize(
    ("raw", "content_type", "status", "code"),
    [
        ("{not json", "application/json", 400, "malformed_body"),
        ("[1, 2]", "application/json", 400, "malformed_body"),
        ("", "application/json", 400, "malformed_body"),
        ("phone=1", "text/plain", 415, "unsupported_media_type"),
        ('{"phone": "' + "1" * 17000 + '"}', "application/json", 413, "payload_too_large"),
    ],
)
def test_malformed_bodies(aws: LocalAws, demo_list: dict, raw: str, content_type: str, status: int, code: str) -> None:
    reply = aws.http("POST", "/v1/optin", raw=raw, headers={"content-type": content_type})
    assert reply.status == status
    assert reply.body["error"]["code"] == code


def test_unknown_fields_are_ignored(aws: LocalAws, demo_list: dict) -> None:
    assert aws.http("POST", "/v1/optin", {**FORM, "utm_campaign": "x", "extra": "y"}, form=True).status == 202


def test_origination_follows_the_recipient_country(aws: LocalAws, demo_list: dict) -> None:
    import json

    aws.http("POST", "/v1/optin", {**FORM, "phone": "+1 201 555 0123"}, form=True)
    [message] = aws.receive("OutboundQueue")
    body = json.loads(message["Body"])
    assert body["origination"] == "12345"
    assert body["encoding"] == "UCS-2" and body["segments"] >= 2
    assert body["message_type"] == "TRANSACTIONAL"


def test_queue_failure_is_503_and_writes_nothing(
    aws: LocalAws, demo_list: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    from consent_platform.adapters.queue import OutboundQueue

    def broken(self: Any, messages: Any, delay_seconds: int = 0) -> None:
        raise RuntimeError("SQS down")

    monkeypatch.setattr(OutboundQueue, "send", broken)
    reply = aws.http("POST", "/v1/optin", FORM, form=True)
    assert reply.status == 503
    assert table_items(aws, "LedgerTable") == []


def test_ledger_write_failure_leaves_no_subscription(
    aws: LocalAws, demo_list: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    """State and ledger go in one transaction: when it fails, neither is written, and the queued
    confirmation is dropped by the sender's guard instead of going out."""
    from consent_platform.adapters.dynamodb.consent_store import ConsentStore

    def failing_commit(self: Any, *args: Any, **kwargs: Any) -> None:
        raise RuntimeError("DynamoDB unavailable")

    with monkeypatch.context() as patch:
        patch.setattr(ConsentStore, "commit", failing_commit)
        with pytest.raises(RuntimeError):
            aws.http("POST", "/v1/optin", FORM, form=True)
    phone_items = [i["sk"]["S"] for i in table_items(aws, "ConsentTable") if i["pk"]["S"].startswith("PHONE#")]
    assert [sk for sk in phone_items if not sk.startswith("RL#")] == []  # only the request counter (TTL)
    assert table_items(aws, "LedgerTable") == []
    # The message is in the queue but its subscription never appeared: the sender holds it back
    # (NotYetVisible → batch item failure) rather than sending a confirmation nobody recorded.
    result = aws.drain()
    assert len(result["batchItemFailures"]) == 1
    assert sent_sms() == []


def test_concurrent_writers_do_not_lose_updates(
    aws: LocalAws, demo_list: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Optimistic concurrency: a write based on a stale read is refused and retried from fresh state."""
    from consent_platform.adapters.dynamodb.consent_store import ConsentStore

    original = ConsentStore.load_contact_state
    calls = {"n": 0}

    def racing(self: ConsentStore, phone: str, list_id: str) -> Any:
        state = original(self, phone, list_id)
        calls["n"] += 1
        if calls["n"] == 1:  # another request for the same number lands between our read and write
            monkeypatch.setattr(ConsentStore, "load_contact_state", original)
            aws.http("POST", "/v1/optin", FORM, form=True)
            monkeypatch.setattr(ConsentStore, "load_contact_state", racing)
        return state

    monkeypatch.setattr(ConsentStore, "load_contact_state", racing)
    reply = aws.http("POST", "/v1/optin", FORM, form=True)
    assert reply.status == 202
    assert reply.body["confirmation_sent"] is False  # the retry saw the other request's pending state
    assert [e["action"] for e in contact(aws)["ledger"]] == ["requested"]


def test_form_content_type_is_case_insensitive(aws: LocalAws, demo_list: dict) -> None:
    from urllib.parse import urlencode

    reply = aws.http(
        "POST",
        "/v1/optin",
        raw=urlencode(FORM),
        headers={"content-type": "Application/X-WWW-Form-Urlencoded; charset=UTF-8"},
    )
    assert reply.status == 202
    assert contact(aws)["ledger"][0]["method"] == "web_form"
