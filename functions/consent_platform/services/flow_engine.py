"""The flow engine: bus events start and end enrollments; a periodic sweep runs the steps that are due.

No AWS resource per enrolled contact: an enrollment waiting for a step carries its due time in the
sparse, write-sharded GroupIndex; the sweep (every minute) queries each shard for what is due
(``sk <= now``) and nothing else. A due enrollment costs one Query of its number's state (profile,
subscriptions: consent, zone, segment), its share of one ``SendMessageBatch`` (a send step), and one
conditional ``UpdateItem`` (the next step and due time) — at most 3 requests per executed step.

Exactly once per (enrollment, step): the message id is derived from both; it is queued *before* the
enrollment moves on, so a sweep that dies in between queues it again next minute and the sender, which
claims each id once, drops the repeat.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..adapters.dynamodb import keys as k
from ..adapters.dynamodb.consent_store import PhoneState
from ..adapters.dynamodb.flows import FlowStore
from ..adapters.dynamodb.stores import Stores
from ..adapters.queue import OutboundQueue
from ..domain.campaigns import render, with_opt_out
from ..domain.clock import iso, parse_iso
from ..domain.consent import Status
from ..domain.flows import (
    Contact,
    FlowDefinition,
    Walk,
    enrollment_digest,
    step_campaign_id,
    step_message_id,
    walk,
)
from ..domain.lists import StoredList
from ..domain.messages import CampaignJob, OutboundMessage, SubscriptionGuard, build_message, origination_for
from ..domain.phone import normalize_phone
from ..domain.planner import rule_by_code
from ..domain.quiet_hours import next_allowed_time
from .coupons import CouponIssuer

HOURS_PER_DAY = 24
PAGE = 100  # due enrollments per index page
MAX_EVENT_BYTES = 2048  # what an enrollment keeps of its trigger event's detail (for {event.<field>})
PAUSED_RECHECK_S = 3600  # a paused flow's due enrollments are looked at again this much later

# How a bus event's detail names its trigger instance: one enrollment per (flow, number, instance).
# Consent: once per number and flow, ever (a re-subscription does not replay the welcome series).
INSTANCE_OF: dict[str, Callable[[dict[str, Any]], str]] = {
    "Consent.Confirmed": lambda _detail: "consent",
    "Cart.Abandoned": lambda detail: f"cart:{detail.get('cart_id', '')}",
    "Customer.Purchase": lambda detail: f"order:{detail.get('order_id') or detail.get('at', '')}",
    "Customer.Activity": lambda detail: f"activity:{detail.get('at', '')}",
}


def trigger_kind(detail_type: str, detail: dict[str, Any]) -> str | None:
    """The flow trigger a bus event is: "Consent.Confirmed" for every way a subscription becomes
    active (a confirmed double opt-in publishes Consent.Confirmed; a single opt-in and a keyword join
    publish Consent.Granted with status active)."""
    if detail_type == "Consent.Granted":
        return (
            "Consent.Confirmed" if detail.get("status") == "active" and detail.get("channel", "sms") == "sms" else None
        )
    if detail_type == "Consent.Confirmed":
        return detail_type if detail.get("channel", "sms") == "sms" else None
    return detail_type if detail_type in INSTANCE_OF else None


def definition(flow: dict[str, Any]) -> FlowDefinition:
    return FlowDefinition.model_validate_json(flow["definition"])


@dataclass
class EventResult:
    entered: list[str] = field(default_factory=list)
    exited: int = 0
    skipped: dict[str, int] = field(default_factory=dict)

    def wire(self) -> dict[str, Any]:
        """What flows did with the event (nothing when no flow cared: the log line stays as it was)."""
        if not (self.entered or self.exited or self.skipped):
            return {}
        return {"flows_entered": ",".join(self.entered), "flows_exited": self.exited, **self.skipped}


def on_event(stores: Stores, detail_type: str, detail: dict[str, Any], now: datetime) -> EventResult:
    """Exits first (a purchase ends the cart flow it may also start a new flow from), then entries."""
    result = EventResult()
    raw_phone = detail.get("phone")
    if not isinstance(raw_phone, str):
        return result
    flows = FlowStore(stores.table)
    every = [f for f in flows.all_flows() if f.get("status") != "deleted"]
    try:
        phone = normalize_phone(raw_phone).e164
    except Exception:
        result.skipped["invalid_phone"] = 1
        return result
    # An event that names a list (a consent change, a cart) concerns that list's flows only; customer
    # events name none and concern every flow.
    every = [f for f in every if not detail.get("list_id") or f["list_id"] == detail.get("list_id")]
    exit_flows = {f["flow_id"] for f in every if detail_type in (f.get("exit_on") or [])}
    if exit_flows:
        result.exited = _exit(flows, phone, exit_flows, detail_type, detail.get("at") or iso(now), now)
    kind = trigger_kind(detail_type, detail)
    starting = [f for f in every if kind and f.get("trigger_event") == kind and f.get("status") == "active"]
    if starting:
        _enter(stores, starting, phone, (kind or "", detail), now, result)
    if detail_type == "Customer.Activity" and (
        watching := [f for f in every if f.get("trigger_event") == "inactivity"]
    ):
        from .flow_dates import watch_activity  # inactivity flows: their due time moves with each activity

        watch_activity(stores, watching, phone, detail.get("at") or iso(now))
    return result


def _exit(flows: FlowStore, phone: str, flow_ids: set[str], reason: str, at: str, now: datetime) -> int:
    """End the number's active enrollments of these flows that began before the event."""
    ended = 0
    for item in flows.enrollments_of(phone):
        began_before = item.get("entered_at", "") <= at
        wanted = item.get("flow_id") in flow_ids and item.get("status") == "active" and began_before
        if wanted and flows.end(item["pk"], item["sk"], reason, iso(now)):
            flows.add_stats(item["flow_id"], {f"exited.{reason}": 1}, random.randrange(k.STATS_SHARDS))  # noqa: S311
            ended += 1
    return ended


