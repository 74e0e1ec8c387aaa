"""SMS-pumping defences as data: request limits per client IP, per number and per number prefix.

SMS pumping ("toll fraud"): a bot submits sign-up forms with numbers in premium ranges the attacker
is paid for, so that *we* send (and pay for) the confirmation SMS. Defences, from the edge inwards:

* API Gateway route throttling on ``POST /v1/optin`` (a ceiling for all clients together);
* these **fixed-window counters** (DynamoDB items with TTL), checked with one conditional
  ``TransactWriteItems`` before anything else is read or written for the sign-up:

  ===========  =======================================  ============================================
  scope        subject                                  default
  ===========  =======================================  ============================================
  ``ip``       the client's network (IPv4 /24, IPv6      5 per 10 minutes, 100 per day, and per list
               /64): one host rotates inside it           5 % of the list's daily SMS budget per day
  ``phone``    the E.164 number                          5 requests per hour
  ``prefix``   the first 7 digits of the number          30 per hour, and per list 10 % of its
               (attacks walk a range)                     daily budget per day
  ``country``  the number's country, when it is not      per list 10 % of its daily budget per day
               the list's ``default_country``
  ===========  =======================================  ============================================

  (``OptInRateLimits`` / ``OptInPrefixDigits`` template parameters; the syntax is
  ``scope=requests/seconds`` comma-separated, and a scope may appear more than once). ``requests`` may
  be a **share of the list's daily budget** (``ip=5%/86400``): that counter is kept per list, and allows
  ``max(1, share × max_confirmations_per_day)`` requests, so one client (or one range, or one foreign
  country) can never spend more than that share of a list's daily sign-up SMS, whatever the list's cap;
* per number: at most 3 confirmation requests per rolling 24 h and one per 10 minutes
  (``domain/contacts.py``); HELP/autoreplies at most 5 per 24 h (``services/inbound.py``);
* per list: ``allowed_countries`` (unset: the list's ``default_country`` only; non-geographic ranges —
  region ``001``: Iridium ``+881``, Inmarsat ``+870`` … — only when ``"001"`` is listed) and a daily
  cap on sign-up SMS (``max_confirmations_per_day``),
  which raises the ``ConfirmationCapReached`` metric and its alarm.

Pure: the repository turns :func:`checks` into conditional counter updates.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal, cast

Scope = Literal["ip", "phone", "prefix", "country"]
SCOPES: tuple[Scope, ...] = ("ip", "phone", "prefix", "country")

# A client's share of a list's daily budget is 5 % (issue 14: at most 10 %); 20/600 let one IPv4
# address drain a 1,000/day list in about 8 hours.
DEFAULT_RATE_LIMITS = "ip=5/600,ip=100/86400,ip=5%/86400,phone=5/3600,prefix=30/3600,prefix=10%/86400,country=10%/86400"
DEFAULT_PREFIX_DIGITS = 7
DEFAULT_MAX_CONFIRMATIONS_PER_DAY = 1000
COUNTER_GRACE = timedelta(hours=1)  # counters outlive their window a little (TTL deletion is lazy anyway)


@dataclass(frozen=True, slots=True)
class Limit:
    scope: Scope
    requests: int  # for a share: the percentage of the list's daily budget
    window_seconds: int
    share: bool = False  # ``requests`` is a percentage of the list's daily budget, counted per list

    def __str__(self) -> str:
        return f"{self.scope}={self.requests}{'%' if self.share else ''}/{self.window_seconds}"

    def allowed(self, list_budget: int) -> int:
        """Requests allowed in one window (a share is of ``list_budget``, never less than 1)."""
        return max(1, list_budget * self.requests // 100) if self.share else self.requests


@dataclass(frozen=True, slots=True)
class Check:
    """One counter to increment: ``key`` identifies the subject, ``window`` the fixed window."""

    limit: Limit
    subject: str  # the network, the E.164 number, the prefix digits or the country (a share: "<list>/…")
    window: int  # index of the fixed window: epoch seconds // window_seconds
    window_end: datetime
    requests: int  # allowed in the window (a share already applied to the list's budget)

    @property
    def field(self) -> str:
        return self.limit.scope

    def retry_after(self, now: datetime) -> int:
        """Whole seconds until this window ends (at least 1), for the ``Retry-After`` header."""
        return max(1, int((self.window_end - now).total_seconds() + 0.999))


def parse_limits(text: str) -> tuple[Limit, ...]:
    """``"ip=20/600,ip=5%/86400,phone=5/3600"`` → limits. Raises ``ValueError`` with a readable message."""
    limits: list[Limit] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        scope, sep, rest = part.partition("=")
        requests, slash, seconds = rest.partition("/")
        scope = scope.strip()
        if not sep or not slash or scope not in SCOPES:
            raise ValueError(f"{part!r}: expected scope=requests/seconds with scope one of {', '.join(SCOPES)}")
        share = requests.strip().endswith("%")
        try:
            limit = Limit(cast(Scope, scope), int(requests.strip().rstrip("%")), int(seconds), share)
        except ValueError:
            raise ValueError(f"{part!r}: requests (or a percentage) and seconds must be whole numbers") from None
        if limit.requests < 1 or not 1 <= limit.window_seconds <= 7 * 86400:
            raise ValueError(f"{part!r}: at least 1 request, a window of 1 s to 7 days")
        if share and (scope == "phone" or limit.requests > 100):
            raise ValueError(f"{part!r}: a share is 1-100 % and applies to ip, prefix or country")
        limits.append(limit)
    return tuple(limits)


def client_subject(ip: str | None) -> str | None:
    """The network an IP is counted under: its /24 for IPv4, its /64 for IPv6. One customer line usually
    gets a whole /64, and one host (a cloud VM, a proxy) rotates easily inside a /24, so counting single
    addresses would be trivially rotated around."""
    if not ip:
        return None
    try:
        address = ipaddress.ip_address(ip.strip())
    except ValueError:
        return ip.strip()[:64]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(ipaddress.ip_network(f"{address.ipv4_mapped}/24", strict=False))
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(ipaddress.ip_network(f"{address}/24", strict=False))


def number_prefix(e164: str, digits: int = DEFAULT_PREFIX_DIGITS) -> str:
    """The first ``digits`` digits of an E.164 number (country code included): ``+48501234567`` → ``4850123``."""
    return "".join(c for c in e164 if c.isdigit())[:digits]


@dataclass(frozen=True, slots=True)
class SignupSubject:
    """What one sign-up request is counted under."""

    ip: str | None
    phone: str
    country: str  # the number's region
    list_id: str
    home_country: str  # the list's default_country: its own numbers are not a "foreign country"
    list_budget: int  # the list's daily sign-up SMS cap


def checks(limits: tuple[Limit, ...], now: datetime, subject: SignupSubject, prefix_digits: int) -> list[Check]:
    """The counters one sign-up request increments (a subject that is unknown or exempt is skipped)."""
    subjects = {
        "ip": client_subject(subject.ip),
        "phone": subject.phone,
        "prefix": number_prefix(subject.phone, prefix_digits),
        "country": subject.country if subject.country != subject.home_country else None,
    }
    epoch = int(now.astimezone(UTC).timestamp())
    out: list[Check] = []
    for limit in limits:
        key = subjects[limit.scope]
        if not key:
            continue
        window = epoch // limit.window_seconds
        end = datetime.fromtimestamp((window + 1) * limit.window_seconds, UTC)
        key = f"{subject.list_id}/{key}" if limit.share else key
        out.append(Check(limit, key, window, end, limit.allowed(subject.list_budget)))
    return out


def seconds_until_next_day(now: datetime) -> int:
    """``Retry-After`` for the per-list daily cap (days are UTC)."""
    utc = now.astimezone(UTC)
    midnight = datetime(utc.year, utc.month, utc.day, tzinfo=UTC) + timedelta(days=1)
    return max(1, int((midnight - utc).total_seconds() + 0.999))
