"""The opt-in function's settings (``POST /v1/optin``); only it loads the SMS-pumping limits' parser."""

from __future__ import annotations

from pydantic import Field, field_validator

from ..domain.pumping import DEFAULT_PREFIX_DIGITS, DEFAULT_RATE_LIMITS, Limit, parse_limits
from ..settings import TableSettings


class OptInSettings(TableSettings):
    outbound_queue_url: str
    event_bus_name: str = ""
    pending_confirmation_hours: int = Field(default=48, ge=1, le=24 * 30)
    max_body_bytes: int = 16 * 1024
    # SMS-pumping request limits (domain/pumping.py): "scope=requests[%]/seconds,…", scope ip|phone|prefix|country.
    optin_rate_limits: str = DEFAULT_RATE_LIMITS
    optin_prefix_digits: int = Field(default=DEFAULT_PREFIX_DIGITS, ge=2, le=15)

    @field_validator("optin_rate_limits")
    @classmethod
    def _limits(cls, value: str) -> str:
        parse_limits(value)
        return value

    def limits(self) -> tuple[Limit, ...]:
        return parse_limits(self.optin_rate_limits)
