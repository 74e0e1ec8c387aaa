"""Bodies of ``/v1/admin/inbox`` (issue #20): received messages, their listing and an operator's answer.
Built at run time by ``services/inbox.py`` and published in the OpenAPI document from these classes."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from ..domain.plain_text import refuse_controls
from ._base import Open


class InboxItem(Open):
    model_config = ConfigDict(populate_by_name=True)

    message_id: str = Field(description="The provider's id of the received message")
    from_: str = Field(alias="from", description="Who sent it (E.164)")
    to: str = Field(description="The number (or short code) that received it")
    body: str = Field(description="As received, control characters written as \\uXXXX, cut at 1,600 characters")
    truncated: bool = False
    received_at: str
    handled_as: str = Field(
        description="What the platform did: stop, start, confirm, help, keyword:<KW> or unmatched",
        examples=["unmatched", "keyword:KWIATY"],
    )
    replies: int = Field(default=0, description="Answers sent from the API")


class InboxPage(Open):
    items: list[InboxItem]
    next: str | None = Field(default=None, description="Pass as ?next= for the following page; null on the last page")


ReplyText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1600), AfterValidator(refuse_controls)
]


class InboxReply(BaseModel):
    """Body of ``POST /v1/admin/inbox/{message_id}/reply``: sent from the number that received the message,
    as a transactional SMS. The same text to the same message is one answer, however often it is posted."""

    model_config = ConfigDict(extra="forbid")

    text: ReplyText = Field(description="Plain text, 1-1,600 characters, no control characters")


class InboxReplyQueued(Open):
    status: Literal["queued"] = "queued"
    message_id: str = Field(description="The received message answered")
    reply_message_id: str = Field(description="The outbound message; the same for a repeated request")
    to: str
    origination: str
    repeated: bool = Field(description="True when this answer was already accepted (a client retry)")


class TimelineEntry(Open):
    """One message of a contact's timeline (``GET /v1/admin/contacts/{phone}`` → ``timeline``), newest
    first: received ones (``in``, from the inbox) next to sent ones (``out``, as in ``messages``)."""

    direction: Literal["in", "out"]
    at: str | None
    message_id: str
    body: str | None = None  # received messages only (a sent message's text is not kept)
    handled_as: str | None = None  # in
    kind: str | None = None  # out
    status: str | None = None  # out
