"""Pacing: every sender together stays within each origination identity's parts per second.

Per SQS batch, before its pending records and claims: the messages of each identity claim send times
from the identity's shared token bucket in one conditional ``UpdateItem`` (``adapters/dynamodb/
pacing.py``). Those the bucket covers now go now; each other one is put back on the queue as a new
message (``DelaySeconds`` = until its reserved time, the reservation carried in ``paced_at``) and the
original is acknowledged, so waiting never counts toward the queue's ``maxReceiveCount``. A message
put back was never claimed and gets no pending record, so the reconciler never sees it; when it comes
back, the sender checks its window, cancellation and consent again as for any message.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..adapters.dynamodb.pacing import PacingStore
from ..domain.clock import iso, parse_iso
from ..domain.messages import OutboundMessage
from ..domain.planner import rule_by_code
from ..domain.quiet_hours import is_allowed
from ..domain.throughput import default_rate, delay_seconds, reserve

# Put back: (message, delay in seconds). One ``SendMessageBatch`` per 10.
Requeue = Callable[[Sequence[tuple[OutboundMessage, int]]], None]


@dataclass
class PacedBatch:
    now: list[OutboundMessage] = field(default_factory=list)  # to send in this invocation
    later: list[tuple[OutboundMessage, int]] = field(default_factory=list)  # put back, with their delay


def rate_of(item: dict[str, Any] | None, identity: str, destination: str) -> float:
    """The identity's configured rate, else its conservative default (``domain/throughput.py``)."""
    if item and item.get("parts_per_second"):
        return float(item["parts_per_second"])
    return default_rate(identity, destination).parts_per_second


def pace(store: PacingStore, messages: Sequence[OutboundMessage], now: datetime) -> PacedBatch:
    """Which of a batch's messages go now, and which come back when (and when their send time is)."""
    batch = PacedBatch()
    groups: dict[str, list[OutboundMessage]] = {}
    for message in messages:
        if message.paced_at is not None:
            # Its send time was reserved by an earlier batch: go at it, without a second claim.
            wait = delay_seconds(parse_iso(message.paced_at).timestamp(), now.timestamp())
            (batch.later.append((message, wait)) if wait else batch.now.append(message))
        elif not message.origination or _outside_window(message, now):
            batch.now.append(message)  # no identity to pace / deferred to its window without sending
        else:
            groups.setdefault(message.origination, []).append(message)
    for identity, group in groups.items():
        _claim(store, identity, group, now, batch)
    return batch


def _claim(store: PacingStore, identity: str, group: list[OutboundMessage], now: datetime, batch: PacedBatch) -> None:
    """One claim for the group's parts; each message goes now, at its reserved time, or (beyond the
    reservation horizon) back unreserved, 900 s later."""
    at = now.timestamp()

    def plan(item: dict[str, Any] | None) -> tuple[float, tuple[float | None, ...]]:
        rate = rate_of(item, identity, group[0].to)
        reservation = reserve([m.segments for m in group], float((item or {}).get("tat") or 0.0), rate, at)
        return reservation.tat, reservation.send_at

    for message, send_at in zip(group, store.claim(identity, plan), strict=True):
        if send_at is None:
            batch.later.append((message, 900))
        elif send_at <= at:
            batch.now.append(message)
        else:
            reserved = message.model_copy(update={"paced_at": iso(datetime.fromtimestamp(send_at, now.tzinfo))})
            batch.later.append((reserved, delay_seconds(send_at, at)))


def _outside_window(message: OutboundMessage, now: datetime) -> bool:
    job = message.campaign
    return job is not None and not is_allowed(now, job.zones, rule_by_code(job.rule))
