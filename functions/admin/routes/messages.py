"""``POST /v1/admin/messages``: one transactional SMS to one customer (issue #18)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from consent_platform import bootstrap
from consent_platform.api.transactional import MessageRequest
from consent_platform.domain.clock import utc_now
from consent_platform.domain.phone import mask_phone
from consent_platform.http import api_responses, json_response
from consent_platform.settings import AdminSettings

from .shared import logger

router = APIGatewayHttpRouter()


@router.post(
    "/v1/admin/messages",
    summary="Send one transactional SMS (no marketing consent, any hour; refused after STOP or erasure)",
    tags=["Messages"],
    responses=api_responses(
        {202: ("Queued (also for a repeated idempotency_key)", "MessageQueued")}, 400, 404, 409, 422
    )
    | api_responses({}, 429, 503),
)
def send_message(request: Annotated[MessageRequest, Body()]) -> Response[str]:
    from consent_platform.services import transactional  # lazily: see admin/routes/__init__.py

    settings = bootstrap.settings(AdminSettings)
    lookup = transactional.suppression_lookup(
        settings.table_name, settings.erasure_key_parameter, settings.secret_cache_seconds
    )
    queued = transactional.send(bootstrap.stores(), bootstrap.queue(), request, lookup, utc_now())
    logger.info(
        "transactional message queued",
        extra={"message_id": queued.message_id, "to": mask_phone(request.to), "repeated": queued.repeated},
    )
    return json_response(202, queued.wire())
