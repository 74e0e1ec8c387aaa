"""Lists (what a person opts in to): configuration, default messages and the compliance lint."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints, field_validator, model_validator

from .conversions import Attribution
from .errors import ValidationFailed
from .language import (
    DEFAULT_EMAIL_CONSENT,
    DEFAULT_MESSAGES,
    HELP_WORDS,
    RATES_PHRASE,
    SUPPORTED_LANGUAGES,
    confirm_words,
)
from .pumping import DEFAULT_MAX_CONFIRMATIONS_PER_DAY
from .spend import DEFAULT_MAX_SEGMENTS
from .transliteration import fit_gsm7, to_gsm7

LIST_ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
MESSAGE_KINDS = ("confirm_request", "welcome", "help", "stop")

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Country = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Z]{2}$")]
Url = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
# A confirmation word: one word of letters (any script), as a person would type it back.
ConfirmWord = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20, pattern=r"^\w+$")]
# phonenumbers' region of non-geographic numbers (satellite +881/+870, international networks): a
# favourite SMS-pumping target, reachable only when a list names it in allowed_countries.
NON_GEOGRAPHIC = "001"
AllowedCountry = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^([A-Z]{2}|001)$")]


def _check_region(code: str) -> str:
    import phonenumbers  # only when a list's countries are validated: most functions never do

    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError(f"unknown country code {code!r} (ISO 3166-1 alpha-2 expected)")
    return code


class ConsentText(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]


class MessageTemplates(BaseModel):
    model_config = ConfigDict(extra="forbid")
    confirm_request: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=640)] | None = (
        None
    )
    welcome: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=640)] | None = None
    help: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=640)] | None = None
    stop: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=640)] | None = None


class FrequencyCap(BaseModel):
    """At most ``messages`` marketing messages per rolling ``days`` to one number from this list."""

    model_config = ConfigDict(extra="forbid")
    messages: int = Field(ge=1, le=1000)
    days: int = Field(ge=1, le=365)


class CartAbandonedTemplate(BaseModel):
    """The list's abandoned-cart SMS: ``{url}`` and ``{first_name|fallback}`` are filled in."""

    model_config = ConfigDict(extra="forbid")
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=640)]
    delay_hours: int = Field(default=48, ge=1, le=24 * 30)

    @field_validator("text")
    @classmethod
    def _placeholders(cls, value: str) -> str:
        unknown = sorted(set(re.findall(r"\{([^{}|]*)", value)) - {"url", "first_name"})
        if unknown:
            raise ValueError(f"unknown placeholder {{{unknown[0]}}}; available: first_name, url")
        return value


