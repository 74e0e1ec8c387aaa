"""Outbound SMS as queued for the sender."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from typing import Literal, TypedDict, Unpack

from pydantic import BaseModel, ConfigDict

from .clock import iso
from .segments import Encoding, count_segments

MessageKind = Literal["confirm_request", "welcome", "help", "stop", "reply", "transactional", "marketing"]
TRANSACTIONAL_KINDS = frozenset({"confirm_request", "welcome", "help", "stop", "reply", "transactional"})


class SubscriptionGuard(BaseModel):
    """Send only while subscription (phone, list_id) has ``status`` and expects this message."""

    phone: str
    list_id: str
    status: str
    # Lifecycle messages must still be the one the subscription expects; campaign messages only need
    # the subscription to be active.
    expect_message: bool = True


class CampaignJob(BaseModel):
    """What the sender needs to re-check a campaign message at the last moment."""

    campaign_id: str
    zones: tuple[str, ...]
    rule: str
    caps: list[tuple[int, int]] = []  # (messages, hours): the list's cap and the jurisdiction's
    # The item whose status must not be "cancelled" when the message goes out: the campaign's record
    # by default (``None``); a triggered message names its trigger record instead. Storage keys, as the
    # key registry builds them (``adapters/dynamodb/sending.control_key``): the domain never spells them.
    control: tuple[str, str] | None = None
    count_stats: bool = True


class Resend(BaseModel):
    """Marks the reconciler's one resend of a message whose provider outcome stayed unknown."""

    of: str  # the original message id (a subscription guard still expects that one)
    claimed_at: str  # when the original was claimed: its entry in the number's cap record is not a send


class OutboundMessage(BaseModel):
    """One SMS to send. ``message_id`` is the idempotency key: the sender sends each id at most once."""

    model_config = ConfigDict(extra="ignore")

    message_id: str
    to: str
    body: str
    kind: MessageKind
    list_id: str | None = None
    origination: str | None = None
    message_type: Literal["TRANSACTIONAL", "PROMOTIONAL"]
    encoding: Encoding
    segments: int
    created_at: str
    guard: SubscriptionGuard | None = None
    campaign: CampaignJob | None = None
    resend: Resend | None = None
    # A send time the identity's token bucket reserved for it (services/pacing.py): put back on the queue
    # until then, it goes without a second claim on the bucket.
    paced_at: str | None = None
    # The campaign's experiment group (issue 19): on the sent-message record, so conversions find it.
    variant: str | None = None


RESEND_SUFFIX = "~r"


def resend_of(message: OutboundMessage, claimed_at: str) -> OutboundMessage:
    """The one resend of ``message``: a derived id, so that queueing it twice still sends it once."""
    return message.model_copy(
        update={
            "message_id": f"{message.message_id}{RESEND_SUFFIX}",
            "resend": Resend(of=message.message_id, claimed_at=claimed_at),
        }
    )


def campaign_message_id(campaign_id: str, phone: str) -> str:
    """One campaign reaches one number at most once: the sender claims this id (invariant 4).

    Deterministic per (campaign, number), but without the number in it: message ids appear in logs,
    and logs never carry a phone number (invariant 9). Here, with the other message ids, because the
    dispatcher builds it and the delivery worker checks receipts against it: the worker must not load
    the dispatcher for it (``tests/perf/test_cold_start_imports.py``)."""
    digest = hashlib.sha256(f"{campaign_id}:{phone}".encode()).hexdigest()[:32]
    return f"cmp:{campaign_id}:{digest}"


def original_id(message_id: str) -> str:
    """The id of the message a resend repeats (itself for an original): what campaigns count by."""
    return message_id.removesuffix(RESEND_SUFFIX)


def origination_for(origination: dict[str, str] | None, country: str) -> str | None:
    """The sender number or short code for a recipient's country (a list's or campaign's
    ``origination`` map, ``default`` otherwise). Here, not with the list models: the dispatcher needs
    it for every message and none of those models."""
    if not origination:
        return None
    return origination.get(country) or origination.get("default")


class MessageOptions(TypedDict, total=False):
    """What a message may add to its recipient, body and kind: routing, identity and the guard. One
    typed group, so the callers keep naming each option and a new one does not grow the signature."""

    list_id: str | None
    origination: str | None
    message_id: str | None  # deterministic where duplicates must collapse; a fresh uuid otherwise
    guard: SubscriptionGuard | None


def build_message(
    *, to: str, body: str, kind: MessageKind, now: datetime, **options: Unpack[MessageOptions]
) -> OutboundMessage:
    info = count_segments(body)
    return OutboundMessage(
        message_id=options.get("message_id") or str(uuid.uuid4()),
        to=to,
        body=body,
        kind=kind,
        list_id=options.get("list_id"),
        origination=options.get("origination"),
        message_type="TRANSACTIONAL" if kind in TRANSACTIONAL_KINDS else "PROMOTIONAL",
        encoding=info.encoding,
        segments=info.segments,
        created_at=iso(now),
        guard=options.get("guard"),
    )
