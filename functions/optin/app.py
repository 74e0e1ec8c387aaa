"""Public API: ``POST /v1/optin`` (web forms and integrations), the form's list data, QR codes."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from consent_platform import bootstrap
from consent_platform.api.public import OptInAccepted, OptInRequest, PublicList, QrRequest
from consent_platform.domain.clock import utc_now
from consent_platform.domain.consent import Method
from consent_platform.domain.errors import ConfirmationCapReached, DomainError, NotFound, RateLimited
from consent_platform.domain.lists import is_safe_redirect
from consent_platform.domain.phone import preload
from consent_platform.http import (
    FORM,
    JSON,
    api_responses,
    documented_body,
    documented_query,
    error_headers,
    json_response,
    parse_body,
    register_error_handlers,
    request_context,
    validate,
)
from consent_platform.services.optin import OptInResult
from consent_platform.settings import OptInSettings
from consent_platform.web.pages import error_page, prefers_html, success_page
from consent_platform.web.qr import render_qr

preload()  # every sign-up parses a phone number and validates a stored list: phonenumbers loads with the module
# The settings this function reads (tests/infra checks that the template's environment satisfies them).
SETTINGS = (OptInSettings,)
logger = Logger()
metrics = Metrics(namespace="SmsConsent")
app = APIGatewayHttpResolver()
register_error_handlers(app, logger)

HONEYPOT = "company_website"  # hidden from people; bots fill it in
QR_CACHE = "public, max-age=86400, immutable"  # the same query always draws the same code


@app.post(
    "/v1/optin",
    summary="Sign a number up to a list (web form or integration)",
    description="JSON or an HTML form post. A form posted by a browser (Accept: text/html) gets an HTML page, "
    "or a 303 to the list's thank_you_url, instead of JSON.",
    tags=["Sign-up"],
    responses=api_responses(
        {
            202: (
                "Accepted: pending confirmation (double opt-in) or active (single opt-in); the same answer "
                "for a number that is already subscribed (nothing is sent to it)",
                "OptInAccepted",
            ),
            303: ("Browser form post: see the list's thank_you_url", None),
        },
        *(400, 404, 413, 415, 422, 429, 503),
    ),
    openapi_extensions=documented_body("OptInRequest", JSON, FORM),
)
def optin() -> Response[str]:
    headers = app.current_event.headers
    is_form = (headers.get("content-type") or "").split(";")[0].strip().lower() == FORM
    # A form posted by a browser without JavaScript gets pages; scripts and integrations get JSON.
    browser = is_form and prefers_html(headers.get("accept"))
    data: dict[str, Any] = {}  # the body, once parsed: its list_id picks the error page's language
    try:
        data = parse_body(app, bootstrap.settings(OptInSettings).max_body_bytes)
        if str(data.get(HONEYPOT) or "").strip():
            return _honeypot(data, browser)
        request = validate(OptInRequest, data)
        context = request_context(app, Method.WEB_FORM if is_form else Method.API)
        result = bootstrap.optin_service().submit(request, context, utc_now(), logger)
    except DomainError as exc:
        if isinstance(exc, RateLimited):
            _rate_limited_metrics(exc)
        if not browser:
            raise
        language, _ = _list_words(data.get("list_id"))
        page = error_page(exc.message, exc.fields, headers.get("referer"), language)
        return _html(exc.status, page, error_headers(exc))
    metrics.add_metric(name=f"OptIn_{result.status}", unit=MetricUnit.Count, value=1)
    if browser:
        return _browser_success(result)
    return json_response(result.http_status, result.body().wire())


@app.get(
    "/v1/lists/<list_id>/public",
    summary="What a sign-up form shows about a list",
    tags=["Sign-up"],
    responses=api_responses({200: ("The list's public view", "PublicList")}, 404, 503),
)
def public_list(list_id: str) -> Response[str]:
    stored, _ = bootstrap.stores().catalog.get_list(list_id)
    if stored is None:
        raise NotFound(f"list {list_id!r} does not exist", {"list_id": "unknown list"})
    return json_response(200, PublicList.of(stored).wire(), headers={"Cache-Control": "public, max-age=60"})


@app.get(
    "/v1/qr",
    summary="QR code for text-to-join (SMSTO:/sms:) or a URL",
    tags=["Sign-up"],
    responses={
        200: {
            "description": "The code as SVG or PNG",
            "content": {"image/svg+xml": {"schema": {"type": "string"}}, "image/png": {"schema": {"type": "string"}}},
        },
        **api_responses({}, 422),
    },
    openapi_extensions=documented_query("QrRequest"),
)
def qr() -> Response[bytes]:
    params = dict(app.current_event.query_string_parameters or {})
    image, content_type = render_qr(validate(QrRequest, params))
    return Response(status_code=200, content_type=content_type, body=image, headers={"Cache-Control": QR_CACHE})


def _honeypot(data: dict[str, Any], browser: bool) -> Response[str]:
    """Look exactly like a success so the bot learns nothing; store and send nothing."""
    logger.info("honeypot filled: submission dropped")
    metrics.add_metric(name="OptIn_honeypot", unit=MetricUnit.Count, value=1)
    if browser:
        language, confirm = _list_words(data.get("list_id"))
        return _html(200, success_page("pending_confirmation", None, language, confirm))
    answer = OptInAccepted(
        status="pending_confirmation",
        phone=str(data.get("phone", "")),
        list_id=str(data.get("list_id", "")),
        confirmation_sent=True,
    )
    return json_response(202, answer.wire())


def _browser_success(result: OptInResult) -> Response[str]:
    # The page a new number would get: a browser must not learn whether a number is on the list either.
    if result.thank_you_url and is_safe_redirect(result.thank_you_url):  # lists stored under older rules
        return Response(status_code=303, content_type="text/plain", body="", headers={"Location": result.thank_you_url})
    return _html(200, success_page(result.public_status, result.brand, result.language, result.confirm_word))


def _list_words(list_id: object) -> tuple[str | None, str]:
    """The list's language and confirmation word for a browser's page (English when unknown).
    Only browser pages that did not load the list already pay this read."""
    if not isinstance(list_id, str) or not list_id.strip():
        return None, "YES"
    try:
        stored, _ = bootstrap.stores().catalog.get_list(list_id.strip())
    except Exception:  # a page in English is better than no page
        logger.exception("could not read the list for a result page")
        return None, "YES"
    return (stored.language, stored.confirmation_words()[0]) if stored else (None, "YES")


def _html(status: int, page: str, headers: dict[str, str] | None = None) -> Response[str]:
    return Response(status_code=status, content_type="text/html; charset=utf-8", body=page, headers=headers or None)


def _rate_limited_metrics(exc: RateLimited) -> None:
    """``ConfirmationCapReached`` (a list's daily cap; an alarm watches it) or ``OptIn_rate_limited``."""
    if isinstance(exc, ConfirmationCapReached):
        logger.warning("daily sign-up SMS cap reached", extra={"fields": exc.fields})
        metrics.add_metric(name="ConfirmationCapReached", unit=MetricUnit.Count, value=1)
    else:
        metrics.add_metric(name="OptIn_rate_limited", unit=MetricUnit.Count, value=1)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
