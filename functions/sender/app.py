"""Outbound SQS consumer: sends each queued SMS at most once through the configured provider."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from consent_platform import bootstrap
from consent_platform.adapters.dynamodb.keys import campaign_control
from consent_platform.domain.clock import utc_now
from consent_platform.domain.messages import OutboundMessage
from consent_platform.services.pacing import pace
from consent_platform.services.sender import DEADLINE_MARGIN_MS, STAT_FOR, SenderService
from consent_platform.settings import OutboundSettings, SchedulingSettings, SenderSettings

# The settings this function reads (tests/infra checks that the template's environment satisfies them).
SETTINGS = (SenderSettings, SchedulingSettings, OutboundSettings)
logger = Logger()
metrics = Metrics(namespace="SmsConsent")
processor = BatchProcessor(event_type=EventType.SQS)
# Campaign outcomes of the current batch, written as one sharded-counter update per campaign.
_batch_stats: dict[str, Counter[str]] = {}
# Message ids of the current batch put back on the queue for later by pacing (acknowledged here).
_paced: set[str] = set()
# The invocation stops taking messages once less than DEADLINE_MARGIN_MS is left: the rest goes back on
# the queue as new messages, acknowledged here. A slow provider then never times the function out
# mid-batch, which would return the whole batch and count a receive against each of its messages (five,
# and they are dead-lettered).
_invocation: dict[str, LambdaContext] = {}


def defer(message: OutboundMessage, when: datetime) -> bool:
    """A one-time schedule that puts the job back on the outbound queue when the window opens. The
    schedule holds the number, so it is noted under the number first (erasure deletes both); ``False``
    when the subscription is no longer active (nothing scheduled)."""
    digest = hashlib.sha256(message.message_id.encode()).hexdigest()[:24]
    name = f"d-{digest}-{int(when.timestamp())}"
    ttl = int((when + timedelta(days=2)).timestamp())  # the schedule has fired (and deleted itself) by then
    if not service().sending.note_deferral(message.to, message.list_id or "", name, ttl):
        return False
    target = bootstrap.settings(SchedulingSettings).outbound_queue_arn
    bootstrap.scheduler().schedule_once(name, when, target, message.model_dump(mode="json"))
    return True


def requeue(messages: Sequence[tuple[OutboundMessage, int]]) -> None:
    """Put messages back on the outbound queue, each with its delay (a new SQS message each: the
    original is acknowledged, so waiting for the rate never counts toward its receive count)."""
    bootstrap.queue().send_each_delayed(messages)


def service() -> SenderService:
    return bootstrap.sender_service(defer, requeue)


def control_keys(event: dict[str, Any]) -> list[tuple[str, str]]:
    """The campaign (or trigger) control item of every campaign message in the batch."""
    keys = []
    for record in event.get("Records", []):
        try:
            job = json.loads(record["body"]).get("campaign")
        except (KeyError, TypeError, ValueError):
            continue  # the record handler reports it
        if isinstance(job, dict) and job.get("campaign_id"):
            control = job.get("control")
            keys.append(tuple(control) if control else campaign_control(str(job["campaign_id"])))
    return keys


def batch_messages(event: dict[str, Any]) -> list[OutboundMessage]:
    """The batch's messages that parse (the record handler reports the others)."""
    messages = []
    for record in event.get("Records", []):
        try:
            messages.append(OutboundMessage.model_validate_json(record["body"]))
        except (KeyError, TypeError, ValueError):
            continue
    return messages


def record_handler(record: SQSRecord) -> str:
    message = OutboundMessage.model_validate_json(record.body)
    if message.message_id in _paced:
        metrics.add_metric(name="Sms_paced", unit=MetricUnit.Count, value=1)
        return "paced"
    context = _invocation.get("context")
    if context is not None and context.get_remaining_time_in_millis() < DEADLINE_MARGIN_MS:
        # Not claimed: its pending record is deleted with the batch's, and it is paced again when back.
        requeue([(message.model_copy(update={"paced_at": None}), 0)])
        metrics.add_metric(name="Sms_put_back_deadline", unit=MetricUnit.Count, value=1)
        return "put_back"
    outcome = service().deliver(message, utc_now(), logger)
    metrics.add_metric(name=f"Sms_{outcome.value}", unit=MetricUnit.Count, value=1)
    if outcome.value == "sent":
        metrics.add_metric(name="SmsSegments", unit=MetricUnit.Count, value=message.segments)
    if message.campaign is not None and message.campaign.count_stats and outcome in STAT_FOR:
        counts = _batch_stats.setdefault(message.campaign.campaign_id, Counter())
        counts[STAT_FOR[outcome]] += 1
        if message.variant:  # an experiment's group: its own counters in the same update (issue 19)
            counts[f"variant#{message.variant}#{STAT_FOR[outcome]}"] += 1
    return outcome.value


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    _batch_stats.clear()
    _paced.clear()
    _invocation["context"] = context
    sender = service()
    sender.prefetch_controls(control_keys(event))
    # Pacing first: what the identities' buckets cannot cover now goes back on the queue (never claimed,
    # no pending record); if that fails, nothing was claimed or written and the whole batch comes back.
    paced = pace(sender.stores.pacing, batch_messages(event), utc_now())
    if paced.later:
        requeue(paced.later)
        _paced.update(m.message_id for m, _ in paced.later)
    # Before any claim: each message's pending record, for the whole batch in one request (if this
    # fails, nothing was claimed and the whole batch comes back).
    sender.begin_batch(paced.now, utc_now())
    try:
        return process_partial_response(
            event=event, record_handler=record_handler, processor=processor, context=context
        )
    finally:
        sender.flush_records()
        for index, (campaign_id, counts) in enumerate(_batch_stats.items()):
            sender.stores.campaigns.add_campaign_stats(
                campaign_id, dict(counts), shard=hash(context.aws_request_id) + index
            )
            logger.info("campaign batch", extra={"campaign_id": campaign_id, **counts})
        _batch_stats.clear()
        _paced.clear()
