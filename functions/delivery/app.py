"""Delivery SQS consumer: End User Messaging SMS events (configuration set → SNS topic → raw → queue),
each applied to its message once and in order (services/receipts.py).

An event that can never be applied (bad JSON, a missing field, an unknown status) is logged without its
body (it holds a phone number) and dropped: retrying it would only loop until the DLQ."""

from __future__ import annotations

from functools import partial
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from consent_platform import bootstrap
from consent_platform.domain.clock import utc_now
from consent_platform.domain.delivery_status import PoisonEvent, parse_event
from consent_platform.services.receipts import Applied, ReceiptService, describe
from consent_platform.settings import DeliverySettings

# The settings this function reads (tests/infra checks that the template's environment satisfies them).
SETTINGS = (DeliverySettings,)
logger = Logger()
metrics = Metrics(namespace="SmsConsent")
processor = BatchProcessor(event_type=EventType.SQS)
# Metric per outcome: delivery rate = SmsDelivered / (SmsDelivered + SmsUndelivered); blocked is alarmed.
METRIC_FOR = {
    Applied.DELIVERED: "SmsDelivered",
    Applied.FAILED: "SmsUndelivered",
    Applied.BLOCKED: "SmsBlocked",
    Applied.PROGRESS: "DeliveryReceiptProgress",
    Applied.REPEATED: "DeliveryReceiptRepeated",
}


@bootstrap.component
def service() -> ReceiptService:
    from consent_platform.services.undeliverable import note_receipt

    s = bootstrap.settings(DeliverySettings)
    stores = bootstrap.stores()
    events = bootstrap.events() if s.event_bus_name else None
    return ReceiptService(
        stores.deliveries,
        stores.campaigns,
        events,
        s.message_record_days,
        partial(note_receipt, stores),
    )


def record_handler(record: SQSRecord) -> str:
    try:
        receipt = parse_event(record.body)
    except PoisonEvent as exc:
        logger.warning("delivery event dropped", extra={"error": str(exc), "sqs_message_id": record.message_id})
        metrics.add_metric(name="DeliveryReceiptPoison", unit=MetricUnit.Count, value=1)
        return "poison"
    applied = service().apply(receipt, utc_now())
    metrics.add_metric(name=METRIC_FOR[applied], unit=MetricUnit.Count, value=1)
    if applied is Applied.BLOCKED:  # content or registration: someone must look (alarmed)
        logger.warning("message blocked by the carrier or a filter", extra=describe(receipt))
    return applied.value


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    receipts = service()
    try:
        return process_partial_response(
            event=event, record_handler=record_handler, processor=processor, context=context
        )
    finally:
        if not receipts.finish(shard=hash(context.aws_request_id), logger=logger):
            metrics.add_metric(name="DeliveryEffectsFailed", unit=MetricUnit.Count, value=1)
