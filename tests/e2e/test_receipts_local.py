"""Delivery receipts end to end on `make run`: send → receipt → stats → contact timeline → skip.

The local provider reports what End User Messaging would (infra/local/delivery.py): the events go through
the template's DeliveryTopic → raw subscription → DeliveryQueue → DeliveryWorkerFunction. ``POST
/dev/delivery`` chooses how later messages to a number end. Every date comes from the stack's clock, and
the stack starts more than a year ahead, so a date written into this file would fail at once.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.conftest import LocalStack, clock_ahead_env, run_local_stack, stack_now

pytestmark = pytest.mark.e2e

A, B, C = "+48501230001", "+48501230002", "+48501230003"
PRICE_PER_PART = 0.005  # the local provider's fixed price (infra/local/delivery.py)
WARSAW, LONDON = ZoneInfo("Europe/Warsaw"), ZoneInfo("Europe/London")


def a_list(brand: str, country: str) -> dict[str, Any]:
    return {
        "brand": brand,
        "opt_in": "single",
        "default_country": country,
        "allowed_countries": [country],
        "language": "en",
        "frequency": "up to 4 msgs/month",
        "support": "help@shop.example",
        "consent_text": {"version": "1", "text": f"Yes, SMS from {brand}"},
    }


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    with run_local_stack(clock_ahead_env()) as running:
        running.stop_timeout = 60  # after the bulk run the threads and moto take longer to wind down
        yield running


def path_of(phone: str) -> str:
    return phone.replace("+", "%2B")


def outbox(stack: LocalStack, phone: str) -> list[dict[str, Any]]:
    return stack.request("GET", "/dev/outbox?phone=" + path_of(phone)).body["messages"]  # type: ignore[no-any-return]


def wait_until_reported(stack: LocalStack, *phones: str) -> None:
    """Until each of ``phones`` has had a message and every one has its final status from the provider."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        boxes = [outbox(stack, phone) for phone in phones]
        if all(box and all(m["status"] for m in box) for box in boxes):
            return
        time.sleep(0.2)
    pytest.fail(f"not reported: {[m for phone in phones for m in outbox(stack, phone) if not m['status']]}")


def utc(ts: datetime) -> str:
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def run_campaign(
    stack: LocalStack, list_id: str, zone: ZoneInfo, days_ahead: int, timeout: float = 30
) -> dict[str, Any]:
    """A campaign at 12:00 recipient time ``days_ahead`` days after the stack's today; the clock is moved
    there (which waits until the queues, receipts included, have drained); returns the campaign."""
    day = stack_now(stack).astimezone(zone).date() + timedelta(days=days_ahead)
    noon = datetime(day.year, day.month, day.day, 12, tzinfo=zone)
    body = {"list_id": list_id, "name": f"Sale {day}", "text": "Sale -20% today!", "send_at_local": f"{day}T12:00"}
    created = stack.json("POST", "/v1/admin/campaigns", body)
    assert created.status == 201, created.body
    moved = stack.json("POST", "/dev/clock", {"now": utc(noon)}, timeout=timeout)
    assert moved.status == 200, moved.body
    return settled(stack, created.body["campaign_id"], timeout)


def settled(stack: LocalStack, campaign_id: str, timeout: float = 30, quiet: float = 1.5) -> dict[str, Any]:
    """The campaign once it is done and its counts have not changed for ``quiet`` seconds (receipts are
    counted per worker batch, and a long run can outlast the clock's wait for the queues)."""
    deadline, last, since = time.monotonic() + timeout, None, time.monotonic()
    while time.monotonic() < deadline:
        campaign = stack.request("GET", f"/v1/admin/campaigns/{campaign_id}").body
        current = campaign["stats"] if campaign["status"] == "done" else None
        if current is None or current != last:
            last, since = current, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return campaign  # type: ignore[no-any-return]
        time.sleep(0.3)
    pytest.fail(f"campaign {campaign_id} did not settle: {campaign}")


def adds_up(stats: dict[str, Any]) -> bool:
    return bool(stats["delivered"] + sum(stats["undelivered"].values()) + stats["awaiting_receipt"] == stats["sent"])


def test_dev_delivery_refuses_what_it_cannot_do(stack: LocalStack) -> None:
    unknown = stack.json("POST", "/dev/delivery", {"phone": A, "status": "TEXT_LOST"})
    assert unknown.status == 422 and set(unknown.body["error"]["fields"]) == {"status"}
    bad_phone = stack.json("POST", "/dev/delivery", {"phone": "12", "status": "TEXT_INVALID"})
    assert bad_phone.status == 422 and set(bad_phone.body["error"]["fields"]) == {"phone"}
    not_json = stack.request("POST", "/dev/delivery", body=b"{", headers={"content-type": "application/json"})
    assert not_json.status == 400
    assert stack.request("GET", "/dev/delivery").body["numbers"] == []  # nothing was half-written


