"""Erasure must stop every path that could message the number (issue 14 finding 4): redelivered and
replayed inbound messages, deferred campaign schedules, and a form's query string in list statistics."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import boto3

from inbound.worker import lambda_handler as worker
from infra.local.invoker import Invoker
from infra.local.lambda_runtime import FakeLambdaContext, sqs_event
from tests.integration.conftest import Clock, LocalAws, sent_sms
from tests.integration.test_campaigns import FL, create, shop  # noqa: F401 - the campaign fixture

PHONE = "+48501234567"
PATH = "/v1/admin/contacts/%2B48501234567"


def optin_and_confirm(aws: LocalAws, clock: Clock) -> list[dict[str, Any]]:
    """Sign up, confirm by text; returns the confirming SQS message as the worker received it."""
    form = {"phone": PHONE, "list_id": "demo", "sms_consent": True}
    assert aws.http("POST", "/v1/optin", form).status == 202
    aws.drain()
    clock.advance(minutes=1)
    payload = {
        "originationNumber": PHONE,
        "destinationNumber": "+48500000000",
        "messageKeyword": "KEYWORD",
        "messageBody": "TAK",
        "inboundMessageId": "eum-confirm-1",
        "previousPublishedMessageId": "x",
    }
    boto3.client("sqs").send_message(QueueUrl=aws.queue_url("InboundQueue"), MessageBody=json.dumps(payload))
    messages = aws.receive("InboundQueue")
    deliver(aws, messages)
    return messages


def deliver(aws: LocalAws, messages: list[dict[str, Any]]) -> None:
    """The worker gets these exact SQS messages (same MessageId: a redelivery), then the sender runs."""
    result = worker(sqs_event(messages, aws.stack.attributes["InboundQueue"]["Arn"]), FakeLambdaContext("w"))
    assert not result["batchItemFailures"]
    aws.drain()


def test_redelivered_and_replayed_inbound_after_erasure_do_nothing(
    aws: LocalAws, demo_list: dict, clock: Clock, aws_calls: list
) -> None:
    confirming = optin_and_confirm(aws, clock)
    assert aws.http("GET", PATH).body["subscriptions"][0]["status"] == "active"
    assert aws.http("DELETE", PATH).status == 200
    texts, published = len(sent_sms()), len([c for c in aws_calls if c[1] == "PutEvents"])
    clock.advance(days=2)
    deliver(aws, confirming)  # SQS redelivers the very message
    boto3.client("sqs").send_message(QueueUrl=aws.queue_url("InboundQueue"), MessageBody=confirming[0]["Body"])
    aws.process_inbound()  # the same provider message replayed as a new queue message
    assert len(sent_sms()) == texts  # no welcome SMS to the erased number
    assert len([c for c in aws_calls if c[1] == "PutEvents"]) == published  # no Consent.Confirmed again
    assert aws.http("GET", PATH).status == 404  # no record recreated


def test_a_new_text_after_erasure_is_a_new_signup(aws: LocalAws, demo_list: dict, clock: Clock) -> None:
    """Signing up again of one's own accord is allowed: a new inbound message (a new id) works."""
    aws.http("PUT", "/v1/admin/keywords/kwiaty", {"number": "4301", "action": "join", "list_id": "demo"})
    optin_and_confirm(aws, clock)
    assert aws.http("DELETE", PATH).status == 200
    clock.advance(days=1)
    aws.text("KWIATY", sender=PHONE, to="4301")
    assert aws.http("GET", PATH).body["subscriptions"][0]["status"] == "pending"


def test_deferred_campaign_schedule_goes_with_the_erasure(shop: LocalAws, clock: Clock) -> None:  # noqa: F811
    body = create(shop, send_at_local="2026-11-27T19:59").body
    fl = next(i for i in body["plan"] if i["rule"] == "US-FL")
    clock.now = datetime(2026, 11, 28, 0, 59, tzinfo=UTC)  # 19:59 in Miami: the bucket fires…
    group = shop.stack.attributes["CampaignScheduleGroup"]["Ref"]
    scheduler = boto3.client("scheduler")
    detail = scheduler.get_schedule(Name=fl["schedule"], GroupName=group)
    Invoker(shop.stack).invoke("DispatcherFunction", json.loads(detail["Target"]["Input"]))
    clock.now = datetime(2026, 11, 28, 1, 0, 30, tzinfo=UTC)  # …the sender runs at 20:00:30: deferred
    shop.drain()

    def holding_the_number() -> list[str]:
        names = [s["Name"] for s in scheduler.list_schedules(GroupName=group)["Schedules"]]
        inputs = {n: scheduler.get_schedule(Name=n, GroupName=group)["Target"]["Input"] for n in names}
        return [n for n, text in inputs.items() if FL in text]

    assert [n[:2] for n in holding_the_number()] == ["d-"]
    reply = shop.http("DELETE", "/v1/admin/contacts/%2B13055550123")
    assert reply.status == 200 and reply.body["schedules_deleted"] == 1
    assert holding_the_number() == []


def test_form_query_string_never_reaches_list_statistics(aws: LocalAws, demo_list: dict, clock: Clock) -> None:
    form = {
        "phone": PHONE,
        "list_id": "demo",
        "sms_consent": True,
        "source": "https://shop.example/signup?email=ala@example.com&phone=501234567#top",
    }
    assert aws.http("POST", "/v1/optin", form).status == 202
    assert aws.http("DELETE", PATH).status == 200
    day = clock.now.date().isoformat()
    stats = aws.http("GET", "/v1/admin/lists/demo/stats", query=f"from={day}&to={day}")
    assert stats.status == 200, stats.body
    text = json.dumps(stats.body)
    assert "https://shop.example/signup" in text
    assert "ala@example.com" not in text and "501234567" not in text and "#top" not in text
