"""Bodies of ``/v1/admin/senders``: origination identities and the rate the sender paces each at."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ._base import Open


class SenderRate(BaseModel):
    """Body of ``PUT /v1/admin/senders/{identity}``: the identity's rate at End User Messaging, in message
    parts per second (a 3-part message uses 3). All senders together stay within it."""

    model_config = ConfigDict(extra="forbid")

    # At least one part per 10 s (the slowest real identity sends 1 per second); a smaller positive float
    # (5e-324) is no rate and is outside DynamoDB's number range.
    parts_per_second: float = Field(ge=0.1, le=10_000, description="Message parts per second (MPS), 0.1-10,000")


class SenderView(Open):
    identity: str
    parts_per_second: float  # the effective rate: configured, else the default
    source: Literal["configured", "default"]
    basis: str | None = None  # for a default: the fact it comes from (with its source)


class DefaultRate(Open):
    kind: str
    country: str
    parts_per_second: float
    source: str


class SenderList(Open):
    """``GET /v1/admin/senders``: every identity with an item (configured, or already paced at its
    default), and the defaults an unconfigured identity gets (``unknown_parts_per_second`` when no
    fact matches its type and country)."""

    senders: list[SenderView]
    defaults: list[DefaultRate]
    unknown_parts_per_second: float
