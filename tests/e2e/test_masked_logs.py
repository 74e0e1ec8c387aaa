"""Invariant 9 over a whole local run: after a walk through every path that handles a phone number
(form and API opt-in, errors, inbound keyword/YES/HELP/STOP, webhook, campaign, clock, erasure), no
full phone number appears anywhere in the stack's logs — only the masked form (+*******4567)."""

from __future__ import annotations

import re
import time

import pytest

from tests.e2e.conftest import LocalStack

pytestmark = pytest.mark.e2e

NUMBERS = ["+48501234567", "+48602345678", "+13055550123"]
FULL_NUMBER = re.compile(r"\+?\d{9,15}")


def test_logs_never_carry_a_full_phone_number(local_stack: LocalStack) -> None:
    s = local_stack
    s.json(
        "PUT",
        "/v1/admin/lists/logs",
        {
            "brand": "Log Shop",
            "opt_in": "double",
            "default_country": "PL",
            "allowed_countries": ["PL", "US"],
            "frequency": "up to 4 msgs/month",
            "support": "help@log.example",
            "terms_url": "https://log.example/terms",
            "privacy_url": "https://log.example/privacy",
            "consent_text": {"version": "1", "text": "Yes"},
        },
    )
    for phone in NUMBERS:
        s.json("POST", "/v1/optin", {"phone": phone, "list_id": "logs", "sms_consent": True})
    s.json("POST", "/v1/optin", {"phone": "800 123 456", "list_id": "logs", "sms_consent": True})  # refused
    for phone in NUMBERS:
        for body in ("TAK", "HELP"):
            s.json("POST", "/dev/inbound", {"from": phone, "to": "4301", "body": body})
    time.sleep(3)
    s.json("POST", "/v1/admin/campaigns", {"list_id": "logs", "name": "L", "text": "Log sale"})
    s.json("POST", "/dev/clock", {"advance_seconds": 3 * 86400})
    s.json("POST", "/dev/inbound", {"from": NUMBERS[0], "to": "4301", "body": "STOP"})
    s.request("GET", "/v1/admin/contacts/%2B48602345678")
    s.request("DELETE", "/v1/admin/contacts/%2B48602345678")
    time.sleep(3)
    # Everything after start-up (the banner's curl examples show the documented demo number on purpose).
    full = "".join(s.output)
    log = full[full.index("Local stack ready") :]
    assert "+*******4567" in log or "*******4567" in log  # the masked form is there: the check can see logs
    leaks = {m for m in FULL_NUMBER.findall(log) if any(m.lstrip("+") in n for n in NUMBERS)}
    lines = [line[:400] for line in log.splitlines() if any(n in line or n[3:] in line for n in NUMBERS)]
    assert not leaks, f"full phone numbers in logs: {sorted(leaks)}\n" + "\n".join(lines[:8])
