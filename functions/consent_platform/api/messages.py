"""A number's sent messages with their delivery status (``GET /v1/admin/contacts/{phone}`` → ``messages``)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ._base import Open

MESSAGES_SHOWN = 50  # the newest; older ones stay stored until their record's TTL


class SentMessage(Open):
    message_id: str
    kind: str | None
    list_id: str | None
    campaign_id: str | None
    sent_at: str | None
    status: Literal["sent", "delivered", "failed"] = Field(
        description="sent until the provider reports an outcome (always, with Amazon SNS as provider)"
    )
    status_at: str | None
    reason: str | None = Field(description="A failure as the provider described it")
