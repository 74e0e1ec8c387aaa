"""AWS request counts of the hot flows, as targets (``make bench`` measures them at full size).

Counts, not timings: the same handlers on moto, every AWS call a handler makes recorded (the provider
call included), nothing the harness does to play AWS (bench/aws_requests.py).
"""

from __future__ import annotations

from bench import aws_requests

# Per additional message at the sender's batch size of 100 (template.yaml): 2.0 (claim, provider call),
# 0.12 (pending put, record, pending delete: BatchWriteItem of 25), 0.03 per batch (cancellation read,
# pacing claim, campaign stats), 0.1 dispatch (SendMessageBatch of 10), 0.01 profiles (BatchGetItem of
# 100) = 2.26. At batches of 25 it was 2.35 (the per-batch three cost 0.12).
PER_SENT_MESSAGE = 2.27
# DynamoDB write request units per sent campaign message (bench/capacity.py): the pending record (1, put
# for the whole batch before the claims, no transaction, no index), the claim — one UpdateItem on the
# subscription (1) — the sent-message record (1) and the pending record's delete (1), plus per-batch
# shares. (2.2 before pending records; 8.1 with them in the claim's transaction and a PendingIndex.)
WRU_PER_SENT_MESSAGE = 4.1
PER_INBOUND_MESSAGE = 4.0


def test_requests_per_sent_campaign_message() -> None:
    """Per additional recipient: the claim (one UpdateItem on the subscription: its send mark), the
    provider call, and the per-batch shares (campaign status read, the pending records before the
    claims, sent-message records and pending deletes, campaign stats per sender batch of 100, one
    SendMessageBatch per 10 jobs, one BatchGetItem of profiles per 100). The difference of two campaigns
    leaves out what a campaign costs once (planning, one dispatch per bucket), which 2,000 recipients
    spread thin in the bench."""
    small, large = aws_requests.campaign(100), aws_requests.campaign(300)
    assert (small["sent"], large["sent"]) == (100, 300)
    per_message = (large["requests"] - small["requests"]) / (large["sent"] - small["sent"])
    assert per_message <= PER_SENT_MESSAGE, large["by_operation"]
    sender = large["functions"]["SenderFunction"]["calls"]
    assert "dynamodb:TransactWriteItems" not in sender  # no transaction: one claim each, stats per batch
    # a claim per message, campaign stats and the identity's token bucket per batch of 100
    assert sender["dynamodb:UpdateItem"] == 300 + 3 + 3 and sender["sns:Publish"] == 300
    assert sender["dynamodb:BatchGetItem"] == 3  # per batch of 100
    # per batch of 100: 100 pending records before the claims (4 × 25); then 100 records + 100 deletes (8)
    assert sender["dynamodb:BatchWriteItem"] == 3 * 12
    wru = (large["functions"]["SenderFunction"]["wru"] - small["functions"]["SenderFunction"]["wru"]) / 200
    assert wru <= WRU_PER_SENT_MESSAGE, wru


def test_requests_per_inbound_message_with_a_warm_worker() -> None:
    result = aws_requests.inbound(40)
    assert result["mix"] == {"TEA": 10, "STOP": 10, "HELP": 10, "YES": 10}
    assert result["per_message"] <= PER_INBOUND_MESSAGE, result["by_operation"]
    assert result["replies_sent"] == 40  # every message answered: confirmation request, STOP, HELP, welcome


def test_planning_does_not_grow_with_the_list() -> None:
    planning = aws_requests.planning((5, 60))
    small, large = planning["subscribers_5"], planning["subscribers_60"]
    assert small["operations"] == large["operations"], planning
