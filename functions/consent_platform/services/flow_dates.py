"""Date and inactivity flow triggers (issue #18), without a resource per contact and without scanning
profiles.

Dates (``{"date_attribute": "birthday", "at_local": "10:00"}``, yearly; ``{"date_attribute":
"first_purchase_at", "days_after": 30}``, once). When a profile's date is written (admin PATCH; the first
``Customer.Purchase``), one item under the number records it in GroupIndex under ``DATE#<attr>#<MM-DD>``
/ ``<YYYY>#<phone>``. The flow sweep plans each date flow a day at a time, two days ahead (``AHEAD``):
one Query of that day's partition (of one year for ``days_after``), and for each entry one Query of the
number (subscribed to the flow's list? its zone) and one conditional PutItem — an enrollment due at
``at_local`` that day in the recipient's zone, swept like any other. Per day and date flow that is
1 + 2 × (people with that day) requests, e.g. 1,000,000 profiles with a birthday → ~2,740 a day → ~5,500
requests (≈ $0.004 on demand); the minute-by-minute sweep only reads the flow's cursor, which its one
Query of every flow already returns. One enrollment per (flow, number, year): a yearly flow fires once a
year, a ``days_after`` flow once. Two days ahead: every zone's local day starts after the planning
(UTC+14 is the furthest ahead). A new flow also plans today and tomorrow (times already past are skipped).

Inactivity (``{"inactive_days": 60}``): each ``Customer.Activity`` sets, for each inactivity flow of a
list the number is active on, one watch item's due time to activity + N days (a conditional UpdateItem:
a late, older event changes nothing) in the flows' FLOWDUE# shards. The sweep reads only what is due; a
due watch becomes an enrollment (instance = that activity, so once per inactive period) and leaves the
index; the next activity puts it back. Per activity event: one Query of the number + one UpdateItem per
inactivity flow of its lists.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ..adapters.dynamodb.flow_triggers import FlowTriggerStore
from ..adapters.dynamodb.flows import FlowStore
from ..adapters.dynamodb.stores import Stores
from ..domain.clock import iso, parse_iso
from ..domain.consent import Status
from ..domain.flows import DATE_ATTRIBUTES, FlowDefinition, Trigger
from ..domain.recipient_zone import resolve_zone
from .flow_engine import definition, enrollment_item

AHEAD = 2  # days planned ahead of the UTC date


def date_value(raw: Any) -> str | None:
    """``YYYY-MM-DD`` of a profile date (``--MM-DD`` / ``MM-DD`` without a year → year 0000), else None."""
    text = str(raw or "").strip()
    for candidate in (text[:10], "0000-" + text.removeprefix("--")[:5]):
        try:
            date.fromisoformat(candidate.replace("0000-", "2000-", 1))  # 2000: a leap year keeps 02-29
        except ValueError:
            continue
        return candidate
    return None


def index_dates(stores: Stores, phone: str, attributes: dict[str, Any]) -> int:
    """Index the profile's trigger dates just written (one PutItem each); returns how many."""
    store = FlowTriggerStore(stores.table)
    written = 0
    for name in DATE_ATTRIBUTES:
        value = date_value(attributes.get(name)) if name in attributes else None
        if value is not None:
            written += store.put_date(phone, name, value)
    return written


def note_first_purchase(stores: Stores, phone: str, at: str) -> bool:
    """The first purchase's date (kept once: later purchases leave it)."""
    return FlowTriggerStore(stores.table).put_date(phone, "first_purchase_at", at[:10], only_first=True)


def plan_dates(stores: Stores, flows: list[dict[str, Any]], now: datetime) -> int:
    """Enroll date flows' people for each day up to ``AHEAD`` days ahead not planned yet; returns how many."""
    store = FlowTriggerStore(stores.table)
    horizon = (now.astimezone(UTC) + timedelta(days=AHEAD)).date()
    entered = 0
    for flow in flows:
        if flow.get("trigger_event") != "date" or flow.get("status") != "active":
            continue
        planned = flow.get("dates_planned")
        day = date.fromisoformat(planned) + timedelta(days=1) if planned else now.astimezone(UTC).date()
        trigger = definition(flow).trigger
        while day <= horizon:
            entered += _plan_day(stores, flow, trigger, day, now)
            store.set_planned(flow["flow_id"], day.isoformat())
            day += timedelta(days=1)
    return entered


