"""Bodies of ``/v1/admin/numbers/{number}/forwarding`` (issue #20)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ._base import Open


class ForwardingRequest(BaseModel):
    """Where the messages a number receives are forwarded: any of ``url``, ``email``, ``phone`` (at least
    one). ``which``: only messages no rule handled (``unmatched``, the default) or ``all``."""

    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(
        default=None,
        max_length=2048,
        description="https URL that receives a POST signed like /v1/inbound/webhook (X-Signature: t=…,v1=…)",
        examples=["https://crm.example.com/sms"],
    )
    email: str | None = Field(default=None, max_length=254, description="Receives each message (Amazon SES)")
    phone: str | None = Field(
        default=None, max_length=40, description="A mobile number (E.164), not one of the platform's own numbers"
    )
    which: Literal["unmatched", "all"] = "unmatched"
    mask_sender: bool = Field(
        default=False, description="Show the sender as +*******4567 (default: the full number, the brand's own data)"
    )


class ForwardingView(Open):
    number: str = Field(description="The receiving number (or short code)")
    url: str | None = None
    email: str | None = None
    phone: str | None = None
    which: Literal["unmatched", "all"]
    mask_sender: bool
    updated_at: str | None = None
