"""Delivery receipts of AWS End User Messaging SMS: the event a configuration set's event destination
publishes, and what each status means for us.

Statuses (event types) and their meaning, as documented:
https://docs.aws.amazon.com/sms-voice/latest/userguide/configuration-sets-event-types.html
Event JSON (``eventType``, ``messageId``, ``destinationPhoneNumber``, ``isFinal``, ``context``, …):
https://docs.aws.amazon.com/sms-voice/latest/userguide/configuration-sets-event-format.html
The same list is botocore's ``pinpoint-sms-voice-v2`` ``EventType`` enum (TEXT_* members).

Pure: no boto3. ``services/receipts.py`` applies a parsed receipt to storage.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from .clock import iso


class StatusClass(StrEnum):
    """What a status says about the number (other sessions rely on these exact values)."""

    PENDING = "pending"  # on its way: not an outcome
    DELIVERED = "delivered"
    PERMANENT = "permanent"  # invalid destination: a dead number
    TEMPORARY = "temporary"  # unreachable, carrier network, TTL expired, unknown: may work next time
    BLOCKED = "blocked"  # carrier/protect blocking or spam filtering: a content or registration problem


# Event type → class, with the documented meaning (configuration-sets-event-types.html).
STATUS_CLASS: dict[str, StatusClass] = {
    "TEXT_QUEUED": StatusClass.PENDING,  # queued for delivery, not delivered yet
    "TEXT_PENDING": StatusClass.PENDING,  # in the process of being delivered
    "TEXT_SENT": StatusClass.PENDING,  # handed on (botocore's enum; not in the guide's list)
    # Accepted by the recipient's carrier. "Depending on the destination country TEXT_DELIVERED and
    # TEXT_SUCCESSFUL may be used interchangeably": with isFinal it is the last word (see classify).
    "TEXT_SUCCESSFUL": StatusClass.PENDING,
    "TEXT_DELIVERED": StatusClass.DELIVERED,
    "TEXT_INVALID": StatusClass.PERMANENT,  # the destination phone number is not valid
    "TEXT_INVALID_MESSAGE": StatusClass.BLOCKED,  # the body is invalid: our content, not the number
    "TEXT_UNREACHABLE": StatusClass.TEMPORARY,  # device off or not on the network
    "TEXT_CARRIER_UNREACHABLE": StatusClass.TEMPORARY,  # temporary error on the carrier's network
    "TEXT_TTL_EXPIRED": StatusClass.TEMPORARY,  # took longer than the message's time to live
    "TEXT_UNKNOWN": StatusClass.TEMPORARY,  # "may be temporary or permanent"; also sent after 72 h of silence
    "TEXT_BLOCKED": StatusClass.BLOCKED,  # the recipient's device or carrier blocked it
    "TEXT_CARRIER_BLOCKED": StatusClass.BLOCKED,  # carrier judged it malicious or abusive
    "TEXT_SPAM": StatusClass.BLOCKED,  # carrier judged it unsolicited commercial content
    "TEXT_PROTECT_BLOCKED": StatusClass.BLOCKED,  # our own protect configuration blocked it
}

# The status stored on the message: ``sent`` until an outcome, then ``delivered`` or ``failed``.
STATUS_FOR = {
    StatusClass.PENDING: "sent",
    StatusClass.DELIVERED: "delivered",
    StatusClass.PERMANENT: "failed",
    StatusClass.TEMPORARY: "failed",
    StatusClass.BLOCKED: "failed",
}
RANK_PENDING, RANK_FINAL = 1, 2  # a report only moves a message's rank up (services/receipts.py)
MAX_PRICE_USD = 10.0  # a message's price above this is not a real price: not counted
MAX_PARTS = 50  # 1,600 characters of UCS-2 are 24 parts

# Our message ids: uuids, "cmp:<campaign>:<digest>", "trg:cart:<id>" — never a key separator or space.
# Our message ids (a resend's ends in "~r": domain/messages.resend_of).
MessageId = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._:~-]+$")]
_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


class ReceiptContext(BaseModel):
    """What the sender put in ``Context`` (adapters/sms.py): ours, but only as trustworthy as the
    caller of SendTextMessage — the service checks ``campaign_id`` against the message id."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    message_id: MessageId
    campaign_id: str | None = Field(default=None, max_length=100)
    list_id: str | None = Field(default=None, max_length=100)
    variant: str | None = Field(default=None, pattern=r"^[A-Z0-9]{1,8}$")  # an experiment's group (issue 19)


