"""Webhook signature checks (pure functions; secrets are passed in by the caller).

* Twilio: ``X-Twilio-Signature`` = base64(HMAC-SHA1(auth token, full URL + each POST parameter name
  and value, sorted by name)). Source: twilio.com/docs/usage/webhooks/webhooks-security.
* Generic webhook: ``X-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>``;
  several ``v1=`` values are accepted so secrets can rotate; the timestamp must be within 300 s.

Rotation with an explicit overlap: the SSM value is comma-separated secrets, the current one first;
a previous one carries the moment it stops working, ``new,old;until=2026-12-01T00:00:00Z``. A secret
removed from the parameter stops working once the cache expires (``SECRET_CACHE_SECONDS``, 30 s); one
with ``until`` stops at that moment whatever the cache holds.

Headers are attacker input: anything but short printable ASCII is refused as a bad signature, never
raised as an unexpected error (a 5xx).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

WEBHOOK_TOLERANCE_S = 300
MAX_SIGNATURE_HEADER = 1024
_TIMESTAMP = re.compile(r"^[0-9]{1,12}$")  # ASCII digits only; int() of 5,000 digits raises
_HEX = re.compile(r"^[0-9a-fA-F]{64}$")
_BASE64_SHA1 = re.compile(r"^[A-Za-z0-9+/]{27}=$")


def twilio_signature(auth_token: str, url: str, params: Mapping[str, str] | Sequence[tuple[str, str]]) -> str:
    pairs = sorted(params.items() if isinstance(params, Mapping) else params, key=lambda kv: kv[0])
    payload = url + "".join(f"{name}{value}" for name, value in pairs)
    digest = hmac.new(auth_token.encode("utf-8"), payload.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def twilio_valid(
    auth_tokens: Iterable[str], url: str, params: Sequence[tuple[str, str]], signature: str | None
) -> bool:
    if not signature or not _BASE64_SHA1.match(signature):
        return False  # also keeps non-ASCII out of compare_digest, which raises on it
    return any(hmac.compare_digest(twilio_signature(token, url, params), signature) for token in auth_tokens if token)


def webhook_signature(secret: str, timestamp: int | str, body: bytes) -> str:
    message = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


class SignatureError(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def verify_webhook(secrets: Iterable[str], header: str | None, body: bytes, now: float) -> None:
    """Raise :class:`SignatureError` unless one ``v1`` matches one secret and ``t`` is fresh."""
    if not header:
        raise SignatureError("missing X-Signature header")
    if len(header) > MAX_SIGNATURE_HEADER or not header.isascii():
        raise SignatureError("X-Signature must be t=<unix seconds>,v1=<hex>")
    timestamp: str | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            timestamp = value
        elif key == "v1" and _HEX.match(value):
            candidates.append(value.lower())
    if timestamp is None or not _TIMESTAMP.match(timestamp) or not candidates:
        raise SignatureError("X-Signature must be t=<unix seconds>,v1=<hex>")
    if abs(now - int(timestamp)) > WEBHOOK_TOLERANCE_S:
        raise SignatureError("signature timestamp is more than 300 s away")
    expected = [webhook_signature(secret, timestamp, body) for secret in secrets if secret]
    if not any(hmac.compare_digest(e, c) for e in expected for c in candidates):
        raise SignatureError("signature does not match")


def active_secrets(value: str, now: datetime) -> list[str]:
    """The secrets of an SSM value that work at ``now``: ``a,b;until=<ISO 8601>`` (see the module doc).
    An ``until`` that does not parse drops its secret: a typo must not keep an old secret alive."""
    out: list[str] = []
    for entry in value.split(","):
        secret, _, options = entry.strip().partition(";")
        secret = secret.strip()
        if not secret:
            continue
        if options:
            name, _, when = options.strip().partition("=")
            try:
                until = datetime.fromisoformat(when.strip())
            except ValueError:
                continue
            if name.strip() != "until" or until.tzinfo is None or now >= until:
                continue
        out.append(secret)
    return out
