"""HTTP edge shared by the API handlers: body parsing and the one place where errors become responses.

Every error leaves as ``{"error": {"code", "message", "fields"}}`` with a 4xx status for bad input;
only a genuine fault of ours or of AWS becomes a 5xx.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import parse_qsl

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from .domain.errors import (
    DomainError,
    MalformedBody,
    PayloadTooLarge,
    RateLimited,
    UnsupportedMediaType,
    ValidationFailed,
)
from .domain.json_input import load_json
from .domain.plain_text import neutralise_controls

if TYPE_CHECKING:  # types only: only the opt-in builds a RequestContext, and it has the service loaded anyway
    from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

    from .services.optin import RequestContext

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
M = TypeVar("M", bound=BaseModel)

# What each error status means to a client, for the OpenAPI document (infra/openapi.py).
ERROR_MEANINGS = {
    400: "Malformed body (not JSON, not UTF-8, not an object)",
    401: "Missing, stale or wrong webhook signature",
    403: "Twilio signature does not match",
    404: "Unknown list, contact, keyword or campaign",
    409: "Conflicts with the current state",
    413: "Body too large",
    415: "Unsupported content type",
    422: "Invalid input; `fields` names each bad field",
    429: "Rate limited; see Retry-After",
    503: "A dependency (AWS) is unavailable or throttling; retry",
}


def schema_ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def api_responses(ok: dict[int, tuple[str, str | None]], *errors: int, media: str = JSON) -> dict[int, Any]:
    """Powertools ``responses=`` for a route: ``{status: (description, schema name or None)}`` plus
    the error statuses it can answer, all with the one error shape.

    Schemas are named, not passed as model classes, so a cold start builds nothing for the document:
    ``infra/openapi.py`` resolves each name in the ``consent_platform.api`` package.
    """
    out: dict[int, Any] = {}
    for status, (description, schema) in ok.items():
        out[status] = {"description": description}
        if schema is not None:
            out[status]["content"] = {media: {"schema": schema_ref(schema)}}
    for status in errors:
        out[status] = {"description": ERROR_MEANINGS[status], "content": {JSON: {"schema": schema_ref("ErrorBody")}}}
    return out


def documented_body(schema: str, *media_types: str) -> dict[str, Any]:
    """``openapi_extensions=`` for a route that parses its own body (a form post and JSON alike)."""
    return {
        "requestBody": {"required": True, "content": {m: {"schema": schema_ref(schema)} for m in media_types}},
    }


def documented_query(schema: str) -> dict[str, Any]:
    """``openapi_extensions=`` for a route that validates its query string against one model:
    ``infra/openapi.py`` turns the model's fields into query parameters."""
    return {"x-query-model": schema}


def error_body(code: str, message: str, fields: dict[str, str] | None = None) -> str:
    return json.dumps({"error": {"code": code, "message": message, "fields": fields or {}}})


def error_response(
    status: int,
    code: str,
    message: str,
    fields: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[str]:
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=error_body(code, message, fields),
        headers=headers or None,
    )


def error_headers(exc: DomainError) -> dict[str, str]:
    """Headers an error carries: ``Retry-After`` (seconds) on a 429."""
    return exc.headers() if isinstance(exc, RateLimited) else {}


def json_api() -> APIGatewayHttpResolver:
    """The resolver of every validated JSON API: Powertools parses those bodies before our code runs, so
    it must parse them with :func:`load_json` (depth, digit and number limits → 400, not a 500)."""
    return APIGatewayHttpResolver(enable_validation=True, json_body_deserializer=load_json)


def screen_request(event: dict[str, Any], limit: int, hint: str = "") -> dict[str, Any] | None:
    """The answer to a request no route should see, or None: 413 for a body over ``limit`` and 415 for
    a multipart body (no route takes one; Powertools' validation would try to parse it and raise a
    bare ValueError — a 500 — when the boundary is missing). Applied to the raw event because
    Powertools runs request validation before any middleware."""
    body = event.get("body") or ""
    size = len(body) * 3 // 4 if event.get("isBase64Encoded") else len(body.encode("utf-8"))
    if size > limit:
        return _raw_error(413, "payload_too_large", f"the body is larger than {limit} bytes{hint}")
    headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type.startswith("multipart/"):
        fields = {"content-type": content_type}
        return _raw_error(415, "unsupported_media_type", f"send application/json or {FORM}", fields)
    return None