def _enter(
    stores: Stores,
    starting: list[dict[str, Any]],
    phone: str,
    trigger: tuple[str, dict[str, Any]],
    now: datetime,
    result: EventResult,
) -> None:
    kind, detail = trigger
    flows = FlowStore(stores.table)
    state = stores.consent.load_phone(phone)
    event = _kept_event(detail)
    instance = INSTANCE_OF[kind](detail)
    for flow in starting:
        sub = state.subscriptions.get(flow["list_id"])
        if sub is None or sub.status != Status.ACTIVE:
            result.skipped["not_subscribed"] = result.skipped.get("not_subscribed", 0) + 1
            continue
        if flows.enroll(enrollment_item(flow, phone, instance, event, iso(now))):
            flows.add_stats(flow["flow_id"], {"entered": 1}, random.randrange(k.STATS_SHARDS))  # noqa: S311
            result.entered.append(flow["flow_id"])
        else:
            result.skipped["already_enrolled"] = result.skipped.get("already_enrolled", 0) + 1


def enrollment_item(flow: dict[str, Any], phone: str, instance: str, event: dict[str, Any], due: str) -> dict[str, Any]:
    """A new enrollment of ``phone`` in ``flow`` for one trigger instance, its first step due at ``due``
    (now for a bus event; a birthday's local hour, an inactivity's end: services/flow_dates.py)."""
    digest = enrollment_digest(flow["flow_id"], phone, instance)
    return {
        **k.ENROLLMENT.plain(phone=phone, flow_id=flow["flow_id"], enrollment=digest),
        "flow_id": flow["flow_id"],
        "enrollment": digest,
        "phone": phone,
        "list_id": flow["list_id"],
        "instance": instance,
        "event": json.dumps(event, ensure_ascii=False),
        "status": "active",
        "step": 0,
        "entered_at": due,
        "group_pk": k.flow_due_partition(k.shard(digest, k.FLOW_DUE_SHARDS)),
        "group_sk": k.flow_due_sort_key(due, digest),
    }


def _kept_event(detail: dict[str, Any]) -> dict[str, Any]:
    """The event's scalar fields, without the number, within MAX_EVENT_BYTES."""
    kept: dict[str, Any] = {}
    size = 0
    for name, value in detail.items():
        if name == "phone" or not isinstance(value, str | int | float | bool):
            continue
        size += len(name) + len(str(value))
        if size > MAX_EVENT_BYTES:
            break
        kept[name] = value
    return kept


