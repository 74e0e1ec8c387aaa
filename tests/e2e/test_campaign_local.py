"""A marketer against `make run`: schedule a campaign for Poland and Florida, read the plan, move the
local clock with /dev/clock and see each message leave at its recipient's local time.

Every date is computed from the stack's own clock, and the walk runs twice: on a stack started now and
on one whose clock starts more than a year ahead (``clock_stack``) — a date written into this test would
fail the second run the day it is written."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.conftest import LocalStack, stack_now

pytestmark = pytest.mark.e2e

PL, FL = "+48501234567", "+13055550123"
LIST = {
    "brand": "Promo Shop",
    "opt_in": "single",
    "default_country": "PL",
    "allowed_countries": ["PL", "US"],
    "language": "en",
    "frequency": "up to 4 msgs/month",
    "support": "help@promo.example",
    "terms_url": "https://promo.example/terms",
    "privacy_url": "https://promo.example/privacy",
    "consent_text": {"version": "1", "text": "Yes, send me offers from Promo Shop."},
    "origination": {"US": "12345", "default": "+48500000000"},
}


def outbox(stack: LocalStack, phone: str) -> list[dict[str, Any]]:
    return stack.request("GET", "/dev/outbox?phone=" + phone.replace("+", "%2B")).body["messages"]  # type: ignore[no-any-return]


def offers(stack: LocalStack, phone: str) -> list[str]:
    return [m["body"] for m in outbox(stack, phone) if "Black Friday" in m["body"]]


def utc(ts: datetime) -> str:
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_campaign_walk_with_the_local_clock(clock_stack: LocalStack) -> None:
    local_stack = clock_stack
    # 18:00 a week from the stack's today, in Warsaw and in Miami (offsets from zoneinfo: DST included).
    day = stack_now(local_stack).astimezone(ZoneInfo("Europe/Warsaw")).date() + timedelta(days=7)
    warsaw_18 = datetime.combine(day, time(18), tzinfo=ZoneInfo("Europe/Warsaw"))
    miami_18 = datetime.combine(day, time(18), tzinfo=ZoneInfo("America/New_York"))

    assert local_stack.json("PUT", "/v1/admin/lists/promo", LIST).status == 201
    for phone in (PL, FL):
        reply = local_stack.json("POST", "/v1/optin", {"phone": phone, "list_id": "promo", "sms_consent": True})
        assert reply.body["status"] == "active", reply.body

    created = local_stack.json(
        "POST",
        "/v1/admin/campaigns",
        {
            "list_id": "promo",
            "name": "Black Friday",
            "text": "Hi {first_name|there}, Black Friday -20% today!",
            "send_at_local": f"{day.isoformat()}T18:00",
        },
    )
    assert created.status == 201, created.body
    plan = {item["rule"]: item for item in created.body["plan"]}
    assert plan["PL"]["send_at_utc"] == utc(warsaw_18)
    assert plan["US-FL"]["send_at_utc"] == utc(miami_18)

    early = local_stack.json("POST", "/dev/clock", {"now": utc(warsaw_18 - timedelta(minutes=1))})
    assert early.status == 200 and early.body["fired"] == []
    assert offers(local_stack, PL) == []

    warsaw = local_stack.json("POST", "/dev/clock", {"now": utc(warsaw_18)})
    assert warsaw.body["fired"] == [plan["PL"]["schedule"]]
    assert offers(local_stack, PL) == ["Hi there, Black Friday -20% today! Reply STOP to opt out"]
    [sent] = [m for m in outbox(local_stack, PL) if "Black Friday" in m["body"]]
    sent_at = datetime.fromisoformat(sent["sent_at"].replace("Z", "+00:00"))
    assert warsaw_18 <= sent_at < warsaw_18 + timedelta(minutes=1), sent  # the stack's clock, not the wall's
    assert offers(local_stack, FL) == []

    miami = local_stack.json("POST", "/dev/clock", {"now": utc(miami_18)})
    assert miami.body["now"] == utc(miami_18)
    assert len(offers(local_stack, FL)) == 1
    [message] = [m for m in outbox(local_stack, FL) if "Black Friday" in m["body"]]
    assert (message["from"], message["encoding"], message["segments"]) == ("12345", "GSM-7", 1)

    campaign = local_stack.request("GET", f"/v1/admin/campaigns/{created.body['campaign_id']}").body
    assert campaign["status"] == "done"
    assert campaign["stats"]["sent"] == 2

    backwards = local_stack.json("POST", "/dev/clock", {"now": utc(warsaw_18 - timedelta(days=1))})
    assert backwards.status == 422


def test_short_links_in_the_outbox_redirect_and_count(clock_stack: LocalStack) -> None:
    """Issue 19 on `make run`: the outbox shows a per-recipient /r/ link; following it redirects with UTM
    parameters and counts a click; a preview bot is redirected but not counted."""
    import http.client
    import re
    from urllib.parse import urlsplit

    day = stack_now(clock_stack).astimezone(ZoneInfo("Europe/Warsaw")).date() + timedelta(days=21)
    warsaw_18 = datetime.combine(day, time(18), tzinfo=ZoneInfo("Europe/Warsaw"))
    assert clock_stack.json("PUT", "/v1/admin/lists/links", LIST).status == 201
    assert clock_stack.json("POST", "/v1/optin", {"phone": PL, "list_id": "links", "sms_consent": True}).status == 202
    text = "Links sale: https://promo.example/sale?id=3 today"
    body = {"list_id": "links", "name": "Links", "text": text, "send_at_local": f"{day.isoformat()}T18:00"}
    created = clock_stack.json("POST", "/v1/admin/campaigns", body)
    assert created.status == 201, created.body
    clock_stack.json("POST", "/dev/clock", {"now": utc(warsaw_18)})
    [sent] = [m["body"] for m in outbox(clock_stack, PL) if "Links sale" in m["body"]]
    found = re.search(r"(https?://[^/\s]+)/r/([A-Za-z0-9]{10})", sent)
    assert found and found.group(1) == clock_stack.base_url, sent

    def follow(agent: str, method: str = "GET") -> tuple[int, str]:
        netloc = urlsplit(clock_stack.base_url).netloc
        connection = http.client.HTTPConnection(netloc, timeout=15)  # no redirect following: read the 302
        connection.request(method, f"/r/{found.group(2)}", headers={"User-Agent": agent})
        response = connection.getresponse()
        response.read()
        connection.close()
        return response.status, response.getheader("Location") or ""

    assert follow("WhatsApp/2.23")[0] == 302
    assert follow("Mozilla/5.0 (Linux; Android 14) Mobile Safari/537.36", "HEAD")[0] == 302
    status, location = follow("Mozilla/5.0 (Linux; Android 14) Mobile Safari/537.36")
    assert status == 302
    assert location == "https://promo.example/sale?id=3&utm_source=sms&utm_medium=sms&utm_campaign=Links"
    stats = clock_stack.request("GET", f"/v1/admin/campaigns/{created.body['campaign_id']}").body["stats"]
    assert (stats["clicks"], stats["unique_clicks"]) == (1, 1)
