"""Issue 14 #9: ``POST /v1/optin`` tells nobody whether a number is already on a list."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import DEMO_LIST, Clock, LocalAws, sent_sms

MEMBER, STRANGER = "+48501234567", "+48502345678"


def shape(reply: Any) -> tuple[int, dict[str, Any]]:
    body = {k: v for k, v in reply.body.items() if k != "phone"}
    return reply.status, body


@pytest.mark.parametrize("opt_in", ["double", "single"])
def test_a_subscribed_number_gets_the_answer_a_new_one_gets(aws: LocalAws, clock: Clock, opt_in: str) -> None:
    assert aws.http("PUT", "/v1/admin/lists/demo", {**DEMO_LIST, "opt_in": opt_in}).status == 201
    assert aws.http("POST", "/v1/optin", {"phone": MEMBER, "list_id": "demo", "sms_consent": True}).status == 202
    aws.drain()
    if opt_in == "double":
        aws.text("TAK", sender=MEMBER, to="+48500000000")
    sent = len(sent_sms())
    clock.advance(hours=1)
    member = aws.http("POST", "/v1/optin", {"phone": MEMBER, "list_id": "demo", "sms_consent": True})
    stranger = aws.http("POST", "/v1/optin", {"phone": STRANGER, "list_id": "demo", "sms_consent": True})
    assert shape(member) == shape(stranger)
    aws.drain()
    assert len(sent_sms()) == sent + 1  # only the stranger got a message


def test_a_browser_cannot_tell_either(aws: LocalAws, demo_list: dict, clock: Clock) -> None:
    aws.http("POST", "/v1/optin", {"phone": MEMBER, "list_id": "demo", "sms_consent": True})
    aws.drain()
    aws.text("TAK", sender=MEMBER, to="+48500000000")
    pages = [
        aws.http(
            "POST",
            "/v1/optin",
            {"phone": phone, "list_id": "demo", "sms_consent": "on"},
            form=True,
            headers={"accept": "text/html"},
        )
        for phone in (MEMBER, STRANGER)
    ]
    assert [p.status for p in pages] == [200, 200]
    assert pages[0].body == pages[1].body
