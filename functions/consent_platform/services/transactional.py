"""Transactional messages (issue #18): ``POST /v1/admin/messages`` and the ``Message.Requested`` bus event.

One request costs: one GetItem (the list, cached per container by the catalog), one Query (the number's
subscriptions: the STOP check), one TransactWriteItems (the key's claim, the daily counter, the
suppression list's condition per erasure key) and one SendMessage to the outbound queue — the sender does
the rest as for any reply (kind ``transactional``: no consent guard, no quiet hours, the list's origination).

Idempotency: the key's record holds the message id and a digest of (number, text). A retry with the same
key and the same number and text counts nothing and queues the same id again (the sender sends each id at
most once — also after a crash between the transaction and the queue); the same key with another number
or text is refused with 409: a key names one message, and quietly answering with the first one would hide
a caller's bug (a reused order number) behind a message that never went to the second customer.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from ..adapters.dynamodb.stores import Stores
from ..adapters.dynamodb.table import Transaction
from ..adapters.dynamodb.transactional import TransactionalStore
from ..adapters.erasure import suppression_checks
from ..adapters.queue import OutboundQueue
from ..api.transactional import MessageQueued, MessageRequest
from ..domain import transactional as rules
from ..domain.clock import iso
from ..domain.errors import NotFound, ValidationFailed
from ..domain.messages import build_message, origination_for
from ..domain.phone import normalize_phone


def send(
    stores: Stores,
    queue: OutboundQueue,
    request: MessageRequest,
    pseudonyms: Callable[[str], list[str]],
    now: datetime,
) -> MessageQueued:
    """Queue one transactional SMS, or refuse it (404 list, 422 number/country, 409 STOP/erased/key reused,
    429 cap). ``pseudonyms(phone)``: the number's keys on the suppression list (erased numbers)."""
    stored, _ = stores.catalog.get_list(request.list_id)
    if stored is None:
        raise NotFound(f"list {request.list_id!r} does not exist", {"list_id": "unknown list"})
    phone = normalize_phone(request.to, stored.default_country, field="to")
    if not stored.may_reach(phone.country):
        raise ValidationFailed("this list does not send to that country", {"to": f"{phone.country} not allowed"})
    state = stores.consent.load_phone(phone.e164)
    rules.check_not_stopped(request.list_id, {lid: sub.status for lid, sub in state.subscriptions.items()})
    message = build_message(
        to=phone.e164,
        body=stored.outgoing(rules.with_brand(request.text, stored.brand)),
        kind="transactional",
        now=now,
        list_id=stored.list_id,
        origination=origination_for(stored.origination, phone.country),
        message_id=rules.message_id(stored.list_id, request.idempotency_key),
    )
    record = {
        "list_id": stored.list_id,
        "key_hash": rules.key_hash(request.idempotency_key),
        "message_id": message.message_id,
        "digest": rules.request_digest(phone.e164, request.text),
        "created_at": iso(now),
    }
    repeated = _claim(stores, record, phone.e164, pseudonyms, now)
    queue.send([message])
    return MessageQueued(message_id=message.message_id, repeated=repeated)


def _claim(
    stores: Stores, record: dict[str, str], phone: str, pseudonyms: Callable[[str], list[str]], now: datetime
) -> bool:
    """Claim the key in one transaction; True for a repeat of the same message (nothing written)."""
    day = now.astimezone(UTC).strftime("%Y-%m-%d")
    ttl = int((now + rules.KEY_KEPT).timestamp())
    ops = TransactionalStore(stores.table).ops(record, phone, day, rules.DAILY_CAP, ttl)
    ops += suppression_checks(stores.table.name, pseudonyms(phone))
    failed = {f.name: f for f in Transaction().extend(ops).attempt()}
    if any(name.startswith("not_suppressed") for name in failed):
        raise rules.erased()  # first: a repeat must not re-queue a message to a number erased since
    if "txn_key" in failed:
        old = failed["txn_key"].item or {}
        if old.get("digest") != record["digest"]:
            raise rules.key_reused()
        return True
    if failed:
        raise rules.cap_reached(now)
    return False


def suppression_lookup(table_name: str, parameter: str, cache_seconds: int) -> Callable[[str], list[str]]:
    """The erased-number suppression list's keys for a number (one per erasure key). Without a key
    parameter, messages go out only as long as no number was ever erased (as imports, README "Erasure")."""
    from ..adapters.erasure import erasures_recorded, load_keys
    from ..domain.erasure import pseudonym
    from ..domain.errors import ServiceUnavailable

    keys = load_keys(parameter, cache_seconds) if parameter else None
    if keys is None:
        if erasures_recorded(table_name):
            raise ServiceUnavailable(
                "numbers were erased but the erasure key parameter is missing: the suppression list cannot "
                "be checked, so nothing was sent"
            )
        return lambda _phone: []
    return lambda phone: [pseudonym(key, phone) for key in keys]


def on_requested(
    stores: Stores, queue: OutboundQueue, detail: Any, pseudonyms: Callable[[str], list[str]], now: datetime
) -> dict[str, str]:
    """The ``Message.Requested`` bus event: the same request, the same checks, the same idempotency. A
    refusal (bad detail, STOP, erased, key reused, cap) is the outcome, not an error: EventBridge would
    only retry it into the same refusal. A dependency failure (503) raises, and is retried."""
    from pydantic import ValidationError

    from ..domain.errors import DomainError

    try:
        request = MessageRequest.model_validate(detail)
        queued = send(stores, queue, request, pseudonyms, now)
    except ValidationError as exc:
        return {"status": "refused", "code": "validation_error", "reason": str(exc.errors()[0]["loc"])}
    except DomainError as exc:
        if exc.status >= 500:
            raise
        return {"status": "refused", "code": exc.code, "reason": exc.message}
    return {"status": "queued", "message_id": queued.message_id, "repeated": str(queued.repeated).lower()}
