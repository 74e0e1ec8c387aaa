"""Delivery receipts → the number's ``undeliverable`` mark (dead numbers cost nothing twice).

The receipt worker calls :func:`note_receipt` for every receipt it has recorded. Cost per receipt, by class
(the rules and their sources are in ``domain/undeliverable.py``):

- ``delivered``, ``pending``, ``blocked``: no request at all (nothing to decide; a delivery ends a run
  of temporary failures by being in the history the next temporary failure reads);
- ``permanent``: one conditional ``UpdateItem`` of the profile (a replay is refused by its condition);
- ``temporary``: one Query of the number's receipts, plus the ``UpdateItem`` when the rule is met
  (and one more in the rare case the owner opted in during the run: see :func:`_mark`).

A mark is never written for a number with no profile (erased, or never a contact), never twice, and
never from a receipt older than the owner's last opt-in.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from ..adapters.dynamodb.stores import Stores
from ..domain.clock import iso, parse_iso
from ..domain.undeliverable import (
    PERMANENT_RULE,
    TEMPORARY_RULE,
    Receipt,
    Undeliverable,
    parse_history,
    run_is_undeliverable,
    unreachable_run,
    with_current,
)


def note_receipt(stores: Stores, phone: str, klass: str, reason: str, at: datetime) -> bool:
    """Apply one delivery receipt (``klass``: a ``StatusClass`` value) to the number ``phone`` (E.164).
    True when this receipt made the number undeliverable."""
    handler = _BY_CLASS.get(klass)
    return handler(stores, phone, reason, at) if handler else False


def _permanent(stores: Stores, phone: str, reason: str, at: datetime) -> bool:
    mark = Undeliverable(reason=reason, at=iso(at), rule=PERMANENT_RULE)
    return stores.undeliverable.mark(phone, mark.model_dump(), since=iso(at)) is None


def _temporary(stores: Stores, phone: str, reason: str, at: datetime) -> bool:
    history = with_current(parse_history(stores.undeliverable.history(phone)), Receipt("temporary", at))
    return _mark(stores, phone, reason, history, after=None)


def _mark(stores: Stores, phone: str, reason: str, history: list[Receipt], after: datetime | None) -> bool:
    """Mark when the run of temporary failures (after ``after``) meets the rule. The mark is conditional
    on no opt-in since the run began; if the owner did opt in during the run, only the failures after
    that opt-in count: decide again on those (at most once more — ``after`` only moves forward)."""
    run = unreachable_run(history, after)
    if not run_is_undeliverable(run):
        return False
    mark = Undeliverable(reason=reason, at=iso(run[-1].at), rule=TEMPORARY_RULE)
    refused = stores.undeliverable.mark(phone, mark.model_dump(), since=iso(run[0].at))
    if refused is None:
        return True
    profile = refused.profile or {}
    reachable = profile.get("reachable_at")
    if not profile or profile.get("undeliverable") or not reachable:
        return False  # no profile (erased), or already marked
    opted_in = parse_iso(reachable)
    if after is not None and opted_in <= after:
        return False
    return _mark(stores, phone, reason, history, after=opted_in)


def _ignore(stores: Stores, phone: str, reason: str, at: datetime) -> bool:
    """Delivered, pending, blocked: zero requests (see the module's docstring)."""
    return False


_BY_CLASS: dict[str, Callable[[Stores, str, str, datetime], bool]] = {
    "permanent": _permanent,
    "temporary": _temporary,
    "delivered": _ignore,
    "pending": _ignore,
    "blocked": _ignore,
}
