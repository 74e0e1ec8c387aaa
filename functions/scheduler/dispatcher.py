"""Target of a campaign bucket's one-time schedule: start the bucket's dispatch (services/dispatcher.py)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from consent_platform import bootstrap
from consent_platform.domain.clock import utc_now
from consent_platform.services.dispatcher import Run, dispatch
from consent_platform.settings import CampaignSettings, DispatchSettings

# The settings this function reads (tests/infra checks that the template's environment satisfies them).
SETTINGS = (CampaignSettings, DispatchSettings)
logger = Logger()


def run_for(context: LambdaContext, token: str) -> Run:
    """What one invocation works with; shared by the dispatch-queue consumer (scheduler/dispatch_shard.py)."""
    return Run(
        bootstrap.stores(),
        bootstrap.queue(),
        bootstrap.dispatch_queue(),
        context.get_remaining_time_in_millis,
        utc_now(),
        token,
        logger,
    )


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    run = run_for(context, context.aws_request_id)
    return {"queued": dispatch(run, str(event["campaign_id"]), str(event["bucket"]))}
