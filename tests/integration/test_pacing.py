"""Pacing per origination identity, through the sender's SQS handler on moto with an injected clock.

The queue's delays follow the injected clock (moto's SQS reads ``unix_time_millis``), and each "tick"
delivers a few concurrent batches of 25 like Lambda's pollers, so the figures are exact and take no
sleeps: 300 recipients through an identity limited to 10 parts/s.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from consent_platform.adapters.dynamodb import keys
from consent_platform.domain.messages import OutboundMessage, build_message
from infra.local.lambda_runtime import FakeLambdaContext, load_handler, sqs_event
from tests.integration.conftest import Clock, LocalAws

IDENTITY = "+48500000001"  # a Polish long code: 10 parts/s by default; configured explicitly here
TICK_S = 0.25
POLLERS = 3  # concurrent batches per tick


@pytest.fixture
def sends(monkeypatch: pytest.MonkeyPatch, clock: Clock) -> list[tuple[datetime, OutboundMessage]]:
    return record_sends(monkeypatch, clock)


def record_sends(monkeypatch: pytest.MonkeyPatch, clock: Clock) -> list[tuple[datetime, OutboundMessage]]:
    """Every provider call that sent (at the injected time), and SQS delays on the injected clock."""
    import moto.sqs.models

    from consent_platform.adapters.sms import SnsProvider

    monkeypatch.setattr(moto.sqs.models, "unix_time_millis", lambda: clock.now.timestamp() * 1000)
    monkeypatch.setattr(moto.sqs.models, "unix_time", lambda: clock.now.timestamp())  # noqa: PLW0108 - read at each call
    out: list[tuple[datetime, OutboundMessage]] = []
    real = SnsProvider.send

    def send(self: SnsProvider, message: OutboundMessage) -> str:
        result = real(self, message)
        out.append((clock.now, message))
        return result

    monkeypatch.setattr(SnsProvider, "send", send)
    return out


def queue_messages(aws: LocalAws, clock: Clock, count: int, body: str = "Your code is ready.") -> None:
    from consent_platform import bootstrap

    messages = [
        build_message(to=f"+4850{i:07d}", body=body, kind="reply", now=clock.now, origination=IDENTITY)
        for i in range(count)
    ]
    bootstrap.queue().send(messages)


def receive(aws: LocalAws, limit: int = 25) -> list[dict[str, Any]]:
    sqs, url, got = boto3.client("sqs"), aws.queue_url("OutboundQueue"), []
    while len(got) < limit:
        page = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=min(10, limit - len(got)), AttributeNames=["All"]
        ).get("Messages", [])
        if not page:
            break
        got.extend(page)
    return got


def deliver(aws: LocalAws, messages: list[dict[str, Any]]) -> int:
    """One sender invocation; failures come back at once (the visibility timeout skipped). Failed count."""
    sqs, url = boto3.client("sqs"), aws.queue_url("OutboundQueue")
    event = sqs_event(messages, aws.stack.attributes["OutboundQueue"]["Arn"])
    result = load_handler(aws.stack, "SenderFunction")(event, FakeLambdaContext("SenderFunction"))
    failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
    for m in messages:
        if m["MessageId"] in failed:
            sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0)
        else:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return len(failed)


def run(aws: LocalAws, clock: Clock, max_ticks: int = 400, tick_s: float = TICK_S) -> Iterator[int]:
    """Ticks of the injected clock until the queue (delayed messages included) is empty."""
    sqs, url = boto3.client("sqs"), aws.queue_url("OutboundQueue")
    for _ in range(max_ticks):
        for _poller in range(POLLERS):
            batch = receive(aws)
            if batch:
                yield deliver(aws, batch)
        clock.advance(seconds=tick_s)
        attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        waiting = sum(int(attrs[a]) for a in attrs if a.startswith("ApproximateNumberOfMessages"))
        if not waiting:
            return


def max_parts_in_any_second(sends: list[tuple[datetime, OutboundMessage]]) -> int:
    times = sorted((t.timestamp(), m.segments) for t, m in sends)
    return max(sum(p for u, p in times if t <= u < t + 1.0) for t, _ in times)


def dead_lettered(aws: LocalAws) -> int:
    attrs = boto3.client("sqs").get_queue_attributes(
        QueueUrl=aws.queue_url("OutboundDLQ"), AttributeNames=["ApproximateNumberOfMessages"]
    )
    return int(attrs["Attributes"]["ApproximateNumberOfMessages"])


def throughput(aws: LocalAws, clock: Clock, sends: list[tuple[datetime, OutboundMessage]], n: int) -> dict[str, Any]:
    assert aws.http("PUT", f"/v1/admin/senders/{IDENTITY.replace('+', '%2B')}", {"parts_per_second": 10}).status == 201
    queue_messages(aws, clock, n)
    failures = sum(run(aws, clock))
    ids = [m.message_id for _, m in sends]
    span = (sends[-1][0] - sends[0][0]).total_seconds() + 1.0  # the last second counts whole
    parts = sum(m.segments for _, m in sends)
    return {
        "recipients": n,
        "sent": len(ids),
        "duplicates": len(ids) - len(set(ids)),
        "batch_failures": failures,
        "dead_lettered": dead_lettered(aws),
        "max_parts_in_any_1s": max_parts_in_any_second(sends),
        "achieved_parts_per_second": round(parts / span, 2),
    }


def test_300_recipients_at_10_parts_per_second(aws: LocalAws, clock: Clock, sends: list) -> None:
    figure = throughput(aws, clock, sends, 300)
    print("throughput figure", figure)
    assert figure["sent"] == 300 and figure["duplicates"] == 0, figure
    assert figure["dead_lettered"] == 0 and figure["batch_failures"] == 0, figure
    assert figure["max_parts_in_any_1s"] <= 10 + 10, figure  # the rate plus one second's burst
    assert figure["achieved_parts_per_second"] >= 0.8 * 10, figure
    # Nothing put back was left "claimed, outcome unknown" for the reconciler.
    pending = [i for s in range(keys.PENDING_SHARDS) for i in aws_pending(s)]
    assert pending == []


def aws_pending(shard: int) -> list[dict[str, Any]]:
    from consent_platform import bootstrap
    from consent_platform.adapters.dynamodb.pending import shard_records

    return list(shard_records(bootstrap.stores().table.name, shard))


def test_multi_part_messages_count_each_part(aws: LocalAws, clock: Clock, sends: list) -> None:
    """A 3-part message takes 3 of the identity's 10 parts per second."""
    assert aws.http("PUT", f"/v1/admin/senders/{IDENTITY.replace('+', '%2B')}", {"parts_per_second": 10}).status == 201
    queue_messages(aws, clock, 40, body="x" * 400)  # GSM-7, 3 parts
    assert sum(run(aws, clock)) == 0
    assert {m.segments for _, m in sends} == {3} and len(sends) == 40
    assert max_parts_in_any_second(sends) <= 20


