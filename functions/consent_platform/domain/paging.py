"""Listing pages: ``limit`` and an opaque ``next`` cursor.

The cursor is the last sort key a page returned, base64url-encoded. It is hostile input like any other:
it must decode to a sort key of the kind the listing reads (its prefix), so a forged cursor can neither
read another partition nor start inside another item type; anything else is a 422 naming ``next``.
"""

from __future__ import annotations

import base64
import binascii

from .errors import ValidationFailed

DEFAULT_LIMIT = 50
MAX_LIMIT = 100
_MAX_CURSOR = 512  # characters: far above any sort key of ours, far below anything costly


def encode_cursor(sort_key: str | None) -> str | None:
    if sort_key is None:
        return None
    return base64.urlsafe_b64encode(sort_key.encode()).decode().rstrip("=")


def decode_cursor(token: str | None, prefix: str) -> str | None:
    """The sort key to continue after, or ``None`` for the first page."""
    if token is None:
        return None
    problem = {"next": "not a cursor this listing returned"}
    if len(token) > _MAX_CURSOR:
        raise ValidationFailed("invalid cursor", problem)
    try:
        sort_key = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise ValidationFailed("invalid cursor", problem) from None
    if not sort_key.startswith(prefix) or not sort_key.isprintable():
        raise ValidationFailed("invalid cursor", problem)
    return sort_key


def page_size(limit: int | None, *, default: int = DEFAULT_LIMIT, maximum: int = MAX_LIMIT) -> int:
    """``limit`` checked against ``maximum`` (a listing of small rows, such as contest entry lines, pages
    in thousands: one Lambda answer holds them easily)."""
    if limit is None:
        return default
    if not 1 <= limit <= maximum:
        raise ValidationFailed("invalid limit", {"limit": f"from 1 to {maximum}"})
    return limit
