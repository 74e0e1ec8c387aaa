"""Control characters never reach an SMS body, the ledger's printed proof or a terminal (issue 14 #6, #8).

Typed fields (first name, source, tags, attributes, import rows, trigger data) are refused with a 422
naming the field, by every way in; a User-Agent is recorded, neutralised; a thank-you URL must be an
absolute https:// URL with no character that could split the 303's Location header.
"""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from infra.local.invoker import Invoker
from tests.integration.conftest import DEMO_LIST, Clock, LocalAws

PHONE = "+48501234567"
CONTACT = f"/v1/admin/contacts/{PHONE.replace('+', '%2B')}"
HOSTILE = [
    "Ala\x1b[2J\x1b[31mOWNED",  # ANSI: clear the admin's screen, paint it red
    "Ala\r\nconsent_text: I agree to everything",  # a forged line in the printed proof
    "Ala\u202egnp.exe",  # bidi override: reads backwards
    "Ala\x00",  # NUL
    "Ala\u2028x",  # Unicode line separator
]


@pytest.fixture
def single(aws: LocalAws, clock: Clock) -> LocalAws:
    assert aws.http("PUT", "/v1/admin/lists/demo", {**DEMO_LIST, "opt_in": "single"}).status == 201
    return aws


@pytest.mark.parametrize("text", HOSTILE)
@pytest.mark.parametrize("field", ["first_name", "source"])
@pytest.mark.parametrize("form", [True, False], ids=["form", "json"])
def test_signup_fields_with_control_characters_are_422(single: LocalAws, text: str, field: str, form: bool) -> None:
    body = {"phone": PHONE, "list_id": "demo", "sms_consent": "on" if form else True, field: text}
    reply = single.http("POST", "/v1/optin", body, form=form)
    assert reply.status == 422, reply.body
    assert field in reply.body["error"]["fields"], reply.body
    assert single.http("GET", CONTACT).status == 404  # nothing written


def test_a_user_agent_is_recorded_neutralised(single: LocalAws) -> None:
    agent = "Mozilla/5.0\x1b[2J\r\nip: 10.0.0.1\u202e"
    body = {"phone": PHONE, "list_id": "demo", "sms_consent": True}
    assert single.http("POST", "/v1/optin", body, headers={"user-agent": agent}).status == 202
    [entry] = single.http("GET", CONTACT).body["ledger"]
    assert entry["user_agent"] == "Mozilla/5.0\\u001b[2J\\u000d\\u000aip: 10.0.0.1\\u202e"


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"first_name": HOSTILE[0]}, "first_name"),
        ({"tags": [HOSTILE[1]]}, "tags.0"),
        ({"attributes": {"city": HOSTILE[2]}}, "attributes.city"),
        ({"attributes": {HOSTILE[3]: "x"}}, "attributes"),
    ],
)
def test_patch_fields_with_control_characters_are_422(single: LocalAws, patch: dict[str, Any], field: str) -> None:
    assert single.http("POST", "/v1/optin", {"phone": PHONE, "list_id": "demo", "sms_consent": True}).status == 202
    reply = single.http("PATCH", CONTACT, patch)
    assert reply.status == 422, reply.body
    assert any(name.startswith(field) for name in reply.body["error"]["fields"]), reply.body
    assert single.http("GET", CONTACT).body["profile"]["first_name"] is None


def test_an_import_row_with_control_characters_is_rejected(single: LocalAws) -> None:
    csv = 'phone,first_name,country,evidence\n+447400123456,"Liv\x1b[31m",GB,order-1\n+447400123457,Jo,GB,"o\r\nx"\n'
    gb = {**DEMO_LIST, "opt_in": "single", "allowed_countries": ["GB"], "default_country": "GB"}
    assert single.http("PUT", "/v1/admin/lists/uk", gb).status == 201
    reply = single.http("POST", "/v1/admin/lists/uk/import", raw=csv, headers={"content-type": "text/csv"})
    assert reply.status == 200, reply.body
    assert (reply.body["imported"], reply.body["rejected"]) == (0, 2), reply.body


def test_trigger_data_with_control_characters_is_refused_by_api_and_bus(single: LocalAws) -> None:
    assert single.http("POST", "/v1/optin", {"phone": PHONE, "list_id": "demo", "sms_consent": True}).status == 202
    detail = {"list_id": "demo", "phone": PHONE, "cart_id": "c-1", "url": "https://shop.example/c\r\nFree money"}
    reply = single.http("POST", "/v1/admin/triggers", detail)
    assert reply.status == 422 and "url" in reply.body["error"]["fields"], reply.body
    event = {"detail-type": "Cart.Abandoned", "source": "shop", "detail": detail}
    with pytest.raises(ValidationError):  # EventBridge retries, then the rule's DLQ: never an SMS
        Invoker(single.stack).invoke("AudienceEventsFunction", event)


@pytest.mark.parametrize(
    "url",
    [
        "https://shop.example/thanks\r\nSet-Cookie: session=evil",
        "https://shop.example/thanks\nX-Injected: 1",
        "https://shop.example/\x00thanks",
        "https://shop.example/th anks",
        "http://localhost/thanks",
        "//shop.example/thanks",
        "javascript:alert(1)",
    ],
)
def test_thank_you_url_must_be_a_clean_absolute_https_url(single: LocalAws, url: str) -> None:
    reply = single.http("PUT", "/v1/admin/lists/demo", {**DEMO_LIST, "thank_you_url": url})
    assert reply.status == 422, reply.body
    assert "thank_you_url" in reply.body["error"]["fields"], reply.body
