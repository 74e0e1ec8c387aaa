"""Fault injection inside the AWS stand-in, below botocore's retry logic.

A share of DynamoDB requests is answered with ``ProvisionedThroughputExceededException`` *instead of*
being applied (botocore then backs off and retries, exactly as against AWS). The SMS provider (the local
outbox, which counts what was accepted) fails a share of calls *before* accepting them (throttling or no
connection: nothing went out), loses the answer of another share *after* accepting them (a read timeout
or a 5xx: the message is out, and its delivery receipt is written as the delivery worker would), and the
sender dies between its claim and a share of first calls (an exception out of the handler: no release).
"""

from __future__ import annotations

import json
import os
import random
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError
from moto.core.botocore_stubber import BotocoreStubber

from consent_platform.adapters.aws import reset_clients


class FunctionDied(BaseException):
    """The Lambda function died (timeout, out of memory): nothing of the handler's runs after it. A
    BaseException, so that neither the sender nor Powertools' batch processor handles it."""


class Faults:
    def __init__(self, seed: int, dynamodb: float, provider: float, lost: float = 0.0, crash: float = 0.0) -> None:
        self.random = random.Random(seed)
        self.dynamodb = dynamodb
        self.provider = provider  # failing before acceptance
        self.lost = lost  # accepted, the answer lost
        self.crash = crash  # the sender dies between claim and call (first attempts only)
        self.enabled = True
        self.injected: Counter[str] = Counter()

    def throttle(self, request: Any) -> tuple[int, dict[str, str], bytes] | None:
        if not self.enabled or "dynamodb" not in str(request.url) or self.random.random() >= self.dynamodb:
            return None
        self.injected["dynamodb_throttle"] += 1
        body = json.dumps(
            {
                "__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
                "message": "injected throttle",
            }
        ).encode()
        return 400, {"Content-Type": "application/x-amz-json-1.0"}, body

    def provider_call(self) -> None:
        if self.enabled and self.random.random() < self.provider:
            self.injected["provider_failure"] += 1
            if self.injected["provider_failure"] % 2:
                raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "injected"}}, "SendTextMessage")
            raise EndpointConnectionError(endpoint_url="https://sms-voice.us-east-1.amazonaws.com/")

    def send(self, original: Any, provider: Any, message: Any) -> str:
        """The provider call under faults; ``original`` accepts the message (and counts it)."""
        draw = self.random.random() if self.enabled else 1.0
        if message.resend is None and draw < self.crash:
            self.injected["sender_crash"] += 1
            raise FunctionDied(f"sender died after claiming {message.message_id}")
        self.provider_call()
        provider_id = str(original(provider, message))
        if self.enabled and self.random.random() < self.lost:
            self.injected["response_lost"] += 1
            self.receipt(message)
            if self.injected["response_lost"] % 2:
                raise ReadTimeoutError(endpoint_url="https://sms-voice.us-east-1.amazonaws.com/")
            raise ClientError(
                {"Error": {"Code": "InternalServerException"}, "ResponseMetadata": {"HTTPStatusCode": 500}},
                "SendTextMessage",
            )
        self.receipt(message)
        return provider_id

    def receipt(self, message: Any) -> None:
        """What the delivery worker writes when the provider reports the message (not a faulty path)."""
        from consent_platform.domain.clock import utc_now
        from tests.integration.receipts_support import store_receipt

        enabled, self.enabled = self.enabled, False
        try:
            store_receipt(message.to, message.message_id, utc_now())
        finally:
            self.enabled = enabled


@contextmanager
def injected_faults(
    seed: int = 7, dynamodb: float = 0.10, provider: float = 0.10, lost: float = 0.10, crash: float = 0.05
) -> Iterator[Faults]:
    """Faults on while inside; the provider is the local outbox (``SMS_PROVIDER=local``)."""
    faults = Faults(seed, dynamodb, provider, lost, crash)
    patch = pytest.MonkeyPatch()
    original_process = BotocoreStubber.process_request

    def process_request(self: BotocoreStubber, request: Any) -> Any:
        # moto answers each attempt botocore makes, its retries included
        return faults.throttle(request) or original_process(self, request)

    patch.setattr(BotocoreStubber, "process_request", process_request)
    from consent_platform.adapters.sms import LocalOutboxProvider

    original_send = LocalOutboxProvider.send

    def flaky_send(self: LocalOutboxProvider, message: Any) -> str:
        return faults.send(original_send, self, message)

    patch.setattr(LocalOutboxProvider, "send", flaky_send)
    # Same retries, shorter sleeps: botocore's backoff (up to seconds per retry) only costs test time.
    from botocore.retries.standard import ExponentialBackoff

    patch.setattr(ExponentialBackoff, "delay_amount", lambda self, context: 0.001)
    reset_clients()
    try:
        yield faults
    finally:
        patch.undo()
        reset_clients()


def drain(aws: Any, function: str = "SenderFunction", queue: str = "OutboundQueue", batch: int = 25) -> None:
    """``LocalAws.drain`` in batches of the event source's size, where the function may die
    (``FunctionDied``): then, as with Lambda, every message of that batch comes back (visible again at
    once: the test skips the visibility timeout)."""
    import boto3

    from infra.local.lambda_runtime import FakeLambdaContext, load_handler, sqs_event

    sqs, url = boto3.client("sqs"), aws.queue_url(queue)
    while True:
        messages: list[dict[str, Any]] = []
        while len(messages) < batch:
            got = sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=min(10, batch - len(messages)), AttributeNames=["All"]
            ).get("Messages", [])
            if not got:
                break
            messages.extend(got)
        if not messages:
            return
        event = sqs_event(messages, aws.stack.attributes[queue]["Arn"])
        try:
            result = load_handler(aws.stack, function)(event, FakeLambdaContext(function))
            failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
        except (Exception, FunctionDied):  # a failed invocation or a dead function: the whole batch returns
            failed = {m["MessageId"] for m in messages}
        for message in messages:
            handle = message["ReceiptHandle"]
            if message["MessageId"] in failed:
                sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=0)
            else:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=handle)
        if failed:
            return  # the retry is the next drain (as the next poll of Lambda's event source)


def reconcile(aws: Any) -> dict[str, Any]:
    """One scheduled run of the reconciler (its template timeout, 240 s)."""
    from infra.local.lambda_runtime import FakeLambdaContext, load_handler

    context = FakeLambdaContext("ReconcilerFunction", timeout_s=240)
    return dict(load_handler(aws.stack, "ReconcilerFunction")({}, context))


def pending_left() -> int:
    """Pending records (attempts whose provider outcome is unknown) still in the table."""
    from consent_platform.adapters.dynamodb import keys, pending

    return sum(len(list(pending.shard_records(os.environ["TABLE_NAME"], s))) for s in range(keys.PENDING_SHARDS))
