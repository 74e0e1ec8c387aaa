"""Date, inactivity and import flow triggers (issue #18), and the transactional message rules: pure."""

from __future__ import annotations

import pytest

from consent_platform.domain.consent import Status
from consent_platform.domain.errors import Conflict, ValidationFailed
from consent_platform.domain.flows import parse_flow
from consent_platform.domain.transactional import check_not_stopped, with_brand
from consent_platform.services.flow_dates import date_value

SEND = [{"send": {"text": "Hi"}}]


@pytest.mark.parametrize(
    ("trigger", "field"),
    [
        ({"event": "Consent.Confirmed", "inactive_days": 60}, "trigger"),
        ({}, "trigger"),
        ({"event": "Cart.Abandoned", "include_imports": True}, "trigger"),
        ({"inactive_days": 60, "at_local": "10:00"}, "trigger"),
        ({"date_attribute": "birthday", "at_local": "25:00"}, "trigger.at_local"),
        ({"date_attribute": "shoe_size"}, "trigger.date_attribute"),
        ({"inactive_days": 0}, "trigger.inactive_days"),
    ],
)
def test_bad_triggers_are_named(trigger: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_flow({"list_id": "l", "name": "n", "trigger": trigger, "steps": SEND})
    assert field in caught.value.fields


def test_trigger_kinds() -> None:
    def kind(trigger: dict[str, object]) -> str:
        return parse_flow({"list_id": "l", "name": "n", "trigger": trigger, "steps": SEND}).trigger.kind

    assert kind({"event": "Consent.Confirmed", "include_imports": True}) == "Consent.Confirmed"
    assert kind({"date_attribute": "first_purchase_at", "days_after": 30}) == "date"
    assert kind({"inactive_days": 60}) == "inactivity"


@pytest.mark.parametrize(
    ("raw", "stored"),
    [("1990-05-17", "1990-05-17"), ("--02-29", "0000-02-29"), ("05-17", "0000-05-17"), ("17.05.1990", None), (3, None)],
)
def test_date_values(raw: object, stored: str | None) -> None:
    assert date_value(raw) == stored


def test_stop_rules_for_transactional_messages() -> None:
    check_not_stopped("shop", {})  # never subscribed: a customer may still get a shipping notice
    check_not_stopped("shop", {"other": Status.REVOKED, "third": Status.ACTIVE})  # STOP elsewhere only
    for statuses in ({"shop": Status.REVOKED}, {"other": Status.REVOKED}):  # STOP here; STOPALL
        with pytest.raises(Conflict):
            check_not_stopped("shop", statuses)


def test_brand_opens_the_text_once() -> None:
    assert with_brand("Order shipped", "Shop") == "Shop: Order shipped"
    assert with_brand("SHOP: order shipped", "Shop") == "SHOP: order shipped"
