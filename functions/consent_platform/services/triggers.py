"""Triggered messages (abandoned cart) and the customer events that feed segments and cancel triggers.

One SMS per cart, ever: a cart marker and the trigger record are written together, conditionally.
The message is scheduled (EventBridge Scheduler → outbound queue) for the first allowed moment after
the delay; the sender's claim checks, at that moment, that the subscription is still active and the
trigger was not cancelled by a purchase.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

from ..adapters.dynamodb.consent_store import PhoneState
from ..adapters.dynamodb.keys import trigger_control
from ..adapters.dynamodb.stores import Stores
from ..adapters.scheduler import Scheduler, trigger_schedule_name
from ..api.audience import CartAbandoned, CustomerEvent, TriggerResult
from ..domain.campaigns import render, with_opt_out
from ..domain.clock import iso
from ..domain.consent import Status
from ..domain.contacts import Profile  # noqa: F401 - every cart event loads the number (``consent.load_phone``)
from ..domain.errors import NotFound, ValidationFailed
from ..domain.messages import CampaignJob, SubscriptionGuard, build_message, origination_for
from ..domain.phone import normalize_phone
from ..domain.planner import rule_by_code
from ..domain.quiet_hours import next_allowed_time

HOURS_PER_DAY = 24


def start_cart_trigger(
    stores: Stores, scheduler: Scheduler, outbound_queue_arn: str, request: CartAbandoned, now: datetime
) -> TriggerResult:
    from ..domain.recipient_zone import resolve_zone

    stored, _ = stores.catalog.get_list(request.list_id)
    if stored is None:
        raise NotFound(f"list {request.list_id!r} does not exist", {"list_id": "unknown list"})
    if stored.cart_abandoned is None:
        raise ValidationFailed("this list has no cart_abandoned message", {"list_id": "set cart_abandoned on the list"})
    phone = normalize_phone(request.phone, stored.default_country)
    state = stores.consent.load_phone(phone.e164)
    if refused := _not_reachable(state, stored.list_id):
        return TriggerResult(status=refused, cart_id=request.cart_id)
    profile = state.profile.model_dump() if state.profile else {}
    zone = resolve_zone(phone.e164, profile.get("timezone"))
    rule = rule_by_code(zone.rule_code)
    started = request.at or now
    wanted = max(started + timedelta(hours=stored.cart_abandoned.delay_hours), now)
    send = next_allowed_time(wanted, zone.zones, rule)
    send = send.replace(microsecond=0) + timedelta(seconds=1 if send.microsecond else 0)
    caps = []
    if stored.frequency_cap:
        caps.append((stored.frequency_cap.messages, stored.frequency_cap.days * HOURS_PER_DAY))
    if rule.cap:
        caps.append(rule.cap)
    text = with_opt_out(stored.cart_abandoned.text, stored.language, stored.diacritics)
    message = build_message(
        to=phone.e164,
        body=stored.outgoing(render(text, {**profile, "url": request.url})),
        kind="marketing",
        now=now,
        list_id=stored.list_id,
        origination=origination_for(stored.origination, phone.country),
        message_id=f"trg:cart:{request.cart_id}",
        guard=SubscriptionGuard(phone=phone.e164, list_id=stored.list_id, status="active", expect_message=False),
    )
    message.campaign = CampaignJob(
        campaign_id=f"cart:{request.cart_id}",
        zones=zone.zones,
        rule=rule.code,
        caps=caps,
        control=trigger_control(phone.e164, request.cart_id),
        count_stats=False,
    )
    if not stores.triggers.put_trigger(
        phone.e164,
        request.cart_id,
        {"status": "scheduled", "created_at": iso(started), "send_at": iso(send), "list_id": stored.list_id},
    ):
        return TriggerResult(status="duplicate", cart_id=request.cart_id)
    scheduler.schedule_once(
        trigger_schedule_name(request.cart_id), send, outbound_queue_arn, message.model_dump(mode="json")
    )
    return TriggerResult(status="scheduled", cart_id=request.cart_id, send_at_utc=iso(send), rule=rule.code)


def _not_reachable(state: PhoneState, list_id: str) -> Literal["not_subscribed", "undeliverable"] | None:
    sub = state.subscriptions.get(list_id)
    if sub is None or sub.status != Status.ACTIVE:
        return "not_subscribed"
    if state.profile is not None and state.profile.undeliverable is not None:
        # Delivery receipts say the number is dead (services/undeliverable.py): a text would be paid for
        # and lost. The profile is read anyway, so this costs nothing.
        return "undeliverable"
    return None


def record_customer_event(stores: Stores, kind: str, event: CustomerEvent) -> dict[str, Any]:
    """Profile activity/purchase times (for segments); a purchase cancels earlier cart triggers."""
    phone = normalize_phone(event.phone).e164
    at = iso(event.at)
    field = "last_purchase_at" if kind == "Customer.Purchase" else "last_activity_at"
    updated = stores.triggers.touch_profile(phone, field, at)
    if updated and kind == "Customer.Purchase":  # "N days after first_purchase_at" flows (flow_dates.py)
        from .flow_dates import note_first_purchase

        note_first_purchase(stores, phone, at)
    cancelled = stores.triggers.cancel_triggers_before(phone, at) if kind == "Customer.Purchase" else 0
    return {"phone_known": updated, "triggers_cancelled": cancelled}
