"""Forwarding of received messages (issue #20): a number's rule, who may be a target, and what is sent.
Pure: the admin API validates with these rules, the inbound worker decides with them, the forwarder
builds its requests with them.

Targets, each optional: a URL (a signed HTTPS POST), an e-mail address (Amazon SES), a phone (an SMS).

* URL: https only, no credentials in it, and never a host that names this network or the cloud's
  metadata service (loopback, private, link-local, CGNAT, multicast, reserved, "localhost", ".internal").
  These checks see only the URL's text: a public name that *resolves* to a private address (DNS
  rebinding) is out of reach here — the forwarder runs outside any VPC, so what it can reach is the
  public internet plus the link-local metadata endpoint, which Lambda does not serve (no IMDS); the
  forwarder also never follows redirects. ``allow_loopback_http`` exists for the local stack only.
* Phone: a valid mobile number that is none of the platform's own numbers (an SMS to our own number
  would come back in as an inbound message and be forwarded again: a loop).
* Content: the reply text, the sender — in full by default for URL and e-mail (the brand's own
  customer, sent to the brand's own system), masked when ``mask_sender`` — the receiving number, the
  time it was received and what the platform did with it. ``mask_sender`` applies to all three targets.
"""

from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

from .errors import ValidationFailed
from .phone import mask_phone
from .signatures import webhook_signature

Which = Literal["unmatched", "all"]
CHANNELS = ("url", "email", "phone")
URL_MAX = 2048
# A loose check (RFC 5322 is not the point): one @, no spaces or control characters, a dotted domain.
_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")  # fmt: skip
_BLOCKED_NAMES = ("localhost", "localhost.localdomain", "metadata.google.internal")
_BLOCKED_SUFFIXES = (".localhost", ".internal", ".local", ".home.arpa")
# Forwarded SMS per receiving number per UTC day: each is a paid transactional SMS; a flood of texts to a
# number must not become a flood of SMS to the brand's phone (pumping, cost).
PHONE_DAILY_CAP = 50
SMS_BODY_MAX = 480  # three concatenated GSM-7 parts: a forward is a notification, not an archive


@dataclass(frozen=True)
class ForwardingRule:
    """Where the messages received by one number go (any subset of the three targets)."""

    number: str
    url: str | None = None
    email: str | None = None
    phone: str | None = None
    which: Which = "unmatched"
    mask_sender: bool = False

    def applies(self, handled_as: str) -> bool:
        return self.which == "all" or handled_as == "unmatched"

    def targets(self) -> dict[str, str]:
        return {name: value for name in CHANNELS if (value := getattr(self, name))}


def number_key(number: str) -> str:
    """The digits of a receiving number: ``+48500000000`` and ``48500000000`` are one number."""
    return "".join(c for c in number if c.isdigit())


def check_url(url: str, allow_loopback_http: bool = False) -> str:
    """The URL if it may be forwarded to; else :class:`ValidationFailed` naming ``url``."""
    reason = url_problem(url, allow_loopback_http)
    if reason:
        raise ValidationFailed(f"url {reason}", {"url": reason})
    return url


def url_problem(url: str, allow_loopback_http: bool = False) -> str | None:
    if len(url) > URL_MAX or not url.isascii() or any(c.isspace() or ord(c) < 32 for c in url):
        return "must be a plain https URL of at most 2,048 characters"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "is not a valid URL"
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        return "must not carry credentials (user:password@); the request is signed instead"
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        return "has no host"
    if parts.fragment:
        return "must not have a #fragment"
    loopback = _is_loopback(host)
    if parts.scheme != "https" and not (allow_loopback_http and parts.scheme == "http" and loopback):
        return "must use https"
    if loopback and allow_loopback_http:
        return None
    if port is not None and port not in (443, 8443) and not loopback:
        return "must use port 443 or 8443"
    return _host_problem(host)


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return host == "localhost"


def _host_problem(host: str) -> str | None:
    if host in _BLOCKED_NAMES or host.endswith(_BLOCKED_SUFFIXES):
        return "must not name a local or internal host"
    address = _as_address(host)
    if address is None:
        if "." not in host:
            return "must name a public host (a dotted domain name)"
        return None
    if not address.is_global or address.is_multicast:
        return "must not point at a private, loopback, link-local or reserved address"
    return None


