"""The expiry sweep on `make run`: a double opt-in nobody confirms lapses when the clock passes 48 h —
the template's rate(15 minutes) schedule runs at the end of every clock move."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import LocalStack

pytestmark = pytest.mark.e2e

PHONE = "+48501230077"


def demo_status(stack: LocalStack) -> tuple[str, list[str]]:
    contact = stack.request("GET", "/v1/admin/contacts/%2B48501230077").body
    [sub] = [s for s in contact["subscriptions"] if s["list_id"] == "demo"]
    return sub["status"], [e["action"] for e in contact["ledger"] if e["list_id"] == "demo"]


def test_unconfirmed_sign_up_lapses_when_the_clock_passes_its_window(local_stack: LocalStack) -> None:
    signed = local_stack.json("POST", "/v1/optin", {"phone": PHONE, "list_id": "demo", "sms_consent": True})
    assert signed.status == 202 and signed.body["status"] == "pending_confirmation", signed.body

    early = local_stack.json("POST", "/dev/clock", {"advance_seconds": 47 * 3600})
    assert "ExpiryFunction" in early.body["periodic"], early.body  # the sweep ran at the clock move
    assert demo_status(local_stack) == ("pending", ["requested"])

    late = local_stack.json("POST", "/dev/clock", {"advance_seconds": 2 * 3600})
    assert "ExpiryFunction" in late.body["periodic"], late.body
    assert demo_status(local_stack) == ("expired", ["requested", "expired"])

    again = local_stack.json("POST", "/dev/clock", {"advance_seconds": 3600})  # a later run adds nothing
    assert again.status == 200
    assert demo_status(local_stack) == ("expired", ["requested", "expired"])
