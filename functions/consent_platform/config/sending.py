"""The sender's, the delivery-receipt worker's and the reconciler's settings."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..settings import TableSettings


class SenderSettings(TableSettings):
    sms_provider: Literal["sns", "end-user-messaging", "local"] = "sns"
    eum_configuration_set: str = ""  # End User Messaging configuration set (event destinations)
    local_outbox_path: str = ".local/outbox.jsonl"
    message_record_days: int = Field(default=400, ge=1)  # how long a sent-message record is kept


class DeliverySettings(TableSettings):
    """The delivery-receipt worker (functions/delivery): the tables, the bus, how long a status is kept."""

    event_bus_name: str = ""  # empty: no Message.Delivered / Message.Failed events
    message_record_days: int = Field(default=400, ge=1)  # as long as the sent-message record it describes


class ReconcilerSettings(TableSettings):
    """The reconciler of unknown provider outcomes (services/reconciler.py); the queue it resends
    through is ``OutboundSettings``."""

    # Which provider sends: only SNS reports no per-message receipts (no resend is safe without them).
    sms_provider: Literal["sns", "end-user-messaging", "local"] = "sns"
    message_record_days: int = Field(default=400, ge=1)
