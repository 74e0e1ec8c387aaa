"""EventBridge rule target: ``Customer.Activity``, ``Customer.Purchase`` and ``Cart.Abandoned``."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from consent_platform import bootstrap
from consent_platform.api.audience import CartAbandoned, CustomerEvent
from consent_platform.domain.clock import utc_now
from consent_platform.domain.phone import preload
from consent_platform.services.triggers import record_customer_event, start_cart_trigger
from consent_platform.settings import SchedulingSettings, TableSettings

preload()  # every event names a phone number: phonenumbers loads with the module
# The settings this function reads (tests/infra checks that the template's environment satisfies them).
SETTINGS = (TableSettings, SchedulingSettings)
logger = Logger()


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # A malformed event raises: EventBridge retries it and then sends it to the rule's DLQ.
    kind = event.get("detail-type", "")
    detail = event.get("detail") or {}
    if kind == "Cart.Abandoned":
        result = start_cart_trigger(
            bootstrap.stores(),
            bootstrap.scheduler(),
            bootstrap.settings(SchedulingSettings).outbound_queue_arn,
            CartAbandoned.model_validate(detail),
            utc_now(),
        ).wire()
    elif kind in ("Customer.Activity", "Customer.Purchase"):
        result = record_customer_event(bootstrap.stores(), kind, CustomerEvent.model_validate(detail))
    else:
        result = {"ignored": kind}
    logger.info("customer event", extra={"detail_type": kind, **{k: str(v) for k, v in result.items()}})
    return result
