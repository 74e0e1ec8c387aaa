"""SMS polls (issue #20): the definition, what counts as an answer, and what an answer does. Pure.

An answer is the option's key ("A", "a"), its position ("1" for the first option) or the option's text,
compared after case and accent folding ("róże", "ROZE" and "Róże!" are all "Róże"). Only a number that
got the question (the poll's campaign sent it, or it texted the poll's keyword) can vote; its first
answer counts, later ones are recorded and not counted. An answer after ``closes_at`` counts nowhere
but in ``late_answers`` and gets one short "poll closed" reply per number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, field_validator

from .clock import IsoTimestamp
from .inbound import normalize_body
from .lists import LIST_ID_PATTERN
from .plain_text import refuse_controls

POLL_ID_PATTERN = LIST_ID_PATTERN
NUMBER_PATTERN = r"^\+?[0-9]{3,15}$"  # E.164 or a short code, as keywords and the inbox take it
OPTION_KEY_SETS = ("ABCDEFGHI", "123456789")
MIN_OPTIONS, MAX_OPTIONS = 2, 9
# How long after closes_at an answer is still recognised (counted late, answered "closed" once); the
# per-number record lives as long. Later, a text to the number is an ordinary unmatched reply.
LATE_DAYS = 30

# The "poll closed" reply, by the list's language (short: one GSM-7 part where the language allows).
CLOSED_REPLY = {
    "en": "This poll is closed. Thank you!",
    "pl": "Ankieta jest juz zamknieta. Dziekujemy!",
    "de": "Diese Umfrage ist geschlossen. Danke!",
    "fr": "Ce sondage est clos. Merci !",
    "es": "Esta encuesta esta cerrada. Gracias!",
}


def _no_braces(value: str) -> str:
    # The question becomes a campaign text, whose {placeholders} are filled per recipient.
    if "{" in value or "}" in value:
        raise ValueError("no { or } (campaign placeholders are not available in polls)")
    return refuse_controls(value)


Question = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=320), AfterValidator(_no_braces)
]
OptionText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60), AfterValidator(_no_braces)
]


class PollConfig(BaseModel):
    """Body of ``PUT /v1/admin/polls/{poll_id}``."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "list_id": "demo",
                    "number": "+48500000000",
                    "question": "Które kwiaty na wiosnę?",
                    "options": {"A": "Róże", "B": "Tulipany"},
                    "keyword": "ANKIETA",
                    "closes_at": "2031-05-16T18:00:00Z",
                }
            ]
        },
    )

    list_id: Annotated[str, StringConstraints(pattern=LIST_ID_PATTERN)]
    number: Annotated[str, StringConstraints(strip_whitespace=True, pattern=NUMBER_PATTERN)] = Field(
        description="The number (E.164) or short code the question is sent from and answers are texted to"
    )
    question: Question
    options: dict[str, OptionText] = Field(description="2-9 options keyed A, B, C… or 1, 2, 3… in order")
    keyword: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)] | None = Field(
        default=None, description="Texted to `number`, it returns the question (and lets the sender vote)"
    )
    closes_at: IsoTimestamp

    @field_validator("options")
    @classmethod
    def _keys_in_order(cls, value: dict[str, str]) -> dict[str, str]:
        keys = [key.strip().upper() for key in value]
        if not MIN_OPTIONS <= len(keys) <= MAX_OPTIONS:
            raise ValueError(f"{MIN_OPTIONS} to {MAX_OPTIONS} options")
        if not any(keys == list(alphabet[: len(keys)]) for alphabet in OPTION_KEY_SETS):
            raise ValueError("keys A, B, C… or 1, 2, 3…, in order from the first")
        texts = [normalize_body(text) for text in value.values()]
        if any(not t for t in texts) or len(set(texts)) < len(texts):
            raise ValueError("option texts must differ once case, accents and punctuation are ignored")
        if clash := set(texts) & set(keys) | set(texts) & {str(i) for i in range(1, len(keys) + 1)}:
            raise ValueError(f"an option's text may not be an option key or position ({sorted(clash)[0]})")
        return dict(zip(keys, value.values(), strict=True))


class StoredPoll(PollConfig):
    model_config = ConfigDict(extra="ignore")

    poll_id: str
    keyword_folded: str | None = None
    language: str = "en"  # the list's, for the "closed" reply
    campaign_id: str | None = None
    created_at: str
    updated_at: str
    version: int = 1

    def is_open(self, at: datetime) -> bool:
        return at < self.closes_at

    def recognised(self, at: datetime) -> bool:
        """Whether a text at ``at`` can still be an answer at all (open, or closed within LATE_DAYS)."""
        return at < self.closes_at + timedelta(days=LATE_DAYS)


def match_answer(text: str, options: dict[str, str]) -> str | None:
    """The option key an answer names, or ``None``: its key, its 1-based position or its text, each
    compared case- and accent-insensitively, surrounding punctuation ignored."""
    answer = normalize_body(text)
    if not answer:
        return None
    keys = list(options)
    if answer in options:
        return answer
    if answer.isdigit() and 1 <= int(answer) <= len(keys):
        return keys[int(answer) - 1]
    return next((key for key, option in options.items() if normalize_body(option) == answer), None)


def render_question(question: str, options: dict[str, str]) -> str:
    """The question and its options in one message: "Which? A) Roses B) Tulips"."""
    return "\n".join([question, *(f"{key}) {text}" for key, text in options.items())])


def closed_reply(language: str) -> str:
    return CLOSED_REPLY.get(language, CLOSED_REPLY["en"])


class Step(StrEnum):
    """What one text does to a poll (each names the worker's metric ``Inbound_poll_<step>``)."""

    VOTE = "vote"  # the number's first answer: counted
    REPEAT = "repeat"  # a later answer: recorded, not counted
    LATE = "late"  # after closes_at: counted in late_answers; the "closed" reply the first time
    ASKED = "asked"  # the poll's keyword: the question as a reply


@dataclass(frozen=True, slots=True)
class Voter:
    """What is known about one number and one poll (one read at answer time)."""

    got_question: bool  # the poll's campaign sent it the question
    record: dict[str, object] | None  # the number's own record for this poll (keyword, vote, closed reply)

    @property
    def eligible(self) -> bool:
        return self.got_question or self.record is not None

    @property
    def voted(self) -> bool:
        return bool(self.record and self.record.get("choice"))

    @property
    def told_closed(self) -> bool:
        return bool(self.record and self.record.get("closed_reply_at"))


def step_for(poll: StoredPoll, voter: Voter, at: datetime, is_keyword: bool) -> Step | None:
    """What a text does, or ``None`` when it is not this poll's business (stays unmatched)."""
    if is_keyword:
        return Step.ASKED if poll.is_open(at) else (Step.LATE if voter.eligible else None)
    if not voter.eligible:
        return None
    if not poll.is_open(at):
        return Step.LATE
    return Step.REPEAT if voter.voted else Step.VOTE


def turnout(votes: int, recipients: int) -> float | None:
    return round(votes / recipients, 4) if recipients else None