def test_a_throttled_send_comes_back_later_without_counting_toward_the_dead_letter_queue(
    aws: LocalAws, clock: Clock, sends: list, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The provider still throttles after the in-call retries: the message is put back with a delay (a
    new SQS message, receive count 1), not failed back to SQS 5 times into the dead-letter queue."""
    from consent_platform.adapters import sms

    monkeypatch.setattr(sms, "_BACKOFF_BASE_S", 0.0)
    throttled = ClientError({"Error": {"Code": "ThrottlingException", "Message": "rate"}}, "Publish")
    real = sms.SnsProvider.send
    refusals = {"left": sms.SEND_ATTEMPTS * 6}  # six whole deliveries throttled

    def flaky(self: sms.SnsProvider, message: OutboundMessage) -> str:
        if refusals["left"] > 0:
            refusals["left"] -= 1
            raise throttled
        return real(self, message)

    monkeypatch.setattr(sms.SnsProvider, "send", flaky)
    queue_messages(aws, clock, 1)
    failures = sum(run(aws, clock))
    assert failures == 0 and dead_lettered(aws) == 0
    assert len(sends) == 1, "sent once, after the throttling passed"
    assert [i for s in range(keys.PENDING_SHARDS) for i in aws_pending(s)] == []


class _RunningOut(FakeLambdaContext):
    """A context with time for ``sends`` messages, then less than the sender's deadline margin."""

    def __init__(self, sends: int) -> None:
        super().__init__("SenderFunction", timeout_s=30)
        self.checks_left = sends

    def get_remaining_time_in_millis(self) -> int:
        self.checks_left -= 1
        return 30_000 if self.checks_left >= 0 else 1_000


def test_a_batch_running_out_of_time_puts_the_rest_back_without_a_receive_against_them(
    aws: LocalAws, clock: Clock, sends: list
) -> None:
    """Near its timeout the sender stops claiming: the rest of the batch goes back as new messages (not
    failed back to SQS, which would count a receive against each), and each is then sent exactly once."""
    sqs, url = boto3.client("sqs"), aws.queue_url("OutboundQueue")
    queue_messages(aws, clock, 10)
    batch = receive(aws, limit=10)
    event = sqs_event(batch, aws.stack.attributes["OutboundQueue"]["Arn"])
    result = load_handler(aws.stack, "SenderFunction")(event, _RunningOut(sends=3))
    assert result.get("batchItemFailures", []) == []
    assert len(sends) == 3
    for m in batch:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    back = receive(aws, limit=10)
    assert len(back) == 7 and {m["Attributes"]["ApproximateReceiveCount"] for m in back} == {"1"}
    assert deliver(aws, back) == 0
    ids = [m.message_id for _, m in sends]
    assert len(ids) == 10 and len(set(ids)) == 10, "each message sent exactly once"
    assert [i for s in range(keys.PENDING_SHARDS) for i in aws_pending(s)] == [], "no claim left unknown"


def test_a_campaign_longer_than_the_redrive_window_is_not_dead_lettered(
    aws: LocalAws, clock: Clock, sends: list
) -> None:
    """100 messages at 0.1 part/s take 1,000 s: longer than the outbound queue's redrive window
    (maxReceiveCount × visibility timeout, 900 s), and beyond the 840 s reservation horizon (those are put back
    unreserved, 900 s later, and reserve when they return). Waiting is never a receive that fails: each
    message is put back as a new one, so nothing reaches maxReceiveCount."""
    from infra.local.template import load_template

    queue = load_template()["Resources"]["OutboundQueue"]["Properties"]
    window_s = queue["RedrivePolicy"]["maxReceiveCount"] * queue["VisibilityTimeout"]
    assert aws.http("PUT", f"/v1/admin/senders/{IDENTITY.replace('+', '%2B')}", {"parts_per_second": 0.1}).status == 201
    started = clock.now
    queue_messages(aws, clock, 100)
    assert sum(run(aws, clock, max_ticks=200, tick_s=15.0)) == 0
    assert dead_lettered(aws) == 0
    assert sorted(m.message_id for _, m in sends) == sorted({m.message_id for _, m in sends}) and len(sends) == 100
    assert (sends[-1][0] - started).total_seconds() > window_s
