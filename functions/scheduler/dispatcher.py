"""Target of a campaign bucket's one-time schedule: queue a send job for each subscriber in the bucket."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from consent_platform import bootstrap
from consent_platform.domain.clock import utc_now
from consent_platform.domain.phone import preload
from consent_platform.services.dispatcher import dispatch
from consent_platform.settings import CampaignSettings

preload()  # every job's country comes from its number: phonenumbers loads with the module
# The settings this function reads (tests/infra checks that the template's environment satisfies them).
SETTINGS = (CampaignSettings,)
logger = Logger()


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    queued = dispatch(
        bootstrap.stores(), bootstrap.queue(), str(event["campaign_id"]), str(event["bucket"]), utc_now(), logger
    )
    return {"queued": queued}
