"""Coupon pools: what an upload may hold, and how a pool's counts read — pure, no storage.

A code is 3-32 of A-Z, 0-9, ``_`` and ``-`` (GSM-7 characters, one septet each; what shops' code fields
take), kept in upper case: shops compare codes case-insensitively, and a purchase event names the code
as the customer typed it. An upload is all-or-nothing: one bad line refuses it (422 naming the line).
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import BaseModel, ConfigDict

from .errors import PayloadTooLarge, UnsupportedMediaType, ValidationFailed
from .personalise import POOL

CODE = re.compile(r"[A-Z0-9][A-Z0-9_-]{2,31}")
CODE_RULE = "3-32 of A-Z, 0-9, _ and - (starting with a letter or digit)"
MAX_CODES = 5000  # per upload: each new code is one item (written 99 to a transaction); more → 413
POOL_RULE = "1-32 of A-Z, a-z, 0-9, _ and - (starting with a letter or digit)"


class PoolCounts(BaseModel):
    """``GET /v1/admin/coupons/{pool}`` and the upload's answer."""

    model_config = ConfigDict(extra="forbid")

    pool: str
    total: int
    assigned: int
    redeemed: int
    available: int
    longest_code: int = 0
    added: int | None = None  # the upload's: new codes
    duplicates: int | None = None  # the upload's: codes already in this or another pool, or given twice


def counts(pool: str, stats: dict[str, int], longest: int) -> PoolCounts:
    total, assigned = stats.get("total", 0), stats.get("assigned", 0)
    return PoolCounts(
        pool=pool,
        total=total,
        assigned=assigned,
        redeemed=stats.get("redeemed", 0),
        available=max(0, total - assigned),
        longest_code=longest,
    )


def check_pool(pool: str) -> str:
    if not re.fullmatch(POOL, pool):
        raise ValidationFailed("invalid pool name", {"pool": POOL_RULE})
    return pool


def normalise_code(raw: str) -> str | None:
    """The code as stored (upper case), or None when it is not a code."""
    code = raw.strip().upper()
    return code if CODE.fullmatch(code) else None


def parse_upload(data: bytes, content_type: str) -> list[str]:
    """The distinct codes of an upload: ``text/plain`` one per line (blank lines skipped) or
    ``{"codes": [...]}``. Codes given twice count once (the service counts the repeats)."""
    raw = _raw_codes(data, content_type)
    if len(raw) > MAX_CODES:
        raise PayloadTooLarge(f"at most {MAX_CODES} codes per upload; send the rest in another", {"codes": "too many"})
    problems: dict[str, str] = {}
    codes: list[str] = []
    for index, value in enumerate(raw):
        code = normalise_code(value) if isinstance(value, str) else None
        if code is None:
            problems.setdefault(f"codes[{index}]", CODE_RULE)
        else:
            codes.append(code)
    if problems:
        first = dict(list(problems.items())[:10])  # enough to fix a file; never an echo of a huge body
        raise ValidationFailed(f"{len(problems)} invalid code(s); nothing was stored", first)
    if not codes:
        raise ValidationFailed("no codes", {"codes": "give at least one code"})
    return codes


def _raw_codes(data: bytes, content_type: str) -> list[Any]:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationFailed("the body is not UTF-8", {"body": "UTF-8 text"}) from None
    if content_type == "text/plain":
        return [line for line in text.splitlines() if line.strip()]
    if content_type in ("application/json", ""):
        try:
            body = json.loads(text)
        except ValueError:
            raise ValidationFailed("the body is not JSON", {"body": "invalid JSON"}) from None
        codes = body.get("codes") if isinstance(body, dict) else None
        if not isinstance(codes, list) or set(body) != {"codes"}:
            raise ValidationFailed('give {"codes": [...]}', {"codes": "a list of codes"})
        return codes
    raise UnsupportedMediaType('send text/plain (a code per line) or {"codes": [...]}', {"content-type": content_type})