def test_send_receipt_stats_timeline_skip(stack: LocalStack) -> None:
    assert stack.json("PUT", "/v1/admin/lists/walk", a_list("Walk Shop", "PL")).status == 201
    for phone in (A, B):
        reply = stack.json("POST", "/v1/optin", {"phone": phone, "list_id": "walk", "sms_consent": True})
        assert reply.body["status"] == "active", reply.body
    wait_until_reported(stack, A, B)  # the welcome messages: delivered, like any number by default
    assert {m["status"] for phone in (A, B) for m in outbox(stack, phone)} == {"TEXT_DELIVERED"}

    marked = stack.json("POST", "/dev/delivery", {"phone": "+48 501 230 002", "status": "TEXT_INVALID"})
    assert marked.status == 200 and marked.body == {"phone": B, "status": "TEXT_INVALID"}
    listed = stack.request("GET", "/dev/delivery").body
    assert listed["default"] == "TEXT_DELIVERED"
    assert [(n["phone"], n["status"]) for n in listed["numbers"]] == [(B, "TEXT_INVALID")]

    first = run_campaign(stack, "walk", WARSAW, days_ahead=7)
    stats = first["stats"]
    assert (stats["sent"], stats["delivered"], stats["undelivered"], stats["awaiting_receipt"]) == (
        2,
        1,
        {"invalid": 1},
        0,
    )
    assert adds_up(stats) and stats["delivery_rate"] == 0.5
    assert stats["price_usd"] == pytest.approx(2 * PRICE_PER_PART)

    # The contact timeline: the campaign's message, newest first, with its receipt.
    timeline = {phone: stack.request("GET", f"/v1/admin/contacts/{path_of(phone)}").body for phone in (A, B)}
    newest = {phone: body["messages"][0] for phone, body in timeline.items()}
    assert {phone: (m["campaign_id"], m["status"]) for phone, m in newest.items()} == {
        A: (first["campaign_id"], "delivered"),
        B: (first["campaign_id"], "failed"),
    }
    assert newest[B]["reason"] and newest[B]["status_at"]
    assert timeline[A]["profile"].get("undeliverable") is None
    assert timeline[B]["profile"]["undeliverable"]["reason"] == "invalid"

    # The outbox shows what the provider reported.
    [sent_b] = [m for m in outbox(stack, B) if m["body"].startswith("Sale")]
    assert sent_b["status"] == "TEXT_INVALID" and sent_b["status_at"]

    second = run_campaign(stack, "walk", WARSAW, days_ahead=1)
    assert second["stats"]["skipped"]["undeliverable"] == 1
    assert (second["stats"]["sent"], second["stats"]["delivered"]) == (1, 1)
    assert [m["to"] for m in outbox(stack, B) if m["body"].startswith("Sale")] == [B]  # not texted again


def test_a_number_the_provider_never_reports_stays_awaiting_receipt(stack: LocalStack) -> None:
    assert stack.json("PUT", "/v1/admin/lists/silent", a_list("Silent Shop", "PL")).status == 201
    assert stack.json("POST", "/v1/optin", {"phone": C, "list_id": "silent", "sms_consent": True}).status == 202
    wait_until_reported(stack, C)
    assert stack.json("POST", "/dev/delivery", {"phone": C, "status": "none"}).body["status"] == "none"

    campaign = run_campaign(stack, "silent", WARSAW, days_ahead=3)
    stats = campaign["stats"]
    assert (stats["sent"], stats["delivered"], stats["undelivered"], stats["awaiting_receipt"]) == (1, 0, {}, 1)
    [message] = [m for m in outbox(stack, C) if m["body"].startswith("Sale")]
    assert message["status"] is None and message["status_at"] is None
    newest = stack.request("GET", f"/v1/admin/contacts/{path_of(C)}").body["messages"][0]
    assert (newest["campaign_id"], newest["status"]) == (campaign["campaign_id"], "sent")


IMPORT_CHUNK = 250
# Thousands of contacts: moto as installed copies a table per transaction item, slower as it grows, so the
# figure runs with the local stack's opt-in speed-ups (as the load test does; README "moto as installed").
FAST = {**clock_ahead_env(), "LOCAL_MOTO_SPEEDUPS": "1"}


@pytest.fixture(scope="module")
def bulk_stack() -> Iterator[LocalStack]:
    with run_local_stack(FAST) as running:
        running.stop_timeout = 60
        yield running


def uk_number(i: int) -> str:
    return f"+4474{i:08d}"


