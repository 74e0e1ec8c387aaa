"""Flows through the public contract: a flow on a list that does not exist, a forged listing cursor, a
hostile flow id, a trigger event naming another list, and a stranger's event exiting nothing."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from infra.local.invoker import Invoker
from tests.integration.conftest import LocalAws

WELCOME: dict[str, Any] = {
    "list_id": "demo",
    "name": "Welcome",
    "trigger": {"event": "Consent.Confirmed"},
    "steps": [{"send": {"text": "Hi"}}],
}


def _cursor(sort_key: str) -> str:
    return base64.urlsafe_b64encode(sort_key.encode()).decode().rstrip("=")


def test_a_flow_on_an_unknown_list_is_404_and_nothing_is_stored(aws: LocalAws, demo_list: dict) -> None:
    reply = aws.http("PUT", "/v1/admin/flows/welcome", {**WELCOME, "list_id": "nope"})
    assert (reply.status, reply.body["error"]["fields"]) == (404, {"list_id": "unknown list"})
    assert aws.http("GET", "/v1/admin/flows/welcome").status == 404
    assert aws.http("GET", "/v1/admin/flows").body["flows"] == []


@pytest.mark.parametrize(
    "sort_key",
    ["LIST#demo#", "META", "CAMPAIGNS", "FLOW#welcome\n", "STATS#0"],
)
def test_a_forged_listing_cursor_is_422_naming_next(aws: LocalAws, demo_list: dict, sort_key: str) -> None:
    assert aws.http("PUT", "/v1/admin/flows/welcome", WELCOME).status == 201
    reply = aws.http("GET", "/v1/admin/flows", query=f"next={_cursor(sort_key)}")
    assert reply.status == 422 and set(reply.body["error"]["fields"]) == {"next"}, reply.body
    assert aws.http("GET", "/v1/admin/flows", query="next=%%%").status == 422


@pytest.mark.parametrize("flow_id", ["FLOW%23x", "a%23b", "x" * 65, "..", "%20"])
def test_hostile_flow_ids_are_refused(aws: LocalAws, demo_list: dict, flow_id: str) -> None:
    reply = aws.http("PUT", f"/v1/admin/flows/{flow_id}", WELCOME)
    assert reply.status == 422 and "flow_id" in reply.body["error"]["fields"], reply.body


def test_a_consent_event_for_another_list_enrolls_nobody(aws: LocalAws, demo_list: dict) -> None:
    assert aws.http("PUT", "/v1/admin/flows/welcome", WELCOME).status == 201
    event = {
        "detail-type": "Consent.Granted",
        "source": "sms-consent",
        "detail": {"phone": "+48501234567", "list_id": "other", "status": "active", "channel": "sms"},
    }
    result = Invoker(aws.stack).invoke("AudienceEventsFunction", event)
    assert "flows_entered" not in result
    assert aws.http("GET", "/v1/admin/flows/welcome").body["stats"]["entered"] == 0


def test_an_event_for_a_number_that_is_not_subscribed_enrolls_nobody(aws: LocalAws, demo_list: dict) -> None:
    assert aws.http("PUT", "/v1/admin/flows/welcome", WELCOME).status == 201
    event = {
        "detail-type": "Consent.Granted",
        "source": "forged",
        "detail": {"phone": "+48501234567", "list_id": "demo", "status": "active", "channel": "sms"},
    }
    result = Invoker(aws.stack).invoke("AudienceEventsFunction", event)
    assert (result["flows_entered"], result["not_subscribed"]) == ("", 1)


def test_a_cart_on_another_list_starts_no_flow_of_this_one(aws: LocalAws) -> None:
    """A shop with two brands: a cart abandoned on one list never texts the other brand's subscribers."""
    from tests.integration.conftest import DEMO_LIST

    brand = {**DEMO_LIST, "opt_in": "single", "cart_abandoned": {"text": "Your cart: {url}", "delay_hours": 1}}
    for list_id in ("a", "b"):
        assert aws.http("PUT", f"/v1/admin/lists/{list_id}", brand).status == 201
        aws.http("POST", "/v1/optin", {"phone": "+48501234567", "list_id": list_id, "sms_consent": True})
    assert (
        aws.http(
            "PUT", "/v1/admin/flows/cart", {**WELCOME, "list_id": "a", "trigger": {"event": "Cart.Abandoned"}}
        ).status
        == 201
    )
    detail = {"list_id": "b", "phone": "+48501234567", "cart_id": "c-1", "url": "https://x.example/c/1"}
    Invoker(aws.stack).invoke("AudienceEventsFunction", {"detail-type": "Cart.Abandoned", "detail": detail})
    assert aws.http("GET", "/v1/admin/flows/cart").body["stats"]["entered"] == 0
    detail = {**detail, "list_id": "a", "cart_id": "c-2"}
    Invoker(aws.stack).invoke("AudienceEventsFunction", {"detail-type": "Cart.Abandoned", "detail": detail})
    assert aws.http("GET", "/v1/admin/flows/cart").body["stats"]["entered"] == 1
