"""Bodies of ``POST /v1/admin/messages`` (and of the ``Message.Requested`` bus event): one transactional
SMS to one customer. Built at run time by services/transactional.py; published in the OpenAPI document."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from ..domain.plain_text import refuse_controls
from ._base import Open


class MessageRequest(BaseModel):
    """A transactional SMS (an order or shipping notice): no marketing consent needed, sent at any hour,
    refused for a number that opted out or was erased. The same ``idempotency_key`` is the same message."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "list_id": "demo",
                    "to": "+48501234567",
                    "text": "Twoje zamówienie #1938 zostało wysłane",
                    "idempotency_key": "order-1938-shipped",
                }
            ]
        },
    )

    list_id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)] = Field(
        description="The list whose brand and sender numbers the message uses"
    )
    to: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=40)] = Field(
        description="The recipient (E.164)"
    )
    text: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1600), AfterValidator(refuse_controls)
    ] = Field(description="Plain text; the list's brand is put in front unless the text names it")
    idempotency_key: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=r"^[\x21-\x7e]+$")
    ] = Field(description="The caller's name for this message (kept 7 days): a retry with it sends nothing again")


class MessageQueued(Open):
    status: Literal["queued"] = "queued"
    message_id: str = Field(description="The outbound message; the same for a repeated request")
    repeated: bool = Field(description="True when this key was already accepted (a client retry)")
