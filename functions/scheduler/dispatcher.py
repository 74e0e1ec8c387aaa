"""Target of a campaign bucket's one-time schedule: queue a send job for each subscriber in the bucket."""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from consent_platform.adapters.dynamodb.stores import Stores
from consent_platform.adapters.queue import OutboundQueue
from consent_platform.domain.clock import utc_now
from consent_platform.domain.phone import preload
from consent_platform.services.dispatcher import dispatch
from consent_platform.settings import campaign_settings

preload()  # every job's country comes from its number: phonenumbers loads with the module
logger = Logger()


@cache
def _adapters() -> tuple[Stores, OutboundQueue]:
    settings = campaign_settings()
    return Stores(settings.table_name, settings.ledger_table_name), OutboundQueue(settings.outbound_queue_url)


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    repo, queue = _adapters()
    queued = dispatch(repo, queue, str(event["campaign_id"]), str(event["bucket"]), utc_now(), logger)
    return {"queued": queued}
