"""``POST /v1/admin/lists/{list_id}/import``: existing customers as soft opt-in."""

from __future__ import annotations

from collections.abc import Callable

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from consent_platform import bootstrap
from consent_platform.api.admin import ImportFromS3
from consent_platform.domain.clock import utc_now
from consent_platform.domain.errors import ServiceUnavailable, UnsupportedMediaType, ValidationFailed
from consent_platform.http import (
    JSON,
    api_responses,
    documented_body,
    json_response,
    parse_json_object,
    raw_body,
    validate,
)
from consent_platform.settings import AdminSettings

from .shared import IMPORT_MAX_BODY, ListId, logger

IMPORT_ERRORS = (400, 404, 413, 415, 422, 503)

router = APIGatewayHttpRouter()


@router.post(
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
    from consent_platform.services.imports import ImportService, parse_rows  # lazily: see admin/routes/__init__.py

    event = router.current_event
    content_type = (event.headers.get("content-type") or "").split(";")[0].strip().lower()
    data = raw_body(router, IMPORT_MAX_BODY)
    if content_type == "application/json":
        data, content_type = imports_s3(validate(ImportFromS3, parse_json_object(data)).s3_key)
    elif content_type not in ("text/csv", "application/csv", "application/x-ndjson", "application/jsonl"):
        raise UnsupportedMediaType(
            "send text/csv, application/x-ndjson, or JSON with s3_key", {"content-type": content_type}
        )
    report = ImportService(bootstrap.stores(), suppression_lookup()).run(
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
    return json_response(200, report.body().wire())


def suppression_lookup() -> Callable[[str], list[str]]:
    """The erased-number suppression list's keys for a number (one per erasure key). Without a key
    parameter, imports go ahead only as long as no number was ever erased."""
    from consent_platform.adapters.erasure import erasures_recorded, load_keys  # lazily: see admin/routes/__init__.py
    from consent_platform.domain.erasure import pseudonym

    settings = bootstrap.settings(AdminSettings)
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
    """The uploaded file's bytes and its format, told by the key's extension."""
    from consent_platform.adapters.objects import ImportBucket  # lazily: see admin/routes/__init__.py

    bucket = bootstrap.settings(AdminSettings).import_bucket
    if not bucket:
        raise ValidationFailed("no import bucket is configured", {"s3_key": "not available"})
    kind = "text/csv" if key.lower().endswith(".csv") else "application/x-ndjson"
    return ImportBucket(bucket).read(key), kind
