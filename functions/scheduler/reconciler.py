"""Scheduled every 5 minutes: resolves sends whose provider outcome stayed unknown — counted as sent
when a delivery receipt came, resent once otherwise (services/reconciler.py)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from consent_platform import bootstrap
from consent_platform.domain.clock import utc_now
from consent_platform.domain.messages import OutboundMessage
from consent_platform.services.reconciler import Reconciler
from consent_platform.settings import OutboundSettings, ReconcilerSettings

# The settings this function reads (tests/infra checks that the template's environment satisfies them).
SETTINGS = (ReconcilerSettings, OutboundSettings)
logger = Logger()
metrics = Metrics(namespace="SmsConsent")
# Leave this much of the Lambda timeout for the resolution in flight; what is left is the next run's.
RESERVE_MS = 30_000


@bootstrap.component
def reconciler() -> Reconciler:
    s = bootstrap.settings(ReconcilerSettings)
    stores = bootstrap.stores()

    def requeue(message: OutboundMessage) -> None:
        bootstrap.queue().send([message])

    return Reconciler(
        stores,
        stores.deliveries.get,
        requeue,
        receipts_expected=s.sms_provider != "sns",
        record_days=s.message_record_days,
    )


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    report = reconciler().run(
        utc_now(), out_of_time=lambda: context.get_remaining_time_in_millis() < RESERVE_MS, logger=logger
    )
    for name in ("confirmed", "resent", "not_sent"):
        metrics.add_metric(name=f"Reconciled_{name}", unit=MetricUnit.Count, value=getattr(report, name))
    if report.more:  # a backlog bigger than one run: the next run goes on
        metrics.add_metric(name="ReconcileBacklog", unit=MetricUnit.Count, value=1)
    if report.confirmed or report.resent or report.not_sent or report.more:
        logger.info("unknown provider outcomes reconciled", extra=report.as_dict())
    return report.as_dict()
