"""Provider throughput per origination identity: the conservative default rates (facts, with sources)
and the pacing arithmetic the sender applies to each batch (a token bucket kept as a GCRA time).

End User Messaging limits each origination identity in message *parts* per second (MPS); a 3-part
message uses 3. An identity an administrator configured (``PUT /v1/admin/senders/{identity}``) uses that
rate; any other gets the default below for its type and country, 1 part/s when neither is known.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal

IdentityKind = Literal["short_code", "toll_free", "long_code", "sender_id", "unknown"]

_MPS_DOC = "https://docs.aws.amazon.com/sms-voice/latest/userguide/sms-limitations-mps.html"


@dataclass(frozen=True, slots=True)
class RateFact:
    kind: IdentityKind
    country: str  # ISO 3166 alpha-2, or "*" for every other country
    parts_per_second: float
    source: str


# AWS End User Messaging SMS user guide, "What are the Message Parts per Second (MPS) limits" (read
# 2026-11): dedicated short codes US/CA 100 MPS (other countries: "varies"); long codes US 10DLC "1 MPS
# per 10DLC number" by default, CA 1 MPS, "all other countries and regions 10 MPS"; toll-free numbers
# exist only in the US, 3 MPS. Sender IDs and pools have no single figure: they get the unknown default.
RATE_FACTS: tuple[RateFact, ...] = (
    RateFact("short_code", "US", 100, _MPS_DOC + " (Short codes: United States 100 MPS)"),
    RateFact("short_code", "CA", 100, _MPS_DOC + " (Short codes: Canada 100 MPS)"),
    RateFact("toll_free", "US", 3, _MPS_DOC + " (Toll-free numbers: United States 3 MPS)"),
    RateFact("long_code", "US", 1, _MPS_DOC + " (Long codes: US 10DLC, default 1 MPS per number)"),
    RateFact("long_code", "CA", 1, _MPS_DOC + " (Long codes: Canada 1 MPS)"),
    RateFact("long_code", "*", 10, _MPS_DOC + " (Long codes: all other countries and regions 10 MPS)"),
)
UNKNOWN_RATE = RateFact("unknown", "*", 1, "no published figure for this identity type/country: 1 part/s")

# A bucket holds one second's worth of parts: all senders together send at most ``rate`` parts in a burst
# and then ``rate`` per second (so at most 2 × rate in any one-second window, at the seam).
BURST_SECONDS = 1.0
# How far ahead a batch may reserve send times for its messages (each is put back on the queue with that
# delay): below SQS's 900 s maximum DelaySeconds, with room for the whole-second rounding.
RESERVE_HORIZON_S = 840.0
_EPSILON_S = 1e-6
# An alphanumeric sender ID: 1-11 letters, digits, spaces or hyphens (ids of numbers/pools are longer).
_SENDER_ID = re.compile(r"[A-Za-z0-9 -]{1,11}")


def _country(number: str | None) -> str | None:
    if not number:
        return None
    import phonenumbers  # only for an unconfigured identity (~10 ms): a configured rate needs none

    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(number))
    except phonenumbers.NumberParseException:
        return None


def identity_kind(
    identity: str, destination: str | None = None, *, country: str | None = None
) -> tuple[IdentityKind, str | None]:
    """The identity's type and country: a phone number's own country; a short code or sender ID sends
    within the recipient's country (``country``, else that of the ``destination`` number); ids and ARNs
    of numbers or pools are unknown."""
    digits = identity.lstrip("+")
    if identity.startswith("+") and digits.isdigit():
        import phonenumbers

        try:
            parsed = phonenumbers.parse(identity)
        except phonenumbers.NumberParseException:
            return "unknown", None
        toll_free = phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.TOLL_FREE
        return ("toll_free" if toll_free else "long_code"), phonenumbers.region_code_for_number(parsed)
    if digits.isdigit() and 3 <= len(digits) <= 8:
        return "short_code", country or _country(destination)
    if _SENDER_ID.fullmatch(identity) and not identity.isdigit():
        return "sender_id", country or _country(destination)
    return "unknown", None


def default_rate(identity: str, destination: str | None = None, *, country: str | None = None) -> RateFact:
    """The conservative rate of an identity nobody configured (the first matching fact, else 1 part/s);
    ``destination``: a recipient's number, or ``country`` its ISO code (of a short code or sender ID)."""
    kind, country = identity_kind(identity, destination, country=country)
    for fact in RATE_FACTS:
        if fact.kind == kind and fact.country in (country, "*"):
            return fact
    return UNKNOWN_RATE


@dataclass(frozen=True, slots=True)
class Reservation:
    """A batch's claim on an identity's bucket: each message's send time (epoch seconds, in the order
    given; ``None``: beyond the reservation horizon, not reserved) and the bucket's new GCRA time."""

    send_at: tuple[float | None, ...]
    tat: float


def reserve(parts: list[int], tat: float, rate: float, now: float) -> Reservation:
    """Reserve the next send time of each message (``parts`` each) on a token bucket of ``rate`` parts/s
    holding at most ``BURST_SECONDS`` of parts, kept as its GCRA time ``tat`` (when it was, or will be,
    empty: ``tokens(now) = min(capacity, (now - tat) × rate)``). A message may go at the moment the
    bucket holds its parts; what falls beyond the horizon is not reserved."""
    start = max(tat, now - BURST_SECONDS)
    send_at: list[float | None] = []
    for count in parts:
        due = start + count / rate  # the bucket holds these ``count`` parts from then
        if due - now > RESERVE_HORIZON_S:
            send_at.extend([None] * (len(parts) - len(send_at)))
            break
        send_at.append(now if due - now <= _EPSILON_S else due)  # float sums: 10 × 0.1 may be 1.0000001
        start += count / rate
    return Reservation(tuple(send_at), start)


def delay_seconds(send_at: float, now: float) -> int:
    """SQS ``DelaySeconds`` for a send time (whole seconds, never early, at most 900)."""
    return min(900, max(0, math.ceil(send_at - now - 1e-9)))
