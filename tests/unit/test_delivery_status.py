"""End User Messaging statuses → class and finality; the event model; the send Context's limits."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import botocore.session
import pytest

from consent_platform.domain.delivery_status import (
    STATUS_CLASS,
    AcceptedMessage,
    PoisonEvent,
    StatusClass,
    classify,
    parse_event,
    provider_event,
    send_context,
)


def test_every_sms_status_botocore_knows_is_classified() -> None:
    model = botocore.session.get_session().get_service_model("pinpoint-sms-voice-v2")
    statuses = {e for e in model.shape_for("EventType").enum if e.startswith("TEXT_") and e != "TEXT_ALL"}
    assert statuses == set(STATUS_CLASS)


@pytest.mark.parametrize(
    ("event_type", "is_final", "expected"),
    [
        ("TEXT_QUEUED", False, (StatusClass.PENDING, False)),
        ("TEXT_SUCCESSFUL", False, (StatusClass.PENDING, False)),
        ("TEXT_SUCCESSFUL", True, (StatusClass.DELIVERED, True)),  # the last word in some countries
        ("TEXT_DELIVERED", True, (StatusClass.DELIVERED, True)),
        ("TEXT_INVALID", True, (StatusClass.PERMANENT, True)),
        ("TEXT_UNREACHABLE", True, (StatusClass.TEMPORARY, True)),
        ("TEXT_CARRIER_UNREACHABLE", False, (StatusClass.TEMPORARY, False)),  # the provider still tries
        ("TEXT_SPAM", True, (StatusClass.BLOCKED, True)),
        ("TEXT_PROTECT_BLOCKED", None, (StatusClass.BLOCKED, True)),
    ],
)
def test_classify(event_type: str, is_final: bool | None, expected: tuple[StatusClass, bool]) -> None:
    assert classify(event_type, is_final) == expected


def test_status_class_values_are_the_contract() -> None:
    assert [c.value for c in StatusClass] == ["pending", "delivered", "permanent", "temporary", "blocked"]


def test_parse_uses_the_provider_destination_and_our_context() -> None:
    body = {
        "eventType": "TEXT_INVALID", "eventTimestamp": 1686975103470, "isFinal": True,
        "destinationPhoneNumber": "+14255550156", "messageId": "862a8790", "messageStatus": "INVALID",
        "messageStatusDescription": "Invalid destination", "context": {"message_id": "m-1", "campaign_id": "c"},
        "totalMessageParts": 1, "totalMessagePrice": 0.00581, "unknown": "ignored",
    }  # fmt: skip
    receipt = parse_event(json.dumps(body))
    assert (receipt.phone, receipt.message_id, receipt.campaign_id) == ("+14255550156", "m-1", "c")
    assert (receipt.status, receipt.reason, receipt.price_micro_usd) == ("failed", "invalid", 5810)
    assert receipt.at == "2023-06-17T04:11:43.470000Z"
    with pytest.raises(PoisonEvent):
        parse_event(json.dumps({**body, "context": {}}))


def test_send_context_fits_botocore_limits() -> None:
    context = send_context("m-1", None, " demo ")
    assert context == {"message_id": "m-1", "list_id": "demo"}  # no empty value, no surrounding space
    assert len(send_context("m", "c", "l")) <= 5


@pytest.mark.parametrize("event_type", sorted(STATUS_CLASS))
def test_the_event_builder_speaks_what_the_parser_reads(event_type: str) -> None:
    """The local stack's provider emulation and the tests build events with ``provider_event``: each one,
    through JSON, parses back to the message, number, price and finality it was built with."""
    at = datetime(2040, 5, 6, 7, 8, 9, tzinfo=UTC)
    accepted = AcceptedMessage(
        "+48501234567", send_context("cmp:c1:abc", "c1", "shop"), "local-cmp:c1:abc", "+48500000000", 2, 0.01
    )
    event = provider_event(accepted, event_type, at)
    receipt = parse_event(json.dumps(event))
    expected_final = STATUS_CLASS[event_type] is not StatusClass.PENDING
    assert (receipt.phone, receipt.message_id, receipt.campaign_id, receipt.list_id) == (
        "+48501234567",
        "cmp:c1:abc",
        "c1",
        "shop",
    )
    assert (receipt.final, receipt.parts, receipt.price_micro_usd, receipt.at) == (
        expected_final,
        2,
        10_000,
        "2040-05-06T07:08:09.000000Z",
    )
    assert event["messageStatusDescription"] and receipt.description == event["messageStatusDescription"]
