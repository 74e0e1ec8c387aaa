"""Bodies described for the OpenAPI document only: the responses still built as dicts (by the services,
and the webhook's two-field answer, kept off its cold start), and Twilio's signed form.

These models describe those bodies so ``infra/openapi.py`` can publish them and the fuzz test
(tests/e2e/test_api_fuzz.py) can hold every response to them. Nothing imports this module at run time:
the handlers name these schemas by string (``http.api_responses``), so no cold start pays for building
them. Bodies a handler builds itself are typed models in its area's module (``admin``).

Domain models a route returns or takes as its body (lists, keywords, campaigns) are re-exported here, so
the document describes them as pydantic validates them, not as Powertools' generator would.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..domain.campaigns import CampaignRequest
from ..domain.contacts import Profile
from ..domain.keywords import KeywordConfig, StoredKeyword
from ..domain.lists import ConsentText, ListConfig, StoredList
from ._base import Open

__all__ = ["CampaignRequest", "KeywordConfig", "ListConfig", "StoredKeyword", "StoredList"]


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable machine-readable code, e.g. validation_error, not_found, rate_limited")
    message: str
    fields: dict[str, str] = Field(description="Bad field → what is wrong with it (empty when no field is to blame)")


class ErrorBody(BaseModel):
    """Every 4xx and 5xx the API itself answers."""

    error: ErrorDetail


class OptInAccepted(Open):
    status: Literal["pending_confirmation", "active"]  # a subscribed number gets what a new one would
    phone: str = Field(description="E.164")
    list_id: str
    confirmation_sent: bool | None = Field(
        default=None, description="Only for pending_confirmation: false when a request within the cooldown was re-sent"
    )


class PublicList(Open):
    """What a sign-up form may show anyone about a list."""

    list_id: str
    brand: str
    opt_in: Literal["double", "single"]
    language: str
    default_country: str
    allowed_countries: list[str] | None
    frequency: str
    support: str
    consent_text: ConsentText
    email_consent_text: ConsentText = Field(
        description="The e-mail box's wording; post its version as email_consent_version"
    )
    confirm_words: list[str] = Field(description="Words that confirm a pending sign-up (double opt-in)")
    terms_url: str | None
    privacy_url: str | None
    thank_you_url: str | None


class KeywordView(Open):
    keyword: str
    display: str
    created_at: str
    updated_at: str
    usage: dict[str, Any] = Field(description="total, and per_day: {YYYY-MM-DD: count}")


class ContactPatched(Profile):
    model_config = ConfigDict(extra="allow")

    buckets_moved: int


class Erased(Open):
    phone: str
    status: Literal["erased"]
    erased_at: str
    pseudonym: str
    subscriptions_removed: int
    active_subscriptions_removed: int
    ledger_entries_pseudonymised: int
    records_deleted: int
    schedules_deleted: int


class ImportReport(Open):
    received: int
    imported: int
    unchanged: int
    rejected: int
    rejections: list[dict[str, Any]]


class TriggerResult(Open):
    status: Literal["scheduled", "duplicate", "not_subscribed"]
    cart_id: str
    send_at_utc: str | None = None
    rule: str | None = None


class WebhookQueued(Open):
    status: Literal["queued"]
    message_id: str


# The route checks the signature over the raw form and reads it with domain/twilio.py; this only documents it.
class TwilioInbound(Open):
    """Twilio's form post for an incoming SMS (signed: ``X-Twilio-Signature``); every field Twilio sends is
    part of the signature, so unknown ones are allowed."""

    From: str
    To: str
    Body: str
    MessageSid: str
