"""Scheduled every few minutes: writes the ``expired`` entry of every pending double opt-in whose
confirmation window has closed (services/expiry.py)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from consent_platform import bootstrap
from consent_platform.domain.clock import utc_now
from consent_platform.services.expiry import expire_lapsed
from consent_platform.settings import ExpirySettings

# The settings this function reads (tests/infra checks that the template's environment satisfies them).
SETTINGS = (ExpirySettings,)
logger = Logger()
metrics = Metrics(namespace="SmsConsent")
# Leave this much of the Lambda timeout for the round in flight; what is left is the next run's.
RESERVE_MS = 30_000


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    report = expire_lapsed(
        bootstrap.stores().consent,
        utc_now(),
        request_id=context.aws_request_id,
        out_of_time=lambda: context.get_remaining_time_in_millis() < RESERVE_MS,
        logger=logger,
    )
    metrics.add_metric(name="PendingExpired", unit=MetricUnit.Count, value=report.expired)
    # Unreadable items and writes failing after retries: retried every run, so a non-zero figure that
    # stays is worth an alarm (a corrupt item, a permission missing).
    metrics.add_metric(name="ExpiryFailed", unit=MetricUnit.Count, value=report.failed)
    if report.more:  # a backlog bigger than one run: the next run goes on
        metrics.add_metric(name="ExpiryBacklog", unit=MetricUnit.Count, value=1)
    if report.expired or report.more or report.failed:
        logger.info("pending confirmations expired", extra=report.as_dict())
    return report.as_dict()
