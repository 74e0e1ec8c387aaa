"""Admin API (IAM-authorised when deployed): lists, contacts (proof of consent), imports, stats, triggers
and keywords — one Powertools router per area (``admin/routes``), all in this one resolver, whose error
handlers (``consent_platform.http``) turn every error into the API's error body.

Cold start (issue 17): an area's router module (its request and answer models, its domain modules) is
imported and included when the first request for that area arrives (:func:`include_area`), not with this
module: one function serves eight areas and a request uses one, so a cold start pays for the area it was
started for, not for all eight. Which area a path belongs to is :data:`AREAS` (the unit test checks it
against every route); a path outside the table includes every area, so it is answered as before."""

from __future__ import annotations

import importlib
from typing import Any

# boto3 before Powertools and pydantic: measured (CPU time of the import, medians of 7-9 interleaved runs,
# 3 sessions of runs), this handler imports 30-40 ms faster with the same modules loaded in this order —
# urllib3's URL regexes compile ~6x slower when compiled after the admin routes' imports. Every
# invocation needs boto3 anyway.
import boto3  # noqa: F401
from aws_lambda_powertools.utilities.typing import LambdaContext

from consent_platform.http import json_api, register_error_handlers, screen_request
from consent_platform.settings import AdminSettings, OutboundSettings, SchedulingSettings

from .routes.shared import IMPORT_HINT, IMPORT_MAX_BODY, logger

__all__ = ["IMPORT_MAX_BODY", "SETTINGS", "app", "include_all", "include_area", "lambda_handler"]

# The settings this function reads (tests/infra checks that the template's environment satisfies them).
SETTINGS = (AdminSettings, SchedulingSettings, OutboundSettings)
MAX_BODY = 64 * 1024

# The area of a path: its segment after /v1/admin/ (under /v1/admin/lists/{list_id}/, the one after the
# list id) → the router module in admin/routes. In the order the OpenAPI document lists them.
AREAS = {
    "lists": "lists",
    "contacts": "contacts",
    "import": "imports",
    "stats": "stats",
    "triggers": "triggers",
    "keywords": "keywords",
    "senders": "senders",
    "inbox": "inbox",
    "contests": "contests",
    "polls": "polls",
    "numbers": "forwarding",
    "flows": "flows",
    "messages": "messages",
    "coupons": "coupons",
}

app = json_api()
register_error_handlers(app, logger)
_included: set[str] = set()


def area_of(path: str) -> str | None:
    """The router module that serves ``path``, or None for a path outside :data:`AREAS`."""
    parts = path.split("/")  # "", "v1", "admin", area, ...
    if parts[1:3] != ["v1", "admin"] or len(parts) < 4:
        return None
    key = parts[5] if parts[3] == "lists" and len(parts) == 6 else parts[3]
    return AREAS.get(key)


def _include(module: str) -> None:
    if module not in _included:
        app.include_router(importlib.import_module(f"{__package__}.routes.{module}").router)
        _included.add(module)


def include_area(path: str) -> None:
    """Make sure the routes that can answer ``path`` are in the resolver (every area's, for an unknown path)."""
    area = area_of(path)
    for module in [area] if area else AREAS.values():
        _include(module)


def include_all() -> None:
    """Every area's routes (the OpenAPI document describes them all)."""
    for module in AREAS.values():
        _include(module)


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    path = str(event.get("rawPath", ""))
    include_area(path)
    if path.endswith("/import"):
        return screen_request(event, IMPORT_MAX_BODY, IMPORT_HINT) or app.resolve(event, context)
    return screen_request(event, MAX_BODY) or app.resolve(event, context)