def _plan_day(stores: Stores, flow: dict[str, Any], trigger: Trigger, day: date, now: datetime) -> int:
    assert trigger.date_attribute is not None
    source = day - timedelta(days=trigger.days_after or 0)
    year = source.isoformat()[:4] if trigger.days_after is not None else None
    entries = FlowTriggerStore(stores.table).dates_on(trigger.date_attribute, source.isoformat()[5:], year)
    if source.month == 2 and source.day == 28 and year is None and not _leap(day.year):
        entries = _chain(entries, stores, trigger.date_attribute)  # 29 February's birthdays: the 28th
    flows = FlowStore(stores.table)
    entered = 0
    for entry in entries:
        phone = entry["phone"]
        state = stores.consent.load_phone(phone)
        sub = state.subscriptions.get(flow["list_id"])
        if sub is None or sub.status != Status.ACTIVE:
            continue
        zone = resolve_zone(phone, state.profile.timezone if state.profile else None).zones[0]
        hours, minutes = trigger.local_time()
        local = datetime(day.year, day.month, day.day, hours, minutes, tzinfo=ZoneInfo(zone))
        due = local.astimezone(UTC)
        if due < now - timedelta(minutes=30):
            continue  # planned late (a new flow): that moment has passed, wait for next year
        instance = f"date:{trigger.date_attribute}:{day.year}" if year is None else f"date:{trigger.date_attribute}"
        event = {"date": entry.get("date", ""), "attribute": trigger.date_attribute}
        if flows.enroll(enrollment_item(flow, phone, instance, event, iso(due))):
            flows.add_stats(flow["flow_id"], {"entered": 1}, _stats_shard(phone))
            entered += 1
    return entered


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _chain(first: Any, stores: Stores, attribute: str) -> Any:
    yield from first
    yield from FlowTriggerStore(stores.table).dates_on(attribute, "02-29", None)


def _stats_shard(phone: str) -> int:
    from ..adapters.dynamodb import keys as k

    return k.shard(phone, k.STATS_SHARDS)


def watch_id(flow_id: str, phone: str) -> str:
    return hashlib.sha256(f"{flow_id}\n{phone}\nwatch".encode()).hexdigest()[:24]


def watch_activity(stores: Stores, flows: list[dict[str, Any]], phone: str, at: str) -> int:
    """Push each inactivity flow's due time of the number to ``at`` + N days (lists it is active on)."""
    state = stores.consent.load_phone(phone)
    store = FlowTriggerStore(stores.table)
    moved = 0
    for flow in flows:
        sub = state.subscriptions.get(flow["list_id"])
        if flow.get("status") != "active" or sub is None or sub.status != Status.ACTIVE:
            continue
        days = definition(flow).trigger.inactive_days or 0
        due = iso(parse_iso(at) + timedelta(days=days))
        moved += store.watch(phone, flow, at, due, watch_id(flow["flow_id"], phone))
    return moved


def fire_watch(stores: Stores, flow: dict[str, Any] | None, item: dict[str, Any]) -> str:
    """A due watch: an enrollment for this inactive period (once), and the watch leaves the index."""
    if flow is not None and flow.get("status") == "active":
        due = item["group_sk"].split("#", 1)[0]
        instance = f"inactive:{item['last_activity']}"
        event = {"last_activity_at": item["last_activity"]}
        if FlowStore(stores.table).enroll(enrollment_item(flow, item["phone"], instance, event, due)):
            FlowStore(stores.table).add_stats(flow["flow_id"], {"entered": 1}, _stats_shard(item["phone"]))
    return "fired" if FlowTriggerStore(stores.table).unwatch(item) else "raced"


__all__ = ["FlowDefinition", "fire_watch", "index_dates", "note_first_purchase", "plan_dates", "watch_activity"]
