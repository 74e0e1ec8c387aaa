"""Bodies of the audience routes and events: the abandoned-cart trigger (``POST /v1/admin/triggers`` and
the ``Cart.Abandoned`` event), its answer, and the customer events that feed segments and cancel triggers."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints, field_validator

from ..domain.clock import IsoTimestamp
from ..domain.plain_text import PlainText
from ._base import Open


class CartAbandoned(BaseModel):
    """``POST /v1/admin/triggers`` body, and the detail of the ``Cart.Abandoned`` event."""

    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={
            "examples": [
                {"list_id": "demo", "phone": "+48501234567", "cart_id": "c-1001", "url": "https://shop.example/c/1001"}
            ]
        },
    )

    trigger: Literal["cart_abandoned"] = "cart_abandoned"
    list_id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    phone: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    cart_id: Annotated[PlainText, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]
    url: Annotated[PlainText, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    at: IsoTimestamp | None = None  # when the cart was abandoned; default: now

    @field_validator("url")
    @classmethod
    def _http(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError("an http(s) URL")
        return value


class TriggerResult(Open):
    """What became of a cart: the answer to ``POST /v1/admin/triggers`` (and the event's log line)."""

    omit_none = True  # send_at_utc and rule only when scheduled

    status: Literal["scheduled", "duplicate", "not_subscribed", "undeliverable"]
    cart_id: str
    send_at_utc: str | None = None
    rule: str | None = None


class CustomerEvent(BaseModel):
    """Detail of ``Customer.Activity`` / ``Customer.Purchase``."""

    model_config = ConfigDict(extra="ignore")

    phone: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    at: IsoTimestamp
    order_id: str | None = None
    amount: float | None = None
    coupon: str | None = None  # the coupon code used (services/coupons.py redeems it; any length: not ours → ignored)
