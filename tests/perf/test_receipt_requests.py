"""AWS requests per delivery receipt (issue 16: ≤ 1.2 in a batch of 10): one conditional UpdateItem per
receipt, one counter update per campaign per batch, one PutEvents per 10 outcomes. A failure costs the
undeliverable policy one more request (a permanent one: the profile's mark; a temporary one: a Query of the
number's receipts) — deliveries and blocks cost it nothing."""

from __future__ import annotations

import json
from collections import Counter

from consent_platform.services.dispatcher import campaign_message_id
from tests.integration.conftest import Clock, LocalAws, aws, aws_calls, clock
from tests.integration.receipts_support import bus_entries, delivery_event, publish
from tests.integration.test_campaigns import FL, FR, NY, PL, shop
from tests.integration.test_receipts import sent

__all__ = ["aws", "aws_calls", "clock", "sent", "shop"]

PER_RECEIPT = 1.2


def test_requests_per_receipt_in_a_batch_of_ten(shop: LocalAws, clock: Clock, sent: str, aws_calls: list) -> None:
    """Ten final receipts of one campaign (the worst case: every one counts and goes on the bus)."""
    outcomes = ["TEXT_DELIVERED", "TEXT_INVALID", "TEXT_SPAM", "TEXT_UNREACHABLE"]
    events = [
        delivery_event(phone, campaign_message_id(sent, phone), outcome, clock=clock, campaign_id=sent)
        for phone, outcome in zip((PL, FR, NY, FL), outcomes, strict=True)
    ]
    events += [delivery_event(PL, f"other-{n}", "TEXT_DELIVERED", clock=clock) for n in range(6)]
    aws_calls.clear()
    result = publish(shop, *events)
    assert result["batchItemFailures"] == []
    # SNS Publish and SQS receive/delete are the harness playing End User Messaging and Lambda's event
    # source mapping; everything else is the worker's.
    ours = Counter(f"{service}:{op}" for service, op, _ in aws_calls if service not in ("sns", "sqs"))
    policy = {"dynamodb:UpdateItem": 1, "dynamodb:Query": 1}  # FR's TEXT_INVALID marks; FL's unreachable reads
    assert ours == Counter({"dynamodb:UpdateItem": 10 + 1 + 1, "dynamodb:Query": 1, "events:PutEvents": 1}), ours
    assert (sum(ours.values()) - sum(policy.values())) / len(events) <= PER_RECEIPT
    # One bus event per kind per batch (EventBridge bills per event), each listing its messages.
    entries = {e["DetailType"]: len(json.loads(e["Detail"])["messages"]) for e in bus_entries(aws_calls)}
    assert entries == {"Message.Delivered": 7, "Message.Failed": 3}
