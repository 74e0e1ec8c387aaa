"""Personalisation: the placeholders a message text may hold, their values, and the worst case they make.

``{first_name|fallback}``, ``{attributes.<name>|fallback}`` (a profile custom attribute),
``{event.<field>|fallback}`` (a flow's trigger event; refused in campaigns) and ``{coupon:<pool>}`` (one
unique code per recipient, services/coupons.py). Each kind is one row of :data:`KINDS`: how a name is
recognised, where its value comes from, and the longest value it can have — which is what the worst-case
segment count of a preview is made of ("long values counted by their declared maximum").

Values are looked up with ``dict.get`` only — never ``getattr``, ``str.format`` or an expression — so a
name such as ``attributes.__class__`` is just an attribute key that a profile does not have.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .segments import SegmentInfo, count_segments

NAME = r"[A-Za-z0-9_-]{1,64}"  # an attribute or event field usable in a placeholder
POOL = r"[A-Za-z0-9][A-Za-z0-9_-]{0,31}"  # a coupon pool's name (also its path segment)
PLACEHOLDER = re.compile(r"\{([^{}|]*)(?:\|([^{}]*))?\}")

# Declared maxima (the worst case counts them): first_name and attribute strings are refused longer at
# write time (api/admin.py ContactPatch, ImportRow); an event field has no declared length, so a rendered
# event value is cut at EVENT_VALUE_MAX (render_value) and counted at it. A coupon counts its pool's
# longest code (given per pool); COUPON_CODE_MAX when the pool is unknown.
FIRST_NAME_MAX = 100
ATTRIBUTE_MAX = 500
EVENT_VALUE_MAX = 200
COUPON_CODE_MAX = 32
# The preview's "sample contact": what a placeholder without a fallback shows.
SAMPLE_FIRST_NAME = "Alex"


@dataclass(frozen=True, slots=True)
class Kind:
    name: str
    pattern: re.Pattern[str]
    maximum: int
    in_campaigns: bool = True


KINDS: tuple[Kind, ...] = (
    Kind("first_name", re.compile(r"first_name"), FIRST_NAME_MAX),
    Kind("attributes", re.compile(rf"attributes\.({NAME})"), ATTRIBUTE_MAX),
    Kind("event", re.compile(rf"event\.({NAME})"), EVENT_VALUE_MAX, in_campaigns=False),
    Kind("coupon", re.compile(rf"coupon:({POOL})"), COUPON_CODE_MAX),
)
AVAILABLE = "first_name, attributes.<name>, coupon:<pool>"
AVAILABLE_IN_FLOWS = AVAILABLE + ", event.<field> (the trigger event's)"


def kind_of(name: str) -> Kind | None:
    """The kind a placeholder name is (whitespace around it ignored), or None for an unknown name."""
    name = name.strip()
    return next((kind for kind in KINDS if kind.pattern.fullmatch(name)), None)


def known_in_campaigns(name: str) -> bool:
    kind = kind_of(name)
    return kind is not None and kind.in_campaigns


def known_in_flows(name: str) -> bool:
    return kind_of(name) is not None


def coupon_pools(text: str) -> list[str]:
    """The coupon pools a text draws from, in order of first use (each pool once)."""
    pools: list[str] = []
    for match in PLACEHOLDER.finditer(text):
        found = re.fullmatch(rf"coupon:({POOL})", match.group(1).strip())
        if found and found.group(1) not in pools:
            pools.append(found.group(1))
    return pools


def placeholder_values(
    profile: Mapping[str, Any] | None,
    event: Mapping[str, Any] | None = None,
    coupons: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The flat ``{placeholder name: value}`` a text is rendered with. Only scalar values: a nested
    structure (or anything else) never reaches a message."""
    p = profile or {}
    # The mapping's own top-level fields as they are: ``first_name``, and names a caller adds (the legacy
    # cart message's ``{url}``). Which names a text may use is the lint's business, not this lookup's.
    values: dict[str, Any] = {key: value for key, value in p.items() if isinstance(key, str)}
    attributes = p.get("attributes")
    if isinstance(attributes, Mapping):
        values.update({f"attributes.{key}": value for key, value in attributes.items() if isinstance(key, str)})
    values.update({f"event.{key}": value for key, value in (event or {}).items() if isinstance(key, str)})
    values.update({f"coupon:{pool}": code for pool, code in (coupons or {}).items()})
    return {name: value for name, value in values.items() if isinstance(value, str | int | float | bool)}


def render_value(name: str, value: Any) -> str:
    """One value as the message shows it: numbers as written (``10``, ``9.5``), booleans ``yes``/``no``,
    an event field cut at EVENT_VALUE_MAX (its declared maximum); '' for no value."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        text = "yes" if value else "no"
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    else:
        text = str(value)
    kind = kind_of(name)
    return text[: kind.maximum] if kind is not None and kind.name == "event" else text


def sample_values(text: str, longest_code: Callable[[str], int] | None = None) -> dict[str, str]:
    """The preview's sample contact: a name, ``<name>`` for an attribute or event field without a
    fallback, and a code of the pool's longest length."""
    values: dict[str, str] = {}
    for match in PLACEHOLDER.finditer(text):
        name, kind = match.group(1).strip(), kind_of(match.group(1))
        if kind is None:
            continue
        if kind.name == "first_name":
            values[name] = SAMPLE_FIRST_NAME
        elif kind.name == "coupon":
            values[name] = "X" * (longest_code(name.split(":", 1)[1]) if longest_code else COUPON_CODE_MAX)
        elif match.group(2) is None:
            values[name] = f"<{name.split('.', 1)[1]}>"
    return values


def worst_case_values(text: str, filler: str, longest_code: Callable[[str], int] | None = None) -> dict[str, str]:
    """Every placeholder at its declared maximum, spelt with ``filler``."""
    values: dict[str, str] = {}
    for match in PLACEHOLDER.finditer(text):
        name, kind = match.group(1).strip(), kind_of(match.group(1))
        if kind is None:
            continue
        size = kind.maximum
        if kind.name == "coupon":
            size = longest_code(name.split(":", 1)[1]) if longest_code else COUPON_CODE_MAX
            values[name] = "X" * size  # codes are A-Z, 0-9, _ and -: one GSM-7 septet each
        else:
            values[name] = filler * size
    return values


# The worst a value can spell: a GSM-7 extension character costs two septets; a character outside GSM-7
# (here a Polish one, what our lists' contacts type) turns the whole message into UCS-2. A list that
# transliterates spells the latter in GSM-7, so both are tried through the list's spelling.
WORST_FILLERS = ("€", "ś")


def worst_case(
    text: str,
    render: Callable[[str, dict[str, str]], str],
    longest_code: Callable[[str], int] | None = None,
) -> SegmentInfo:
    """The most parts the text can take for any contact: each placeholder at its maximum length, in the
    costliest spelling the list lets through (``render`` renders and applies the list's spelling)."""
    infos = [count_segments(render(text, worst_case_values(text, f, longest_code))) for f in WORST_FILLERS]
    return max(infos, key=lambda info: (info.segments, info.units))
