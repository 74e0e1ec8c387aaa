"""Bodies of the signed inbound webhooks (InboundWebhookFunction). Nothing here loads the list models or
phonenumbers: the webhook only verifies and enqueues."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from ._base import Open

Field40 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]


class WebhookMessage(BaseModel):
    """Body of ``POST /v1/inbound/webhook``."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    from_: Annotated[Field40, Field(alias="from")]
    to: Field40
    body: Annotated[str, StringConstraints(max_length=1600)]
    message_id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]
    received_at: AwareDatetime | None = None


class WebhookQueued(Open):
    status: Literal["queued"]
    message_id: str


# Documentation only: the route checks the signature over the raw form and reads it with domain/twilio.py.
class TwilioInbound(Open):
    """Twilio's form post for an incoming SMS (signed: ``X-Twilio-Signature``); every field Twilio sends is
    part of the signature, so unknown ones are allowed."""

    From: str
    To: str
    Body: str
    MessageSid: str
