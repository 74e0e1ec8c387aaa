"""Forwarding under failure (issue #20): a URL that answers 500 is retried by SQS, then dead-lettered after
maxReceiveCount; a retry after a partial failure repeats only the target that failed."""

from __future__ import annotations

from typing import Any

import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from infra.local.template import load_template
from tests.integration.conftest import LocalAws, aws, demo_list
from tests.integration.forwarding_support import NUMBER, Receiver, forward, set_rule, wire

__all__ = ["aws", "demo_list"]  # the moto stack's fixtures (reliability has no conftest of its own)
MAX_RECEIVES = load_template()["Resources"]["ForwardingQueue"]["Properties"]["RedrivePolicy"]["maxReceiveCount"]


@pytest.fixture
def receiver(aws: LocalAws, demo_list: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Receiver:
    return wire(aws, monkeypatch)


def test_a_failing_url_is_retried_then_dead_lettered_and_alarmed(aws: LocalAws, receiver: Receiver) -> None:
    set_rule(aws, url="https://crm.example.com/sms")
    receiver.statuses = [500] * 10
    aws.text("Czy macie róże na jutro?", to=NUMBER)
    for attempt in range(1, MAX_RECEIVES + 1):
        result = forward(aws)
        assert len(result["batchItemFailures"]) == 1, attempt
    assert forward(aws) == {"batchItemFailures": []}  # nothing left: SQS moved it after the last receive
    assert len(receiver.posts) == MAX_RECEIVES
    assert aws.receive_count("ForwardingDLQ") == 1
    alarms = [
        a for a in load_template()["Resources"].values()
        if a["Type"] == "AWS::CloudWatch::Alarm" and "ForwardingDLQ" in str(a["Properties"]["Dimensions"])
    ]  # fmt: skip
    assert alarms


def test_a_timeout_then_success_posts_once_more_and_emails_once(aws: LocalAws, receiver: Receiver) -> None:
    set_rule(aws, url="https://crm.example.com/sms", email="biuro@shop.example")
    receiver.statuses = [-1, 200]  # a timeout, then the receiver is back
    aws.text("Czy macie róże na jutro?", to=NUMBER)
    assert len(forward(aws)["batchItemFailures"]) == 1
    assert forward(aws) == {"batchItemFailures": []}
    assert forward(aws) == {"batchItemFailures": []}  # nothing is left to retry
    assert len(receiver.posts) == 2  # the failed try and the one that succeeded
    assert len(ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages) == 1  # not again on the retry


def test_each_retry_waits_longer(aws: LocalAws, receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    """Backoff: the forwarder hides a failed job for 30 s, then 60 s, … (not the queue's fixed timeout)."""
    from botocore.client import BaseClient

    delays: list[int] = []
    original = BaseClient._make_api_call

    def recording(self: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        if operation == "ChangeMessageVisibility" and params["VisibilityTimeout"]:  # the test's own resets are 0
            delays.append(params["VisibilityTimeout"])
        return original(self, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", recording)
    set_rule(aws, url="https://crm.example.com/sms")
    receiver.statuses = [503, 503, 503]
    aws.text("Czy macie róże na jutro?", to=NUMBER)
    for _ in range(3):
        forward(aws)
    assert delays == [30, 60, 120]
