"""Short links (issue 19): finding the URLs of a campaign text, codes, the redirect's target and who
is a link-preview fetcher rather than a person. Pure: no AWS, no clock.

Syntax. Every ``http://`` or ``https://`` URL in a text is tracked (rewritten per recipient to
``<base>/r/<code>``) unless written ``{https://shop.example/x!}``: the braces and the ``!`` are removed
and the URL goes out as written. A URL ends at whitespace, ``<>"{}|\\^``` or a trailing punctuation mark
(``.,;:!?'``; a closing bracket only when the URL did not open it), so "Shop: https://x.example/sale."
tracks ``https://x.example/sale`` and keeps the full stop.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import string
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# 62 symbols, 10 of them: 62**10 ≈ 8.4e17 codes (59.5 bits), so even 10 million live links leave one
# hit per 8.4e10 guesses — an enumeration the API's throttling (100 requests/s) would need ~27 years for.
ALPHABET = string.ascii_letters + string.digits
CODE_LENGTH = 10
CODE = re.compile(rf"^[A-Za-z0-9]{{{CODE_LENGTH}}}$")
PREVIEW_CODE = "x" * CODE_LENGTH  # what previews and segment counts put where a recipient's code goes
MAX_URL = 2048
DEFAULT_EXPIRY_DAYS = 90

_URL = re.compile(r"https?://[^\s<>\"{}|\\^`]+", re.IGNORECASE)
_OPT_OUT = re.compile(r"\{(https?://[^\s<>\"{}|\\^`]+)!\}", re.IGNORECASE)
_TRAILING = ".,;:!?'"
# Schemes a text must never carry, tracked or not: a phone renders them as links (issue 19: 422).
_HOSTILE = re.compile(r"(?<![\w+.-])(javascript|data|vbscript|file)\s*:", re.IGNORECASE)

# Link-preview fetchers (lowercase substrings of the User-Agent): they get the redirect, uncounted.
# iMessage previews as "facebookexternalhit/1.1 Facebot Twitterbot/1.0".
PREVIEW_AGENTS = (
    "facebookexternalhit",
    "facebot",
    "twitterbot",
    "slackbot-linkexpanding",
    "whatsapp",
    "telegrambot",
    "discordbot",
    "applebot",
    "googlebot",
    "bingbot",
    "linkedinbot",
    "skypeuripreview",
)


@dataclass(frozen=True, slots=True)
class Found:
    start: int
    end: int
    url: str


def _trim(url: str) -> str:
    """Drop punctuation that ends the sentence rather than the URL."""
    while url:
        last = url[-1]
        unopened = {")": "(", "]": "["}.get(last)  # a bracket the URL did not open closes the sentence's
        if last in _TRAILING or (unopened and url.count(unopened) < url.count(last)):
            url = url[:-1]
        else:
            return url
    return url


def tracked_urls(text: str) -> list[Found]:
    """The URLs of ``text`` that are rewritten, in order (opted-out ones are not among them)."""
    skipped = [(m.start(), m.end()) for m in _OPT_OUT.finditer(text)]
    found = []
    for match in _URL.finditer(text):
        if any(a <= match.start() < b for a, b in skipped):
            continue
        url = _trim(match.group(0))
        found.append(Found(match.start(), match.start() + len(url), url))
    return found


def rewrite(text: str, short: list[str]) -> str:
    """``text`` with its i-th tracked URL replaced by ``short[i]`` and opt-outs unwrapped."""
    out, at = [], 0
    for found, replacement in zip(tracked_urls(text), short, strict=True):
        out += [text[at : found.start], replacement]
        at = found.end
    out.append(text[at:])
    return unwrap("".join(out))


def unwrap(text: str) -> str:
    """``{https://x!}`` → ``https://x`` (a text sent without tracking, or an opted-out link)."""
    return _OPT_OUT.sub(lambda m: m.group(1), text)


def mask_opt_outs(text: str) -> str:
    """The text with opted-out links blanked, for the placeholder check (``{url!}`` is not a placeholder)."""
    return _OPT_OUT.sub("", text)


def problems(text: str) -> str | None:
    """Why a campaign text's links cannot be sent, or ``None``."""
    if _HOSTILE.search(text):
        return "javascript:, data:, vbscript: and file: links are not allowed"
    for found in tracked_urls(text):
        if len(found.url) > MAX_URL or not urlsplit(found.url).hostname:
            return f"not a usable link: {found.url[:80]}"
        if text[found.end : found.end + 1] == "{":
            return "a placeholder inside a tracked link is not supported; opt the link out with {url!}"
    return None


def short_url(base: str, code: str) -> str:
    return f"{base.rstrip('/')}/r/{code}"


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def is_code(value: str) -> bool:
    return bool(CODE.match(value))


def recipient_hash(key: bytes, phone: str) -> str:
    """Keyed hash of a number (HMAC-SHA256 with the link key): attribution without the number."""
    return hmac.new(key, phone.encode(), hashlib.sha256).hexdigest()


def short_origin(value: str) -> str:
    """A list's ``short_domain``: an https origin (no path, query, fragment, credentials), or ValueError."""
    parts = urlsplit(value)
    if any(ord(c) < 0x21 or ord(c) > 0x7E for c in value):
        raise ValueError("an https origin without spaces or control characters, e.g. https://go.example.com")
    if parts.scheme != "https" or not parts.hostname or parts.username or parts.password:
        raise ValueError("an https origin, e.g. https://go.example.com")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError("an origin only (no path, query or fragment): /r/<code> is appended")
    return f"https://{parts.netloc}"


def with_utm(url: str, campaign: str) -> str:
    """The stored URL with ``utm_source=sms``, ``utm_medium=sms`` and ``utm_campaign`` added. Existing
    query parameters are kept in order, and a ``utm_*`` the marketer wrote into the link wins (it is the
    more specific intent)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    present = {name for name, _ in query}
    utm = (("utm_source", "sms"), ("utm_medium", "sms"), ("utm_campaign", campaign))
    added = urlencode([(k, v) for k, v in utm if k not in present])
    # The original query string stays byte for byte (re-encoding could change what the shop reads).
    joined = "&".join(part for part in (parts.query, added) if part)
    return urlunsplit(parts._replace(query=joined))


def is_preview_fetch(method: str, user_agent: str | None) -> bool:
    """A HEAD or a known link-preview fetcher: redirected, never counted as a click."""
    if method.upper() == "HEAD":
        return True
    agent = (user_agent or "").lower()
    return any(bot in agent for bot in PREVIEW_AGENTS)
