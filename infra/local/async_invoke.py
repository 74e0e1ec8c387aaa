"""Lambda's asynchronous invocation, as EventBridge rules and EventBridge Scheduler use it.

In AWS such a caller hands the event to Lambda and is done; Lambda runs the function, retries a failure
``MaximumRetryAttempts`` times (the function's ``EventInvokeConfig``, 2 by default) and then sends an
invocation record to the ``OnFailure`` destination — or, without one, drops the event. The local stack
does the same, with the retries back to back instead of one and two minutes apart, so an event that
can never succeed ends in the template's destination with its reason instead of being retried forever
(which also kept ``POST /dev/clock`` waiting for queues that never drained).
"""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

import boto3

from consent_platform.domain.clock import utc_now

from .invoker import Invoker
from .template import ACCOUNT, REGION, Stack

logger = logging.getLogger("infra.local")

DEFAULT_RETRY_ATTEMPTS = 2  # Lambda's default for asynchronous invocations


class AsyncInvoker:
    def __init__(self, stack: Stack, invoker: Invoker) -> None:
        self._stack = stack
        self._invoker = invoker
        self._queues = {a["Arn"]: a["QueueUrl"] for a in stack.attributes.values() if "QueueUrl" in a}

    def invoke(self, function: str, event: dict[str, Any]) -> bool:
        """Run ``function`` like Lambda runs an asynchronous event; False when it ended as a failure."""
        retries, destination = self._config(function)
        error: Exception | None = None
        for attempt in range(1, retries + 2):
            try:
                self._invoker.invoke(function, event)
                return True
            except Exception as exc:
                error = exc
                # The type only: messages of validation errors can quote the event (phone numbers).
                logger.warning("%s failed (attempt %d of %d): %s", function, attempt, retries + 1, type(exc).__name__)
        assert error is not None
        self._on_failure(function, event, error, retries + 1, destination)
        return False

    def _config(self, function: str) -> tuple[int, str | None]:
        config = self._stack.resolve(self._stack.functions()[function]["Properties"].get("EventInvokeConfig") or {})
        retries = int(config.get("MaximumRetryAttempts", DEFAULT_RETRY_ATTEMPTS))
        destination = ((config.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
        return retries, str(destination) if destination else None

    def _on_failure(
        self, function: str, event: dict[str, Any], error: Exception, attempts: int, dest: str | None
    ) -> None:
        if dest is None:
            logger.error("%s: event dropped after %d attempts (no OnFailure destination)", function, attempts)
            return
        if dest not in self._queues:
            logger.error("%s: OnFailure destination %s is not a queue of this stack; event dropped", function, dest)
            return
        boto3.client("sqs").send_message(
            QueueUrl=self._queues[dest], MessageBody=json.dumps(failure_record(function, event, error, attempts))
        )
        logger.error("%s: event sent to its OnFailure destination after %d attempts", function, attempts)


def failure_record(function: str, event: dict[str, Any], error: Exception, attempts: int) -> dict[str, Any]:
    """The invocation record Lambda sends to an on-failure destination (same fields, same nesting)."""
    return {
        "version": "1.0",
        "timestamp": utc_now().strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
        "requestContext": {
            "requestId": str(uuid.uuid4()),
            "functionArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function}:$LATEST",
            "condition": "RetriesExhausted",
            "approximateInvokeCount": attempts,
        },
        "requestPayload": event,
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
        "responsePayload": {"errorMessage": str(error), "errorType": type(error).__name__, "stackTrace": []},
    }
