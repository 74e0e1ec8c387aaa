"""The local provider's delivery reports (infra/local/delivery.py): the sequence End User Messaging would
publish for each chosen outcome, and what ``POST /dev/delivery`` accepts. End to end:
tests/e2e/test_receipts_local.py."""

from __future__ import annotations

import pytest

from consent_platform.domain.delivery_status import STATUS_CLASS, StatusClass, classify
from infra.local.delivery import DEFAULT_STATUS, SILENT, parse_choice, sequence


@pytest.mark.parametrize("status", sorted(STATUS_CLASS))
def test_each_status_ends_the_message_as_that_status_says(status: str) -> None:
    steps = sequence(status)
    last_type, last_final = steps[-1]
    assert last_type == status
    klass, final = classify(last_type, last_final)
    # A pending status stays pending; everything else is the message's last word (a final
    # TEXT_SUCCESSFUL is a delivery, as End User Messaging reports it in some countries).
    assert final is (STATUS_CLASS[status] is not StatusClass.PENDING or status == "TEXT_SUCCESSFUL")
    assert all(not classify(t, f)[1] for t, f in steps[:-1])  # only the last event is final
    if final and status != "TEXT_SUCCESSFUL":
        assert steps[0] == ("TEXT_SUCCESSFUL", False) and klass is STATUS_CLASS[status]


def test_none_reports_nothing() -> None:
    assert sequence(SILENT) == []


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"phone": "+48 501 230 002", "status": "TEXT_INVALID"}, ("+48501230002", "TEXT_INVALID")),
        ({"phone": "501230002", "country": "PL", "status": "text_spam"}, ("+48501230002", "TEXT_SPAM")),
        ({"phone": "+48501230002", "status": "None"}, ("+48501230002", SILENT)),
        ({"phone": "+48501230002"}, ("+48501230002", DEFAULT_STATUS)),
    ],
)
def test_a_choice_is_a_number_and_a_documented_status(body: dict[str, str], expected: tuple[str, str]) -> None:
    assert parse_choice(body) == expected


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"phone": "+48501230002", "status": "TEXT_LOST"}, {"status"}),
        ({"phone": "+48501230002", "status": 3}, {"status"}),
        ({"phone": "12", "status": "TEXT_INVALID"}, {"phone"}),
        ({"status": "TEXT_INVALID"}, {"phone"}),
        ({"phone": ["+48501230002"], "status": "DELIVERED"}, {"phone", "status"}),
    ],
)
def test_anything_else_names_the_field(body: dict[str, object], fields: set[str]) -> None:
    result = parse_choice(body)
    assert isinstance(result, dict) and set(result) == fields
