"""Erase a contact at the person's request (``DELETE /v1/admin/contacts/{phone}``).

1. The ledger entries move to the pseudonym's partition with every personal field replaced by a keyed
   hash (``domain/erasure.py``), in conditional transactions; the originals are deleted.
2. Every item under the number goes: profile, subscriptions (leaving the audience registry and the
   sparse audience index), reply-rate and frequency-cap records, request counters, inbound outboxes, cart
   triggers and deferred campaign messages (their pending schedules, which hold the number, are deleted).
3. A suppression entry ``SUPPRESS#<hmac>`` stays, so no import (soft opt-in) ever re-adds the number.
   The person may still opt in again themselves (web form, keyword, API): that starts a new ledger.

Ledger first: if anything fails half-way, the contact is still there and a repeated ``DELETE`` finishes
the job. A concurrent change to the contact starts the erasure again from fresh state.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from ..adapters.dynamodb.table import ConcurrentUpdate
from ..adapters.erasure import ErasureRepository
from ..adapters.scheduler import trigger_schedule_name
from ..api.erasure import Erased
from ..domain.clock import iso
from ..domain.erasure import pseudonym, pseudonymise_entry
from ..domain.errors import NotFound, ServiceUnavailable
from ..domain.phone import mask_phone

MAX_ATTEMPTS = 3


@dataclass
class ErasureReport:
    pseudonym: str
    subscriptions_removed: int = 0
    active_subscriptions_removed: int = 0
    ledger_entries_pseudonymised: int = 0
    records_deleted: int = 0
    schedules_deleted: int = 0

    def body(self, phone: str, erased_at: str) -> Erased:
        return Erased(phone=phone, status="erased", erased_at=erased_at, **asdict(self))


def erase_contact(
    repo: ErasureRepository,
    keys: list[bytes] | None,
    phone: str,
    now: datetime,
    delete_schedule: Any = None,
    logger: Any = None,
) -> ErasureReport:
    """``keys``: the HMAC keys (the first is current); ``delete_schedule(name) -> bool`` removes a pending
    schedule that holds the number: an abandoned cart's, or a campaign message deferred to its window
    (noted under the number, ``keys.DEFERRAL``, before it was created)."""
    if not keys:
        raise ServiceUnavailable("the erasure key parameter does not exist; create it (see README) and retry")
    erased_at = iso(now)
    report = ErasureReport(pseudonym(keys[0], phone))
    seen: set[str] = set()  # every ledger entry met: on success all of them were moved
    for attempt in range(1, MAX_ATTEMPTS + 1):
        records = repo.load(phone)
        if not records.known:
            if attempt == 1:
                raise NotFound("no such contact", {"phone": "unknown number"})
            break  # a concurrent erasure finished the job
        seen |= {item["sk"] for item in records.ledger}
        schedules = [trigger_schedule_name(cart_id) for cart_id in records.cart_ids] + records.deferred_schedules
        try:
            repo.move_ledger([(item, pseudonymise_entry(keys[0], item, erased_at)) for item in records.ledger])
            records.ledger = []
            deleted, active = repo.erase_state(records, report.pseudonym, erased_at)
        except ConcurrentUpdate:
            if attempt == MAX_ATTEMPTS:
                raise
            continue
        report.subscriptions_removed += len(records.subscriptions)
        report.active_subscriptions_removed += active
        report.records_deleted += deleted
        if delete_schedule is not None:
            report.schedules_deleted += sum(1 for name in schedules if delete_schedule(name))
        break
    report.ledger_entries_pseudonymised = len(seen)
    if logger is not None:
        logger.info("contact erased", extra=report.body(mask_phone(phone), erased_at).wire())
    return report
