"""The demo list every local run starts with, created through the admin API like any client would."""

from __future__ import annotations

import json
from typing import Any

from .gateway import Gateway, HttpRequest

DEMO_LIST_ID = "demo"
DEMO_LIST: dict[str, Any] = {
    "brand": "Demo Shop",
    "opt_in": "double",
    "default_country": "PL",
    "allowed_countries": ["PL", "US"],
    "language": "pl",
    "frequency": "up to 4 msgs/month",
    "support": "help@example.com",
    "consent_text": {
        "version": "2026-11-01",
        "text": "Tak, chcę otrzymywać SMS-y marketingowe od Demo Shop. Zgodę mogę wycofać, odpisując STOP.",
    },
    "origination": {"PL": "+48500000000", "US": "12345", "default": "+48500000000"},
}


class SeedFailed(RuntimeError):
    pass


def seed_demo_list(gateway: Gateway) -> dict[str, Any]:
    """``PUT /v1/admin/lists/demo`` through the gateway (not DynamoDB directly), so the seed passes the
    same validation and compliance lint as every other list; returns the stored list."""
    response = gateway.handle(
        HttpRequest(
            method="PUT",
            target=f"/v1/admin/lists/{DEMO_LIST_ID}",
            headers=[("content-type", "application/json"), ("user-agent", "local-stack-seed")],
            body=json.dumps(DEMO_LIST, ensure_ascii=False).encode("utf-8"),
        )
    )
    if not 200 <= response.status < 300:
        raise SeedFailed(
            f"creating the {DEMO_LIST_ID!r} list answered {response.status}: {response.body.decode('utf-8', 'replace')}"
        )
    stored: dict[str, Any] = response.json()
    return stored
