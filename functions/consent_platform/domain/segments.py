"""SMS encoding and segment counting (GSM 03.38 / 3GPP TS 23.038).

A message that uses only the GSM 7-bit default alphabet (plus its extension table, whose characters
take two septets) is sent as GSM-7: 160 septets in one part, 153 per part once split (the UDH takes
the rest). Any other character forces UCS-2 for the whole message: 70 UTF-16 code units in one part,
67 per part. Characters outside the BMP (emoji) take two UTF-16 code units.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

# GSM 03.38 basic character set, in table order. (Source: 3GPP TS 23.038 §6.2.1.)
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Extension table, reached through ESC: each costs two septets. (3GPP TS 23.038 §6.2.1.1.)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")

Encoding = Literal["GSM-7", "UCS-2"]


@dataclass(frozen=True, slots=True)
class SegmentInfo:
    encoding: Encoding
    segments: int
    characters: int  # characters as the user sees them (code points)
    units: int  # septets for GSM-7, UTF-16 code units for UCS-2


def count_segments(text: str) -> SegmentInfo:
    costs: list[int] = []
    for ch in text:
        if ch in GSM7_BASIC:
            costs.append(1)
        elif ch in GSM7_EXTENSION:
            costs.append(2)
        else:
            return _ucs2(text)
    return SegmentInfo("GSM-7", _parts(costs, 160, 153), len(text), sum(costs))


def _ucs2(text: str) -> SegmentInfo:
    costs = [2 if ord(ch) > 0xFFFF else 1 for ch in text]
    return SegmentInfo("UCS-2", _parts(costs, 70, 67), len(text), sum(costs))


def _parts(costs: list[int], single: int, multi: int) -> int:
    """Parts needed when a character's units may not be split across parts.

    Handsets and carriers never split an escape pair (GSM-7) or a surrogate pair (UCS-2), so a
    long message can need one part more than ``ceil(units / multi)``.
    """
    total = sum(costs)
    if total == 0:
        return 0
    if total <= single:
        return 1
    if max(costs) == 1:
        return math.ceil(total / multi)
    parts, used = 1, 0
    for cost in costs:
        if used + cost > multi:
            parts, used = parts + 1, 0
        used += cost
    return parts
