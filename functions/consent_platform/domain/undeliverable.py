"""When delivery receipts make a number undeliverable (pure rules; ``services/undeliverable.py`` applies them).

A number is *undeliverable* when the provider says it does not exist, or when it has stayed unreachable
long enough that paying for more messages to it is waste. Campaigns skip it until the person shows the
number is in use again: a new opt-in, START or YES (any write that makes a subscription active).

Sources:
- AWS End User Messaging SMS event types
  (https://docs.aws.amazon.com/sms-voice/latest/userguide/configuration-sets-event-types.html):
  ``TEXT_INVALID`` — the destination number is not valid (permanent: one receipt is enough);
  ``TEXT_UNREACHABLE`` / ``TEXT_CARRIER_UNREACHABLE`` / ``TEXT_TTL_EXPIRED`` — the handset or its
  carrier network could not be reached *now* (phone off, no coverage, roaming, a carrier incident);
  an event can take up to 72 h and ends as ``UNKNOWN`` when the carrier never answers
  (https://docs.aws.amazon.com/end-user-messaging/latest/userguide/nx-features-messaging-events.html).
- Twilio error 30003 "Unreachable destination handset": usually temporary (powered off, no signal); retry.
- Mail practice for soft bounces, which is what these are: several in a row before giving up (e.g. Keila
  marks a contact unreachable at the third soft bounce in a row), reset by any success (Surge clears its
  "undeliverable" flag when a later send succeeds).

The temporary rule (``TEMPORARY_FAILURES`` final temporary failures in a row, the first and the last at
least ``TEMPORARY_SPAN`` apart, no delivery after the first of them and no opt-in since):
- 3, not 1 or 2: one or two misses are a switched-off phone or one carrier incident;
- 14 days: receipts of a single outage arrive within 72 h of each other (the provider's own limit), and a
  holiday or a trip with the phone off rarely lasts two weeks, while campaigns (typically weekly, "up to
  4 msgs/month") produce three attempts in that time. A number still unreachable after two weeks of
  attempts is most likely disconnected and waiting to be reassigned (US carriers age a disconnected number
  at least 45 days before reassigning it: FCC 18-177, 47 CFR 52.15(f)(1)(ii)) — the number to stop paying for.
- ``blocked`` receipts neither count nor reset the run: they say the content or sender registration was
  refused, nothing about the handset (they are counted and alarmed on elsewhere).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict

from .clock import parse_iso

PERMANENT = "permanent"
TEMPORARY = "temporary"
DELIVERED = "delivered"

TEMPORARY_FAILURES = 3
TEMPORARY_SPAN = timedelta(days=14)
SAME_RECEIPT = timedelta(seconds=1)
PERMANENT_RULE = "permanent"
TEMPORARY_RULE = f"temporary:{TEMPORARY_FAILURES}x/{TEMPORARY_SPAN.days}d"


class Undeliverable(BaseModel):
    """Why and since when campaigns skip a number (stored on its profile)."""

    model_config = ConfigDict(extra="ignore")

    reason: str  # the provider's reason of the receipt that decided it
    at: str  # time of that receipt (ISO, UTC)
    rule: str  # PERMANENT_RULE or TEMPORARY_RULE


@dataclass(frozen=True, slots=True)
class Receipt:
    """One final delivery outcome of a message to the number (a ``DELIVERY`` item: ``klass``, ``at``)."""

    klass: str
    at: datetime


def unreachable_run(history: list[Receipt], after: datetime | None = None) -> list[Receipt]:
    """The temporary failures since the last delivery (and since ``after``, the last opt-in), oldest first."""
    ordered = sorted((r for r in history if after is None or r.at > after), key=lambda r: r.at)
    last_delivery = max((r.at for r in ordered if r.klass == DELIVERED), default=None)
    return [r for r in ordered if r.klass == TEMPORARY and (last_delivery is None or r.at > last_delivery)]


def run_is_undeliverable(run: list[Receipt]) -> bool:
    return len(run) >= TEMPORARY_FAILURES and run[-1].at - run[0].at >= TEMPORARY_SPAN


def with_current(history: list[Receipt], current: Receipt) -> list[Receipt]:
    """The history plus the receipt being handled, once: the worker normally stored it already (its time
    may have been rounded on the way, hence the tolerance; two real failures a second apart count once,
    which can only delay a mark)."""
    stored = any(r.klass == current.klass and abs(r.at - current.at) < SAME_RECEIPT for r in history)
    return history if stored else [*history, current]


def parse_history(items: list[dict[str, str]]) -> list[Receipt]:
    """``DELIVERY`` items as receipts; an item without a class or a time says nothing and is left out."""
    return [Receipt(i["klass"], parse_iso(i["at"])) for i in items if i.get("klass") and i.get("at")]
