"""Bodies of ``/v1/admin/polls`` (issue #20): a poll with its results, the listing, and the answer to a
send. Built at run time by ``services/polls.py`` and published in the OpenAPI document from these classes
(the request is ``domain/polls.py`` ``PollConfig``)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..domain.clock import IsoTimestamp
from ._base import Open
from .campaigns import Campaign


class PollSummary(Open):
    """A poll's definition, as the listing shows it (``GET /v1/admin/polls/{id}`` adds the results)."""

    poll_id: str
    list_id: str
    number: str
    question: str
    options: dict[str, str]
    keyword: str | None = None
    closes_at: str
    status: Literal["draft", "open", "closed"] = Field(
        description="draft: not sent yet (the keyword already answers); open: sent, before closes_at; closed"
    )
    campaign_id: str | None = Field(default=None, description="The campaign that sent (or sends) the question")
    created_at: str
    updated_at: str


class PollResults(Open):
    tallies: dict[str, int] = Field(description="Counted votes per option key (first answer of each number)")
    votes: int
    later_answers: int = Field(description="Answers after a number's first vote: recorded, not counted")
    late_answers: int = Field(description="Answers after closes_at (each such number got one 'closed' reply)")
    asked_by_keyword: int = Field(description="Numbers the campaign did not reach that texted the keyword")
    recipients: int = Field(description="Numbers that got the question: the campaign's sent + asked_by_keyword")
    turnout: float | None = Field(description="votes / recipients; null before anyone got the question")
    per_day: dict[str, int] = Field(description="Counted votes per UTC day")


class Poll(PollSummary):
    results: PollResults


class PollPage(Open):
    polls: list[PollSummary]
    next: str | None = Field(default=None, description="Pass as ?next= for the following page; null on the last page")


class PollSend(BaseModel):
    """Optional body of ``POST /v1/admin/polls/{poll_id}/send``: when, as for a campaign (default: now)."""

    model_config = ConfigDict(extra="forbid")

    send_at_local: datetime | None = Field(default=None, description="Each recipient's wall-clock time")
    send_at: IsoTimestamp | None = None

    @model_validator(mode="after")
    def _one_time(self) -> PollSend:
        if self.send_at_local is not None and self.send_at is not None:
            raise ValueError("give send_at_local or send_at, not both")
        if self.send_at_local is not None and self.send_at_local.tzinfo is not None:
            raise ValueError("send_at_local: a wall-clock time without an offset")
        return self


class PollSent(Open):
    poll_id: str
    campaign: Campaign
