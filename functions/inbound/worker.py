"""Inbound SQS consumer: STOP / START / HELP / YES and keywords, each provider message applied once."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from consent_platform import bootstrap
from consent_platform.domain.clock import utc_now
from consent_platform.domain.inbound_message import parse_queue_body
from consent_platform.domain.phone import preload
from consent_platform.settings import InboundWorkerSettings

preload()  # every inbound message's sender is parsed: phonenumbers loads with the module
# The settings this function reads (tests/infra checks that the template's environment satisfies them).
SETTINGS = (InboundWorkerSettings,)
logger = Logger()
metrics = Metrics(namespace="SmsConsent")
processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord) -> str:
    sent = record.attributes.sent_timestamp
    message = parse_queue_body(record.body, int(sent) if sent else None)
    outcome = bootstrap.inbound_service().handle(message, utc_now(), logger, queue_message_id=record.message_id)
    metrics.add_metric(name=outcome.metric, unit=MetricUnit.Count, value=1)  # Inbound_<outcome name>
    if outcome.name == "signup_capped":  # a list's daily cap on sign-up SMS (alarmed)
        metrics.add_metric(name="ConfirmationCapReached", unit=MetricUnit.Count, value=1)
    return str(outcome)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
