"""Bodies of the public routes (OptInFunction): the sign-up form and its answer, a list's public view,
QR codes."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal
from urllib.parse import quote, urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from ..domain.clock import ZoneName
from ..domain.lists import ConsentText, StoredList
from ..domain.plain_text import PlainText, refuse_controls
from ._base import Open

AFFIRMATIVE = frozenset({"true", "on", "yes", "1"})
NEGATIVE = frozenset({"false", "off", "no", "0", ""})  # "" is an unticked box sent by a script
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _affirmative(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in AFFIRMATIVE | NEGATIVE:
        return value.strip().lower() in AFFIRMATIVE
    raise ValueError("must be true or false ('on'/'yes'/'1' or 'off'/'no'/'0' in a form)")


# Documented as what is accepted: a JSON boolean, or a form's checkbox value.
_AFFIRMATIVE_SCHEMA = {"anyOf": [{"type": "boolean"}, {"type": "string", "enum": sorted(AFFIRMATIVE | NEGATIVE)}]}
Affirmative = Annotated[bool, BeforeValidator(_affirmative), WithJsonSchema(_AFFIRMATIVE_SCHEMA)]
Short = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200), AfterValidator(refuse_controls)]


class OptInRequest(BaseModel):
    """Body of ``POST /v1/optin`` (JSON or an HTML form post). Unknown fields are ignored."""

    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={"examples": [{"phone": "+48 501 234 567", "list_id": "demo", "sms_consent": True}]},
    )

    phone: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    list_id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    sms_consent: Affirmative
    consent_version: Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)] | None = None
    country: (
        Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{2}$")] | None
    ) = None
    first_name: Annotated[PlainText, StringConstraints(strip_whitespace=True, max_length=100)] | None = None
    timezone: ZoneName | None = None
    source: Short | None = None
    email: Annotated[str, StringConstraints(strip_whitespace=True, max_length=254)] | None = None
    email_consent: Affirmative = False
    # The version of the e-mail box's wording the form showed (GET /v1/lists/{id}/public); default: current.
    email_consent_version: Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)] | None = None

    @field_validator("sms_consent")
    @classmethod
    def _must_consent(cls, value: bool) -> bool:
        if not value:
            raise ValueError("SMS consent must be given (an unticked box is not consent)")
        return value

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not _EMAIL.match(value):
            raise ValueError("not an e-mail address")
        return value.lower()

    @field_validator("consent_version", "email_consent_version", "first_name", "source", "country")
    @classmethod
    def _empty_is_absent(cls, value: str | None) -> str | None:
        return value or None

    @field_validator("source")
    @classmethod
    def _no_query(cls, value: str | None) -> str | None:
        from ..domain.erasure import stored_source  # a form's ?email=…&phone=… never reaches storage

        return stored_source(value)


class QrRequest(BaseModel):
    """Query of ``GET /v1/qr``: ``keyword`` + ``number``, or ``url``."""

    model_config = ConfigDict(extra="forbid")

    keyword: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)] | None = None
    number: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9]{3,15}$")] | None = None
    url: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)] | None = None
    format: Literal["svg", "png"] = "svg"
    # SMSTO: is what Android and most scanners read; sms: with ?body= is the iOS form.
    scheme: Literal["smsto", "sms"] = "smsto"
    scale: int = Field(default=8, ge=1, le=40)  # pixels per module
    border: int = Field(default=4, ge=0, le=10)  # quiet zone in modules (4 is the standard)
    ecc: Literal["L", "M", "Q", "H"] = "M"  # error correction: higher survives damage, needs more modules

    @model_validator(mode="after")
    def _one_target(self) -> QrRequest:
        if self.url is not None:
            if self.keyword is not None or self.number is not None:
                raise ValueError("give url, or keyword and number — not both")
            parts = urlsplit(self.url)
            if parts.scheme not in ("https", "http") or not parts.netloc:
                raise ValueError("url must be an http(s) URL")
        elif self.keyword is None or self.number is None:
            raise ValueError("give keyword and number (text-to-join), or url (a form link)")
        return self

    def content(self) -> str:
        if self.url is not None:
            return self.url
        assert self.keyword is not None and self.number is not None
        if self.scheme == "sms":
            return f"sms:{self.number}?body={quote(self.keyword)}"
        return f"SMSTO:{self.number}:{self.keyword}"


class OptInAccepted(Open):
    """Answer to ``POST /v1/optin`` (JSON)."""

    omit_none = True  # confirmation_sent only for pending_confirmation

    status: Literal["pending_confirmation", "active"]  # a subscribed number gets what a new one would
    phone: str = Field(description="E.164")
    list_id: str
    confirmation_sent: bool | None = Field(
        default=None, description="Only for pending_confirmation: false when a request within the cooldown was re-sent"
    )


class PublicList(Open):
    """What a sign-up form may show anyone about a list (``GET /v1/lists/{list_id}/public``): no messages,
    origination or internal fields."""

    list_id: str
    brand: str
    opt_in: Literal["double", "single"]
    language: str
    default_country: str
    allowed_countries: list[str] = Field(description="What the list accepts (its own country when unset)")
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

    @classmethod
    def of(cls, stored: StoredList) -> PublicList:
        return cls(
            list_id=stored.list_id,
            brand=stored.brand,
            opt_in=stored.opt_in,
            language=stored.language,
            default_country=stored.default_country,
            # A form picks the disclosure for what the list accepts: its own country when unset.
            allowed_countries=stored.allowed_countries or [stored.default_country],
            frequency=stored.frequency,
            support=stored.support,
            consent_text=stored.consent_text,
            email_consent_text=stored.email_consent(),
            confirm_words=list(stored.confirmation_words()),
            terms_url=stored.terms_url,
            privacy_url=stored.privacy_url,
            thank_you_url=stored.thank_you_url,
        )