def _raw_error(status: int, code: str, message: str, fields: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"Content-Type": content_types.APPLICATION_JSON},
        "body": error_body(code, message, fields),
    }


def json_response(status: int, payload: Any, headers: dict[str, str] | None = None) -> Response[str]:
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps(payload, ensure_ascii=False),
        headers=headers,
    )


def fields_from_errors(errors: Sequence[Any]) -> dict[str, str]:
    """pydantic error list → ``{"dotted.field": "message"}``, dropping the ``body`` location prefix."""
    fields: dict[str, str] = {}
    for err in errors:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "header")]
        name = ".".join(loc) or "body"
        message = str(err.get("msg", "invalid"))
        if err.get("type") == "missing":
            message = "required"
        message = message.removeprefix("Value error, ")
        fields.setdefault(name, message)
    return fields


def register_error_handlers(app: APIGatewayHttpResolver, logger: Any) -> None:
    @app.exception_handler(DomainError)
    def _domain(exc: DomainError) -> Response[str]:
        if exc.status >= 500:
            logger.exception("dependency failure", extra={"code": exc.code})
        return error_response(exc.status, exc.code, exc.message, exc.fields, error_headers(exc))

    @app.exception_handler(RequestValidationError)
    def _request_validation(exc: RequestValidationError) -> Response[str]:
        errors = list(exc.errors())
        if any(e.get("type") == "json_invalid" for e in errors):
            return error_response(400, "malformed_body", "the body is not valid JSON")
        return error_response(422, "validation_error", "invalid input", fields_from_errors(errors))

    @app.exception_handler(UnicodeDecodeError)
    def _not_utf8(exc: UnicodeDecodeError) -> Response[str]:
        # Powertools decodes a validated route's body before any of our code runs; API Gateway passes
        # bytes that are not UTF-8 base64-encoded, and decoding them must be the client's 400, not a 500.
        return error_response(400, "malformed_body", "the body is not valid UTF-8")

    @app.exception_handler(ValidationError)
    def _model_validation(exc: ValidationError) -> Response[str]:
        return error_response(422, "validation_error", "invalid input", fields_from_errors(exc.errors()))

    @app.not_found
    def _not_found(exc: Exception) -> Response[str]:
        return error_response(404, "not_found", "no such route")


def raw_body(app: APIGatewayHttpResolver | APIGatewayHttpRouter, limit: int) -> bytes:
    event = app.current_event
    body = event.body or ""
    data = base64.b64decode(body) if event.is_base64_encoded else body.encode("utf-8")
    if len(data) > limit:
        raise PayloadTooLarge(f"the body is larger than {limit} bytes")
    return data


def parse_body(app: APIGatewayHttpResolver, limit: int) -> dict[str, Any]:
    """JSON or HTML-form body as a dict (a repeated form field keeps its last value)."""
    data = raw_body(app, limit)
    content_type = (app.current_event.headers.get("content-type") or "").split(";")[0].strip().lower()
    if content_type == FORM:
        try:
            return dict(parse_qsl(data.decode("utf-8"), keep_blank_values=True))
        except UnicodeDecodeError:
            raise MalformedBody("the form body is not UTF-8") from None
    if content_type not in ("application/json", "") and not content_type.endswith("+json"):
        raise UnsupportedMediaType(f"send application/json or {FORM}", {"content-type": content_type})
    return parse_json_object(data)


def parse_json_object(data: bytes) -> dict[str, Any]:
    if not data.strip():
        raise MalformedBody("the body is empty")
    parsed = load_json(data)
    if not isinstance(parsed, dict):
        raise MalformedBody("the body must be a JSON object")
    return parsed


def validate(model: type[M], data: dict[str, Any]) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed("invalid input", fields_from_errors(exc.errors())) from None


def request_context(app: APIGatewayHttpResolver, method: Any) -> RequestContext:
    from .services.optin import RequestContext

    ctx = app.current_event.request_context
    return RequestContext(
        method=method,
        ip=ctx.http.source_ip or None,
        user_agent=_recorded_header(ctx.http.user_agent or app.current_event.headers.get("user-agent")),
        request_id=ctx.request_id,
    )


def _recorded_header(value: str | None) -> str | None:
    """A header kept as evidence (User-Agent): recorded whatever it says, but never a control character
    that would reach a terminal or forge a line in the printed proof of consent."""
    return neutralise_controls(value) if value else None
