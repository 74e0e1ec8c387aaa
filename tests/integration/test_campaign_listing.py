"""``GET /v1/admin/campaigns?list_id=&status=&limit=&next=`` (issue 20): newest first, one list's or every
list's, by status (a sending campaign whose work is over is listed as done), pages without gaps."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from infra.local.invoker import Invoker
from infra.local.schedules import LocalScheduler
from tests.integration.conftest import DEMO_LIST, Clock, LocalAws

SHOP = {**DEMO_LIST, "opt_in": "single"}


def campaign(aws: LocalAws, clock: Clock, list_id: str, name: str) -> str:
    clock.now += timedelta(seconds=2)  # creation times a second apart: the listing's order is theirs
    reply = aws.http("POST", "/v1/admin/campaigns", {"list_id": list_id, "name": name, "text": "Tulips -20%"})
    assert reply.status == 201, reply.body
    return str(reply.body["campaign_id"])


def listing(aws: LocalAws, query: str) -> list[dict[str, Any]]:
    """Every page at one campaign per page, following ``next``."""
    seen: list[dict[str, Any]] = []
    cursor = None
    for _ in range(20):
        reply = aws.http("GET", "/v1/admin/campaigns", query=query + "&limit=1" + (f"&next={cursor}" if cursor else ""))
        assert reply.status == 200, reply.body
        seen += reply.body["campaigns"]
        cursor = reply.body["next"]
        if cursor is None:
            return seen
    raise AssertionError("the cursor does not advance")


@pytest.fixture
def shops(aws: LocalAws, clock: Clock) -> dict[str, str]:
    """Campaigns in two lists: ``done`` (sent to its one subscriber), ``scheduled``, ``cancelled`` in
    ``a``, and one in ``b``."""
    for list_id in ("a", "b"):
        assert aws.http("PUT", f"/v1/admin/lists/{list_id}", SHOP).status == 201
    reply = aws.http("POST", "/v1/optin", {"phone": "+48501234567", "list_id": "a", "sms_consent": True})
    assert reply.body["status"] == "active", reply.body
    aws.drain()
    ids = {"done": campaign(aws, clock, "a", "first")}
    clock.now += timedelta(minutes=5)
    LocalScheduler(aws.stack, Invoker(aws.stack)).fire_due(clock.now, wait=False)
    while aws.receive_count("OutboundQueue"):
        aws.drain()
    ids["scheduled"] = campaign(aws, clock, "a", "second")
    ids["cancelled"] = campaign(aws, clock, "a", "third")
    assert aws.http("DELETE", f"/v1/admin/campaigns/{ids['cancelled']}").status == 200
    ids["other"] = campaign(aws, clock, "b", "elsewhere")
    return ids


def test_a_lists_campaigns_newest_first_by_status_across_pages(aws: LocalAws, shops: dict[str, str]) -> None:
    seen = listing(aws, "list_id=a")
    assert [c["campaign_id"] for c in seen] == [shops["cancelled"], shops["scheduled"], shops["done"]]
    assert [c["status"] for c in seen] == ["cancelled", "scheduled", "done"]  # "done": derived from its counters
    assert seen[2]["name"] == "first" and seen[2]["recipients"] == 1 and seen[2]["list_id"] == "a"
    for status in ("scheduled", "cancelled", "done"):
        assert [c["campaign_id"] for c in listing(aws, f"list_id=a&status={status}")] == [shops[status]]
    assert listing(aws, "list_id=a&status=sending") == []
    assert [c["campaign_id"] for c in listing(aws, "list_id=b")] == [shops["other"]]
    everything = aws.http("GET", "/v1/admin/campaigns").body
    assert {c["campaign_id"] for c in everything["campaigns"]} == set(shops.values()) and everything["next"] is None
    assert aws.http("GET", "/v1/admin/campaigns", query="list_id=nosuchlist").body == {"campaigns": [], "next": None}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=finished", "status"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=abc", "limit"),
        ("next=%%%", "next"),
        ("list_id=A%23b", "list_id"),
    ],
)
def test_bad_listing_parameters_are_422_naming_the_field(aws: LocalAws, query: str, field: str) -> None:
    reply = aws.http("GET", "/v1/admin/campaigns", query=query)
    assert reply.status == 422, reply.body
    assert field in reply.body["error"]["fields"], reply.body
