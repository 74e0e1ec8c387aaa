"""SMS-pumping defences as data: request limits per client IP, per number and per number prefix.

SMS pumping ("toll fraud"): a bot submits sign-up forms with numbers in premium ranges the attacker
is paid for, so that *we* send (and pay for) the confirmation SMS. Defences, from the edge inwards:

* API Gateway route throttling on ``POST /v1/optin`` (a ceiling for all clients together);
* these **fixed-window counters** (DynamoDB items with TTL), checked with one conditional
  ``TransactWriteItems`` before anything else is read or written for the sign-up:

  ========  ==================================  ===========================================
  scope     subject                             default
  ========  ==================================  ===========================================
  ``ip``    the client IP (IPv6: its /64)        20 requests per 10 minutes
  ``phone`` the E.164 number                     5 requests per hour
  ``prefix`` the first 7 digits of the number    30 requests per hour (attacks walk a range)
  ========  ==================================  ===========================================

  (``OptInRateLimits`` / ``OptInPrefixDigits`` template parameters; the syntax is
  ``scope=requests/seconds`` comma-separated, and a scope may appear more than once);
* per number: at most 3 confirmation requests per rolling 24 h and one per 10 minutes
  (``domain/contacts.py``); HELP/autoreplies at most 5 per 24 h (``services/inbound.py``);
* per list: ``allowed_countries`` and a daily cap on sign-up SMS (``max_confirmations_per_day``),
  which raises the ``ConfirmationCapReached`` metric and its alarm.

Pure: the repository turns :func:`checks` into conditional counter updates.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal, cast

Scope = Literal["ip", "phone", "prefix"]
SCOPES: tuple[Scope, ...] = ("ip", "phone", "prefix")

DEFAULT_RATE_LIMITS = "ip=20/600,phone=5/3600,prefix=30/3600"
DEFAULT_PREFIX_DIGITS = 7
DEFAULT_MAX_CONFIRMATIONS_PER_DAY = 1000
COUNTER_GRACE = timedelta(hours=1)  # counters outlive their window a little (TTL deletion is lazy anyway)


@dataclass(frozen=True, slots=True)
class Limit:
    scope: Scope
    requests: int
    window_seconds: int

    def __str__(self) -> str:
        return f"{self.scope}={self.requests}/{self.window_seconds}"


@dataclass(frozen=True, slots=True)
class Check:
    """One counter to increment: ``key`` identifies the subject, ``window`` the fixed window."""

    limit: Limit
    subject: str  # the IP (or /64), the E.164 number or the prefix digits
    window: int  # index of the fixed window: epoch seconds // window_seconds
    window_end: datetime

    @property
    def field(self) -> str:
        return self.limit.scope

    def retry_after(self, now: datetime) -> int:
        """Whole seconds until this window ends (at least 1), for the ``Retry-After`` header."""
        return max(1, int((self.window_end - now).total_seconds() + 0.999))


def parse_limits(text: str) -> tuple[Limit, ...]:
    """``"ip=20/600,phone=5/3600"`` → limits. Raises ``ValueError`` with a readable message."""
    limits: list[Limit] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        scope, sep, rest = part.partition("=")
        requests, slash, seconds = rest.partition("/")
        scope = scope.strip()
        if not sep or not slash or scope not in SCOPES:
            raise ValueError(f"{part!r}: expected scope=requests/seconds with scope one of {', '.join(SCOPES)}")
        try:
            limit = Limit(cast(Scope, scope), int(requests), int(seconds))
        except ValueError:
            raise ValueError(f"{part!r}: requests and seconds must be whole numbers") from None
        if limit.requests < 1 or not 1 <= limit.window_seconds <= 7 * 86400:
            raise ValueError(f"{part!r}: at least 1 request, a window of 1 s to 7 days")
        limits.append(limit)
    return tuple(limits)


def client_subject(ip: str | None) -> str | None:
    """The subject an IP is counted under: the address itself, or its /64 for IPv6 (one customer line
    usually gets a whole /64, so counting single v6 addresses would be trivially rotated around)."""
    if not ip:
        return None
    try:
        address = ipaddress.ip_address(ip.strip())
    except ValueError:
        return ip.strip()[:64]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def number_prefix(e164: str, digits: int = DEFAULT_PREFIX_DIGITS) -> str:
    """The first ``digits`` digits of an E.164 number (country code included): ``+48501234567`` → ``4850123``."""
    return "".join(c for c in e164 if c.isdigit())[:digits]


def checks(limits: tuple[Limit, ...], now: datetime, *, ip: str | None, phone: str, prefix_digits: int) -> list[Check]:
    """The counters one sign-up request increments (the IP is skipped when unknown)."""
    subjects = {"ip": client_subject(ip), "phone": phone, "prefix": number_prefix(phone, prefix_digits)}
    epoch = int(now.astimezone(UTC).timestamp())
    out: list[Check] = []
    for limit in limits:
        subject = subjects[limit.scope]
        if not subject:
            continue
        window = epoch // limit.window_seconds
        end = datetime.fromtimestamp((window + 1) * limit.window_seconds, UTC)
        out.append(Check(limit, subject, window, end))
    return out


def seconds_until_next_day(now: datetime) -> int:
    """``Retry-After`` for the per-list daily cap (days are UTC)."""
    utc = now.astimezone(UTC)
    midnight = datetime(utc.year, utc.month, utc.day, tzinfo=UTC) + timedelta(days=1)
    return max(1, int((midnight - utc).total_seconds() + 0.999))
