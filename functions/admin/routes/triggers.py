"""``POST /v1/admin/triggers``: start an abandoned-cart message."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from consent_platform import bootstrap
from consent_platform.api.audience import CartAbandoned
from consent_platform.domain.clock import utc_now
from consent_platform.http import api_responses, json_response
from consent_platform.settings import SchedulingSettings

router = APIGatewayHttpRouter()


@router.post(
    "/v1/admin/triggers",
    summary="Start an abandoned-cart message (sent in the recipient's allowed hours, cancelled by a purchase)",
    tags=["Audience"],
    responses=api_responses(
        {200: ("Not scheduled: duplicate or not subscribed", "TriggerResult"), 202: ("Scheduled", "TriggerResult")},
        *(400, 404, 413, 422, 503),
    ),
)
def trigger(request: Annotated[CartAbandoned, Body()]) -> Response[str]:
    from consent_platform.services.triggers import start_cart_trigger  # lazily: see admin/routes/__init__.py

    result = start_cart_trigger(
        bootstrap.stores(),
        bootstrap.scheduler(),
        bootstrap.settings(SchedulingSettings).outbound_queue_arn,
        request,
        utc_now(),
    )
    return json_response(202 if result.status == "scheduled" else 200, result.wire())
