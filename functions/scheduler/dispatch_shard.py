"""Dispatch-queue consumer: one message is one chunk of one bucket shard (services/dispatch_shard.py)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from consent_platform.domain.dispatch import ShardKick
from consent_platform.services.dispatch_shard import dispatch_shard
from scheduler.dispatcher import SETTINGS as DISPATCHER_SETTINGS
from scheduler.dispatcher import logger, run_for

SETTINGS = DISPATCHER_SETTINGS  # (tests/infra checks that the template's environment satisfies them)
processor = BatchProcessor(event_type=EventType.SQS)


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    def record_handler(record: SQSRecord) -> None:
        kick = ShardKick.model_validate_json(record.body)
        # The message id names the lease holder (a redelivery waits until the lease has expired).
        dispatch_shard(run_for(context, record.message_id), kick.campaign_id, kick.bucket, kick.shard)

    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
