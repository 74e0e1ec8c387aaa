"""Issue 16, "dead numbers cost nothing twice": the ``undeliverable`` mark comes only from the provider's
receipts (verified data) and only the number's own owner undoes it (an opt-in that makes a subscription
active, START, YES). The attacker knows the victim's number and may post forms or text from other numbers.

Why it matters: unmarking a dead number makes every campaign pay for it again; forging a far-future
``reachable_at`` would make every later receipt "older than the last opt-in", so the number could never
be marked again.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from consent_platform.domain.clock import iso
from consent_platform.services.undeliverable import note_receipt
from tests.integration.conftest import DEMO_LIST, Clock, LocalAws
from tests.integration.test_undeliverable import INVALID, PATH, PHONE, confirmed, mark_of, profile, stores

ATTACKER = "+48501234999"
NEWS_TEXT = {"version": "1", "text": "Yes, news by SMS"}


@pytest.fixture
def marked(aws: LocalAws, demo_list: dict, clock: Clock) -> LocalAws:
    confirmed(aws, clock)  # the victim's double opt-in: reachable_at is the time of its YES
    assert note_receipt(stores(aws), PHONE, "permanent", INVALID, clock.now)
    clock.advance(hours=1)
    return aws


def test_a_strangers_sign_up_does_not_unmark(marked: LocalAws) -> None:
    """A web form to a double opt-in list the victim is not on only makes a pending subscription: nobody
    proved the number works. Fields the form does not define (``undeliverable``, ``reachable_at``) are
    ignored."""
    assert marked.http("PUT", "/v1/admin/lists/news", {**DEMO_LIST, "consent_text": NEWS_TEXT}).status == 201
    before = profile(marked)["reachable_at"]
    forged = {
        "phone": "501234567",
        "list_id": "news",
        "sms_consent": "on",
        "undeliverable": "",
        "reachable_at": "2999-01-01T00:00:00.000000Z",
    }
    assert marked.http("POST", "/v1/optin", forged, form=True).body["status"] == "pending_confirmation"
    marked.drain()
    assert mark_of(marked) is not None
    assert profile(marked)["reachable_at"] == before


def test_texts_from_another_number_do_not_unmark(marked: LocalAws) -> None:
    """The attacker's own sign-up, YES, STOP and START act on the attacker's number only."""
    marked.http("POST", "/v1/optin", {"phone": ATTACKER, "list_id": "demo", "sms_consent": "on"}, form=True)
    marked.drain()
    for word in ("TAK", "STOP", "START"):
        marked.text(word, sender=ATTACKER, to="+48500000000")
    attacker = marked.http("GET", "/v1/admin/contacts/%2B48501234999").body
    assert attacker["subscriptions"][0]["status"] == "active"
    assert mark_of(marked) is not None


def test_the_owners_yes_unmarks_and_only_later_receipts_count(marked: LocalAws, clock: Clock) -> None:
    marked.text("STOP", sender=PHONE, to="+48500000000")
    marked.text("START", sender=PHONE, to="+48500000000")
    assert mark_of(marked) is None
    assert profile(marked)["reachable_at"] == iso(clock.now)
    assert note_receipt(stores(marked), PHONE, "permanent", INVALID, clock.now + timedelta(seconds=1))
    assert mark_of(marked, PATH) is not None
