"""``/v1/admin/numbers/{number}/forwarding``: where the messages a number receives are forwarded (issue #20)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import unquote

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from consent_platform import bootstrap
from consent_platform.api.forwarding import ForwardingRequest
from consent_platform.domain.clock import utc_now
from consent_platform.http import api_responses, json_response
from consent_platform.settings import ForwardingSettings

from .shared import logger

router = APIGatewayHttpRouter()

NumberInPath = Annotated[
    str,
    Path(
        description="The receiving number (E.164, URL-encode the +) or short code",
        examples=["+48500000000"],
        pattern=r"^(\+|%2[Bb])?[0-9]{3,15}$",
    ),
]


def _number(raw: str) -> str:
    return unquote(raw)


@router.put(
    "/v1/admin/numbers/<number>/forwarding",
    summary="Forward the messages a number receives to a URL (signed POST), an e-mail address or a phone",
    tags=["Forwarding"],
    responses=api_responses({200: ("Stored", "ForwardingView")}, 400, 422, 503),
)
def put_forwarding(number: NumberInPath, rule: Annotated[ForwardingRequest, Body()]) -> Response[str]:
    from consent_platform.services import forwarding  # lazily: see admin/routes/__init__.py

    allow = bootstrap.settings(ForwardingSettings).forwarding_allow_loopback_http
    view = forwarding.put(bootstrap.stores(), _number(number), rule, utc_now(), allow)
    logger.info("forwarding set", extra={"number": view.number, "targets": _targets(view.model_dump())})
    return json_response(200, view.wire())


@router.get(
    "/v1/admin/numbers/<number>/forwarding",
    summary="A number's forwarding rule",
    tags=["Forwarding"],
    responses=api_responses({200: ("The rule", "ForwardingView")}, 404, 422, 503),
)
def get_forwarding(number: NumberInPath) -> Response[str]:
    from consent_platform.services import forwarding

    return json_response(200, forwarding.get(bootstrap.stores(), _number(number)).wire())


@router.delete(
    "/v1/admin/numbers/<number>/forwarding",
    summary="Stop forwarding a number's messages",
    tags=["Forwarding"],
    responses=api_responses({204: ("Removed", None)}, 404, 422, 503),
)
def delete_forwarding(number: NumberInPath) -> Response[str]:
    from consent_platform.services import forwarding

    forwarding.delete(bootstrap.stores(), _number(number))
    logger.info("forwarding removed", extra={"number": _number(number)})
    return Response(status_code=204, body="")


def _targets(view: dict[str, object]) -> list[str]:
    """Which targets are set — not their values (an e-mail address or phone is personal data)."""
    return [name for name in ("url", "email", "phone") if view.get(name)]
