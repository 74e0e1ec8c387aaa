"""Campaigns through moto: API → plan → EventBridge Scheduler → dispatcher → outbound queue → sender."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from infra.local.invoker import Invoker
from infra.local.schedules import LocalScheduler
from tests.integration.conftest import DEMO_LIST, Clock, LocalAws, sent_sms

PL, FL, NY, FR = "+48501234567", "+13055550123", "+12125550123", "+33612345678"
SHOP = {
    **DEMO_LIST,
    "opt_in": "single",
    "allowed_countries": ["PL", "US", "FR"],
    "language": "en",
    "brand": "Shop",
    "consent_text": {"version": "1", "text": "Yes, SMS from Shop"},
}


@pytest.fixture
def shop(aws: LocalAws, clock: Clock) -> LocalAws:
    assert aws.http("PUT", "/v1/admin/lists/shop", SHOP).status == 201
    for phone in (PL, FL, NY, FR):
        reply = aws.http(
            "POST",
            "/v1/optin",
            {"phone": phone, "list_id": "shop", "sms_consent": True, "first_name": "Ala" if phone == PL else ""},
        )
        assert reply.body["status"] == "active", reply.body
    aws.drain()  # welcome messages
    return aws


def marketing() -> list[dict[str, Any]]:
    return [m for m in sent_sms() if "Black Friday" in m["body"]]


def create(aws: LocalAws, **body: Any) -> Any:
    return aws.http(
        "POST",
        "/v1/admin/campaigns",
        {"list_id": "shop", "name": "BF", "text": "Hi {first_name|there}, Black Friday -20%", **body},
    )


def fire(aws: LocalAws, clock: Clock, until: str) -> list[str]:
    """Move the clock and fire what became due, as EventBridge Scheduler would; then run the sender."""
    clock.now = datetime.fromisoformat(until.replace("Z", "+00:00"))
    fired = LocalScheduler(aws.stack, Invoker(aws.stack)).fire_due(clock.now, wait=False)
    while aws.receive_count("OutboundQueue"):
        aws.drain()
    return fired


def by_bucket(plan: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {item["rule"] + ":" + item["timezone"]: item for item in plan}


def test_plan_in_each_recipients_local_time(shop: LocalAws) -> None:
    reply = create(shop, send_at_local="2026-11-27T18:00")
    assert reply.status == 201, reply.body
    body = reply.body
    assert body["status"] == "scheduled"
    assert body["preview"]["text"] == "Hi there, Black Friday -20%. Reply STOP to opt out"
    assert body["preview"]["encoding"] == "GSM-7" and body["preview"]["segments"] == 1
    plan = by_bucket(body["plan"])
    assert plan["PL:Europe/Warsaw"]["send_at_utc"] == "2026-11-27T17:00:00Z"
    assert plan["FR:Europe/Paris"]["send_at_utc"] == "2026-11-27T17:00:00Z"
    assert plan["US:America/New_York"]["send_at_utc"] == "2026-11-27T23:00:00Z"
    assert plan["US-FL:America/New_York"]["local_time"] == "2026-11-27T18:00:00-05:00"
    assert not any(item["deferred"] for item in body["plan"])
    assert sum(item["recipients"] for item in body["plan"]) == 4


def test_quiet_hours_defer_per_jurisdiction(shop: LocalAws) -> None:
    plan = by_bucket(create(shop, send_at_local="2026-11-28T20:30").body["plan"])  # a Saturday evening
    fl, ny, fr, pl = (
        plan[k] for k in ("US-FL:America/New_York", "US:America/New_York", "FR:Europe/Paris", "PL:Europe/Warsaw")
    )
    assert (ny["deferred"], ny["send_at_utc"]) == (False, "2026-11-29T01:30:00Z")  # 20:30 < 21:00 federal
    assert (fl["deferred"], fl["reason"]) == (True, "quiet_hours")  # Florida ends at 20:00
    assert fl["local_time"] == "2026-11-29T08:00:00-05:00"
    assert (fr["deferred"], fr["local_time"]) == (True, "2026-11-30T08:00:00+01:00")  # no Sunday in France
    assert pl["local_time"] == "2026-11-29T09:00:00+01:00"  # default window 9–20


def test_schedules_one_per_bucket(shop: LocalAws) -> None:
    body = create(shop, send_at_local="2026-11-27T18:00").body
    client = boto3.client("scheduler")
    group = shop.stack.attributes["CampaignScheduleGroup"]["Ref"]
    names = sorted(s["Name"] for s in client.list_schedules(GroupName=group)["Schedules"])
    assert names == sorted(item["schedule"] for item in body["plan"])
    detail = client.get_schedule(Name=body["plan"][0]["schedule"], GroupName=group)
    assert detail["ScheduleExpression"] == f"at({body['plan'][0]['send_at_utc'][:-1]})"
    assert detail["ScheduleExpressionTimezone"] == "UTC"
    assert detail["ActionAfterCompletion"] == "DELETE"
    assert detail["Target"]["Arn"] == shop.stack.attributes["DispatcherFunction"]["Arn"]
    assert detail["Target"]["DeadLetterConfig"]["Arn"] == shop.stack.attributes["ScheduleDLQ"]["Arn"]
    assert json.loads(detail["Target"]["Input"]) == {
        "campaign_id": body["campaign_id"],
        "bucket": body["plan"][0]["bucket"],
    }


def test_messages_go_out_at_local_time_once(shop: LocalAws, clock: Clock) -> None:
    body = create(shop, send_at_local="2026-11-27T18:00").body
    assert fire(shop, clock, "2026-11-27T16:59:00Z") == []
    fire(shop, clock, "2026-11-27T17:00:00Z")
    assert sorted(m["to"] for m in marketing()) == [FR, PL]
    assert [m["body"] for m in marketing() if m["to"] == PL] == ["Hi Ala, Black Friday -20%. Reply STOP to opt out"]
    fire(shop, clock, "2026-11-27T23:00:00Z")
    assert sorted(m["to"] for m in marketing()) == sorted([FR, PL, NY, FL])
    stats = shop.http("GET", f"/v1/admin/campaigns/{body['campaign_id']}").body
    assert stats["stats"]["queued"] == 4 and stats["stats"]["sent"] == 4
    assert stats["status"] == "done"


def test_stop_between_planning_and_sending_wins(shop: LocalAws, clock: Clock) -> None:
    body = create(shop, send_at_local="2026-11-27T18:00").body
    clock.now = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)
    group = shop.stack.attributes["CampaignScheduleGroup"]["Ref"]
    for item in body["plan"]:  # the dispatcher has queued every job…
        if item["rule"] in ("PL", "FR"):
            detail = boto3.client("scheduler").get_schedule(Name=item["schedule"], GroupName=group)
            Invoker(shop.stack).invoke("DispatcherFunction", json.loads(detail["Target"]["Input"]))
    shop.text("STOP", sender=PL, to="+48500000000")  # …then the Warsaw subscriber texts STOP
    while shop.receive_count("OutboundQueue"):
        shop.drain()
    assert [m["to"] for m in marketing()] == [FR]
    stats = shop.http("GET", f"/v1/admin/campaigns/{body['campaign_id']}").body["stats"]
    assert stats["skipped"]["opted_out"] == 1 and stats["sent"] == 1


def test_window_closed_at_send_time_defers_not_drops(shop: LocalAws, clock: Clock) -> None:
    body = create(shop, send_at_local="2026-11-27T19:59").body
    fl = next(i for i in body["plan"] if i["rule"] == "US-FL")
    clock.now = datetime(2026, 11, 28, 0, 59, tzinfo=UTC)  # 19:59 in Miami: the bucket fires…
    group = shop.stack.attributes["CampaignScheduleGroup"]["Ref"]
    detail = boto3.client("scheduler").get_schedule(Name=fl["schedule"], GroupName=group)
    Invoker(shop.stack).invoke("DispatcherFunction", json.loads(detail["Target"]["Input"]))
    clock.now = datetime(2026, 11, 28, 1, 0, 30, tzinfo=UTC)  # …but the sender runs at 20:00:30
    shop.drain()
    assert [m["to"] for m in marketing()] == []
    early = fire(shop, clock, "2026-11-28T12:59:00Z")  # the other buckets fire; 07:59 in Miami: still closed
    assert not any(name.startswith("d-") for name in early)
    assert FL not in [m["to"] for m in marketing()]
    fired = fire(shop, clock, "2026-11-28T13:00:00Z")  # 08:00 Miami
    # Florida's job, and New York's (its bucket fired late, at 07:59 local), were deferred to 08:00.
    assert [name[:2] for name in fired] == ["d-", "d-"]
    assert sorted(m["to"] for m in marketing()) == sorted([PL, FR, NY, FL])
    stats = shop.http("GET", f"/v1/admin/campaigns/{body['campaign_id']}").body["stats"]
    assert stats["deferred"] == 2 and stats["sent"] == 4


def test_duplicate_job_delivery_sends_once(shop: LocalAws, clock: Clock) -> None:
    body = create(shop, send_at_local="2026-11-27T18:00").body
    clock.now = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)
    pl = next(i for i in body["plan"] if i["rule"] == "PL")
    Invoker(shop.stack).invoke("DispatcherFunction", {"campaign_id": body["campaign_id"], "bucket": pl["bucket"]})
    [job] = shop.receive("OutboundQueue")
    for _ in range(2):
        boto3.client("sqs").send_message(QueueUrl=shop.queue_url("OutboundQueue"), MessageBody=job["Body"])
    while shop.receive_count("OutboundQueue"):
        shop.drain()
    assert [m["to"] for m in marketing()] == [PL]
    assert shop.http("GET", f"/v1/admin/campaigns/{body['campaign_id']}").body["stats"]["skipped"]["duplicate"] == 1


def test_retried_schedule_does_not_dispatch_twice(shop: LocalAws, clock: Clock) -> None:
    body = create(shop, send_at_local="2026-11-27T18:00").body
    clock.now = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)
    pl = next(i for i in body["plan"] if i["rule"] == "PL")
    event = {"campaign_id": body["campaign_id"], "bucket": pl["bucket"]}
    assert Invoker(shop.stack).invoke("DispatcherFunction", event) == {"queued": 1}
    assert Invoker(shop.stack).invoke("DispatcherFunction", event) == {"queued": 0}


def test_frequency_caps(shop: LocalAws, clock: Clock) -> None:
    """Florida: at most 3 per 24 h (jurisdiction); the list: at most 4 per 7 days."""
    shop.http("PUT", "/v1/admin/lists/shop", {**SHOP, "frequency_cap": {"messages": 4, "days": 7}})
    for hour in (13, 14, 15, 16):  # four campaigns on one day, 08:00–11:00 in Miami
        create(shop, send_at=f"2026-11-27T{hour:02d}:00:00Z")
    for hour in (13, 14, 15, 16):
        fire(shop, clock, f"2026-11-27T{hour:02d}:00:00Z")
    counts = {p: sum(1 for m in marketing() if m["to"] == p) for p in (PL, FL, NY, FR)}
    assert counts[FL] == 3  # the 4th is over Florida's 3/24 h
    assert counts[NY] == 4
    create(shop, send_at="2026-11-28T14:00:00Z")
    fire(shop, clock, "2026-11-28T14:00:00Z")
    assert sum(1 for m in marketing() if m["to"] == NY) == 4  # the list cap: 4 per 7 days


def test_cancel_deletes_schedules_and_skips_queued_jobs(shop: LocalAws, clock: Clock) -> None:
    body = create(shop, send_at_local="2026-11-27T18:00").body
    clock.now = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)
    pl = next(i for i in body["plan"] if i["rule"] == "PL")
    Invoker(shop.stack).invoke("DispatcherFunction", {"campaign_id": body["campaign_id"], "bucket": pl["bucket"]})
    reply = shop.http("DELETE", f"/v1/admin/campaigns/{body['campaign_id']}")
    assert reply.status == 200 and reply.body["status"] == "cancelled"
    assert reply.body["schedules_deleted"] == len(body["plan"])
    shop.drain()
    assert marketing() == []
    assert shop.http("GET", f"/v1/admin/campaigns/{body['campaign_id']}").body["stats"]["skipped"]["cancelled"] == 1
    assert shop.http("DELETE", f"/v1/admin/campaigns/{body['campaign_id']}").status == 409


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"text": "Hi {surname}"}, 422, "text"),
        ({"text": ""}, 422, "text"),
        ({"send_at": "2026-11-01T10:00:00Z"}, 422, "send_at"),
        ({"send_at_local": "2026-11-20T10:00"}, 422, "send_at_local"),
        ({"send_at_local": "2026-11-27T18:00", "send_at": "2026-11-27T18:00:00Z"}, 422, "body"),
        ({"list_id": "nope"}, 404, "list_id"),
    ],
)
def test_bad_campaigns(shop: LocalAws, body: dict[str, Any], status: int, field: str) -> None:
    reply = create(shop, **body)
    assert reply.status == status, reply.body
    assert field in reply.body["error"]["fields"], reply.body


def test_planning_cost_does_not_grow_with_the_audience(aws: LocalAws, clock: Clock, aws_calls: list) -> None:
    aws.http("PUT", "/v1/admin/lists/shop", SHOP)

    def subscribe(n: int, start: int) -> None:
        for i in range(start, start + n):
            # Distinct clients and number ranges: the SMS-pumping limits are not what this test is about.
            body = {"phone": f"+48{500 + i % 10}{i:06d}", "list_id": "shop", "sms_consent": True}
            reply = aws.http("POST", "/v1/optin", body, source_ip=f"198.51.{i % 250}.1")
            assert reply.status == 202, reply.body

    subscribe(2, 1000)
    aws_calls.clear()
    create(aws, send_at_local="2026-11-27T18:00")
    small = len(aws_calls)
    subscribe(30, 2000)
    aws_calls.clear()
    create(aws, send_at_local="2026-11-27T18:00")
    assert len(aws_calls) == small


def test_provider_throttling_retries_without_doubles(
    shop: LocalAws, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from botocore.exceptions import ClientError

    from consent_platform.adapters.sms import SnsProvider
    from consent_platform.services import sender

    monkeypatch.setattr(sender, "THROTTLED_DELAY_S", 0)  # put back on the queue: visible again at once here
    original = SnsProvider.send
    calls = {"n": 0}

    def flaky(self: SnsProvider, message: Any) -> str:
        calls["n"] += 1
        if calls["n"] == 1:  # the first attempt is throttled after botocore's own retries
            raise ClientError({"Error": {"Code": "Throttling", "Message": "Rate exceeded"}}, "Publish")
        return original(self, message)

    monkeypatch.setattr(SnsProvider, "send", flaky)
    body = create(shop, send_at_local="2026-11-27T18:00").body
    fire(shop, clock, "2026-11-27T17:00:00Z")  # PL and FR: one throttled, retried from the queue
    assert sorted(m["to"] for m in marketing()) == [FR, PL]
    stats = shop.http("GET", f"/v1/admin/campaigns/{body['campaign_id']}").body["stats"]
    assert stats["sent"] == 2 and stats["skipped"]["duplicate"] == 0


def test_send_at_instant_and_as_soon_as_allowed(shop: LocalAws, clock: Clock) -> None:
    # 12:00Z on a Sunday: 13:00 Warsaw (allowed), 07:00 New York (before 8), Paris: no Sundays.
    clock.now = datetime(2026, 11, 29, 11, 0, tzinfo=UTC)
    plan = by_bucket(create(shop, send_at="2026-11-29T12:00:00Z").body["plan"])
    assert plan["PL:Europe/Warsaw"]["send_at_utc"] == "2026-11-29T12:00:00Z"
    assert plan["US:America/New_York"]["send_at_utc"] == "2026-11-29T13:00:00Z"
    assert (plan["FR:Europe/Paris"]["reason"], plan["FR:Europe/Paris"]["send_at_utc"]) == (
        "no_sending_day",
        "2026-11-30T07:00:00Z",
    )
    asap = by_bucket(create(shop).body["plan"])  # neither: as soon as each window allows
    assert asap["PL:Europe/Warsaw"]["send_at_utc"] == "2026-11-29T11:00:00Z"
    assert asap["US-FL:America/New_York"]["send_at_utc"] == "2026-11-29T13:00:00Z"
