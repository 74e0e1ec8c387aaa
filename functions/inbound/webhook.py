"""Signed inbound webhooks: ``POST /v1/inbound/twilio`` and ``POST /v1/inbound/webhook``.

Both only verify and enqueue; the worker does the rest, so a provider gets its answer at once.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.utilities.typing import LambdaContext

from consent_platform import bootstrap
from consent_platform.api.inbound import WebhookMessage
from consent_platform.domain.clock import utc_now
from consent_platform.domain.errors import DomainError, ServiceUnavailable
from consent_platform.domain.inbound_message import InboundMessage
from consent_platform.domain.phone import mask_phone
from consent_platform.domain.signatures import SignatureError, active_secrets, twilio_valid, verify_webhook
from consent_platform.domain.twilio import twilio_fields
from consent_platform.http import (
    FORM,
    JSON,
    api_responses,
    documented_body,
    json_response,
    parse_json_object,
    raw_body,
    register_error_handlers,
    validate,
)
from consent_platform.settings import InboundWebhookSettings

# The settings this function reads (tests/infra checks that the template's environment satisfies them).
SETTINGS = (InboundWebhookSettings,)
logger = Logger()
app = APIGatewayHttpResolver()
register_error_handlers(app, logger)


class Forbidden(DomainError):
    status, code = 403, "forbidden"


class Unauthorized(DomainError):
    status, code = 401, "unauthorized"


def _settings() -> InboundWebhookSettings:
    return bootstrap.settings(InboundWebhookSettings)


def secrets(parameter: str) -> list[str]:
    """The secrets of an SSM SecureString that work now (cached by Powertools; rotation: see
    ``domain/signatures.py``)."""
    from aws_lambda_powertools.utilities import parameters

    value = parameters.get_parameter(parameter, decrypt=True, max_age=_settings().secret_cache_seconds)
    return active_secrets(str(value), utc_now())


def public_url(base: str) -> str:
    """The exact URL the provider called, which its signature covers. The base is configuration, never
    the request's ``Host`` / ``X-Forwarded-Proto``: those are the client's to choose."""
    event = app.current_event
    raw_query = event.raw_query_string
    return f"{base.rstrip('/')}{event.raw_path}" + (f"?{raw_query}" if raw_query else "")


def twilio_config() -> tuple[str, str]:
    """(public base URL, account SID); the route answers 503 until both are configured."""
    settings = _settings()
    missing = [
        name
        for name, value in (
            ("PublicBaseUrl", settings.public_base_url),
            ("TwilioAccountSid", settings.twilio_account_sid),
        )
        if not value
    ]
    if missing:
        raise ServiceUnavailable(
            f"the Twilio route is not configured: set {' and '.join(missing)} (template parameters)"
        )
    return settings.public_base_url, settings.twilio_account_sid


def enqueue(message: InboundMessage) -> None:
    bootstrap.inbound_queue().send(message)
    logger.info(
        "inbound queued",
        extra={
            "provider": message.provider,
            "inbound_message_id": message.message_id,
            "from": mask_phone(message.sender),
        },
    )


def signature_header(name: str) -> dict[str, object]:
    return {"name": name, "in": "header", "required": True, "schema": {"type": "string"}}


@app.post(
    "/v1/inbound/twilio",
    summary="Twilio's incoming-SMS webhook (X-Twilio-Signature checked against the auth token)",
    tags=["Inbound SMS"],
    responses={
        200: {"description": "Queued; empty TwiML", "content": {"text/xml": {"schema": {"type": "string"}}}},
        **api_responses({}, 400, 403, 413, 503),
    },
    openapi_extensions={
        **documented_body("TwilioInbound", FORM),
        "parameters": [signature_header("X-Twilio-Signature")],
    },
)
def twilio() -> Response[str]:
    base, account_sid = twilio_config()
    data = raw_body(app, _settings().max_body_bytes)
    try:
        params = parse_qsl(data.decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError:
        raise Forbidden("bad request body") from None
    signature = app.current_event.headers.get("x-twilio-signature")
    if not twilio_valid(secrets(_settings().twilio_auth_token_parameter), public_url(base), params, signature):
        raise Forbidden("X-Twilio-Signature is missing or does not match")
    form = twilio_fields(params, account_sid)
    enqueue(
        InboundMessage(
            provider="twilio",
            message_id=form["MessageSid"],
            sender=form["From"],
            to=form["To"],
            body=form.get("Body", ""),
            at=utc_now(),  # Twilio sends no time; replays are harmless because ids are kept (services/inbound)
        )
    )
    return Response(status_code=200, content_type="text/xml", body='<?xml version="1.0" encoding="UTF-8"?><Response/>')


@app.post(
    "/v1/inbound/webhook",
    summary="Incoming SMS from any provider, signed with HMAC-SHA256 (X-Signature: t=<unix>,v1=<hex>)",
    tags=["Inbound SMS"],
    responses=api_responses({202: ("Queued", "WebhookQueued")}, 400, 401, 413, 422, 503),
    openapi_extensions={**documented_body("WebhookMessage", JSON), "parameters": [signature_header("X-Signature")]},
)
def webhook() -> Response[str]:
    data = raw_body(app, _settings().max_body_bytes)
    try:
        verify_webhook(
            secrets(_settings().webhook_secret_parameter),
            app.current_event.headers.get("x-signature"),
            data,
            utc_now().timestamp(),
        )
    except SignatureError as exc:
        raise Unauthorized(exc.reason) from None
    message = validate(WebhookMessage, parse_json_object(data))
    enqueue(
        InboundMessage(
            provider="webhook",
            message_id=message.message_id,
            sender=message.from_,
            to=message.to,
            body=message.body,
            at=message.received_at or utc_now(),
        )
    )
    return json_response(202, {"status": "queued", "message_id": message.message_id})


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
