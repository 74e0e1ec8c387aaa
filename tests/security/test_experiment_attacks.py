"""Attacks on experiments and conversions: a purchase named with an erased number, an order id replayed
under another number, hostile links in a variant's text, and a request that mixes text and variants."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

import pytest

from consent_platform.domain.experiments import HOLDOUT
from tests.integration.conftest import Clock, LocalAws
from tests.integration.experiments_support import (
    PHONE_UA,
    VARIANTS,
    experiment_stats,
    purchase,
    send_experiment,
)


def test_a_purchase_for_an_erased_number_is_never_credited(
    aws: LocalAws, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent = send_experiment(aws, clock, monkeypatch)
    clicker, held = sent.of("A")[0], sent.of(HOLDOUT)[0]
    assert aws.http("GET", f"/r/{sent.code[clicker]}", headers=PHONE_UA).status == 302  # its click item stays
    for phone in (clicker, held):
        assert aws.http("DELETE", f"/v1/admin/contacts/{quote(phone)}").status == 200
    at = (clock.now + timedelta(hours=1)).isoformat()
    for n, phone in enumerate((clicker, held)):
        forged = {"phone": phone, "order_id": f"forged-{n}", "amount": 1000, "currency": "EUR", "at": at}
        assert purchase(aws, forged)["conversion"] == "none"
    stats = experiment_stats(aws, sent.campaign_id)
    assert stats["conversions"] == 0 and stats["experiment"]["holdout"]["conversions"] == 0


def test_a_replayed_order_id_counts_once_whoever_it_names(
    aws: LocalAws, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent = send_experiment(aws, clock, monkeypatch)
    at = (clock.now + timedelta(hours=1)).isoformat()
    buyers = [*sent.of("A"), *sent.of("B")]
    results = [
        purchase(aws, {"phone": p, "order_id": "o-1", "amount": 50, "currency": "USD", "at": at})["conversion"]
        for p in buyers
    ]
    assert results == ["view"] + ["duplicate_order"] * (len(buyers) - 1)
    stats = experiment_stats(aws, sent.campaign_id)
    assert (stats["conversions"], stats["revenue"]) == (1, {"USD": 50.0})


@pytest.mark.parametrize(
    ("text", "reason"),
    [("Win: javascript:alert(1)", "javascript"), ("See data:text/html,<script>x</script>", "data:")],
)
def test_a_variant_with_a_hostile_link_is_422_naming_it(
    aws: LocalAws, demo_list: dict[str, object], text: str, reason: str
) -> None:
    variants = [VARIANTS[0], {**VARIANTS[1], "text": text}]
    reply = aws.http("POST", "/v1/admin/campaigns", {"list_id": "demo", "name": "x", "variants": variants})
    assert reply.status == 422, reply.body
    assert reason in reply.body["error"]["fields"]["variants.1.text"]


def test_text_and_variants_together_are_422_naming_variants(aws: LocalAws, demo_list: dict[str, object]) -> None:
    body = {"list_id": "demo", "name": "x", "text": "Hi", "variants": VARIANTS}
    reply = aws.http("POST", "/v1/admin/campaigns", body)
    assert reply.status == 422 and set(reply.body["error"]["fields"]) == {"variants"}, reply.body
    held = aws.http(
        "POST", "/v1/admin/campaigns", {"list_id": "demo", "name": "x", "text": "Hi", "holdout_percent": 10}
    )
    assert held.status == 422 and set(held.body["error"]["fields"]) == {"holdout_percent"}, held.body
    assert aws.http("GET", "/v1/admin/campaigns").body["campaigns"] == []  # nothing written
