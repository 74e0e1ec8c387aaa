"""The body of the signed inbound webhook (InboundWebhookFunction). Nothing here loads the list models or
phonenumbers: the webhook only verifies and enqueues. Its answer and Twilio's form are described in
``responses`` (OpenAPI only): the webhook's cold start builds only the one model it validates with."""

from __future__ import annotations

from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

Field40 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]


class WebhookMessage(BaseModel):
    """Body of ``POST /v1/inbound/webhook``."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    from_: Annotated[Field40, Field(alias="from")]
    to: Field40
    body: Annotated[str, StringConstraints(max_length=1600)]
    message_id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]
    received_at: AwareDatetime | None = None
