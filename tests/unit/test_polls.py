"""Poll rules (issue #20), pure: what counts as an answer, what a text does, how a poll is defined."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from consent_platform.domain.polls import (
    PollConfig,
    Step,
    StoredPoll,
    Voter,
    match_answer,
    render_question,
    step_for,
)

OPTIONS = {"A": "Róże", "B": "Tulipany", "C": "Żonkile"}
NOW = datetime(2031, 5, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("A", "A"),
        ("a", "A"),
        (" b. ", "B"),
        ("1", "A"),
        ("3", "C"),
        ("róże", "A"),
        ("ROZE", "A"),
        ("Róże!", "A"),
        ("zonkile", "C"),
        ("4", None),
        ("0", None),
        ("D", None),
        ("róże i tulipany", None),
        ("", None),
        ("A" * 10_000, None),
    ],
)
def test_answers_by_key_position_or_text_ignoring_case_and_accents(text: str, key: str | None) -> None:
    assert match_answer(text, OPTIONS) == key


def test_numbered_options_answer_by_number() -> None:
    assert match_answer("2", {"1": "Tak", "2": "Nie"}) == "2"
    assert match_answer("nie", {"1": "Tak", "2": "Nie"}) == "2"


def poll(closes_in: timedelta = timedelta(days=1)) -> StoredPoll:
    return StoredPoll(
        poll_id="p",
        list_id="demo",
        number="+48500000000",
        question="Q?",
        options=OPTIONS,
        keyword="ANKIETA",
        keyword_folded="ANKIETA",
        closes_at=NOW + closes_in,
        created_at="2031-04-01T00:00:00Z",
        updated_at="2031-04-01T00:00:00Z",
    )


GOT = Voter(got_question=True, record=None)
VOTED = Voter(got_question=True, record={"choice": "A"})
TOLD = Voter(got_question=True, record={"choice": "A", "closed_reply_at": "x"})
STRANGER = Voter(got_question=False, record=None)
ASKED = Voter(got_question=False, record={"asked_at": "x"})


@pytest.mark.parametrize(
    ("voter", "at", "keyword", "step"),
    [
        (GOT, NOW, False, Step.VOTE),
        (ASKED, NOW, False, Step.VOTE),
        (VOTED, NOW, False, Step.REPEAT),
        (STRANGER, NOW, False, None),
        (STRANGER, NOW, True, Step.ASKED),
        (GOT, NOW + timedelta(days=1), False, Step.LATE),  # closes_at itself is closed
        (VOTED, NOW + timedelta(days=2), False, Step.LATE),
        (STRANGER, NOW + timedelta(days=2), False, None),
        (STRANGER, NOW + timedelta(days=2), True, None),
    ],
)
def test_what_a_text_does(voter: Voter, at: datetime, keyword: bool, step: Step | None) -> None:
    assert step_for(poll(), voter, at, keyword) == step


def test_closed_and_told_numbers_are_not_told_twice() -> None:
    assert TOLD.told_closed and not VOTED.told_closed


def test_recognised_until_late_days_after_closing() -> None:
    assert poll().recognised(NOW + timedelta(days=30))
    assert not poll().recognised(NOW + timedelta(days=32))


def test_question_and_options_in_one_message() -> None:
    assert render_question("Które?", {"A": "Róże", "B": "Tulipany"}) == "Które?\nA) Róże\nB) Tulipany"


def config(**changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "list_id": "demo",
        "number": "4301",
        "question": "Q?",
        "options": {"a": "X", "b": "Y"},
        "closes_at": "2031-05-16T18:00:00Z",
    }
    return {**body, **changes}


def test_keys_are_normalised_to_upper_case() -> None:
    assert list(PollConfig.model_validate(config()).options) == ["A", "B"]


@pytest.mark.parametrize(
    "options",
    [
        {"A": "X"},
        {k: str(i) + "x" for i, k in enumerate("ABCDEFGHIJ")},
        {"A": "X", "C": "Y"},
        {"1": "X", "B": "Y"},
        {"A": "Róża", "B": "ROZA"},
        {"A": "X", "B": "a"},
        {"A": "X", "B": "2"},
        {"A": "X", "B": "{first_name}"},
    ],
)
def test_bad_options_are_refused(options: dict[str, str]) -> None:
    with pytest.raises(ValidationError) as caught:
        PollConfig.model_validate(config(options=options))
    assert caught.value.errors()[0]["loc"][0] == "options"
