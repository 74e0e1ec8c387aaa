"""An A/B campaign with a 20 % hold-out on moto: messages carry their variant, the hold-out gets no SMS
and is recorded, purchases are credited by click or view (the hold-out's as its baseline), an order
once, and the campaign shows the figures per variant with the lift over the hold-out."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import boto3
import pytest

from consent_platform.adapters.dynamodb import keys as k
from consent_platform.domain.experiments import HOLDOUT
from tests.integration.conftest import Clock, LocalAws
from tests.integration.experiments_support import (
    NUMBERS,
    PHONE_UA,
    Sent,
    experiment_stats,
    purchase,
    send_experiment,
)


@pytest.fixture
def sent(aws: LocalAws, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> Sent:
    return send_experiment(aws, clock, monkeypatch)


def item(aws: LocalAws, key: dict[str, Any]) -> dict[str, Any] | None:
    table = aws.stack.attributes["ConsentTable"]["Ref"]
    return boto3.client("dynamodb").get_item(TableName=table, Key=key).get("Item")  # type: ignore[no-any-return]


def test_variants_are_sent_and_the_hold_out_is_recorded_not_sent(aws: LocalAws, sent: Sent) -> None:
    held = sent.of(HOLDOUT)
    assert set(sent.bodies) == set(NUMBERS) - set(held)  # no SMS to the hold-out
    for phone, body in sent.bodies.items():
        assert body.startswith(f"Sale {sent.group[phone]}: ")  # each number its own variant's text
    for phone in held:
        assert item(aws, k.HOLDOUT.key(phone=phone, campaign_id=sent.campaign_id)) is not None
    link = item(aws, k.LINK.key(code=sent.code[sent.of("B")[0]]))
    assert link is not None and link["variant"]["S"] == "B"
    stats = experiment_stats(aws, sent.campaign_id)
    assert stats["sent"] == len(sent.bodies)
    figures = stats["experiment"]
    assert figures["holdout"]["held_out"] == len(held) and figures["holdout_percent"] == 20
    assert {v: f["sent"] for v, f in figures["variants"].items()} == {"A": len(sent.of("A")), "B": len(sent.of("B"))}


def test_purchases_are_credited_by_click_view_and_hold_out_once_per_order(
    aws: LocalAws, sent: Sent, clock: Clock
) -> None:
    clicker, viewer, held = sent.of("A")[0], sent.of("B")[0], sent.of(HOLDOUT)[0]
    assert aws.http("GET", f"/r/{sent.code[clicker]}", headers=PHONE_UA).status == 302
    clock.advance(hours=30)  # past the view window (1 day), inside the click window (5 days)
    at = clock.now.isoformat()
    by_click = {"phone": clicker, "order_id": "o-1", "amount": 19.99, "currency": "eur", "at": at}
    assert purchase(aws, by_click)["conversion"] == "click"
    assert purchase(aws, by_click)["conversion"] == "duplicate_order"  # a redelivery
    early = (clock.now - timedelta(hours=20)).isoformat()  # within a day of the send
    replayed = {**by_click, "phone": viewer, "at": early}  # the order id again, for a number that would qualify
    assert purchase(aws, replayed)["conversion"] == "duplicate_order"
    late = {"phone": viewer, "order_id": "o-2", "amount": 5, "currency": "EUR", "at": at}
    assert purchase(aws, late)["conversion"] == "none"  # received 30 h before, never clicked: no window
    stats = experiment_stats(aws, sent.campaign_id)
    assert (stats["conversions_click"], stats["conversions_view"]) == (1, 0)
    assert (
        purchase(aws, {"phone": viewer, "order_id": "o-3", "amount": 5, "currency": "EUR", "at": early})["conversion"]
        == "view"
    )
    assert (
        purchase(aws, {"phone": held, "order_id": "o-4", "amount": 7, "currency": "EUR", "at": early})["conversion"]
        == "view"
    )
    stats = experiment_stats(aws, sent.campaign_id)
    assert (stats["conversions"], stats["conversions_click"], stats["conversions_view"]) == (2, 1, 1)
    assert stats["revenue"] == {"EUR": 24.99}  # the hold-out's order is not the campaign's revenue
    figures = stats["experiment"]
    a, b, holdout = figures["variants"]["A"], figures["variants"]["B"], figures["holdout"]
    assert (a["conversions_click"], a["revenue"], a["clicks"], a["unique_clicks"]) == (1, {"EUR": 19.99}, 1, 1)
    assert (b["conversions_view"], b["revenue"]) == (1, {"EUR": 5.0})
    assert (holdout["conversions"], holdout["conversion_rate"]) == (1, round(1 / len(sent.of(HOLDOUT)), 6))
    assert a["lift"]["method"] == "newcombe-hybrid-score" and len(a["lift"]["interval_95"]) == 2
    assert figures["winner"] is None  # a dozen numbers prove nothing
