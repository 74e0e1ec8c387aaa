"""Scheduled every minute: runs the flow steps that are due (services/flow_sweep.py)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from consent_platform import bootstrap
from consent_platform.domain.clock import utc_now
from consent_platform.domain.phone import preload
from consent_platform.services.flow_sweep import sweep
from consent_platform.settings import OutboundSettings, TableSettings

preload()  # every due step resolves its number's zone: phonenumbers loads with the module
# The settings this function reads (tests/infra checks that the template's environment satisfies them).
SETTINGS = (TableSettings, OutboundSettings)
logger = Logger()
metrics = Metrics(namespace="SmsConsent")
# Leave this much of the Lambda timeout for the page in flight; what is left is the next run's.
RESERVE_MS = 10_000


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    report = sweep(
        bootstrap.stores(),
        bootstrap.queue(),
        utc_now(),
        out_of_time=lambda: context.get_remaining_time_in_millis() < RESERVE_MS,
    )
    metrics.add_metric(name="FlowStepsQueued", unit=MetricUnit.Count, value=report.queued)
    if report.more:  # a backlog bigger than one run: the next run goes on
        metrics.add_metric(name="FlowSweepBacklog", unit=MetricUnit.Count, value=1)
    if report.due:
        logger.info("flow steps run", extra=report.as_dict())
    return report.as_dict()