@pytest.mark.parametrize(
    "recipients",
    [pytest.param(100, id="100-recipients"), pytest.param(2000, id="2000-recipients", marks=pytest.mark.slow)],
)
def test_a_campaign_with_5_percent_invalid_numbers(bulk_stack: LocalStack, recipients: int) -> None:
    """The figure: delivered + undelivered + awaiting receipt = sent, and the next campaign skips the
    invalid numbers (the short version runs by default, the 2,000-recipient one with ``-m slow``)."""
    stack, started, timeout = bulk_stack, time.monotonic(), 30 + recipients * 0.2
    list_id = f"bulk-{recipients}"
    assert stack.json("PUT", f"/v1/admin/lists/{list_id}", a_list("Bulk Shop", "GB")).status == 201
    phones = [uk_number(recipients * 10_000 + i) for i in range(recipients)]
    for start in range(0, recipients, IMPORT_CHUNK):  # a customer file, in requests the client's timeout allows
        rows = "".join(f"{p},order-{start + i}\n" for i, p in enumerate(phones[start : start + IMPORT_CHUNK]))
        imported = stack.request(
            "POST",
            f"/v1/admin/lists/{list_id}/import",
            body=("phone,evidence\n" + rows).encode(),
            headers={"content-type": "text/csv"},
            timeout=timeout,
        )
        assert imported.status == 200 and imported.body["imported"] == len(phones[start : start + IMPORT_CHUNK])
    imported_at = time.monotonic()
    invalid = phones[::20]  # 5 %
    for phone in invalid:
        assert stack.json("POST", "/dev/delivery", {"phone": phone, "status": "TEXT_INVALID"}).status == 200

    first = run_campaign(stack, list_id, LONDON, days_ahead=7, timeout=timeout)
    stats = first["stats"]
    first_at = time.monotonic()
    assert adds_up(stats)
    assert (stats["sent"], stats["delivered"], stats["undelivered"], stats["awaiting_receipt"]) == (
        recipients,
        recipients - len(invalid),
        {"invalid": len(invalid)},
        0,
    )
    some_invalid = stack.request("GET", f"/v1/admin/contacts/{path_of(invalid[-1])}").body
    assert some_invalid["profile"]["undeliverable"]["reason"] == "invalid"

    second = run_campaign(stack, list_id, LONDON, days_ahead=1, timeout=timeout)
    stats = second["stats"]
    print(
        f"\n{recipients} recipients, {len(invalid)} invalid: import {imported_at - started:.1f} s, first campaign "
        f"{first_at - imported_at:.1f} s {first['stats']}, second {time.monotonic() - first_at:.1f} s {stats}"
    )
    assert stats["skipped"]["undeliverable"] == len(invalid)
    assert (stats["sent"], stats["delivered"], stats["awaiting_receipt"]) == (
        recipients - len(invalid),
        recipients - len(invalid),
        0,
    )


PACED_IDENTITY, PACED_RATE = "+447700900077", 4  # a UK long code, configured below its 10 parts/s default


def dead_lettered(stack: LocalStack) -> int:
    """Messages in the stack's outbound dead-letter queue, read from its moto endpoint (in the banner)."""
    import re

    import boto3

    endpoint = re.search(r"served by moto at (\S+);", "".join(stack.output))  # the banner: the first lines
    assert endpoint, stack.log()
    sqs = boto3.client(
        "sqs",
        endpoint_url=endpoint.group(1),
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )
    [url] = [u for u in sqs.list_queues().get("QueueUrls", []) if u.endswith("OutboundDLQ")]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    return int(attrs["Attributes"]["ApproximateNumberOfMessages"])


def test_a_campaign_through_a_slow_identity_goes_out_once_while_the_provider_enforces_its_rate(
    stack: LocalStack,
) -> None:
    """The local provider throttles beyond the identity's configured rate like End User Messaging; pacing
    keeps to it, and what is throttled anyway comes back later: each recipient once, none dead-lettered,
    never more than the rate plus one second's burst in any second of the outbox's ``sent_at``."""
    recipients = 12
    phones = [uk_number(90_000_000 + i) for i in range(recipients)]
    listed = {**a_list("Paced Shop", "GB"), "origination": {"default": PACED_IDENTITY}}
    assert stack.json("PUT", "/v1/admin/lists/paced", listed).status == 201
    rate = stack.json("PUT", f"/v1/admin/senders/{path_of(PACED_IDENTITY)}", {"parts_per_second": PACED_RATE})
    assert rate.status == 201, rate.body
    rows = "".join(f"{p},order-{i}\n" for i, p in enumerate(phones))
    imported = stack.request(
        "POST",
        "/v1/admin/lists/paced/import",
        body=("phone,evidence\n" + rows).encode(),
        headers={"content-type": "text/csv"},
    )
    assert imported.status == 200 and imported.body["imported"] == recipients, imported.body

    campaign = run_campaign(stack, "paced", LONDON, days_ahead=5)
    assert campaign["stats"]["sent"] == recipients, campaign["stats"]
    sent = [m for m in stack.request("GET", "/dev/outbox").body["messages"] if m["from"] == PACED_IDENTITY]
    assert sorted(m["to"] for m in sent) == phones  # each recipient exactly once
    assert dead_lettered(stack) == 0
    times = sorted(datetime.fromisoformat(m["sent_at"].replace("Z", "+00:00")).timestamp() for m in sent)
    busiest = max(sum(1 for u in times if t <= u < t + 1.0) for t in times)  # 1 part each
    assert busiest <= 2 * PACED_RATE, times
    throttled = stack.log().count("sms throttled: put back for later")
    print(
        f"\n{recipients} recipients at {PACED_RATE} parts/s: {throttled} throttled and put back, busiest 1 s {busiest}"
    )
