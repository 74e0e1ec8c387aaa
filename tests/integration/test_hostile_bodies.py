"""Bodies no client should send get a 4xx naming the problem, through every handler's HTTP contract:
JSON nested past any model, integers over Python's 4,300-digit limit, NaN, multipart without a
boundary, and attribute numbers DynamoDB cannot store (issue 13 §2). In-range floats must work."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.integration.conftest import DEMO_LIST, Clock, LocalAws

PHONE = "+48501234567"
DEEP = '{"a":' * 2000 + "1" + "}" * 2000  # ~12 KB: under every route's byte limit
DEEP_ARRAY = "[" * 5000 + "]" * 5000
HUGE_INT = '{"list_id": ' + "9" * 5000 + "}"
NAN = '{"list_id": NaN}'

JSON_ROUTES = [
    ("POST", "/v1/optin"),
    ("PUT", "/v1/admin/lists/demo"),
    ("PATCH", f"/v1/admin/contacts/{PHONE.replace('+', '%2B')}"),
    ("POST", "/v1/admin/campaigns"),
    ("POST", "/v1/admin/triggers"),
    ("PUT", "/v1/admin/keywords/DEMO"),
    ("POST", "/v1/admin/lists/demo/import"),
]


@pytest.fixture
def subscribed(aws: LocalAws, demo_list: dict[str, Any], clock: Clock) -> LocalAws:
    aws.http("PUT", "/v1/admin/lists/demo", {**DEMO_LIST, "opt_in": "single"})
    reply = aws.http("POST", "/v1/optin", {"phone": PHONE, "list_id": "demo", "sms_consent": True})
    assert reply.status == 202, reply.body
    return aws


@pytest.mark.parametrize(("method", "path"), JSON_ROUTES)
@pytest.mark.parametrize("raw", [DEEP, DEEP_ARRAY, HUGE_INT, NAN], ids=["deep-object", "deep-array", "huge-int", "nan"])
def test_unparseable_json_is_400(subscribed: LocalAws, method: str, path: str, raw: str) -> None:
    reply = subscribed.http(method, path, raw=raw, headers={"content-type": "application/json"})
    assert reply.status == 400, (reply.status, reply.body)
    assert reply.body["error"]["code"] == "malformed_body"


@pytest.mark.parametrize(("method", "path"), [r for r in JSON_ROUTES if r[1] != "/v1/admin/lists/demo/import"])
def test_multipart_without_boundary_is_415(subscribed: LocalAws, method: str, path: str) -> None:
    reply = subscribed.http(method, path, raw='{"a": 1}', headers={"content-type": "multipart/form-data"})
    assert reply.status == 415, (reply.status, reply.body)
    assert reply.body["error"]["fields"] == {"content-type": "multipart/form-data"}


def test_an_unparseable_import_line_is_a_rejected_row_not_a_500(subscribed: LocalAws) -> None:
    lines = "\n".join([DEEP, '{"phone": ' + "9" * 5000 + "}", json.dumps({"phone": "+447400123460"})])
    reply = subscribed.http(
        "POST", "/v1/admin/lists/demo/import", raw=lines, headers={"content-type": "application/x-ndjson"}
    )
    assert reply.status == 200, reply.body
    assert reply.body["received"] == 3 and reply.body["rejected"] == 3, reply.body


@pytest.mark.parametrize("value", [1.5, 0.1, -2.25, 3.4e38, 1e-130, 12345678901234567890])
def test_float_attributes_are_stored_and_read_back(subscribed: LocalAws, value: float) -> None:
    path = f"/v1/admin/contacts/{PHONE.replace('+', '%2B')}"
    reply = subscribed.http("PATCH", path, {"attributes": {"score": value}})
    assert reply.status == 200, reply.body
    stored = subscribed.http("GET", path).body["profile"]["attributes"]["score"]
    # DynamoDB keeps the number, not its type: a whole float such as 3.4e38 may read back as an int.
    assert stored == value or float(stored) == value, stored


@pytest.mark.parametrize("value", [-5.6e-137, 1e126, 1.7e308, 10**40])
def test_numbers_dynamodb_cannot_store_are_422_naming_the_field(subscribed: LocalAws, value: float) -> None:
    path = f"/v1/admin/contacts/{PHONE.replace('+', '%2B')}"
    reply = subscribed.http("PATCH", path, {"attributes": {"score": value}})
    assert reply.status == 422, reply.body
    assert "attributes.score" in reply.body["error"]["fields"], reply.body
    campaign = {"list_id": "demo", "name": "x", "text": "Sale", "segment": {"attributes": {"score": value}}}
    refused = subscribed.http("POST", "/v1/admin/campaigns", campaign)
    assert refused.status == 422 and "segment.attributes.score" in refused.body["error"]["fields"], refused.body


def test_a_campaign_segment_on_a_float_attribute_is_accepted(subscribed: LocalAws) -> None:
    campaign = {"list_id": "demo", "name": "x", "text": "Sale", "segment": {"attributes": {"score": 4.5}}}
    reply = subscribed.http("POST", "/v1/admin/campaigns", campaign)
    assert reply.status in (201, 202), reply.body
    stored = subscribed.http("GET", f"/v1/admin/campaigns/{reply.body['campaign_id']}").body
    assert stored["segment"]["attributes"] == {"score": 4.5}, stored


def test_patch_null_tags_and_attributes_clear_them(subscribed: LocalAws) -> None:
    path = f"/v1/admin/contacts/{PHONE.replace('+', '%2B')}"
    assert subscribed.http("PATCH", path, {"tags": ["vip"], "attributes": {"city": "Łódź"}}).status == 200
    reply = subscribed.http("PATCH", path, {"tags": None, "attributes": None})
    assert reply.status == 200, reply.body
    assert (reply.body["tags"], reply.body["attributes"]) == ([], {})
    profile = subscribed.http("GET", path).body["profile"]
    assert (profile["tags"], profile["attributes"]) == ([], {})


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        (
            "POST",
            "/v1/admin/triggers",
            {"list_id": "demo", "phone": PHONE, "cart_id": "c", "url": "https://x.example", "at": 0},
            "at",
        ),
        (
            "PATCH",
            f"/v1/admin/contacts/{PHONE.replace('+', '%2B')}",
            {"last_activity_at": 1795992496},
            "last_activity_at",
        ),
        (
            "POST",
            "/v1/admin/campaigns",
            {"list_id": "demo", "name": "x", "text": "Sale", "send_at": 4102444800},
            "send_at",
        ),
    ],
)
def test_a_number_is_not_a_timestamp(subscribed: LocalAws, method: str, path: str, body: dict, field: str) -> None:
    reply = subscribed.http(method, path, body)
    assert reply.status == 422, reply.body
    assert field in reply.body["error"]["fields"], reply.body


@pytest.mark.parametrize(("value", "form"), [("AAA", True), ("0", True), (0, False), ("maybe", False)])
def test_a_consent_box_is_true_or_false_not_anything(subscribed: LocalAws, value: Any, form: bool) -> None:
    body = {"phone": "+48501234568", "list_id": "demo", "sms_consent": "on" if form else True, "email_consent": value}
    body["email"] = "ala@example.com"
    reply = subscribed.http("POST", "/v1/optin", body, form=form)
    if value == "0":  # a form's explicit "no"
        assert reply.status == 202, reply.body
        return
    assert reply.status == 422, reply.body
    assert "email_consent" in reply.body["error"]["fields"], reply.body
