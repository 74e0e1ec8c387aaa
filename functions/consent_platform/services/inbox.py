"""The inbox (issue #20): listing received messages, answering one, and the contact timeline.

An answer is a transactional SMS from the number that received the message, queued for the sender like
the worker's HELP replies (kind ``reply``: no marketing consent needed, no quiet hours). It is refused
with 409 once the person sent STOP to that number, or once the message is no longer held (the number was
erased, or the retention ended); at most ``REPLY_DAILY_CAP`` answers go to one number per UTC day (429).

Idempotency: one answer per (message, text). Its outbound id derives from both (``domain.inbox.reply_id``)
and is recorded on the inbox item in the same transaction that counts it in the cap, so a client retry —
even after a crash between that write and the queue — counts nothing again and re-queues the same id,
which the sender sends at most once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from ..adapters.dynamodb import keys as k
from ..adapters.dynamodb.stores import Stores
from ..adapters.dynamodb.table import Transaction
from ..adapters.queue import OutboundQueue
from ..api.inbox import InboxItem, InboxPage, InboxReplyQueued, TimelineEntry
from ..api.messages import MESSAGES_SHOWN, SentMessage
from ..domain.clock import iso
from ..domain.consent import Status
from ..domain.errors import Conflict, NotFound, ValidationFailed
from ..domain.inbox import (
    REPLY_DAILY_CAP,
    UNHANDLED,
    cap_reached,
    check_not_stopped,
    newest_stop_or_start,
    reply_id,
)
from ..domain.messages import build_message
from ..domain.paging import decode_cursor, encode_cursor, page_size


def list_inbox(
    stores: Stores,
    filters: dict[str, Any],
    limit: int | None,
    cursor: str | None,
) -> InboxPage:
    """One page newest first. ``filters``: ``number`` (receiving number) and/or ``sender`` (E.164),
    ``since`` (aware datetime), ``unhandled`` (only what no rule handled). One of number/sender is needed:
    each is a partition to Query (the number's through GroupIndex, the sender's in the table)."""
    number, sender, since = filters.get("number"), filters.get("sender"), filters.get("since")
    if not number and not sender:
        raise ValidationFailed("number or from is required", {"number": "the receiving number (or give from)"})
    after = decode_cursor(cursor, k.INBOX.sk_prefix)
    floor = k.INBOX.sk_prefix + (iso(since) if since else "")
    keep = _keeper(number if sender else None, bool(filters.get("unhandled")))
    query = {"sender": sender, "since": floor} if sender else {"number": number, "since": floor}
    items, last = stores.inbox.page(query, page_size(limit), after, keep)
    return InboxPage(items=[_view(item) for item in items], next=encode_cursor(last))


def _keeper(number: str | None, unhandled: bool) -> Callable[[dict[str, Any]], bool]:
    def keep(item: dict[str, Any]) -> bool:
        return (number is None or item.get("to") == number) and (not unhandled or item.get("handled_as") == UNHANDLED)

    return keep


_SHOWN = ("message_id", "from", "to", "body", "truncated", "received_at", "handled_as")


def _view(item: dict[str, Any]) -> InboxItem:
    """Only the published fields (the stored item also holds keys, provider and TTL)."""
    shown = {name: item[name] for name in _SHOWN if name in item}
    return InboxItem.model_validate({**shown, "replies": len(item.get("replies") or [])})


def reply(stores: Stores, queue: OutboundQueue, message_id: str, text: str, now: datetime) -> InboxReplyQueued:
    item = _held(stores, message_id)
    sender, to = item["from"], item["to"]
    _check_not_stopped(stores, sender, to)
    outbound = build_message(
        to=sender,
        body=text,
        kind="reply",
        now=now,
        origination=to,
        message_id=reply_id(item["provider"], message_id, text),
    )
    day = now.astimezone(UTC).strftime("%Y-%m-%d")
    ttl = int((now + timedelta(days=2)).timestamp())
    ops = stores.inbox.reply_ops(item, outbound.message_id, day, REPLY_DAILY_CAP, ttl)
    failed = {f.name for f in Transaction().extend(ops).attempt()}
    repeated = False
    if "inbox_reply" in failed:
        now_held = stores.inbox.still_held(item)
        if now_held is None:
            raise _gone()
        if outbound.message_id not in (now_held.get("replies") or []):
            raise Conflict("the message changed while this request was processed; retry")
        repeated = True  # a client retry: queue the same id again (the sender sends it at most once)
    elif failed:
        raise cap_reached(now)
    queue.send([outbound])
    return InboxReplyQueued(
        message_id=message_id,
        reply_message_id=outbound.message_id,
        to=sender,
        origination=to,
        repeated=repeated,
    )


def _held(stores: Stores, message_id: str) -> dict[str, Any]:
    """The inbox item of ``message_id``: 404 for an id never received, 409 once erased or expired."""
    markers = [m for m in stores.inbox.markers(message_id) if m.get("received_at") and m.get("to")]
    if not markers:
        raise NotFound("no such message in the inbox", {"message_id": "unknown message id"})
    if len(markers) > 1:  # the same id from two providers: which one is meant cannot be told
        raise Conflict("message id received from more than one provider", {"message_id": "ambiguous"})
    marker = markers[0]
    sort_key = k.INBOX.sk.format(received_at=marker["received_at"], message_id=message_id)
    item = stores.inbox.get(marker["to"], sort_key)
    if item is None:
        raise _gone()
    return item


def _gone() -> Conflict:
    return Conflict(
        "the message is no longer held (the number was erased, or the retention ended); no reply is sent",
        {"message_id": "no longer held"},
    )


def _check_not_stopped(stores: Stores, sender: str, to: str) -> None:
    from .inbound.config import Config

    latest = newest_stop_or_start(stores.inbox.handled_from(sender, to))
    if latest is not None:
        check_not_stopped(latest, False, False)
        return
    linked = set(Config(*stores.catalog.load_config()).lists_on_number(to))
    statuses = {s.status for s in stores.consent.load_phone(sender).subscriptions.values() if s.list_id in linked}
    check_not_stopped(None, Status.REVOKED in statuses, Status.ACTIVE in statuses)


def timeline(received: list[dict[str, Any]], sent: list[SentMessage]) -> list[TimelineEntry]:
    """Received and sent messages of one number, newest first (at most ``MESSAGES_SHOWN`` of each)."""
    entries = [
        TimelineEntry(
            direction="in",
            at=item["received_at"],
            message_id=item["message_id"],
            body=item.get("body"),
            handled_as=item.get("handled_as"),
        )
        for item in received[:MESSAGES_SHOWN]
    ] + [
        TimelineEntry(direction="out", at=m.sent_at, message_id=m.message_id, kind=m.kind, status=m.status)
        for m in sent
    ]
    return sorted(entries, key=lambda e: e.at or "", reverse=True)