class ListConfig(BaseModel):
    """Body of ``PUT /v1/admin/lists/{list_id}``."""

    model_config = ConfigDict(extra="forbid")

    brand: Annotated[Text, Field(max_length=100)]
    opt_in: Literal["double", "single"]
    default_country: Country
    # Unset: the list's default_country only (SMS-pumping defence; issue 14).
    allowed_countries: list[AllowedCountry] | None = Field(default=None, min_length=1)
    frequency: Annotated[Text, Field(max_length=100)]
    support: Annotated[Text, Field(max_length=200)]
    consent_text: ConsentText
    language: Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, pattern=r"^[a-z]{2}$")] = "en"
    messages: MessageTemplates = Field(default_factory=MessageTemplates)
    frequency_cap: FrequencyCap | None = None
    # SMS-pumping defence: at most this many sign-up SMS (confirmation requests, or welcomes for a
    # single opt-in list) per UTC day; beyond it sign-ups answer 429 and ConfirmationCapReached alarms.
    # Unset (null): the platform default, DEFAULT_MAX_CONFIRMATIONS_PER_DAY.
    max_confirmations_per_day: int | None = Field(default=None, ge=1, le=10_000_000)
    cart_abandoned: CartAbandonedTemplate | None = None
    # Where a browser lands after a successful no-JavaScript form post (303); https only.
    thank_you_url: Url | None = None
    # Shown next to the consent box; required (lint) where the list may reach US numbers (CTIA).
    terms_url: Url | None = None
    privacy_url: Url | None = None
    # The e-mail checkbox's own wording, proved in the ledger's e-mail entry. Unset: a default in the
    # list's language (DEFAULT_EMAIL_CONSENT), versioned by its content.
    email_consent_text: ConsentText | None = None
    # Words that confirm a pending sign-up (double opt-in). Unset: the language's defaults (CONFIRM_WORDS).
    confirm_words: list[ConfirmWord] | None = Field(default=None, min_length=1, max_length=20)
    # Spend (issue 17). diacritics: built-in texts (default messages, the opt-out footer) in the language's
    # native spelling — "zrezygnować" forces UCS-2 (70/67 characters a part); false keeps them GSM-7.
    # transliterate: also spell the list's own texts (campaigns, templates) in GSM-7 where a faithful
    # mapping exists (transliteration.py). max_segments: a longer campaign message is refused (422).
    diacritics: StrictBool = False
    transliterate: StrictBool = False
    max_segments: int = Field(default=DEFAULT_MAX_SEGMENTS, ge=1, le=10)
    # Short links (issue 19; README "Links"): campaign URLs become <short_domain or PublicBaseUrl>/r/<code>
    # per recipient; short_domain is an https origin that routes /r/* to this API; links live this long.
    link_tracking: StrictBool = True
    short_domain: Url | None = None
    link_expiry_days: int = Field(default=90, ge=1, le=365)
    # Conversions (issue 19; README "Conversions"): a purchase is credited to a link clicked within
    # click_days, else to a message received within view_days.
    attribution: Attribution = Field(default_factory=Attribution)
    # Country code (or "default") → phone number, short code or sender ID to send from.
    origination: (
        dict[str, Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]] | None
    ) = None

    @field_validator("thank_you_url", "terms_url", "privacy_url")
    @classmethod
    def _https_url(cls, value: str | None) -> str | None:
        return None if value is None else https_url(value)

    @field_validator("short_domain")
    @classmethod
    def _short_domain(cls, value: str | None) -> str | None:
        from .links import short_origin

        return None if value is None else short_origin(value)

    @field_validator("confirm_words")
    @classmethod
    def _not_reserved(cls, value: list[str] | None) -> list[str] | None:
        from .inbound import HELP_WORDS, OPT_IN_WORDS, OPT_OUT_WORDS, fold

        if value is None:
            return None
        clash = [word for word in value if fold(word) in OPT_OUT_WORDS | OPT_IN_WORDS | HELP_WORDS]
        if clash:
            raise ValueError(f"{clash[0]!r} is a STOP, START or HELP word")
        return list(dict.fromkeys(word.upper() for word in value))

    @field_validator("default_country")
    @classmethod
    def _known_default_country(cls, value: str) -> str:
        return _check_region(value)

    @field_validator("allowed_countries")
    @classmethod
    def _known_allowed(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        return sorted({code if code == NON_GEOGRAPHIC else _check_region(code) for code in value})

    @field_validator("origination")
    @classmethod
    def _origination_keys(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        if value is None:
            return None
        out: dict[str, str] = {}
        for key, identity in value.items():
            norm = key.strip()
            norm = "default" if norm.lower() == "default" else _check_region(norm.upper())
            out[norm] = identity
        return out

    @model_validator(mode="after")
    def _default_country_allowed(self) -> ListConfig:
        if self.allowed_countries is not None and self.default_country not in self.allowed_countries:
            raise ValueError("default_country must be one of allowed_countries")
        return self

    def may_reach(self, country: str) -> bool:
        """Only the countries a list names (region "001" too): unset means its own country only."""
        return country in (self.allowed_countries or [self.default_country])

    @property
    def daily_signup_cap(self) -> int:
        return self.max_confirmations_per_day or DEFAULT_MAX_CONFIRMATIONS_PER_DAY

    def builtin(self, template: str) -> str:
        """A built-in text in this list's spelling: GSM-7 unless the list opted into diacritics."""
        return template if self.diacritics else to_gsm7(template)

    def outgoing(self, text: str) -> str:
        """A text as this list sends it: in GSM-7 spelling when the list transliterates and that fits."""
        return fit_gsm7(text) if self.transliterate else text

    def confirmation_words(self) -> tuple[str, ...]:
        """Words (as displayed) that confirm a pending sign-up to this list."""
        return tuple(self.confirm_words) if self.confirm_words else confirm_words(self.language)

    def email_consent(self) -> ConsentText:
        """The e-mail box's wording and version: the list's own, else the language default."""
        if self.email_consent_text is not None:
            return self.email_consent_text
        import hashlib

        template = DEFAULT_EMAIL_CONSENT.get(self.language, DEFAULT_EMAIL_CONSENT["en"])
        text = template.format(brand=self.brand)
        return ConsentText(version="default-" + hashlib.sha256(text.encode()).hexdigest()[:10], text=text)


def resolve_messages(config: ListConfig) -> dict[str, str]:
    """All four message texts: the list's own where given, else the language default."""
    given = config.messages.model_dump()
    missing = [kind for kind in MESSAGE_KINDS if not given.get(kind)]
    if missing and config.language not in SUPPORTED_LANGUAGES:
        raise ValidationFailed(
            f"no default messages in language {config.language!r}",
            {
                "language": f"defaults exist for {', '.join(sorted(SUPPORTED_LANGUAGES))}; "
                f"otherwise give messages.{', messages.'.join(missing)}"
            },
        )
    defaults = DEFAULT_MESSAGES.get(config.language, DEFAULT_MESSAGES["en"])
    frequency = config.frequency[:1].upper() + config.frequency[1:]
    values = {
        "brand": config.brand,
        "frequency": frequency.rstrip("."),
        "support": config.support,
        "confirm": config.confirmation_words()[0],
        "rates": RATES_PHRASE + " " if config.may_reach("US") else "",
    }
    return {kind: given.get(kind) or config.builtin(defaults[kind]).format_map(values) for kind in MESSAGE_KINDS}


def _contains_word(text: str, words: tuple[str, ...]) -> bool:
    upper = text.upper()
    return any(re.search(rf"(?<![A-ZÀ-Ž]){re.escape(word)}(?![A-ZÀ-Ž])", upper) for word in words)


def lint_messages(config: ListConfig, messages: dict[str, str]) -> dict[str, str]:
    """Missing CTIA elements per message field; empty when the list is compliant.

    The message that starts a subscription (``welcome`` for single, ``confirm_request`` for double)
    must name the brand, state the frequency, give STOP and HELP instructions and, when the list may
    reach US numbers, say "Msg & data rates may apply". A double opt-in request must also say which
    word confirms. HELP must give the brand and support contact; STOP must name the brand.
    """
    problems: dict[str, list[str]] = {}
    starter = "confirm_request" if config.opt_in == "double" else "welcome"
    help_words = HELP_WORDS.get(config.language, ("HELP",))

    def need(kind: str, ok: bool, what: str) -> None:
        if not ok:
            problems.setdefault(kind, []).append(what)

    text = messages[starter]
    lower = text.lower()
    need(starter, config.brand.lower() in lower, f"the brand name ({config.brand!r})")
    need(starter, config.frequency.lower().rstrip(".") in lower, f"the frequency ({config.frequency!r})")
    need(starter, _contains_word(text, ("STOP",)), "STOP instructions")
    need(starter, _contains_word(text, help_words), f"HELP instructions ({' or '.join(help_words)})")
    if config.may_reach("US"):
        need(
            starter,
            "msg & data rates may apply" in lower or "message and data rates may apply" in lower,
            f'"{RATES_PHRASE}" (the list may reach US numbers)',
        )
    if config.opt_in == "double":
        words = config.confirmation_words()
        need(
            "confirm_request",
            _contains_word(messages["confirm_request"], words),
            f"how to confirm ({' or '.join(words)})",
        )
    need("help", config.brand.lower() in messages["help"].lower(), f"the brand name ({config.brand!r})")
    need("help", config.support.lower() in messages["help"].lower(), f"the support contact ({config.support!r})")
    need("stop", config.brand.lower() in messages["stop"].lower(), f"the brand name ({config.brand!r})")
    return {f"messages.{kind}": "missing " + "; ".join(items) for kind, items in problems.items()}


def lint_links(config: ListConfig) -> dict[str, str]:
    """CTIA: a sign-up form for US numbers links the program's terms and its privacy policy."""
    if not config.may_reach("US"):
        return {}
    reason = "required where the list may reach US numbers (CTIA: the form links terms and privacy policy)"
    return {name: reason for name in ("terms_url", "privacy_url") if not getattr(config, name)}


def https_url(value: str) -> str:
    """An absolute https:// URL with no spaces or control characters, or ValueError."""
    from urllib.parse import urlsplit

    # Checked on the raw text: urlsplit silently drops CR, LF and TAB, and a CR/LF left in the value
    # would split the 303's Location header (response-header injection).
    if any(ord(c) < 0x21 or 0x7F <= ord(c) <= 0x9F for c in value):
        raise ValueError("an https:// URL without spaces or control characters")
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.hostname:
        raise ValueError("an absolute https:// URL")
    return value


def is_safe_redirect(value: str) -> bool:
    try:
        https_url(value)
    except ValueError:
        return False
    return True


class StoredList(ListConfig):
    """A list as stored and returned: every message filled in, every consent version known."""

    model_config = ConfigDict(extra="ignore")

    @field_validator("thank_you_url", "terms_url", "privacy_url")
    @classmethod
    def _https_url(cls, value: str | None) -> str | None:
        # Overrides the edge's check: a list stored under older rules (an http:// thank-you page) must
        # still load, or every sign-up to it would fail. What reaches a header is re-checked at use
        # (is_safe_redirect).
        return value

    list_id: str
    # Factories in Python, not ``list``/``dict``: pydantic reads a factory's signature, and a builtin's costs
    # every cold start ~1.5 ms (inspect compiles tokenize's regexes to parse its text signature; issue 17).
    consent_versions: list[str] = Field(default_factory=lambda: [])
    # Every e-mail consent wording ever published for this list, by version (lists stored before
    # e-mail wording existed have none: their form showed the default, which email_consent() rebuilds).
    email_consent_versions: dict[str, str] = Field(default_factory=lambda: {})
    created_at: str
    updated_at: str
    version: int = 0

    def message(self, kind: str) -> str:
        text = getattr(self.messages, kind)
        assert text, f"stored list {self.list_id} lacks message {kind}"  # filled by resolve_messages
        return str(text)

    def public_view(self) -> dict[str, object]:
        return self.model_dump(mode="json", exclude={"version"})

    def email_consent_for(self, version: str | None) -> str | None:
        """The e-mail wording published under ``version`` (the current one when None); None if unknown."""
        current = self.email_consent()
        if version is None or version == current.version:
            return current.text
        return self.email_consent_versions.get(version)
