"""Erasure (right to be forgotten): keyed-hash pseudonyms for a number and its ledger entries.

The consent ledger is proof a brand may have to show later, so an erased number's entries are not
deleted but *pseudonymised*: every field that identifies the person is replaced by
``hmac:<hex HMAC-SHA256(key, …)>`` with a key held in SSM Parameter Store. Without the key nothing
leads back to the person; with the key *and* the number (an auditor, a court, the person) the entries
can be found again: ``pseudonym(key, "+48501234567")`` is their partition.

What is kept, what is hashed (allowlists: anything not named here is hashed):

* kept as is: ``event_id``, ``at``, ``seq``, ``list_id``, ``action``, ``method``, ``channel``,
  ``status_after``, ``consent_text``, ``consent_version`` (the brand's own published wording, or
  "Texted KWIATY to 4301"), ``request_id`` (an API Gateway request id or the provider's message id);
* hashed: ``phone`` (→ the pseudonym), ``ip``, ``user_agent``, and every unknown field;
* ``detail``: ``inbound_message_id``, ``to`` (our own number), ``word``, ``keyword``, ``basis``,
  ``customer_since`` and ``expired_at`` are kept; ``body`` (the raw text the person sent), ``email``,
  ``evidence`` (an order or account id) and anything else are hashed;
* ``source``: our own numbers (``sms:4301``, ``4301``) are kept; a URL keeps only its scheme, host and
  path (query strings and fragments are where forms leak e-mail addresses and click ids); an import's
  ``import:<order id>`` keeps ``import:`` and hashes the id; any other text is hashed.

Pure: the key is passed in.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Any
from urllib.parse import urlsplit, urlunsplit

PREFIX = "hmac:"
KEPT_FIELDS = frozenset(
    {
        "sk",
        "event_id",
        "at",
        "seq",
        "list_id",
        "action",
        "method",
        "channel",
        "status_after",
        "consent_text",
        "consent_version",
        "request_id",
        "erased_at",
    }
)
KEPT_DETAIL = frozenset({"inbound_message_id", "to", "word", "keyword", "basis", "customer_since", "expired_at"})
MIN_KEY_BYTES = 16
_OUR_NUMBER = re.compile(r"^(sms:)?\+?[0-9]{3,15}$")


def _mac(key: bytes, message: str) -> str:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()


def pseudonym(key: bytes, phone: str) -> str:
    """The erased number's pseudonym: its ledger partition and (without the prefix) its suppression key."""
    return PREFIX + _mac(key, phone)


def hashed(key: bytes, name: str, value: Any) -> str:
    """A field value's keyed hash; the field name separates domains (an IP never equals a user agent)."""
    return PREFIX + _mac(key, f"{name}:{value}")


def url_without_query(source: str) -> str | None:
    """An http(s) URL's scheme, host and path — ``None`` for anything else. Query strings and fragments
    are where forms leak e-mail addresses, phone numbers and click ids; user:password@ goes too."""
    try:
        parts = urlsplit(source)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname + (f":{port}" if port else "")
    return urlunsplit((parts.scheme.lower(), host, parts.path, "", ""))


def stored_source(source: str | None) -> str | None:
    """The ``source`` a sign-up stores (ledger, subscription, list statistics): a URL without its query
    and fragment, anything else as given. Done at intake, so erasure has nothing to find in statistics."""
    if not source:
        return source
    return url_without_query(source) or source


def scrub_source(key: bytes, source: str) -> str:
    if _OUR_NUMBER.match(source):
        return source
    if source.startswith("import:"):
        return "import:" + hashed(key, "source", source.removeprefix("import:"))
    return url_without_query(source) or hashed(key, "source", source)


def pseudonymise_entry(key: bytes, item: dict[str, Any], erased_at: str) -> dict[str, Any]:
    """A ledger item (as stored) → the item that replaces it under the pseudonym's partition."""
    out: dict[str, Any] = {}
    for name, value in item.items():
        if value is None:
            continue
        if name == "phone":
            out[name] = pseudonym(key, str(value))
        elif name in KEPT_FIELDS:
            out[name] = value
        elif name == "source":
            out[name] = scrub_source(key, str(value))
        elif name == "detail" and isinstance(value, dict):
            out[name] = {
                k: (v if k in KEPT_DETAIL else hashed(key, f"detail.{k}", v)) for k, v in value.items() if v is not None
            }
        else:
            out[name] = hashed(key, name, value)
    out["erased_at"] = erased_at
    return out


def parse_keys(value: str) -> list[bytes]:
    """The SSM parameter's value: comma-separated keys, the first one current (older ones are still
    checked by the suppression list, so a rotated key does not make erased numbers importable)."""
    keys = [part.strip().encode("utf-8") for part in value.split(",") if part.strip()]
    if not keys or any(len(k) < MIN_KEY_BYTES for k in keys):
        raise ValueError(f"the erasure key parameter needs keys of at least {MIN_KEY_BYTES} characters")
    return keys
