"""Admin API: lists (with the compliance lint and consent versions) and contacts."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import DEMO_LIST, LocalAws


def test_put_list_creates_then_updates(aws: LocalAws) -> None:
    created = aws.http("PUT", "/v1/admin/lists/demo", DEMO_LIST)
    assert created.status == 201
    body = created.body
    assert body["list_id"] == "demo"
    assert body["consent_versions"] == ["2026-11-01"]
    assert set(body["messages"]) == {"confirm_request", "welcome", "help", "stop"}
    assert all(body["messages"].values())
    assert "Kwiaciarnia Róża" in body["messages"]["stop"]
    updated = aws.http("PUT", "/v1/admin/lists/demo", {**DEMO_LIST, "frequency": "up to 2 msgs/week"})
    assert updated.status == 200
    assert "Up to 2 msgs/week" in updated.body["messages"]["welcome"]
    assert updated.body["created_at"] == body["created_at"]
    assert aws.http("GET", "/v1/admin/lists/demo").body["frequency"] == "up to 2 msgs/week"


def test_consent_versions_accumulate_and_are_immutable(aws: LocalAws) -> None:
    aws.http("PUT", "/v1/admin/lists/demo", DEMO_LIST)
    v2 = {**DEMO_LIST, "consent_text": {"version": "2026-12-01", "text": "Nowa treść."}}
    assert aws.http("PUT", "/v1/admin/lists/demo", v2).body["consent_versions"] == ["2026-11-01", "2026-12-01"]
    # Re-publishing an old version with the same text is fine; with a different text it is refused.
    assert aws.http("PUT", "/v1/admin/lists/demo", DEMO_LIST).status == 200
    tampered = {**DEMO_LIST, "consent_text": {"version": "2026-11-01", "text": "Changed after the fact"}}
    reply = aws.http("PUT", "/v1/admin/lists/demo", tampered)
    assert reply.status == 409
    assert "consent_text.version" in reply.body["error"]["fields"]


def test_non_compliant_messages_are_422_naming_each_gap(aws: LocalAws) -> None:
    reply = aws.http("PUT", "/v1/admin/lists/demo", {**DEMO_LIST, "messages": {"confirm_request": "Reply TAK"}})
    assert reply.status == 422
    problem = reply.body["error"]["fields"]["messages.confirm_request"]
    for element in ("brand", "frequency", "STOP", "HELP", "Msg & data rates may apply"):
        assert element in problem
    assert aws.http("GET", "/v1/admin/lists/demo").status == 404


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"brand": ""}, "brand"),
        ({"opt_in": "maybe"}, "opt_in"),
        ({"default_country": "XX"}, "default_country"),
        ({"consent_text": {"version": "1"}}, "consent_text.text"),
        ({"messages": {"welcome": "x", "bogus": "y"}}, "messages.bogus"),
        ({"frequency": None}, "frequency"),
    ],
)
def test_invalid_list_body(aws: LocalAws, patch: dict[str, Any], field: str) -> None:
    reply = aws.http("PUT", "/v1/admin/lists/demo", {**DEMO_LIST, **patch})
    assert reply.status == 422, reply.body
    assert field in reply.body["error"]["fields"], reply.body


def test_missing_field_and_bad_list_id(aws: LocalAws) -> None:
    body = {k: v for k, v in DEMO_LIST.items() if k != "support"}
    assert aws.http("PUT", "/v1/admin/lists/demo", body).body["error"]["fields"] == {"support": "required"}
    bad = aws.http("PUT", "/v1/admin/lists/Bad%20Id", DEMO_LIST)
    assert bad.status == 422
    assert "list_id" in bad.body["error"]["fields"]


def test_malformed_json_is_400(aws: LocalAws) -> None:
    reply = aws.http("PUT", "/v1/admin/lists/demo", raw="{oops", headers={"content-type": "application/json"})
    assert reply.status == 400
    assert reply.body["error"]["code"] == "malformed_body"


def test_contact_lookup_accepts_any_format(aws: LocalAws, demo_list: dict) -> None:
    aws.http("POST", "/v1/optin", {"phone": "501234567", "list_id": "demo", "sms_consent": "on"}, form=True)
    for path, query in [("%2B48501234567", ""), ("%2B48%20501%20234%20567", ""), ("501234567", "country=PL")]:
        reply = aws.http("GET", f"/v1/admin/contacts/{path}", query=query)
        assert reply.status == 200, (path, reply.body)
        assert reply.body["phone"] == "+48501234567"
        assert [e["action"] for e in reply.body["ledger"]] == ["requested"]
        assert "expected_message_id" not in reply.body["subscriptions"][0]


def test_contact_unknown_or_invalid(aws: LocalAws) -> None:
    assert aws.http("GET", "/v1/admin/contacts/%2B48509999999").status == 404
    assert aws.http("GET", "/v1/admin/contacts/not-a-phone").status == 422


def test_unknown_route_is_404_json(aws: LocalAws) -> None:
    from infra.local.lambda_runtime import FakeLambdaContext, http_api_event, load_handler

    event = http_api_event(method="GET", raw_path="/v1/admin/nothing")
    result = load_handler(aws.stack, "AdminFunction")(event, FakeLambdaContext("AdminFunction"))
    assert result["statusCode"] == 404
    assert '"code": "not_found"' in result["body"]


def test_oversized_admin_body_is_413_before_validation(aws: LocalAws) -> None:
    reply = aws.http("PUT", "/v1/admin/lists/demo", {**DEMO_LIST, "support": "x" * 70_000})
    assert reply.status == 413
    assert reply.body["error"]["code"] == "payload_too_large"