def _as_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An IP literal in any spelling the resolver would accept (``0x7f.1``, ``2130706433``, ``[::1]``)."""
    bare = host.strip("[]")
    address: ipaddress.IPv4Address | ipaddress.IPv6Address | None
    try:
        address = ipaddress.ip_address(bare)
    except ValueError:
        address = _legacy_ipv4(bare)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _legacy_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """inet_aton's forms (decimal, octal, hex, 1-4 parts): what a libc resolver turns into an address."""
    parts = host.split(".")
    if not 1 <= len(parts) <= 4 or not all(re.fullmatch(r"0[xX][0-9a-fA-F]*|[0-9]+", p) for p in parts):
        return None
    try:
        values = [int(p, 16) if p[:2].lower() == "0x" else int(p, 8) if len(p) > 1 and p[0] == "0" else int(p)
                  for p in parts]  # fmt: skip
    except ValueError:
        return None
    last_bits = 8 * (5 - len(values))
    if any(v > 255 for v in values[:-1]) or values[-1] >= 1 << last_bits:
        return None
    number = 0
    for value in values[:-1]:
        number = number << 8 | value
    return ipaddress.IPv4Address(number << last_bits | values[-1])


def check_email(email: str) -> str:
    if len(email) > 254 or not _EMAIL.match(email):
        raise ValidationFailed("email is not a valid address", {"email": "not a valid e-mail address"})
    return email


def check_not_platform(phone_e164: str, platform_numbers: set[str]) -> None:
    """A forward to one of our own numbers would come back in as an inbound message: refused (a loop)."""
    if number_key(phone_e164) in {number_key(n) for n in platform_numbers}:
        raise ValidationFailed(
            "phone is one of the platform's own numbers (a forward there would loop)",
            {"phone": "one of the platform's own numbers: a forward there would loop"},
        )


# ---- what is forwarded --------------------------------------------------------------------------------


def payload(job: dict[str, Any], mask_sender: bool) -> dict[str, Any]:
    """The forwarded message as data (a JSON object: whatever the text holds stays a string value)."""
    sender = str(job["from"])
    return {
        "type": "inbound.forwarded",
        "message_id": job["message_id"],
        "provider": job["provider"],
        "from": mask_phone(sender) if mask_sender else sender,
        "to": job["to"],
        "body": job["body"],
        "truncated": bool(job.get("truncated")),
        "received_at": job["received_at"],
        "handled_as": job["handled_as"],
    }


def signed_request(
    job: dict[str, Any], mask_sender: bool, secrets: list[str], now: int
) -> tuple[bytes, dict[str, str]]:
    """The body and headers of the POST: ``X-Signature: t=<now>,v1=<hmac>`` as ``/v1/inbound/webhook``
    verifies it, one ``v1`` per active secret (a receiver holding either secret of a rotation verifies)."""
    body = json.dumps(payload(job, mask_sender), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    signatures = ",".join(f"v1={webhook_signature(secret, now, body)}" for secret in secrets)
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "sms-consent-forwarder/1",
        "X-Signature": f"t={now},{signatures}",
        # Only our own values in headers: the message's text is never a header (no header injection).
        "X-Message-Id": _header_safe(f"{job['provider']}:{job['message_id']}"),
    }
    return body, headers


def _header_safe(value: str) -> str:
    return "".join(c for c in value if 32 < ord(c) < 127)[:200]


def email_text(job: dict[str, Any], mask_sender: bool) -> tuple[str, str]:
    """(subject, plain-text body). The subject holds only our values (the number); the text is the body."""
    data = payload(job, mask_sender)
    subject = f"SMS to {data['to']} from {data['from']}"
    body = (
        f"From: {data['from']}\nTo: {data['to']}\nReceived: {data['received_at']}\n"
        f"Handled as: {data['handled_as']}\nMessage id: {data['message_id']}\n\n{data['body']}\n"
    )
    return subject, body


def sms_text(job: dict[str, Any], mask_sender: bool) -> str:
    data = payload(job, mask_sender)
    text = f"SMS od {data['from']} do {data['to']}: {data['body']}"
    return text if len(text) <= SMS_BODY_MAX else text[: SMS_BODY_MAX - 1] + "…"


def sms_message_id(job: dict[str, Any]) -> str:
    """The forwarded SMS's outbound id: one per received message (the sender sends an id at most once)."""
    return f"fwd:{job['provider']}:{job['message_id']}"
