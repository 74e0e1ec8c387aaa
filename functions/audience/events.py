"""EventBridge rule target: ``Customer.Activity``, ``Customer.Purchase``, ``Cart.Abandoned`` and the
``Consent.*`` events — customer timestamps, the built-in cart message, and flows (enter / exit)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from consent_platform import bootstrap
from consent_platform.adapters.link_key import load_link_key
from consent_platform.api.audience import CartAbandoned, CustomerEvent
from consent_platform.domain.clock import iso, utc_now
from consent_platform.domain.phone import preload
from consent_platform.services.conversions import credit_purchase
from consent_platform.services.flow_engine import on_event
from consent_platform.services.triggers import record_customer_event, start_cart_trigger
from consent_platform.settings import LinkSettings, SchedulingSettings, TableSettings, TransactionalSettings

preload()  # every event names a phone number: phonenumbers loads with the module
# The settings this function reads (tests/infra checks that the template's environment satisfies them).
SETTINGS = (TableSettings, SchedulingSettings, TransactionalSettings, LinkSettings)
logger = Logger()


def _cart_trigger(cart: CartAbandoned, flows_took_it: bool) -> dict[str, Any]:
    """The list's built-in cart message (``cart_abandoned``), as before flows. A list without one is
    still an error (retried, then dead-lettered with its reason) — unless a cart flow took the event."""
    stores = bootstrap.stores()
    stored, _ = stores.catalog.get_list(cart.list_id)
    if flows_took_it and stored is not None and stored.cart_abandoned is None:
        return {"status": "no_cart_message", "cart_id": cart.cart_id}
    target = bootstrap.settings(SchedulingSettings).outbound_queue_arn
    return start_cart_trigger(stores, bootstrap.scheduler(), target, cart, utc_now()).wire()


def _message_requested(detail: Any) -> dict[str, Any]:
    """As ``POST /v1/admin/messages``; a refusal is logged, not raised (a retry would be refused again)."""
    from consent_platform.services.transactional import on_requested, suppression_lookup

    s = bootstrap.settings(TransactionalSettings)
    lookup = suppression_lookup(s.table_name, s.erasure_key_parameter, s.secret_cache_seconds)
    result = on_requested(bootstrap.stores(), bootstrap.queue(), detail, lookup, utc_now())
    logger.info("message requested", extra=result)
    return result


def _redeem(customer: CustomerEvent) -> str:
    """The purchase used a coupon: its code is redeemed (once) and the buyer's profile remembers the pool
    (``{"if": {"coupon_redeemed": "<pool>"}}``). "" when the code is not one we gave out, or was redeemed."""
    from consent_platform.domain.phone import normalize_phone
    from consent_platform.services.coupons import redeem

    phone = normalize_phone(customer.phone).e164
    return redeem(bootstrap.stores(), customer.coupon, phone, iso(customer.at)) or ""


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # A malformed event raises: EventBridge retries it and then sends it to the rule's DLQ.
    kind = event.get("detail-type", "")
    detail = event.get("detail") or {}
    if kind.startswith("Customer.") and isinstance(detail, dict) and not detail.get("at"):
        # A shop that leaves out when it happened means "now": exits compare it with enrollments' starts.
        detail = {**detail, "at": iso(utc_now())}
    if kind == "Message.Requested":  # a transactional SMS from an integration: no flow concerns it
        return _message_requested(detail)
    # Flows first (services/flow_engine.py): enrollments and exits are idempotent, so the retry of an
    # event whose legacy cart trigger below failed changes nothing here.
    result: dict[str, Any] = on_event(bootstrap.stores(), kind, detail, utc_now()).wire()
    if kind == "Cart.Abandoned":
        result.update(_cart_trigger(CartAbandoned.model_validate(detail), flows_took_it=bool(result)))
    elif kind in ("Customer.Activity", "Customer.Purchase"):
        customer = CustomerEvent.model_validate(detail)
        result.update(record_customer_event(bootstrap.stores(), kind, customer))
        if kind == "Customer.Purchase" and customer.coupon:
            result["coupon_redeemed"] = _redeem(customer)
        if kind == "Customer.Purchase":  # conversions: credited to a campaign or flow message, once per order
            result.update(credit_purchase(bootstrap.stores(), detail, utc_now(), load_link_key))
    logger.info("customer event", extra={"detail_type": kind, **{k: str(v) for k, v in result.items()}})
    return result