def render_step_text(
    text: str,
    profile: dict[str, Any] | None,
    event: dict[str, Any],
    stored: StoredList,
    coupons: dict[str, str] | None = None,
) -> str:
    """A send step's text for one contact: the profile's ``{first_name}`` and ``{attributes.<name>}``, the
    trigger event's ``{event.<field>}``, the enrollment's ``{coupon:<pool>}`` codes (domain/personalise.py),
    then the list's opt-out footer and spelling, as campaigns do."""
    rendered = render(text, profile, event, coupons)
    return stored.outgoing(with_opt_out(rendered, stored.language, stored.diacritics))


def contact_of(state: PhoneState, phone: str, list_id: str) -> tuple[Contact, tuple[str, ...], str]:
    """What the step machine sees of a number now, and its zones and quiet-hours rule."""
    from ..domain.recipient_zone import resolve_zone

    profile = state.profile.model_dump() if state.profile else None
    sub = state.subscriptions.get(list_id)
    zone = resolve_zone(phone, (profile or {}).get("timezone"))
    rule = rule_by_code(zone.rule_code)
    contact = Contact(
        profile=profile,
        country=normalize_phone(phone).country,
        subscribed=sub is not None and sub.status == Status.ACTIVE,
        undeliverable=state.profile is not None and state.profile.undeliverable is not None,
        next_allowed=lambda at: next_allowed_time(at, zone.zones, rule),
    )
    return contact, tuple(zone.zones), rule.code


@dataclass(frozen=True, slots=True)
class Sending:
    """How a step's message goes out: the recipient's zones and quiet-hours rule, its coupon codes."""

    zones: tuple[str, ...]
    rule_code: str
    codes: dict[str, str] = field(default_factory=dict)


def step_codes(item: dict[str, Any], flow: FlowDefinition, step: int, coupons: CouponIssuer) -> dict[str, str] | None:
    """The coupon codes of one send step's text (keyed by the enrollment: every step of it shows the same
    code, and a re-run sweep gets it again); None when a pool it uses is empty (the step is skipped)."""
    send = flow.steps[step].send
    text = send.text if send is not None else ""
    return coupons.codes_for(text, item["phone"], item["enrollment"], parse_iso(item["group_sk"].split("#", 1)[0]))


def step_message(
    item: dict[str, Any], flow: FlowDefinition, step: int, stored: StoredList, contact: Contact, sending: Sending
) -> OutboundMessage:
    """The marketing message of one send step, as the sender re-checks it: consent for the flow's list,
    quiet hours, frequency caps, and the enrollment still active (its control item)."""
    zones, rule_code = sending.zones, sending.rule_code
    send = flow.steps[step].send
    text = send.text if send is not None else ""
    event = json.loads(item.get("event") or "{}")
    phone = item["phone"]
    message = build_message(
        to=phone,
        body=render_step_text(text, contact.profile, event, stored, sending.codes),
        kind="marketing",
        now=parse_iso(item["group_sk"].split("#", 1)[0]),  # deterministic: the same message when re-queued
        list_id=stored.list_id,
        origination=origination_for(stored.origination, contact.country),
        message_id=step_message_id(item["flow_id"], item["enrollment"], step),
        guard=SubscriptionGuard(phone=phone, list_id=stored.list_id, status="active", expect_message=False),
    )
    caps = []
    if stored.frequency_cap:
        caps.append((stored.frequency_cap.messages, stored.frequency_cap.days * HOURS_PER_DAY))
    rule = rule_by_code(rule_code)
    if rule.cap:
        caps.append(rule.cap)
    message.campaign = CampaignJob(
        campaign_id=step_campaign_id(item["flow_id"], step),
        zones=zones,
        rule=rule_code,
        caps=caps,
        control=(item["pk"], item["sk"]),
    )
    return message


__all__ = ["OutboundQueue", "Walk", "contact_of", "on_event", "render_step_text", "step_message", "walk"]
