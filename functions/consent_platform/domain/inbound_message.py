"""One inbound SMS, whatever way it came in: what the webhooks put on the inbound queue and the worker
reads back. Its own module, so the webhook function loads this model and not the worker's logic."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict


class InboundMessage(BaseModel):
    """One inbound SMS, whatever way it came in."""

    model_config = ConfigDict(extra="ignore")

    provider: Literal["end-user-messaging", "twilio", "webhook", "local"]
    message_id: str
    sender: str
    to: str
    body: str
    at: datetime  # carrier time where known, else when we received it


def parse_queue_body(body: str, sent_timestamp_ms: int | None) -> InboundMessage:
    """The inbound queue carries End User Messaging's raw JSON (via SNS) or our webhook envelope."""
    data = json.loads(body)
    if "inboundMessageId" in data:
        at = datetime.fromtimestamp(sent_timestamp_ms / 1000, UTC) if sent_timestamp_ms else datetime.now(UTC)
        return InboundMessage(
            provider="end-user-messaging",
            message_id=data["inboundMessageId"],
            sender=data["originationNumber"],
            to=data["destinationNumber"],
            body=data.get("messageBody") or "",
            at=at,
        )
    return InboundMessage.model_validate(data)
