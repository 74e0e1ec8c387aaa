"""Effectively-once sending through the public contract: queue events to the sender, the scheduled
reconciler, and a scripted provider (the local outbox counts what it accepted; a "lost" answer writes
the delivery receipt the delivery worker would)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError, ReadTimeoutError

from consent_platform.adapters.dynamodb import keys
from consent_platform.adapters.sms import LocalOutboxProvider, read_outbox
from tests.integration.conftest import DEMO_LIST, Clock, LocalAws
from tests.integration.receipts_support import store_receipt
from tests.reliability.faults import FunctionDied, drain, pending_left, reconcile

PL = "+48501234567"
SHOP = {
    **DEMO_LIST,
    "opt_in": "single",
    "language": "en",
    "brand": "Shop",
    "consent_text": {"version": "1", "text": "Yes"},
}
URL = "https://sms-voice.us-east-1.amazonaws.com/"


class Script:
    """What the provider does on each call, in order (then ``ok``)."""

    def __init__(self) -> None:
        self.steps: list[str] = []

    def send(self, original: Any, provider: LocalOutboxProvider, message: Any) -> str:
        step = self.steps.pop(0) if self.steps else "ok"
        if step == "die":  # the sender dies between its claim and the call
            raise FunctionDied(message.message_id)
        if step == "throttle":  # refused before acceptance
            raise ClientError({"Error": {"Code": "ThrottlingException"}}, "SendTextMessage")
        if step == "timeout":  # no answer, and nothing was accepted (the provider never reports it)
            raise ReadTimeoutError(endpoint_url=URL)
        provider_id = str(original(provider, message))
        receipt(message.to, message.message_id)
        if step == "lost":  # accepted, then the answer is lost
            raise ReadTimeoutError(endpoint_url=URL)
        return provider_id


def receipt(phone: str, message_id: str) -> None:
    from consent_platform.domain.clock import utc_now

    store_receipt(phone, message_id, utc_now())


@pytest.fixture
def script(aws: LocalAws, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> Iterator[Script]:
    from consent_platform import bootstrap

    monkeypatch.setenv("SMS_PROVIDER", "local")  # a provider that reports receipts
    bootstrap.reset()
    scripted = Script()
    original = LocalOutboxProvider.send
    monkeypatch.setattr(LocalOutboxProvider, "send", lambda self, message: scripted.send(original, self, message))
    yield scripted


def accepted() -> list[dict[str, Any]]:
    return read_outbox(os.environ["LOCAL_OUTBOX_PATH"])


def settle(aws: LocalAws) -> None:
    for _ in range(10):
        if not aws.receive_count("OutboundQueue"):
            return
        drain(aws)


def campaign(aws: LocalAws, clock: Clock) -> str:
    assert aws.http("PUT", "/v1/admin/lists/shop", SHOP).status == 201
    assert aws.http("POST", "/v1/optin", {"phone": PL, "list_id": "shop", "sms_consent": True}).status == 202
    settle(aws)  # the welcome message
    created = aws.http("POST", "/v1/admin/campaigns", {"list_id": "shop", "name": "BF", "text": "Black Friday"})
    assert created.status == 201, created.body
    clock.advance(seconds=61)
    from infra.local.invoker import Invoker
    from infra.local.schedules import LocalScheduler

    LocalScheduler(aws.stack, Invoker(aws.stack)).fire_due(clock.now, wait=False)
    return str(created.body["campaign_id"])


def stats(aws: LocalAws, campaign_id: str) -> dict[str, Any]:
    return dict(aws.http("GET", f"/v1/admin/campaigns/{campaign_id}").body["stats"])


def marketing() -> list[dict[str, Any]]:
    return [m for m in accepted() if "Black Friday" in str(m["body"])]


def test_an_answer_lost_after_acceptance_is_not_retried_and_counts_as_sent_from_the_receipt(
    aws: LocalAws, clock: Clock, script: Script
) -> None:
    campaign_id = campaign(aws, clock)
    script.steps = ["lost"]
    settle(aws)
    assert not aws.receive_count("OutboundQueue") and not aws.receive_count("OutboundDLQ")
    assert len(marketing()) == 1 and stats(aws, campaign_id)["sent"] == 0  # the outcome is not known yet
    clock.advance(minutes=14)
    assert reconcile(aws)["confirmed"] == 0  # within the safe delay: not resolved yet
    clock.advance(minutes=2)
    assert reconcile(aws)["confirmed"] == 1
    settle(aws)
    assert len(marketing()) == 1, "the provider accepted the message twice"
    assert stats(aws, campaign_id)["sent"] == 1
    assert reconcile(aws)["confirmed"] == 0 and pending_left() == 0
    assert stats(aws, campaign_id)["sent"] == 1  # counted once


def test_a_sender_dying_between_claim_and_call_is_resent_once(aws: LocalAws, clock: Clock, script: Script) -> None:
    aws.http("PUT", "/v1/admin/lists/demo", DEMO_LIST)
    script.steps = ["die"]
    assert aws.http("POST", "/v1/optin", {"phone": PL, "list_id": "demo", "sms_consent": True}).status == 202
    settle(aws)  # the batch comes back after the death; the redelivery finds the claim: a duplicate
    assert accepted() == [] and pending_left() == 1
    clock.advance(minutes=16)
    assert reconcile(aws)["resent"] == 1
    settle(aws)
    [sent] = accepted()
    assert sent["kind"] == "confirm_request" and str(sent["message_id"]).endswith("~r")
    # The subscription still expects the original's id: the guarded resend passed, the number can confirm.
    clock.advance(minutes=16)
    assert reconcile(aws)["resent"] == 0 and pending_left() == 0
    assert len(accepted()) == 1


def test_a_resend_whose_outcome_stays_unknown_is_never_resent_again(
    aws: LocalAws, clock: Clock, script: Script
) -> None:
    campaign_id = campaign(aws, clock)
    script.steps = ["die", "timeout"]
    settle(aws)
    clock.advance(minutes=16)
    assert reconcile(aws)["resent"] == 1
    settle(aws)  # the resend times out without being accepted
    clock.advance(minutes=16)
    assert reconcile(aws)["not_sent"] == 1
    settle(aws)
    clock.advance(minutes=16)
    assert reconcile(aws)["resent"] == 0 and pending_left() == 0
    assert marketing() == []
    assert stats(aws, campaign_id)["sent"] == 0 and stats(aws, campaign_id)["failed"] == 1


def test_a_resend_is_refused_once_the_number_opted_out(aws: LocalAws, clock: Clock, script: Script) -> None:
    campaign_id = campaign(aws, clock)
    script.steps = ["die"]
    settle(aws)
    aws.text("STOP", sender=PL)
    aws.process_inbound()
    clock.advance(minutes=16)
    assert reconcile(aws)["resent"] == 1
    settle(aws)
    assert marketing() == []
    assert stats(aws, campaign_id)["skipped"]["opted_out"] == 1
    records = _messages(PL, "~MSG#cmp")
    assert {m["outcome"] for m in records} == {"resent", "not_sent"}  # the original's, the resend's
    assert {m.get("reason") for m in records if m["outcome"] == "not_sent"} == {"opted_out"}


def test_a_call_refused_before_acceptance_still_goes_back_to_sqs(
    aws: LocalAws, clock: Clock, script: Script, monkeypatch: pytest.MonkeyPatch
) -> None:
    from consent_platform.services import sender

    monkeypatch.setattr(sender, "THROTTLED_DELAY_S", 0)  # put back on the queue (not failed): visible at once
    campaign_id = campaign(aws, clock)
    script.steps = ["throttle"]
    settle(aws)
    assert len(marketing()) == 1 and stats(aws, campaign_id)["sent"] == 1
    assert pending_left() == 0  # released with the claim, sent by the retry, cleared with its record


def _messages(phone: str, prefix: str) -> list[dict[str, Any]]:
    import boto3

    from consent_platform.adapters.dynamo import from_item

    items = boto3.client("dynamodb").query(
        TableName=os.environ["TABLE_NAME"],
        KeyConditionExpression="pk = :p AND begins_with(sk, :s)",
        ExpressionAttributeValues={":p": {"S": keys.PROFILE.pk.format(phone=phone)}, ":s": {"S": prefix}},
    )["Items"]
    return [from_item(item) for item in items]


def test_erasure_removes_the_pending_record_that_holds_the_number(aws: LocalAws, clock: Clock, script: Script) -> None:
    """A pending record lives in a PEND# shard, not under the number: erasure must still find it."""
    import json

    import boto3

    aws.http("PUT", "/v1/admin/lists/demo", DEMO_LIST)
    script.steps = ["die"]
    assert aws.http("POST", "/v1/optin", {"phone": PL, "list_id": "demo", "sms_consent": True}).status == 202
    settle(aws)
    assert pending_left() == 1
    assert aws.http("DELETE", "/v1/admin/contacts/%2B48501234567").status == 200
    items = boto3.client("dynamodb").scan(TableName=os.environ["TABLE_NAME"])["Items"]
    assert [i for i in items if "501234567" in json.dumps(i)] == []
    assert pending_left() == 0
    clock.advance(minutes=16)
    assert reconcile(aws)["resent"] == 0 and accepted() == []  # nothing left to resend to the number
