"""``/v1/admin/senders``: origination identities and the rate (message parts per second) each is paced at."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import unquote

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from consent_platform import bootstrap
from consent_platform.api.senders import SenderRate
from consent_platform.domain.clock import utc_now
from consent_platform.http import api_responses, json_response

from .shared import logger

router = APIGatewayHttpRouter()

# A number (E.164, URL-encode the +), short code, sender ID, or a pool / phone-number id or ARN, as in a
# list's ``origination``.
IdentityInPath = Annotated[
    str,
    Path(
        description="Origination identity as in a list's origination (URL-encode the +)",
        examples=["+18885550100"],
        min_length=1,
        max_length=256,
        pattern=r"^[A-Za-z0-9+:/_.% -]+$",
    ),
]


@router.put(
    "/v1/admin/senders/<identity>",
    summary="Set an origination identity's rate (message parts per second)",
    tags=["Senders"],
    responses=api_responses({200: ("Replaced", "SenderView"), 201: ("Created", "SenderView")}, 400, 422, 503),
)
def put_sender(identity: IdentityInPath, rate: Annotated[SenderRate, Body()]) -> Response[str]:
    from consent_platform.services import senders  # lazily: see admin/routes/__init__.py

    view, created = senders.put_rate(bootstrap.stores().pacing, unquote(identity), rate.parts_per_second, utc_now())
    logger.info("sender rate set", extra={"identity": view.identity, "parts_per_second": view.parts_per_second})
    return json_response(201 if created else 200, view.wire())


@router.get(
    "/v1/admin/senders",
    summary="List origination identities with their effective rate, and the defaults of unconfigured ones",
    tags=["Senders"],
    responses=api_responses({200: ("Identities and defaults", "SenderList")}, 503),
)
def list_senders() -> Response[str]:
    from consent_platform.services import senders  # lazily: see admin/routes/__init__.py

    return json_response(200, senders.list_rates(bootstrap.stores().pacing).wire())
