"""Phone numbers: parsing to E.164 with ``phonenumbers`` and masking for logs.

``phonenumbers`` (~10 ms to import) is loaded by the first parse, so functions that only mask numbers
(the sender, the inbound webhook) never load it. Functions that parse a number in every invocation call
``preload()`` when their handler module loads: that cost is part of their cold start, not of their
first request.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from .errors import InvalidPhone

MAX_RAW_LENGTH = 40


@cache
def _sms_types() -> tuple[Any, frozenset[int], dict[int, str]]:
    import phonenumbers
    from phonenumbers import PhoneNumberType

    # Only types that can receive SMS are accepted. FIXED_LINE_OR_MOBILE is what the metadata says for
    # the US/Canada (NANP) and a few other plans where the prefix does not tell mobile from landline.
    capable = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE})
    names = {
        PhoneNumberType.FIXED_LINE: "a landline",
        PhoneNumberType.PREMIUM_RATE: "a premium-rate number",
        PhoneNumberType.TOLL_FREE: "a toll-free number",
        PhoneNumberType.SHARED_COST: "a shared-cost number",
        PhoneNumberType.VOIP: "a VoIP number",
        PhoneNumberType.PERSONAL_NUMBER: "a personal (forwarding) number",
        PhoneNumberType.PAGER: "a pager number",
        PhoneNumberType.UAN: "a universal access number",
        PhoneNumberType.VOICEMAIL: "a voicemail number",
    }
    return phonenumbers, capable, names


def preload() -> None:
    """Load ``phonenumbers`` now (see the module docstring)."""
    _sms_types()


@dataclass(frozen=True, slots=True)
class NormalizedPhone:
    e164: str
    country: str  # ISO 3166-1 alpha-2 region of the number, e.g. "PL"


def normalize_phone(raw: str, default_region: str | None = None, field: str = "phone") -> NormalizedPhone:
    """Parse any human format into E.164, refusing numbers that cannot receive SMS.

    ``default_region`` is used for national formats ("501 234 567" with "PL").
    """
    text = (raw or "").strip()
    if not text:
        raise InvalidPhone("phone is required", field)
    if len(text) > MAX_RAW_LENGTH:
        raise InvalidPhone("phone is too long", field)
    return _parse(text, default_region.upper() if default_region else None, field)


# The same number is parsed again and again: the inbound worker parses a sender two or three times per
# message, the dispatcher each recipient twice when a campaign has a segment, a person submits a form
# twice. Refusals are exceptions, which are never cached.
@lru_cache(maxsize=4096)
def _parse(text: str, region: str | None, field: str) -> NormalizedPhone:
    phonenumbers, sms_capable, type_names = _sms_types()
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise InvalidPhone("not a phone number; use international format, e.g. +48501234567", field) from None
    # A valid number is one whose type is known: number_type() matches the same patterns as
    # is_valid_number(), so one call answers both (each call walks the region's number patterns).
    number_type = phonenumbers.number_type(number) if phonenumbers.is_possible_number(number) else None
    if number_type is None or number_type == phonenumbers.PhoneNumberType.UNKNOWN:
        raise InvalidPhone("not a valid phone number", field)
    if number_type not in sms_capable:
        kind = type_names.get(number_type, "not a mobile number")
        raise InvalidPhone(f"cannot receive SMS: {kind}", field)
    region_code = phonenumbers.region_code_for_number(number) or ""
    return NormalizedPhone(
        e164=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
        country=region_code,
    )


def mask_phone(phone: str | None) -> str:
    """Everything but the last four digits replaced, for logs: ``+48501234567`` → ``+*******4567``."""
    if not phone:
        return ""
    digits = [c for c in phone if c.isdigit()]
    if len(digits) <= 4:
        return "*" * len(phone)
    keep = "".join(digits[-4:])
    prefix = "+" if phone.startswith("+") else ""
    return prefix + "*" * (len(digits) - 4) + keep
