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
    "terms_url": "https://shop.example/terms",
    "privacy_url": "https://shop.example/privacy",
    "consent_text": {
        "version": "2026-11-01",
        "text": "Tak, chcę otrzymywać SMS-y marketingowe od Demo Shop. Zgodę mogę wycofać, odpisując STOP.",
    },
    "origination": {"PL": "+48500000000", "US": "12345", "default": "+48500000000"},
    "cart_abandoned": {"text": "Demo Shop: Twój koszyk czeka: {url}", "delay_hours": 48},
}


DEMO_KEYWORD = "DEMO"
DEMO_NUMBER = "4301"

# Webhook secrets for the local stack only. In AWS they live in SSM Parameter Store (SecureString),
# named by template parameters, and never in the repository.
LOCAL_TWILIO_TOKEN = "local-twilio-auth-token"  # noqa: S105 - a published dev-only value
LOCAL_WEBHOOK_SECRET = "local-webhook-secret"  # noqa: S105 - a published dev-only value
LOCAL_TWILIO_ACCOUNT_SID = "AC" + "0" * 32  # the account the local Twilio route accepts
LOCAL_ERASURE_KEY = "local-erasure-key-not-a-secret"
LOCAL_FORWARDING_SECRET = "local-forwarding-secret"  # noqa: S105 - signs forwarded POSTs (issue #20)
LOCAL_LINK_KEY = "local-link-key-not-a-secret"


class SeedFailed(RuntimeError):
    pass


def seed_secrets() -> None:
    """Put the local webhook secrets where the inbound webhook function reads them (SSM on moto)."""
    import os

    import boto3

    ssm = boto3.client("ssm")
    for env_name, value in (
        ("TWILIO_AUTH_TOKEN_PARAMETER", LOCAL_TWILIO_TOKEN),
        ("WEBHOOK_SECRET_PARAMETER", LOCAL_WEBHOOK_SECRET),
        ("ERASURE_KEY_PARAMETER", LOCAL_ERASURE_KEY),
        ("FORWARDING_SECRET_PARAMETER", LOCAL_FORWARDING_SECRET),
        ("LINK_KEY_PARAMETER", LOCAL_LINK_KEY),
    ):
        ssm.put_parameter(Name=os.environ[env_name], Value=value, Type="SecureString", Overwrite=True)


def seed_demo_keyword(gateway: Gateway) -> None:
    """Text-to-join: "DEMO" to 4301 joins the demo list."""
    _admin(
        gateway,
        "PUT",
        f"/v1/admin/keywords/{DEMO_KEYWORD}",
        {"number": DEMO_NUMBER, "action": "join", "list_id": DEMO_LIST_ID},
    )


def _admin(gateway: Gateway, method: str, target: str, body: dict[str, Any]) -> dict[str, Any]:
    response = gateway.handle(
        HttpRequest(
            method=method,
            target=target,
            headers=[("content-type", "application/json"), ("user-agent", "local-stack-seed")],
            body=json.dumps(body, ensure_ascii=False).encode("utf-8"),
        )
    )
    if not 200 <= response.status < 300:
        raise SeedFailed(f"{method} {target} answered {response.status}: {response.body.decode('utf-8', 'replace')}")
    stored: dict[str, Any] = response.json()
    return stored


def seed_demo_list(gateway: Gateway) -> dict[str, Any]:
    """``PUT /v1/admin/lists/demo`` through the gateway (not DynamoDB directly), so the seed passes the
    same validation and compliance lint as every other list; returns the stored list."""
    return _admin(gateway, "PUT", f"/v1/admin/lists/{DEMO_LIST_ID}", DEMO_LIST)