class DeliveryEvent(BaseModel):
    """One End User Messaging SMS event (extra fields ignored)."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    event_type: str = Field(alias="eventType", max_length=40)
    provider_message_id: str = Field(alias="messageId", max_length=200)
    destination: str = Field(alias="destinationPhoneNumber")
    message_status: str = Field(default="", alias="messageStatus", max_length=100)
    description: str = Field(default="", alias="messageStatusDescription", max_length=500)
    is_final: bool | None = Field(default=None, alias="isFinal")
    parts: int = Field(default=0, alias="totalMessageParts", ge=0, le=MAX_PARTS)
    price_usd: float = Field(default=0.0, alias="totalMessagePrice", ge=0.0, le=MAX_PRICE_USD)
    context: ReceiptContext
    timestamp_ms: int = Field(alias="eventTimestamp", ge=0, lt=32503680000000)  # before year 3000


class Receipt(BaseModel):
    """A parsed event, classified: what the service applies."""

    model_config = ConfigDict(frozen=True)

    phone: str
    message_id: str
    provider_message_id: str
    provider_status: str
    klass: StatusClass
    final: bool
    reason: str | None  # a failure's stats key (``invalid``, ``spam``…)
    description: str  # the provider's words (``messageStatusDescription``)
    at: str
    parts: int
    price_micro_usd: int
    campaign_id: str | None
    list_id: str | None
    variant: str | None = None

    @property
    def status(self) -> str:
        return STATUS_FOR[self.klass] if self.final else "sent"

    @property
    def rank(self) -> int:
        return RANK_FINAL if self.final else RANK_PENDING


class PoisonEvent(ValueError):
    """An event we can never apply (bad JSON, missing fields, an unknown status): dropped, not retried."""


def classify(event_type: str, is_final: bool | None) -> tuple[StatusClass, bool]:
    """(class, final). Final = every class but pending, except that a TEXT_SUCCESSFUL the provider marks
    final is the last word for its country (delivered), and a temporary failure it marks *not* final
    may still become a delivery."""
    klass = STATUS_CLASS.get(event_type)
    if klass is None:
        raise PoisonEvent(f"unknown event type {event_type[:40]!r}")
    if event_type == "TEXT_SUCCESSFUL" and is_final:
        return StatusClass.DELIVERED, True
    if klass is StatusClass.TEMPORARY and is_final is False:
        return klass, False
    return klass, klass is not StatusClass.PENDING


def reason_for(event_type: str, klass: StatusClass) -> str | None:
    """The stats key of a failure: the provider's status without its prefix (``invalid``, ``spam``…)."""
    if klass in (StatusClass.PENDING, StatusClass.DELIVERED):
        return None
    return event_type.removeprefix("TEXT_").lower()


def parse_event(body: str | bytes) -> Receipt:
    """The event an SQS record carries (raw SNS delivery: the body is the event) → a receipt, or
    ``PoisonEvent`` naming what is wrong (never the whole body: it holds a phone number)."""
    try:
        event = DeliveryEvent.model_validate_json(body)
    except ValidationError as exc:
        fields = sorted({".".join(str(p) for p in e["loc"]) or "body" for e in exc.errors()})
        raise PoisonEvent(f"not a delivery event: {', '.join(fields)[:200]}") from None
    if not _E164.match(event.destination):
        raise PoisonEvent("destinationPhoneNumber is not E.164")
    klass, final = classify(event.event_type, event.is_final)
    return Receipt(
        phone=event.destination,
        message_id=event.context.message_id,
        provider_message_id=event.provider_message_id,
        provider_status=event.event_type,
        klass=klass,
        final=final,
        reason=reason_for(event.event_type, klass),
        description=event.description,
        at=iso(datetime.fromtimestamp(event.timestamp_ms / 1000, tz=UTC)),
        parts=event.parts,
        price_micro_usd=round(event.price_usd * 1_000_000),
        campaign_id=event.context.campaign_id,
        list_id=event.context.list_id,
        variant=event.context.variant,
    )


