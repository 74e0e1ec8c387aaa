"""Bodies described for the OpenAPI document only, never built at run time: the error body (built by
``http.error_body``), the webhook's two-field answer (kept off its cold start) and Twilio's signed form
(read with ``domain/twilio.py``).

These models describe those bodies so ``infra/openapi.py`` can publish them and the fuzz test
(tests/e2e/test_api_fuzz.py) can hold every response to them. Nothing imports this module at run time:
the handlers name these schemas by string (``http.api_responses``). Every other answer is a model its
area's module defines and its service or handler builds and sends (``Open.wire``): ``admin``,
``audience``, ``campaigns``, ``erasure``, ``listings``, ``messages``, ``public``.

Domain models a route returns or takes as its body (lists, keywords, campaigns) are re-exported here, so
the document describes them as pydantic validates them, not as Powertools' generator would.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from ..domain.campaigns import CampaignRequest
from ..domain.keywords import KeywordConfig, StoredKeyword
from ..domain.lists import ListConfig, StoredList
from ._base import Open

__all__ = ["CampaignRequest", "KeywordConfig", "ListConfig", "StoredKeyword", "StoredList"]


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable machine-readable code, e.g. validation_error, not_found, rate_limited")
    message: str
    fields: dict[str, str] = Field(description="Bad field → what is wrong with it (empty when no field is to blame)")


class ErrorBody(BaseModel):
    """Every 4xx and 5xx the API itself answers."""

    error: ErrorDetail


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
