"""The cheap campaign claim keeps its promises (see ``SendingStore.claim_campaign_send``).

A campaign message is claimed with one conditional ``UpdateItem`` on the subscription item: it must
still be active and carry no send mark for the message id, and the write adds the mark. These tests make
sure the saving (1 WRU instead of a 3-item transaction) costs no guarantee: a STOP wins, a duplicate is
refused — also after the subscription changed in between (the consent writers update the item, so the
marks survive) — a transient provider failure gives the claim back, and a cancel is honoured.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from bench import aws_requests
from consent_platform.adapters.dynamodb import keys
from consent_platform.adapters.dynamodb.stores import Stores
from consent_platform.domain.messages import CampaignJob, build_message
from consent_platform.services.sender import Delivery, SenderService

PHONE = "+447400000001"


class Provider:
    name = "fake"

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.fail_next = False

    def send(self, message: Any) -> str:
        if self.fail_next:
            self.fail_next = False
            # refused before acceptance (throttled): the claim is released for SQS to retry
            raise ClientError({"Error": {"Code": "ThrottlingException"}}, "SendTextMessage")
        self.sent.append(message.message_id)
        return f"p-{len(self.sent)}"


def _text(aws: Any, recorder: Any, body: str, n: int) -> None:
    """An inbound SMS from PHONE, handled by the inbound worker (as bench/aws_requests.inbound does)."""
    payload = {
        "originationNumber": PHONE,
        "destinationNumber": aws_requests.KEYWORD_NUMBER,
        "messageKeyword": "KEYWORD",
        "messageBody": body,
        "inboundMessageId": f"claim-test-{n}",
        "previousPublishedMessageId": "",
    }
    topic = aws.stack.attributes["InboundTopic"]["Ref"]
    boto3.client("sns").publish(TopicArn=topic, Message=json.dumps(payload))
    aws_requests.deliver_queue(aws, recorder, "InboundWorkerFunction", "InboundQueue")


def test_stop_duplicates_release_and_cancel() -> None:
    with aws_requests.stack() as (aws, clock, recorder):
        aws_requests.put_list(aws, "tea")
        aws_requests.import_contacts(aws, "tea", [PHONE])
        table = aws.stack.attributes["ConsentTable"]["Ref"]
        ddb = boto3.client("dynamodb")
        for campaign in ("c1", "c2"):
            item = {**keys.CAMPAIGN.key(campaign_id=campaign), "status": {"S": "sending"}}
            ddb.put_item(TableName=table, Item=item)
        provider = Provider()
        sender = SenderService(Stores(table, aws.stack.attributes["LedgerTable"]["Ref"]), provider, 400)

        def job(campaign: str, created_minutes_ago: int = 0) -> Any:
            message = build_message(
                to=PHONE,
                body="Hi, tea time",
                kind="marketing",
                now=clock.now - timedelta(minutes=created_minutes_ago),
                list_id="tea",
                message_id=f"cmp:{campaign}:x",
            )
            return message.model_copy(
                update={"campaign": CampaignJob(campaign_id=campaign, zones=("Europe/London",), rule="GB")}
            )

        # A transient provider failure gives the claim back; the retry sends; any redelivery does not.
        provider.fail_next = True
        with pytest.raises(ClientError):
            sender.deliver(job("c1"), clock.now)
        assert sender.deliver(job("c1"), clock.now) == Delivery.SENT
        assert sender.deliver(job("c1"), clock.now) == Delivery.DUPLICATE
        # The dispatcher run again builds the same id later (another created_at, even another week).
        assert sender.deliver(job("c1", created_minutes_ago=-60 * 24 * 6), clock.now) == Delivery.DUPLICATE

        # STOP wins; after START the subscription is active again, and c1 is still refused (marks survive
        # the consent writes), while c2 — never sent — goes out once.
        _text(aws, recorder, "STOP", 1)
        assert sender.deliver(job("c2"), clock.now) == Delivery.OPTED_OUT
        clock.advance(minutes=1)
        _text(aws, recorder, "START", 2)
        sub = ddb.get_item(TableName=table, Key=keys.SUBSCRIPTION.key(phone=PHONE, list_id="tea"))["Item"]
        assert sub["status"]["S"] == "active", sub
        assert sender.deliver(job("c1"), clock.now) == Delivery.DUPLICATE
        assert sender.deliver(job("c2"), clock.now) == Delivery.SENT
        assert provider.sent == ["cmp:c1:x", "cmp:c2:x"]

        # A cancel is read at the next batch (and by a claim once the batch's read is CONTROL_MAX_AGE_S old).
        ddb.update_item(
            TableName=table,
            Key=keys.CAMPAIGN.key(campaign_id="c2"),
            UpdateExpression="SET #s = :c",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":c": {"S": "cancelled"}},
        )
        fresh = job("c2").model_copy(update={"message_id": "cmp:c2:y"})
        sender.prefetch_controls([keys.campaign_control("c2")])
        assert sender.deliver(fresh, clock.now) == Delivery.CANCELLED
        assert provider.sent == ["cmp:c1:x", "cmp:c2:x"]
