"""Forwarding (issue #20) on moto: the rule's API, the worker's one job, the forwarder's targets."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from consent_platform.domain.signatures import verify_webhook
from consent_platform.services import forwarder as forwarder_service
from infra.local.lambda_runtime import FakeLambdaContext, load_handler, sqs_event
from tests.integration.conftest import LocalAws
from tests.integration.forwarding_support import NUMBER, SECRET, Receiver, forward, set_rule, wire


@pytest.fixture
def receiver(aws: LocalAws, demo_list: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Receiver:
    return wire(aws, monkeypatch)


def test_rule_is_stored_shown_and_removed(aws: LocalAws, receiver: Receiver) -> None:
    set_rule(aws, url="https://crm.example.com/sms", email="biuro@shop.example", which="all")
    shown = aws.http("GET", f"/v1/admin/numbers/{NUMBER}/forwarding")
    assert shown.status == 200
    assert shown.body["url"] == "https://crm.example.com/sms" and shown.body["which"] == "all"
    assert shown.body["mask_sender"] is False
    assert aws.http("DELETE", f"/v1/admin/numbers/{NUMBER}/forwarding").status == 204
    assert aws.http("GET", f"/v1/admin/numbers/{NUMBER}/forwarding").status == 404
    assert aws.http("DELETE", f"/v1/admin/numbers/{NUMBER}/forwarding").status == 404


@pytest.mark.parametrize(
    ("rule", "field"),
    [
        ({"url": "http://crm.example.com/sms"}, "url"),
        ({"email": "not an address"}, "email"),
        ({"phone": "+48 22 123 45 67"}, "phone"),  # a landline
        ({}, "url"),
    ],
)
def test_bad_rules_get_422_naming_the_field(
    aws: LocalAws, receiver: Receiver, rule: dict[str, Any], field: str
) -> None:
    reply = aws.http("PUT", f"/v1/admin/numbers/{NUMBER}/forwarding", rule)
    assert reply.status == 422, reply.body
    assert field in reply.body["error"]["fields"]


def test_a_forward_to_a_platform_number_is_refused_at_put(aws: LocalAws, receiver: Receiver) -> None:
    reply = aws.http("PUT", "/v1/admin/numbers/4301/forwarding", {"phone": NUMBER})  # the demo list's own number
    assert reply.status == 422, reply.body
    assert "loop" in reply.body["error"]["fields"]["phone"]
    assert aws.http("GET", "/v1/admin/numbers/4301/forwarding").status == 404  # nothing written


def test_an_unmatched_text_is_forwarded_once_signed(aws: LocalAws, receiver: Receiver) -> None:
    set_rule(aws, url="https://crm.example.com/sms")
    message_id = aws.text("Czy macie róże na jutro?", to=NUMBER)
    assert not forward(aws)["batchItemFailures"]
    assert len(receiver.posts) == 1
    url, body, headers = receiver.posts[0]
    assert url == "https://crm.example.com/sms"
    verify_webhook([SECRET], headers["X-Signature"], body, _now())
    data = json.loads(body)
    assert data["message_id"] == message_id and data["from"] == "+48501234567" and data["to"] == NUMBER
    assert data["body"] == "Czy macie róże na jutro?" and data["handled_as"] == "unmatched"


def test_a_redelivered_inbound_message_is_forwarded_once(aws: LocalAws, receiver: Receiver) -> None:
    set_rule(aws, url="https://crm.example.com/sms")
    boto3.client("sns").publish(
        TopicArn=aws.stack.attributes["InboundTopic"]["Ref"],
        Message=json.dumps(
            {
                "originationNumber": "+48501234567",
                "destinationNumber": NUMBER,
                "messageKeyword": "X",
                "messageBody": "Gdzie jest mój kurier?",
                "inboundMessageId": "dup-1",
                "previousPublishedMessageId": "x",
            }
        ),
    )
    messages = aws.receive("InboundQueue")
    worker = load_handler(aws.stack, "InboundWorkerFunction")
    event = sqs_event(messages, aws.stack.attributes["InboundQueue"]["Arn"])
    for _ in range(2):  # SQS delivers the same message twice (the first ack was lost)
        assert not worker(event, FakeLambdaContext("InboundWorkerFunction"))["batchItemFailures"]
    assert aws.receive_count("ForwardingQueue") == 2  # the redelivery re-queues the job (it may have been lost)
    assert not forward(aws)["batchItemFailures"]
    assert len(receiver.posts) == 1  # ... and the forwarder forwards it once


def test_which_unmatched_does_not_forward_a_stop(aws: LocalAws, receiver: Receiver) -> None:
    set_rule(aws, url="https://crm.example.com/sms")
    aws.text("STOP", to=NUMBER)
    assert aws.receive_count("ForwardingQueue") == 0
    set_rule(aws, url="https://crm.example.com/sms", which="all")
    aws.text("START", to=NUMBER)
    forward(aws)
    assert [p["handled_as"] for p in receiver.payloads()] == ["start"]


def test_a_text_to_a_number_without_a_rule_costs_no_forwarding_request(aws: LocalAws, receiver: Receiver) -> None:
    aws.text("Czy macie róże na jutro?", to=NUMBER)
    assert aws.receive_count("ForwardingQueue") == 0


def test_email_goes_through_ses(aws: LocalAws, receiver: Receiver) -> None:
    set_rule(aws, email="biuro@shop.example", mask_sender=True)
    aws.text("Czy macie róże na jutro?", to=NUMBER)
    assert not forward(aws)["batchItemFailures"]
    sent = ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages
    assert len(sent) == 1
    assert sent[0].destinations["ToAddresses"] == ["biuro@shop.example"]
    assert "Czy macie róże na jutro?" in sent[0].body and "+*******4567" in sent[0].body
    assert "+48501234567" not in sent[0].body + sent[0].subject  # masked as asked


def test_phone_forward_is_a_transactional_sms_capped_per_day(
    aws: LocalAws, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(forwarder_service, "PHONE_DAILY_CAP", 1)
    set_rule(aws, phone="+48 601 234 567")
    aws.text("Pierwsze pytanie", to=NUMBER)
    aws.text("Drugie pytanie", to=NUMBER, sender="+48501234568")
    assert not forward(aws)["batchItemFailures"]
    queued = [json.loads(m["Body"]) for m in aws.receive("OutboundQueue")]
    assert len(queued) == 1  # the second one is over the number's daily cap
    sms = queued[0]
    assert sms["to"] == "+48601234567" and sms["kind"] == "reply" and sms["message_type"] == "TRANSACTIONAL"
    assert sms["origination"] == NUMBER and sms["message_id"].startswith("fwd:")


def _now() -> float:
    from consent_platform.domain.clock import utc_now

    return utc_now().timestamp()


def test_a_forwarded_message_costs_the_warm_worker_at_most_four_requests(
    aws: LocalAws, receiver: Receiver, aws_calls: list[tuple[str, str, dict[str, Any]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue #8's budget holds: the rule comes with the cached config, the job is one SendMessage."""
    monkeypatch.setenv("CONFIG_CACHE_SECONDS", "600")
    from consent_platform import bootstrap

    bootstrap.reset()
    set_rule(aws, url="https://crm.example.com/sms")
    boto3.client("sns").publish(
        TopicArn=aws.stack.attributes["InboundTopic"]["Ref"],
        Message=json.dumps(
            {"originationNumber": "+48501234567", "destinationNumber": NUMBER, "messageKeyword": "X",
             "messageBody": "Pytanie", "inboundMessageId": "warm-0", "previousPublishedMessageId": "x"}
        ),
    )  # fmt: skip
    aws.drain("InboundWorkerFunction", "InboundQueue")  # warms the config cache
    for n in range(1, 4):
        boto3.client("sns").publish(
            TopicArn=aws.stack.attributes["InboundTopic"]["Ref"],
            Message=json.dumps(
                {"originationNumber": "+48501234567", "destinationNumber": NUMBER, "messageKeyword": "X",
                 "messageBody": f"Pytanie {n}", "inboundMessageId": f"warm-{n}", "previousPublishedMessageId": "x"}
            ),
        )  # fmt: skip
        messages = aws.receive("InboundQueue")
        aws_calls.clear()
        worker = load_handler(aws.stack, "InboundWorkerFunction")
        worker(sqs_event(messages, aws.stack.attributes["InboundQueue"]["Arn"]), FakeLambdaContext("worker"))
        assert len(aws_calls) <= 4, [op for _, op, _ in aws_calls]
        assert [op for _, op, p in aws_calls if p.get("QueueUrl") == aws.queue_url("ForwardingQueue")] == [
            "SendMessage"
        ]
