"""Fault injection inside the AWS stand-in, below botocore's retry logic.

A share of DynamoDB requests is answered with ``ProvisionedThroughputExceededException`` *instead of*
being applied (botocore then backs off and retries, exactly as against AWS), and a share of SMS provider
calls fails after the provider's own retries (the message goes back to SQS).
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from botocore.exceptions import ClientError
from moto.core.botocore_stubber import BotocoreStubber

from consent_platform.adapters.aws import reset_clients


class Faults:
    def __init__(self, seed: int, dynamodb: float, provider: float) -> None:
        self.random = random.Random(seed)
        self.dynamodb = dynamodb
        self.provider = provider
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
            raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "injected"}}, "SendTextMessage")


@contextmanager
def injected_faults(seed: int = 7, dynamodb: float = 0.10, provider: float = 0.20) -> Iterator[Faults]:
    faults = Faults(seed, dynamodb, provider)
    patch = pytest.MonkeyPatch()
    original_process = BotocoreStubber.process_request

    def process_request(self: BotocoreStubber, request: Any) -> Any:
        # moto answers each attempt botocore makes, its retries included
        return faults.throttle(request) or original_process(self, request)

    patch.setattr(BotocoreStubber, "process_request", process_request)
    from consent_platform.adapters.sms import SnsProvider

    original_send = SnsProvider.send

    def flaky_send(self: SnsProvider, message: Any) -> str:
        faults.provider_call()
        return original_send(self, message)

    patch.setattr(SnsProvider, "send", flaky_send)
    # Same retries, shorter sleeps: botocore's backoff (up to seconds per retry) only costs test time.
    from botocore.retries.standard import ExponentialBackoff

    patch.setattr(ExponentialBackoff, "delay_amount", lambda self, context: 0.001)
    reset_clients()
    try:
        yield faults
    finally:
        patch.undo()
        reset_clients()
