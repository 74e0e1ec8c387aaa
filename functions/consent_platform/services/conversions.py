"""Crediting a ``Customer.Purchase`` to the campaign or flow message that led to it (issue 19; README
"Conversions"; the rules are ``domain/conversions.py``). Every read is by key: the number's last click by
its keyed hash, its sent-message and hold-out records by its partition; the credit is one conditional
transaction on the order id, so a replayed or redelivered order is credited once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError

from ..adapters.dynamodb.stores import Stores
from ..domain.clock import iso, parse_iso
from ..domain.conversions import MAX_CLICK_DAYS, Attribution, Purchase, Touch, counters, credit, micro_units
from ..domain.experiments import HOLDOUT
from ..domain.links import recipient_hash
from ..domain.phone import normalize_phone

# A purchase reported later than this is not credited (no window is longer); nor one from the future.
TOO_OLD = timedelta(days=MAX_CLICK_DAYS + 1)
CLOCK_SKEW = timedelta(hours=1)
ORDER_KEPT = timedelta(days=400)  # as long as a sent-message record: a replay finds the order credited


def credit_purchase(
    stores: Stores, detail: dict[str, Any], now: datetime, load_key: Callable[[], bytes | None]
) -> dict[str, Any]:
    """Credit one purchase, at most once per ``order_id``; what happened, for the handler's log line."""
    try:
        purchase = Purchase.model_validate(detail)
    except ValidationError as exc:  # no order id, a bad amount or currency: the profile still counts it
        return {"conversion": "not_credited", "reason": ",".join(str(e["loc"][0]) for e in exc.errors())}
    if not now - TOO_OLD <= purchase.at <= now + CLOCK_SKEW:
        return {"conversion": "not_credited", "reason": "at"}
    phone = normalize_phone(purchase.phone).e164
    key = load_key()
    click = _click(stores.conversions.last_click(recipient_hash(key, phone))) if key else None
    received = [t for t in map(_touch, stores.conversions.received(phone)) if t is not None]
    lists = {t.list_id for t in [*received, *([click] if click else [])]}
    chosen = credit(purchase.at, click, received, {list_id: _windows(stores, list_id) for list_id in lists})
    if chosen is None:
        return {"conversion": "none"}
    touch, amount = chosen.touch, micro_units(purchase.amount)
    order = {
        "order_id": purchase.order_id,
        "campaign_id": touch.campaign_id,
        "variant": touch.variant,
        "attribution": chosen.kind,
        "amount_micro": amount,
        "currency": purchase.currency,
        "purchased_at": iso(purchase.at),
        "credited_at": iso(now),
        "ttl": int((now + ORDER_KEPT).timestamp()),
    }
    if not stores.conversions.credit(order, touch.campaign_id, counters(touch, chosen.kind, purchase.currency, amount)):
        return {"conversion": "duplicate_order", "campaign_id": touch.campaign_id}
    return {"conversion": chosen.kind, "campaign_id": touch.campaign_id, "variant": touch.variant or ""}


def _windows(stores: Stores, list_id: str) -> Attribution:
    stored, _ = stores.catalog.get_list(list_id)
    return stored.attribution if stored is not None else Attribution()


def _click(item: dict[str, Any] | None) -> Touch | None:
    if not item or not item.get("campaign_id"):
        return None
    return Touch(str(item["campaign_id"]), str(item.get("list_id") or ""), item.get("variant"), parse_iso(item["at"]))


def _touch(item: dict[str, Any]) -> Touch | None:
    """A sent campaign or flow message (not a failed or refused one), or a hold-out record."""
    if "held_at" in item:
        return Touch(str(item["campaign_id"]), str(item["list_id"]), HOLDOUT, parse_iso(item["held_at"]))
    if not item.get("campaign_id") or not item.get("sent_at") or item.get("outcome"):
        return None
    return Touch(
        str(item["campaign_id"]), str(item.get("list_id") or ""), item.get("variant"), parse_iso(item["sent_at"])
    )
