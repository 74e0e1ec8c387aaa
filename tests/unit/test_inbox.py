"""The inbox's pure rules (domain/inbox.py): what a message was handled as, what is kept of its text,
when an answer is refused, and how an answer's id makes a retry harmless."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from consent_platform.domain.errors import Conflict, RateLimited
from consent_platform.domain.inbound import KeywordRule, classify
from consent_platform.domain.inbox import (
    BODY_KEPT,
    cap_reached,
    check_not_stopped,
    expires_at,
    handled_as,
    kept_body,
    newest_stop_or_start,
    reply_id,
)

RULES = [KeywordRule("KWIATY", "exact", "4301")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Stop.", "stop"),
        ("START", "start"),
        ("TAK", "confirm"),
        ("pomoc", "help"),
        ("Kwiaty", "keyword:KWIATY"),
        ("Czy macie róże na jutro?", "unmatched"),
        ("", "unmatched"),
    ],
)
def test_handled_as_names_what_the_platform_did(text: str, expected: str) -> None:
    assert handled_as(classify(text, RULES, "4301")) == expected


def test_a_long_body_is_cut_and_controls_are_neutralised() -> None:
    body, truncated = kept_body("a" * (10 * 1024))
    assert len(body) == BODY_KEPT and truncated
    body, truncated = kept_body("red\x1b[31m\u202eevil\x00")
    assert body == "red\\u001b[31m\\u202eevil\\u0000" and not truncated


def test_retention_is_counted_from_reception() -> None:
    at = datetime(2030, 1, 1, tzinfo=UTC)
    assert expires_at(at, timedelta(days=90)) == int((at + timedelta(days=90)).timestamp())


def test_one_answer_per_message_and_text() -> None:
    assert reply_id("twilio", "SM1", "Tak") == reply_id("twilio", "SM1", "Tak")
    assert reply_id("twilio", "SM1", "Tak") != reply_id("twilio", "SM1", "Nie")
    assert reply_id("twilio", "SM1", "Tak") != reply_id("twilio", "SM2", "Tak")


@pytest.mark.parametrize(
    ("history", "revoked", "active", "refused"),
    [
        (["unmatched", "stop", "start"], False, False, True),  # newest STOP/START first: stop
        (["start", "stop"], True, False, False),  # START after STOP lifts it
        ([], True, False, True),  # no STOP in the inbox (retention): a revoked list on the number
        ([], True, True, False),  # ... unless another list on the number is active
        (["unmatched"], False, False, False),  # a person who never subscribed may be answered
    ],
)
def test_answer_refused_after_stop(history: list[str], revoked: bool, active: bool, refused: bool) -> None:
    latest = newest_stop_or_start(history)
    if refused:
        with pytest.raises(Conflict):
            check_not_stopped(latest, revoked, active)
    else:
        check_not_stopped(latest, revoked, active)


def test_the_cap_says_when_to_retry() -> None:
    now = datetime(2030, 1, 1, 23, 0, tzinfo=UTC)
    error = cap_reached(now)
    assert isinstance(error, RateLimited) and error.headers() == {"Retry-After": "3600"}
