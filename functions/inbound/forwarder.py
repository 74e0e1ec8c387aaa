"""Forwarding queue consumer (issue #20): each job → a signed POST, an e-mail, an SMS (services/forwarder.py).

A job whose target failed is reported as a batch item failure: SQS makes it visible again after the
queue's visibility timeout (the backoff), and after ``maxReceiveCount`` receives moves it to
ForwardingDLQ, which is alarmed.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from consent_platform import bootstrap
from consent_platform.adapters.forwarding import DeliveryFailed
from consent_platform.domain.clock import utc_now
from consent_platform.settings import ForwarderSettings

# The settings this function reads (tests/infra checks that the template's environment satisfies them).
SETTINGS = (ForwarderSettings,)
logger = Logger()
metrics = Metrics(namespace="SmsConsent")
processor = BatchProcessor(event_type=EventType.SQS)
# Backoff between tries: 30 s, 60 s, 120 s, 240 s (a receiver's brief outage is ridden out; a long one
# ends in ForwardingDLQ after maxReceiveCount, about 7.5 minutes after the first try).
BACKOFF_BASE_S, BACKOFF_MAX_S = 30, 900


def record_handler(record: SQSRecord) -> str:
    job: dict[str, Any] = json.loads(record.body)
    ids = {"inbound_message_id": job.get("message_id"), "provider": job.get("provider")}
    try:
        outcomes = bootstrap.forwarder().forward(job, utc_now())
    except DeliveryFailed as exc:
        metrics.add_metric(name="Forward_failed", unit=MetricUnit.Count, value=1)
        delay = _back_off(record)
        logger.warning("forwarding failed; SQS retries it", extra={**ids, "reason": str(exc), "retry_in_s": delay})
        raise
    for outcome in outcomes:
        metrics.add_metric(name=f"Forward_{outcome}", unit=MetricUnit.Count, value=1)
    logger.info("forwarded", extra={**ids, "outcomes": outcomes})
    return ",".join(outcomes)


def _back_off(record: SQSRecord) -> int:
    """Hide the failed job for longer after each receive (exponential), instead of the queue's fixed
    visibility timeout. Best effort: if this call fails, the queue's own timeout applies."""
    receives = int(record.attributes.approximate_receive_count or 1)
    delay = min(BACKOFF_MAX_S, BACKOFF_BASE_S * 2 ** max(0, receives - 1))
    queue_url = bootstrap.settings(ForwarderSettings).forwarding_queue_url
    if queue_url:
        try:
            bootstrap.forward_queue(queue_url).retry_later(record.receipt_handle, delay)
        except Exception:  # the retry still happens, after the queue's visibility timeout
            logger.warning("could not set the retry delay", extra={"retry_in_s": delay})
    return delay


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
