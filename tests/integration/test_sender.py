"""The sender: SNS and End User Messaging providers, at-most-once delivery, guards, retries, DLQ."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.stub import Stubber

from consent_platform.adapters.aws import client, provider_client
from consent_platform.adapters.dynamodb import keys
from consent_platform.adapters.sms import SEND_ATTEMPTS
from tests.integration.conftest import LocalAws, sent_sms

FORM = {"phone": "501 234 567", "list_id": "demo", "sms_consent": "on"}


def use_provider(monkeypatch: pytest.MonkeyPatch, name: str, **env: str) -> None:
    from consent_platform import bootstrap

    monkeypatch.setenv("SMS_PROVIDER", name)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    bootstrap.reset()


def test_sns_publish_uses_transactional_type_and_origination(aws: LocalAws, demo_list: dict, aws_calls: list) -> None:
    aws.http("POST", "/v1/optin", FORM, form=True)
    aws_calls.clear()
    aws.drain()
    [publish] = [params for service, op, params in aws_calls if op == "Publish"]
    assert publish["PhoneNumber"] == "+48501234567"
    attrs = publish["MessageAttributes"]
    assert attrs["AWS.SNS.SMS.SMSType"]["StringValue"] == "Transactional"
    assert attrs["AWS.MM.SMS.OriginationNumber"]["StringValue"] == "+48500000000"
    assert len(sent_sms()) == 1


def test_requests_per_message(aws: LocalAws, demo_list: dict, aws_calls: list) -> None:
    """Opt-in: list read (with the list's daily cap counter), the rate-limit counters (one conditional
    transaction: IP, number, prefix), contact read, enqueue, one transaction. Send: one guarded claim,
    one publish."""
    aws_calls.clear()
    aws.http("POST", "/v1/optin", FORM, form=True)
    assert [op for _, op, _ in aws_calls] == [
        "BatchGetItem",
        "TransactWriteItems",
        "BatchGetItem",
        "SendMessage",
        "TransactWriteItems",
    ]
    [limits] = [p for _, op, p in aws_calls[1:2]]
    # ip per 10 min, per day and as a share of the list's budget; phone; prefix and its share (a PL number
    # on a PL list: the foreign-country scope does not apply) — still one request.
    assert len(limits["TransactItems"]) == 6
    aws_calls.clear()
    messages = aws.receive("OutboundQueue")
    from infra.local.lambda_runtime import FakeLambdaContext, load_handler, sqs_event

    aws_calls.clear()
    load_handler(aws.stack, "SenderFunction")(sqs_event(messages, "arn"), FakeLambdaContext("SenderFunction"))
    # The origination identity's token bucket claimed once for the batch (services/pacing.py), the batch's
    # pending records in one BatchWriteItem before the claims (up to 25 messages), the claim, the call,
    # and the batch's one BatchWriteItem deleting them once the provider accepted: 2 + 3/25 requests per
    # message in full batches.
    assert [op for _, op, _ in aws_calls] == [
        "UpdateItem",
        "BatchWriteItem",
        "TransactWriteItems",
        "Publish",
        "BatchWriteItem",
    ]
    [claim] = [p for _, op, p in aws_calls if op == "TransactWriteItems"]
    assert len(claim["TransactItems"]) == 2  # guard, message record (the pending record is not in it)


def test_end_user_messaging_send_text_message(aws: LocalAws, demo_list: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    use_provider(monkeypatch, "end-user-messaging", EUM_CONFIGURATION_SET="prod-set")
    aws.http("POST", "/v1/optin", {**FORM, "phone": "+1 201 555 0123"}, form=True)
    [message] = aws.receive("OutboundQueue")
    body = json.loads(message["Body"])
    eum = provider_client("pinpoint-sms-voice-v2")
    with Stubber(eum) as stub:
        stub.add_response(
            "send_text_message",
            {"MessageId": "eum-1"},
            {
                "DestinationPhoneNumber": "+12015550123",
                "MessageBody": body["body"],
                "MessageType": "TRANSACTIONAL",
                "OriginationIdentity": "12345",
                "ConfigurationSetName": "prod-set",
                # Each delivery event of the message names it (services/receipts.py).
                "Context": {"message_id": body["message_id"], "list_id": "demo"},
            },
        )
        from infra.local.lambda_runtime import FakeLambdaContext, load_handler, sqs_event

        result = load_handler(aws.stack, "SenderFunction")(sqs_event([message], "arn"), FakeLambdaContext("S"))
        stub.assert_no_pending_responses()
    assert result == {"batchItemFailures": []}


def test_throttled_provider_returns_message_to_queue_then_sends_once(
    aws: LocalAws, demo_list: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    from consent_platform.services import sender

    monkeypatch.setattr(sender, "THROTTLED_DELAY_S", 0)  # put back for "later": at once here (no sleeps)
    use_provider(monkeypatch, "end-user-messaging")
    aws.http("POST", "/v1/optin", FORM, form=True)
    eum = provider_client("pinpoint-sms-voice-v2")
    with Stubber(eum) as stub:
        for _ in range(SEND_ATTEMPTS):  # retried inside the call (nothing was accepted), then put back
            stub.add_client_error("send_text_message", "ThrottlingException", "Rate exceeded", 429)
        first = aws.drain()
        # Not a batch failure (that would count toward the dead-letter queue): a new message, delayed.
        assert first == {"batchItemFailures": []}
        stub.add_response("send_text_message", {"MessageId": "eum-2"})
        second = aws.drain()
        stub.assert_no_pending_responses()
    assert second == {"batchItemFailures": []}
    assert aws.receive("OutboundQueue") == []


def test_eum_client_retries_throttling_with_backoff() -> None:
    config = client("pinpoint-sms-voice-v2").meta.config
    assert config.retries["mode"] == "standard"
    assert config.retries["total_max_attempts"] >= 3
    # ...but not the send call: no idempotency token (tests/integration/test_provider_retries.py).
    assert provider_client("pinpoint-sms-voice-v2").meta.config.retries["total_max_attempts"] == 1


def test_duplicate_delivery_sends_once(aws: LocalAws, demo_list: dict) -> None:
    aws.http("POST", "/v1/optin", FORM, form=True)
    [message] = aws.receive("OutboundQueue")
    from infra.local.lambda_runtime import FakeLambdaContext, load_handler, sqs_event

    handler = load_handler(aws.stack, "SenderFunction")
    for _ in range(3):  # SQS at-least-once delivery: the same message arrives again
        assert handler(sqs_event([message], "arn"), FakeLambdaContext("S")) == {"batchItemFailures": []}
    assert len(sent_sms()) == 1


def test_poison_message_lands_in_dlq(aws: LocalAws) -> None:
    sqs = boto3.client("sqs")
    sqs.send_message(QueueUrl=aws.queue_url("OutboundQueue"), MessageBody='{"not": "a message"}')
    max_receive = json.loads(
        sqs.get_queue_attributes(QueueUrl=aws.queue_url("OutboundQueue"), AttributeNames=["RedrivePolicy"])[
            "Attributes"
        ]["RedrivePolicy"]
    )["maxReceiveCount"]
    for _ in range(int(max_receive)):
        result = aws.drain()
        assert result.get("raised") or result["batchItemFailures"]
    assert aws.receive("OutboundQueue") == []
    [dead] = aws.receive("OutboundDLQ")
    assert json.loads(dead["Body"]) == {"not": "a message"}


def test_message_for_a_stopped_subscription_is_not_sent(aws: LocalAws, demo_list: dict) -> None:
    """The guard re-checks state in the claim: a queued welcome/confirmation after a newer change is dropped."""
    aws.http("POST", "/v1/optin", FORM, form=True)
    ddb = boto3.client("dynamodb")
    ddb.update_item(
        TableName=aws.stack.attributes["ConsentTable"]["Ref"],
        Key=keys.SUBSCRIPTION.key(phone="+48501234567", list_id="demo"),
        UpdateExpression="SET #s = :r, updated_at = :u",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":r": {"S": "revoked"}, ":u": {"S": "2999-01-01T00:00:00.000000Z"}},
    )
    assert aws.drain() == {"batchItemFailures": []}
    assert sent_sms() == []


OPTED_OUT = {
    "Message": "The destination phone number is opted out",
    "Reason": "DESTINATION_PHONE_NUMBER_OPTED_OUT",
    "ResourceType": "opt-out-list",
    "ResourceId": "Default",
}


def test_stop_reply_to_a_number_opted_out_at_the_provider_is_recorded_never_retried(
    aws: LocalAws, demo_list: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The phone number answered STOP itself and put the sender on its opt-out list: our STOP confirmation
    is refused with ConflictException/DESTINATION_PHONE_NUMBER_OPTED_OUT. That is final: the batch
    reports no failure (no retry, no DLQ, no alarm), the message's record says why, and a redelivery of
    the same message does not call the provider again."""
    from infra.local.lambda_runtime import FakeLambdaContext, load_handler, sqs_event

    aws.http("POST", "/v1/optin", FORM, form=True)
    aws.drain()
    aws.text("TAK")  # confirmed; the welcome goes out through the local outbox
    use_provider(monkeypatch, "end-user-messaging")
    assert aws.drain("InboundWorkerFunction", "InboundQueue") == {"batchItemFailures": []}  # nothing queued yet
    boto3.client("sns").publish(
        TopicArn=aws.stack.attributes["InboundTopic"]["Ref"],
        Message=json.dumps(
            {
                "originationNumber": "+48501234567",
                "destinationNumber": "4301",
                "messageBody": "STOP",
                "inboundMessageId": "in-stop-1",
                "messageKeyword": "KEYWORD",
                "previousPublishedMessageId": "x",
            }
        ),
    )
    assert aws.drain("InboundWorkerFunction", "InboundQueue") == {"batchItemFailures": []}
    [message] = aws.receive("OutboundQueue")
    handler = load_handler(aws.stack, "SenderFunction")
    eum = provider_client("pinpoint-sms-voice-v2")
    with Stubber(eum) as stub:
        stub.add_client_error(
            "send_text_message", "ConflictException", OPTED_OUT["Message"], 400, modeled_fields=OPTED_OUT
        )
        first = handler(sqs_event([message], "arn"), FakeLambdaContext("S"))
        second = handler(sqs_event([message], "arn"), FakeLambdaContext("S"))  # SQS redelivers it anyway
        stub.assert_no_pending_responses()  # one provider call in all
    assert first == second == {"batchItemFailures": []}
    body = json.loads(message["Body"])
    items = boto3.client("dynamodb").query(
        TableName=aws.stack.attributes["ConsentTable"]["Ref"],
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": keys.PROFILE.plain(phone="+48501234567")["pk"]}},
    )["Items"]
    [record] = [i for i in items if i.get("message_id", {}).get("S") == body["message_id"]]
    assert record["outcome"]["S"] == "destination_opted_out"
    assert record["reason"]["S"] == "DESTINATION_PHONE_NUMBER_OPTED_OUT"
    assert aws.receive("OutboundDLQ") == []
