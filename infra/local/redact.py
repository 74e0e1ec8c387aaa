"""Masking phone numbers in anything the local stack logs (access lines, error messages, tracebacks).

Phone numbers are personal data: even a developer's terminal or a CI log must not keep them whole,
so every log line the local stack writes itself goes through :func:`redact`.
"""

from __future__ import annotations

import re

# A run of 7+ digits, optionally led by "+" or its URL encoding "%2B" and split by single spaces,
# dots or dashes ("+48 501-234-567"). Shorter runs (status codes, ports, sizes) are left alone.
_PHONE_LIKE = re.compile(r"(?:\+|%2[bB])?\d(?:[ .-]?\d){6,}")


def _mask(match: re.Match[str]) -> str:
    text = match.group(0)
    prefix = "%2B" if text[:3].upper() == "%2B" else ""  # its "2" is not part of the number
    number = text[len(prefix) :]
    keep_from = sum(c.isdigit() for c in number) - 4  # index of the first digit that stays visible
    out, seen = [], 0
    for char in number:
        if char.isdigit():
            out.append(char if seen >= keep_from else "*")
            seen += 1
        else:
            out.append(char)
    return prefix + "".join(out)


def redact(text: str) -> str:
    """``GET /v1/admin/contacts/%2B48501234567`` → ``GET /v1/admin/contacts/%2B*******4567``."""
    return _PHONE_LIKE.sub(_mask, text)
