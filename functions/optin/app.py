"""Public opt-in API: ``POST /v1/optin`` from web forms (form-encoded) and integrations (JSON)."""

from __future__ import annotations

from datetime import timedelta
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from consent_platform.adapters.events import EventPublisher
from consent_platform.adapters.queue import OutboundQueue
from consent_platform.adapters.repository import ConsentRepository
from consent_platform.domain.clock import utc_now
from consent_platform.domain.consent import Method
from consent_platform.http import (
    FORM,
    json_response,
    parse_body,
    register_error_handlers,
    request_context,
    validate,
)
from consent_platform.services.optin import OptInRequest, OptInService
from consent_platform.settings import optin_settings

logger = Logger()
metrics = Metrics(namespace="SmsConsent")
app = APIGatewayHttpResolver()
register_error_handlers(app, logger)


@cache
def service() -> OptInService:
    settings = optin_settings()
    return OptInService(
        ConsentRepository(settings.table_name, settings.ledger_table_name),
        OutboundQueue(settings.outbound_queue_url),
        timedelta(hours=settings.pending_confirmation_hours),
        EventPublisher(settings.event_bus_name) if settings.event_bus_name else None,
    )


@app.post("/v1/optin")
def optin() -> Response[str]:
    data = parse_body(app, optin_settings().max_body_bytes)
    is_form = (app.current_event.headers.get("content-type") or "").split(";")[0].strip().lower() == FORM
    request = validate(OptInRequest, data)
    context = request_context(app, Method.WEB_FORM if is_form else Method.API)
    result = service().submit(request, context, utc_now(), logger)
    metrics.add_metric(name=f"OptIn_{result.status}", unit=MetricUnit.Count, value=1)
    return json_response(result.http_status, result.body())


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
