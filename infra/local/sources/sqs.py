"""SQS event source mappings: one thread per ``Type: SQS`` event in the template.

Each thread does what Lambda's poller does: long-poll the queue, hand a batch to the function, delete
what succeeded. A message that is not deleted becomes visible again after the queue's visibility
timeout, and after ``maxReceiveCount`` receives moto moves it to the dead-letter queue — so retries
and redrive behave as they will in AWS.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import boto3

from ..invoker import Invoker
from ..lambda_runtime import sqs_event
from ..redact import redact
from ..template import REGION, SqsSource, Stack
from . import Runtime

logger = logging.getLogger("infra.local.sqs")

WAIT_SECONDS = 1  # short long-poll, so a stop request is noticed within about a second


class SqsPoller:
    def __init__(self, source: SqsSource, stack: Stack, invoker: Invoker, stop: threading.Event) -> None:
        self.source = source
        self.queue_url = stack.attributes[source.queue]["QueueUrl"]
        self.queue_arn = stack.attributes[source.queue]["Arn"]
        self._invoker = invoker
        self._stop = stop
        self._sqs: Any = boto3.client("sqs", region_name=REGION)
        self.thread = threading.Thread(target=self._run, name=f"sqs-{source.queue}", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once()
            except Exception as exc:  # keep polling: a moto hiccup must not silently end delivery
                if self._stop.is_set():
                    return
                logger.error("polling %s failed: %s", self.source.queue, redact(repr(exc)))
                self._stop.wait(1)

    def poll_once(self) -> int:
        """Receive one batch and deliver it; returns how many messages were received."""
        messages: list[dict[str, Any]] = self._sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=min(self.source.batch_size, 10),  # SQS returns at most 10 per call
            WaitTimeSeconds=WAIT_SECONDS,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if messages:
            self._deliver(messages)
        return len(messages)

    def _deliver(self, messages: list[dict[str, Any]]) -> None:
        function = self.source.function
        try:
            result = self._invoker.invoke(function, sqs_event(messages, self.queue_arn))
        except Exception as exc:
            # A failed invocation fails the whole batch: nothing is deleted, everything is retried.
            # Only ids and the exception are logged; message bodies hold phone numbers and texts.
            logger.error(
                "%s failed on a batch of %d (%s); retried after the visibility timeout: %s",
                function,
                len(messages),
                _ids(messages),
                redact(repr(exc)),
            )
            return
        failed = self._failed_ids(messages, result)
        if failed:
            logger.warning(
                "%s reported %d of %d messages as failed (%s); they will be retried",
                function,
                len(failed),
                len(messages),
                ", ".join(sorted(failed)),
            )
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            self._delete(done)

    def _failed_ids(self, messages: list[dict[str, Any]], result: Any) -> set[str]:
        """Message ids to keep on the queue, read from the response as Lambda reads it."""
        if not self.source.report_batch_item_failures:
            return set()  # without ReportBatchItemFailures a normal return means the whole batch succeeded
        batch = {m["MessageId"] for m in messages}
        failures = result.get("batchItemFailures") if isinstance(result, dict) else None
        if failures is None:
            return set()
        ids = {str(f.get("itemIdentifier") or "") for f in failures if isinstance(f, dict)}
        if len(ids) != len(failures) or not ids <= batch:
            # Lambda treats a malformed or unknown itemIdentifier as a failure of the entire batch.
            logger.error("%s returned an invalid batchItemFailures; failing the whole batch", self.source.function)
            return batch
        return ids

    def _delete(self, messages: list[dict[str, Any]]) -> None:
        response = self._sqs.delete_message_batch(
            QueueUrl=self.queue_url,
            Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)],
        )
        for failure in response.get("Failed", []):
            logger.error(
                "could not delete message %s from %s: %s",
                messages[int(failure["Id"])]["MessageId"],
                self.source.queue,
                failure.get("Code"),
            )


def _ids(messages: list[dict[str, Any]]) -> str:
    return ", ".join(m["MessageId"] for m in messages)


class _Sqs:
    name = "sqs"
    event_types = ("SQS",)

    def provision(self, stack: Stack) -> None:
        pass  # the queues are the template's own

    def start(self, runtime: Runtime) -> list[threading.Thread]:
        # Rule shim queues are in sqs_sources() too (the stack waits for them to drain); eventbridge.py delivers those.
        sources = [s for s in runtime.stack.sqs_sources() if not s.eventbridge]
        pollers = [SqsPoller(source, runtime.stack, runtime.invoker, runtime.stop) for source in sources]
        for poller in pollers:
            poller.start()
        return [poller.thread for poller in pollers]


SOURCE = _Sqs()
