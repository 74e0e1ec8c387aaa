"""How long each bucket of a campaign plan takes to send at its origination identity's rate, and how many
of its recipients are expected to roll over to the next sending window (issue 17).

Pure: the plan, the parts per message and the configured rates in; each bucket gets
``parts_per_second``, ``estimated_send_seconds`` (recipients × parts ÷ rate) and ``overflow``.

The rule for buckets that share an identity: the identity works through its buckets one after another,
in send-time order (equal times in plan order), because the senders share one token bucket per identity
(``domain/throughput.py``). A bucket starts when it is due or when the identity's previous bucket is
expected to stop — at its end or at its window's close, whichever comes first (what is left then waits
for that bucket's next window) — whichever is later. It may send until its own window closes
(``quiet_hours.window_close``); the recipients beyond ``window seconds × rate ÷ parts`` are its overflow.
Not modelled: the one second's burst, overflow coming back in the next window, other campaigns and
transactional messages on the same identity. So it is an estimate, not a promise.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from .messages import origination_for
from .planner import Bucket
from .quiet_hours import window_close
from .spend import UNKNOWN_COUNTRY, country_of_rule
from .throughput import default_rate


@dataclass(frozen=True, slots=True)
class Load:
    """One bucket as its identity sees it. ``identity``/``rate`` ``None``: the list names no identity
    for the bucket's country, the provider picks one and nothing is paced — nothing to estimate."""

    identity: str | None
    rate: float | None
    send_at: datetime
    closes_at: datetime
    recipients: int


@dataclass(frozen=True, slots=True)
class Estimate:
    send_seconds: float | None
    overflow: int | None


def estimate(loads: Sequence[Load], parts: int) -> list[Estimate]:
    """Each load's send time and overflow, in the order given (see the module's rule for shared
    identities)."""
    out: list[Estimate] = [Estimate(None, None)] * len(loads)
    busy_until: dict[str, datetime] = {}  # identity → when its previous bucket is expected to stop
    for index in sorted(range(len(loads)), key=lambda i: loads[i].send_at):  # stable: ties in plan order
        load = loads[index]
        if load.identity is None or load.rate is None:
            continue
        seconds = load.recipients * parts / load.rate
        start = max(load.send_at, busy_until.get(load.identity, load.send_at))
        window = max(0.0, (load.closes_at - start).total_seconds())
        # 1e-6: 3 parts/s × 2 s is 6 parts, not 5.999… (float seconds).
        fits = math.floor(window * load.rate / parts + 1e-6)
        out[index] = Estimate(round(seconds, 1), max(0, load.recipients - fits))
        busy_until[load.identity] = max(start, min(start + timedelta(seconds=seconds), load.closes_at))
    return out


def annotate_plan(
    plan: Sequence[dict[str, Any]],
    parts: int,
    origination: Mapping[str, str] | None,
    configured: Mapping[str, float],
) -> None:
    """Add ``parts_per_second``, ``estimated_send_seconds`` and ``overflow`` to each plan item; the
    identity is ``origination`` for the bucket's country, its rate the ``configured`` one (the senders
    store) or the default for its type and country."""
    loads = [_load(item, origination, configured) for item in plan]
    for item, load, result in zip(plan, loads, estimate(loads, parts), strict=True):
        item["parts_per_second"] = load.rate
        item["estimated_send_seconds"] = result.send_seconds
        item["overflow"] = result.overflow


def _load(item: Mapping[str, Any], origination: Mapping[str, str] | None, configured: Mapping[str, float]) -> Load:
    bucket = Bucket.parse(item["bucket"])
    send_at = datetime.fromisoformat(item["send_at_utc"].replace("Z", "+00:00")).astimezone(UTC)
    country = country_of_rule(item["rule"])
    identity = origination_for(dict(origination) if origination else None, country)
    rate = None
    if identity is not None:
        known = None if country == UNKNOWN_COUNTRY else country
        rate = configured.get(identity) or default_rate(identity, country=known).parts_per_second
    closes = window_close(send_at, bucket.zones, bucket.rule)
    return Load(identity, rate, send_at, closes, int(item["recipients"]))
