"""What ``make run`` prints once the stack is up: pages, routes, queues and commands to try.

The campaign example is computed from the stack's clock (a week ahead, 18:00 in Warsaw), so the
commands it prints work on whatever day the stack runs — a fixed date would pass and start failing.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from .seed import DEMO_KEYWORD, DEMO_LIST_ID, DEMO_NUMBER, LOCAL_TWILIO_TOKEN, LOCAL_WEBHOOK_SECRET
from .template import Stack

WARSAW = ZoneInfo("Europe/Warsaw")


def example_campaign_time(now: datetime) -> tuple[str, str]:
    """18:00 in Warsaw a week after ``now``: (``send_at_local`` as the API takes it, that instant in UTC)."""
    day = now.astimezone(WARSAW).date() + timedelta(days=7)
    local = datetime.combine(day, time(18, 0), tzinfo=WARSAW)
    return local.strftime("%Y-%m-%dT%H:%M"), local.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def banner(stack: Stack, url: str, moto_endpoint: str, outbox: Path, now: datetime) -> str:
    send_at_local, send_at_utc = example_campaign_time(now)
    lines = [
        "",
        f"SMS consent platform — local stack (AWS APIs served by moto at {moto_endpoint}; no AWS account)",
        f"Clock: {now.strftime('%Y-%m-%dT%H:%M:%SZ')} (GET /dev/clock; LOCAL_CLOCK_START=<ISO> starts it later)",
        "",
        "Pages:",
        f"  {url}/            sign-up form, web/index.html (?list=<list_id>; embed it in an <iframe>)",
        f"  {url}/dev/phone   dev phone: the texts a number got; reply TAK, HELP, STOP (local only)",
        f"  {url}/docs        Swagger UI of the API ({url}/openapi.json: the OpenAPI document of the running code)",
        "",
        "Routes from template.yaml:",
    ]
    for route in stack.http_routes():
        note = f"  [{route.authorizer} in AWS — open locally]" if route.authorizer else ""
        lines.append(f"  {route.method:<7} {route.path:<32} → {route.function}{note}")
    lines += [
        f'  {"GET":<7} {"/dev/outbox?phone=…":<32} → SMS "sent" this run (local only)',
        f"  {'POST':<7} {'/dev/inbound':<32} → a phone texts us: End User Messaging JSON via SNS (local only)",
        f"  {'GET':<7} {'/dev/clock':<32} → the local clock (local only)",
        f"  {'POST':<7} {'/dev/clock':<32} → move the local clock forward, fire due schedules (local only)",
        f"  {'POST':<7} {'/dev/events':<32} → put a shop event (Cart.Abandoned, Customer.*) on the bus (local only)",
        f"  {'GET':<7} {'/healthz':<32} → local only",
        "",
        "Queues:",
        *(f"  {s.queue} → {s.function} (batch {s.batch_size})" for s in stack.sqs_sources()),
        "",
        f"SMS go to {outbox} (emptied at every start).",
        f"List {DEMO_LIST_ID!r} is seeded (double opt-in, Polish, PL + US);",
        f"keyword {DEMO_KEYWORD} on {DEMO_NUMBER} joins it.",
        f"Webhook secrets (local only): Twilio auth token {LOCAL_TWILIO_TOKEN!r}"
        f" (account {os.environ.get('TWILIO_ACCOUNT_SID')}, signed URL {os.environ.get('PUBLIC_BASE_URL')}/…),",
        f"HMAC secret {LOCAL_WEBHOOK_SECRET!r}.",
        "Note: the admin API needs IAM (SigV4) auth in AWS; locally it is open to anyone who can reach it.",
        "",
        "Try:",
        f"  curl -s -X POST {url}/v1/optin -d phone=501234567 -d list_id=demo -d sms_consent=on",
        f"  curl -s '{url}/dev/outbox?phone=%2B48501234567'",
        f"  curl -s {url}/v1/admin/contacts/%2B48501234567",
        f"  curl -s -X POST {url}/dev/inbound -d '{_text('+48501234567', 'TAK')}'",
        f"  curl -s -X POST {url}/dev/inbound -d '{_text('+48601234567', DEMO_KEYWORD)}'",
        f"  curl -s -X PUT {url}/v1/admin/lists/shop -H 'content-type: application/json' -d "
        """'{"brand": "Shop", "opt_in": "double", "default_country": "US", "allowed_countries": ["US", "PL"], """
        """"frequency": "up to 4 msgs/month", "support": "help@shop.example", """
        """"terms_url": "https://shop.example/terms", "privacy_url": "https://shop.example/privacy", """
        """"consent_text": {"version": "1", """
        """"text": "I agree to receive marketing SMS from Shop. Reply STOP to opt out."}}'""",
        "",
        "Campaign in each recipient's local time (needs active subscribers: confirm with TAK first):",
        f"  curl -s -X POST {url}/v1/admin/campaigns -H 'content-type: application/json' -d "
        """'{"list_id": "demo", "name": "Black Friday", "text": "Hi {first_name|there}, -20% today only!", """
        f""""send_at_local": "{send_at_local}"}}'""",
        f"""  curl -s -X POST {url}/dev/clock -d '{{"now": "{send_at_utc}"}}'   # 18:00 in Warsaw""",
        "",
        "Ctrl-C stops it.",
    ]
    return "\n".join(lines)


def _text(sender: str, body: str) -> str:
    return json.dumps({"from": sender, "to": DEMO_NUMBER, "body": body})
