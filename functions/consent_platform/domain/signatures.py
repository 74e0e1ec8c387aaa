"""Webhook signature checks (pure functions; secrets are passed in by the caller).

* Twilio: ``X-Twilio-Signature`` = base64(HMAC-SHA1(auth token, full URL + each POST parameter name
  and value, sorted by name)). Source: twilio.com/docs/usage/webhooks/webhooks-security.
* Generic webhook: ``X-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>``;
  several ``v1=`` values are accepted so secrets can rotate; the timestamp must be within 300 s.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Mapping, Sequence

WEBHOOK_TOLERANCE_S = 300


def twilio_signature(auth_token: str, url: str, params: Mapping[str, str] | Sequence[tuple[str, str]]) -> str:
    pairs = sorted(params.items() if isinstance(params, Mapping) else params, key=lambda kv: kv[0])
    payload = url + "".join(f"{name}{value}" for name, value in pairs)
    digest = hmac.new(auth_token.encode("utf-8"), payload.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def twilio_valid(
    auth_tokens: Iterable[str], url: str, params: Sequence[tuple[str, str]], signature: str | None
) -> bool:
    if not signature:
        return False
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
    timestamp: str | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            timestamp = value
        elif key == "v1" and value:
            candidates.append(value.lower())
    if timestamp is None or not timestamp.isdigit() or not candidates:
        raise SignatureError("X-Signature must be t=<unix seconds>,v1=<hex>")
    if abs(now - int(timestamp)) > WEBHOOK_TOLERANCE_S:
        raise SignatureError("signature timestamp is more than 300 s away")
    expected = [webhook_signature(secret, timestamp, body) for secret in secrets if secret]
    if not any(hmac.compare_digest(e, c) for e in expected for c in candidates):
        raise SignatureError("signature does not match")