def send_context(
    message_id: str, campaign_id: str | None, list_id: str | None, variant: str | None = None
) -> dict[str, str]:
    """``Context`` of a SendTextMessage (at most 5 entries, values 1–800 characters without surrounding
    whitespace: botocore's model): empty values are left out."""
    items = {
        "message_id": message_id,
        "campaign_id": campaign_id or "",
        "list_id": list_id or "",
        "variant": variant or "",
    }
    return {k: v.strip()[:800] for k, v in items.items() if v and v.strip()}


def event_detail(receipt: Receipt) -> dict[str, Any]:
    """Detail of a ``Message.Delivered`` / ``Message.Failed`` bus event."""
    detail: dict[str, Any] = {
        "message_id": receipt.message_id,
        "phone": receipt.phone,
        "status": receipt.status,
        "class": receipt.klass.value,
        "provider_status": receipt.provider_status,
        "at": receipt.at,
        "campaign_id": receipt.campaign_id,
        "list_id": receipt.list_id,
    }
    if receipt.reason:
        detail["reason"] = receipt.reason
    return detail


# ``messageStatusDescription`` the provider sends with each status (the guide's example shows the first;
# the others paraphrase the documented meaning of the status).
DESCRIPTION = {
    "TEXT_SUCCESSFUL": "Message has been accepted by phone carrier",
    "TEXT_DELIVERED": "Message has been accepted by phone",
    "TEXT_INVALID": "Destination phone number is invalid",
    "TEXT_INVALID_MESSAGE": "Message body is invalid",
    "TEXT_UNREACHABLE": "Phone is unreachable or switched off",
    "TEXT_CARRIER_UNREACHABLE": "Temporary error on the carrier's network",
    "TEXT_TTL_EXPIRED": "Message expired before it could be delivered",
    "TEXT_UNKNOWN": "No final status was reported",
    "TEXT_BLOCKED": "Message was blocked by the phone or its carrier",
    "TEXT_CARRIER_BLOCKED": "Carrier blocked the message as malicious or abusive",
    "TEXT_SPAM": "Carrier filtered the message as spam",
    "TEXT_PROTECT_BLOCKED": "Message was blocked by a protect configuration",
}


@dataclass(frozen=True)
class AcceptedMessage:
    """What End User Messaging knows of a message it accepted: what each of its events repeats."""

    destination: str
    context: dict[str, str]  # what the sender passed as ``Context`` (:func:`send_context`)
    provider_message_id: str
    origination: str | None = None
    parts: int = 1
    price_usd: float = 0.0


def provider_event(
    message: AcceptedMessage,
    event_type: str,
    at: datetime,
    is_final: bool | None = None,
    description: str | None = None,
) -> dict[str, Any]:
    """One event as a configuration set's event destination publishes it (configuration-sets-event-format):
    the inverse of :func:`parse_event`. The local stack's provider emulation reports with it and the tests
    play End User Messaging with it, so both speak the shape the worker parses in AWS. ``is_final``
    defaults to "not a pending status"."""
    status = event_type.removeprefix("TEXT_")
    stamp = int(at.timestamp() * 1000)
    return {
        "eventType": event_type,
        "eventVersion": "1.0",
        "eventTimestamp": stamp,
        "isFinal": is_final if is_final is not None else STATUS_CLASS.get(event_type) is not StatusClass.PENDING,
        "originationPhoneNumber": message.origination or "",
        "destinationPhoneNumber": message.destination,
        "messageId": message.provider_message_id,
        "messageRequestTimestamp": stamp,
        "messageStatus": status,
        "messageStatusDescription": description if description is not None else DESCRIPTION.get(event_type, status),
        "context": message.context,
        "totalMessageParts": message.parts,
        "totalMessagePrice": message.price_usd,
        "totalCarrierFee": 0.0,
    }
