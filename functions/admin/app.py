"""Admin API (IAM-authorised when deployed): lists and contacts (proof of consent)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from functools import cache
from typing import Annotated, Any
from urllib.parse import unquote

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from consent_platform.adapters.aws import client
from consent_platform.adapters.erasure import erasures_recorded, load_keys
from consent_platform.adapters.repository import ConsentRepository
from consent_platform.adapters.scheduler import Scheduler
from consent_platform.domain.clock import utc_now
from consent_platform.domain.erasure import pseudonym
from consent_platform.domain.errors import NotFound, ServiceUnavailable, UnsupportedMediaType, ValidationFailed
from consent_platform.domain.keywords import KeywordConfig
from consent_platform.domain.list_stats import summarize, totals
from consent_platform.domain.lists import ListConfig
from consent_platform.domain.phone import normalize_phone
from consent_platform.http import (
    JSON,
    api_responses,
    documented_body,
    json_api,
    json_response,
    parse_json_object,
    raw_body,
    register_error_handlers,
    screen_request,
    validate,
)
from consent_platform.services import contacts, keywords, lists
from consent_platform.services.contacts import ContactPatch
from consent_platform.services.imports import ImportService, parse_rows
from consent_platform.services.triggers import CartAbandoned, start_cart_trigger
from consent_platform.settings import admin_settings, scheduling_settings

logger = Logger()
app = json_api()
register_error_handlers(app, logger)

MAX_BODY = 64 * 1024
# Lambda's synchronous invocation payload limit is 6 MB (6,291,456 bytes) for the whole event, and HTTP API
# base64-encodes a body whose content type is not text (application/x-ndjson, text/csv may be), which grows it
# by 4/3. What always fits: (6 MiB - 64 KiB for the envelope: headers, request context) * 3/4 = 4,669,440
# bytes. A larger body would fail the invocation itself (API Gateway's bare 500), so it gets a 413 naming the
# limit here, and larger files go through the import bucket ({"s3_key": ...}).
LAMBDA_PAYLOAD_LIMIT = 6 * 1024 * 1024
EVENT_ENVELOPE = 64 * 1024
IMPORT_MAX_BODY = (LAMBDA_PAYLOAD_LIMIT - EVENT_ENVELOPE) // 4 * 3
IMPORT_HINT = '; upload larger files to the import bucket and send {"s3_key": "..."}'
IMPORT_ERRORS = (400, 404, 413, 415, 422, 503)

# Path parameters, with the examples the OpenAPI document shows (the local stack seeds list "demo" and
# keyword "DEMO"; the fuzz test's sign-up example creates the contact).
ListId = Annotated[str, Path(description="The list's id", examples=["demo"])]
KeywordInPath = Annotated[str, Path(description="The keyword (any case, accents ignored)", examples=["DEMO"])]
PhoneInPath = Annotated[
    str, Path(description="E.164 (URL-encode the +), or national with ?country=", examples=["+48501234567"])
]


class ImportFromS3(BaseModel):
    """Import a file already uploaded to the import bucket (larger than a request may be)."""

    model_config = ConfigDict(defer_build=True)  # built by the first such import, not at every cold start

    s3_key: str = Field(min_length=1, max_length=1024, description="Object key in the stack's import bucket")


@cache
def repository() -> ConsentRepository:
    settings = admin_settings()
    return ConsentRepository(settings.table_name, settings.ledger_table_name)


@app.put(
    "/v1/admin/lists/<list_id>",
    summary="Create or replace a list (consent text versions are kept forever)",
    tags=["Lists"],
    responses=api_responses(
        {200: ("Replaced", "StoredList"), 201: ("Created", "StoredList")}, *(400, 409, 413, 415, 422, 503)
    ),
)
def put_list(list_id: ListId, config: Annotated[ListConfig, Body()]) -> Response[str]:
    stored, created = lists.put_list(repository().catalog, list_id, config, utc_now())
    logger.info("list stored", extra={"list_id": list_id, "new_list": created})
    return json_response(201 if created else 200, stored.public_view())


@app.get(
    "/v1/admin/lists/<list_id>",
    summary="Read a list",
    tags=["Lists"],
    responses=api_responses({200: ("The list", "StoredList")}, 404, 503),
)
def get_list(list_id: ListId) -> Response[str]:
    return json_response(200, lists.get_list(repository().catalog, list_id).public_view())


@app.get(
    "/v1/admin/contacts/<phone>",
    summary="Proof of consent: profile, subscriptions and the full ledger of a number",
    tags=["Contacts"],
    responses=api_responses({200: ("The contact", "ContactProof")}, 404, 422, 503),
)
def get_contact(phone: PhoneInPath, country: Annotated[str | None, Query()] = None) -> Response[str]:
    number = normalize_phone(unquote(phone), country)
    profile, subscriptions, ledger = repository().consent.get_contact(number.e164)
    if profile is None and not subscriptions and not ledger:
        raise NotFound("no such contact", {"phone": "unknown number"})
    return json_response(
        200,
        {
            "phone": number.e164,
            "profile": profile.model_dump(mode="json", exclude={"confirm_sent", "version"}) if profile else None,
            "subscriptions": [s.model_dump(mode="json", exclude={"expected_message_id"}) for s in subscriptions],
            "ledger": [e.model_dump(mode="json", exclude_none=True) for e in ledger],
        },
    )


@app.patch(
    "/v1/admin/contacts/<phone>",
    summary="Update a contact's profile (time zone, name, custom attributes)",
    tags=["Contacts"],
    responses=api_responses({200: ("The updated profile", "ContactPatched")}, *(400, 404, 413, 422, 503)),
)
def patch_contact(
    phone: PhoneInPath,
    patch: Annotated[ContactPatch, Body()],
    country: Annotated[str | None, Query()] = None,
) -> Response[str]:
    number = normalize_phone(unquote(phone), country)
    return json_response(200, contacts.patch_contact(repository().consent, number.e164, patch, utc_now()))


@app.post(
    "/v1/admin/lists/<list_id>/import",
    summary="Import existing customers as soft opt-in (CSV, JSON lines, or a file in the import bucket)",
    tags=["Lists"],
    responses=api_responses({200: ("What was imported and why rows were rejected", "ImportReport")}, *IMPORT_ERRORS),
    openapi_extensions={
        "requestBody": {
            "required": True,
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/x-ndjson": {"schema": {"type": "string"}},
                JSON: documented_body("ImportFromS3", JSON)["requestBody"]["content"][JSON],
            },
        }
    },
)
def import_customers(list_id: ListId) -> Response[str]:
    """Existing customers as soft opt-in: CSV (``text/csv``), JSON lines (``application/x-ndjson``) or
    ``{"s3_key": "..."}`` naming an object in the import bucket for files too big for a request."""
    event = app.current_event
    content_type = (event.headers.get("content-type") or "").split(";")[0].strip().lower()
    data = raw_body(app, IMPORT_MAX_BODY)
    if content_type == "application/json":
        data, content_type = imports_s3(validate(ImportFromS3, parse_json_object(data)).s3_key)
    elif content_type not in ("text/csv", "application/csv", "application/x-ndjson", "application/jsonl"):
        raise UnsupportedMediaType(
            "send text/csv, application/x-ndjson, or JSON with s3_key", {"content-type": content_type}
        )
    report = ImportService(repository(), suppression_lookup()).run(
        list_id, parse_rows(data, content_type), utc_now(), event.request_context.request_id
    )
    logger.info(
        "import finished",
        extra={
            "list_id": list_id,
            "received": report.received,
            "imported": report.imported,
            "rejected": report.rejected,
        },
    )
    return json_response(200, report.body())


def suppression_lookup() -> Callable[[str], list[str]]:
    """The erased-number suppression list's keys for a number (one per erasure key). Without a key
    parameter, imports go ahead only as long as no number was ever erased."""
    settings = admin_settings()
    keys = load_keys(settings.erasure_key_parameter, settings.secret_cache_seconds)
    if keys is None:
        if erasures_recorded(settings.table_name):
            raise ServiceUnavailable(
                "numbers were erased but the erasure key parameter is missing: the suppression list cannot "
                "be checked, so nothing was imported"
            )
        return lambda _phone: []
    return lambda phone: [pseudonym(key, phone) for key in keys]


def imports_s3(key: str) -> tuple[bytes, str]:
    bucket = admin_settings().import_bucket
    if not bucket:
        raise ValidationFailed("no import bucket is configured", {"s3_key": "not available"})
    s3 = client("s3")
    try:
        obj = s3.get_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        # NoSuchKey, or a bare 404 for a key S3 cannot even route (control characters): the caller's mistake.
        if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
            raise NotFound(f"no object {key!r} in the import bucket", {"s3_key": "not found"}) from None
        raise ServiceUnavailable("the import bucket could not be read; retry") from exc
    kind = "text/csv" if key.lower().endswith(".csv") else "application/x-ndjson"
    return obj["Body"].read(), kind


# A calendar day in a query string. Typed as a pattern-checked string, not ``date``: pydantic's lax date
# parsing would take "0.0" as a Unix timestamp (1970-01-01), which no caller means.
IsoDate = Annotated[str, StringConstraints(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]


def _day(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed("invalid date", {name: "not a calendar day (YYYY-MM-DD)"}) from None


@app.get(
    "/v1/admin/lists/<list_id>/stats",
    summary="Daily sign-ups, confirmations, opt-outs and sends of a list",
    tags=["Lists"],
    responses=api_responses({200: ("Days and totals", "ListStats")}, 404, 422, 503),
)
def list_stats(
    list_id: ListId,
    from_: Annotated[
        IsoDate | None, Query(alias="from", description="First day, YYYY-MM-DD (default: to − 29)")
    ] = None,
    to: Annotated[IsoDate | None, Query(description="Last day, YYYY-MM-DD (default: today, UTC)")] = None,
) -> Response[str]:
    last = _day(to, "to") if to else utc_now().date()
    first = _day(from_, "from") if from_ else last - timedelta(days=29)
    if first > last or (last - first).days > 366:
        raise ValidationFailed("invalid range", {"from": "from ≤ to, at most 366 days apart"})
    lists.get_list(repository().catalog, list_id)  # 404 for an unknown list
    days = summarize(repository().consent.list_stats(list_id, first.isoformat(), last.isoformat()))
    return json_response(
        200,
        {"list_id": list_id, "from": first.isoformat(), "to": last.isoformat(), "days": days, "totals": totals(days)},
    )


@app.post(
    "/v1/admin/triggers",
    summary="Start an abandoned-cart message (sent in the recipient's allowed hours, cancelled by a purchase)",
    tags=["Audience"],
    responses=api_responses(
        {200: ("Not scheduled: duplicate or not subscribed", "TriggerResult"), 202: ("Scheduled", "TriggerResult")},
        *(400, 404, 413, 422, 503),
    ),
)
def trigger(request: Annotated[CartAbandoned, Body()]) -> Response[str]:
    s = scheduling_settings()
    result = start_cart_trigger(
        repository(),
        Scheduler(s.schedule_group, s.scheduler_role_arn, s.schedule_dlq_arn),
        s.outbound_queue_arn,
        request,
        utc_now(),
    )
    return json_response(202 if result["status"] == "scheduled" else 200, result)


@app.put(
    "/v1/admin/keywords/<keyword>",
    summary="Create or replace a text-to-join keyword",
    tags=["Keywords"],
    responses=api_responses(
        {200: ("Replaced", "StoredKeyword"), 201: ("Created", "StoredKeyword")}, *(400, 404, 409, 413, 422, 503)
    ),
)
def put_keyword(keyword: KeywordInPath, config: Annotated[KeywordConfig, Body()]) -> Response[str]:
    stored, created = keywords.put_keyword(repository(), unquote(keyword), config, utc_now())
    logger.info("keyword stored", extra={"keyword": stored.keyword, "new_keyword": created})
    return json_response(201 if created else 200, stored.model_dump(mode="json"))


@app.get(
    "/v1/admin/keywords/<keyword>",
    summary="Read a keyword and its usage",
    tags=["Keywords"],
    responses=api_responses({200: ("The keyword", "KeywordView")}, 404, 409, 503),
)
def get_keyword(keyword: KeywordInPath) -> Response[str]:
    return json_response(200, keywords.get_keyword(repository(), unquote(keyword)))


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if str(event.get("rawPath", "")).endswith("/import"):
        return screen_request(event, IMPORT_MAX_BODY, IMPORT_HINT) or app.resolve(event, context)
    return screen_request(event, MAX_BODY) or app.resolve(event, context)
