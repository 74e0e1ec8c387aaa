"""Inbound SMS: normalising the text and deciding what it asks for.

Order of precedence (issue #3): opt-out, opt-in, confirmation, help, custom keyword, unmatched.
Opt-out wins everything: when in doubt we stop sending (FCC 2024 revocation order — consumers may
revoke "in any reasonable manner"), so a message whose *first word* is an opt-out word is an opt-out.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from .language import CONFIRM_WORDS as LANGUAGE_CONFIRM_WORDS

# Characters that do not decompose under NFKD but have an obvious ASCII base letter.
_FOLD = str.maketrans(
    {"ł": "l", "Ł": "L", "ß": "ss", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE"}
)


def fold(text: str) -> str:
    """Case- and accent-insensitive form: ``"  Stóp!! "`` → ``"STOP"`` (no trimming)."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).upper()


# ---- words, as data, with their sources ------------------------------------------------------------

# Twilio Advanced Opt-Out defaults; AWS End User Messaging SMS required opt-out keywords; FCC 24-24
# (2024) lists stop, quit, end, revoke, opt out, cancel, unsubscribe. STOPALL revokes everything.
OPT_OUT_WORDS_EN = (
    "STOP",
    "STOPALL",
    "UNSUBSCRIBE",
    "CANCEL",
    "END",
    "QUIT",
    "REVOKE",
    "OPTOUT",
    "OPT-OUT",
    "OPT OUT",
    "REMOVE",
    "ARRET",
    "TD",
)
# Per language (after accent folding): pl "rezygnacja/rezygnuję/wypisz", fr "arrêt/désabonner/désinscrire",
# de "stopp/abmelden/kündigen", es "baja/parar/cancelar/alto". Common carrier and aggregator practice.
OPT_OUT_WORDS_LOCAL = (
    "REZYGNACJA",
    "REZYGNUJE",
    "WYPISZ",
    "DESABONNER",
    "DESINSCRIRE",
    "STOPP",
    "ABMELDEN",
    "KUNDIGEN",
    "BAJA",
    "PARAR",
    "CANCELAR",
    "ALTO",
)
OPT_OUT_ALL = frozenset({"STOPALL"})
OPT_OUT_WORDS = frozenset(OPT_OUT_WORDS_EN + OPT_OUT_WORDS_LOCAL)

# AWS End User Messaging required opt-in keywords; Twilio START/UNSTOP.
OPT_IN_WORDS = frozenset({"START", "UNSTOP"})
# Double opt-in confirmations: every language's defaults (language.CONFIRM_WORDS), after accent folding.
# A list's own confirm_words add to these (see classify's ``confirm``).
CONFIRM_WORDS = frozenset(fold(word) for words in LANGUAGE_CONFIRM_WORDS.values() for word in words)
# AWS End User Messaging required HELP keywords (HELP, INFO), plus local words.
HELP_WORDS = frozenset({"HELP", "INFO", "POMOC", "AIDE", "HILFE", "AYUDA"})

BUILT_IN_WORDS = OPT_OUT_WORDS | OPT_IN_WORDS | CONFIRM_WORDS | HELP_WORDS

_EDGE = re.compile(r"^[\W_]+|[\W_]+$")
_SPACE = re.compile(r"\s+")
_FIRST_WORD = re.compile(r"[^\w-]+")


def normalize_body(text: str) -> str:
    """Trim, collapse whitespace, strip surrounding punctuation and emoji, case-fold, fold accents."""
    folded = _SPACE.sub(" ", fold(text)).strip()
    return _EDGE.sub("", folded)


class Intent(StrEnum):
    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    CONFIRM = "confirm"
    HELP = "help"
    KEYWORD = "keyword"
    UNMATCHED = "unmatched"
    POLL = "poll"  # never from classify(): a text no other intent took that answers a poll (issue #20)


@dataclass(frozen=True, slots=True)
class Classification:
    intent: Intent
    word: str = ""  # the built-in word or the custom keyword that matched
    all_lists: bool = False  # STOPALL
    scope: str | None = None  # "STOP KWIATY": the keyword the opt-out is limited to


@dataclass(frozen=True, slots=True)
class KeywordRule:
    keyword: str  # folded
    match: str  # exact | prefix | phrase
    number: str | None = None

    def answers_on(self, to: str) -> bool:
        """Whether the keyword answers texts to ``to`` (a keyword without a number answers on all)."""
        return not self.number or _digits(self.number) == _digits(to)

    def matches(self, text: str, to: str | None) -> bool:
        if to and not self.answers_on(to):
            return False
        if self.match == "exact":
            return text == self.keyword
        if self.match == "prefix":
            return text == self.keyword or text.startswith(self.keyword + " ")
        return re.search(rf"(?<!\w){re.escape(self.keyword)}(?!\w)", text) is not None


def classify(
    body: str,
    keywords: list[KeywordRule] | tuple[KeywordRule, ...] = (),
    to: str | None = None,
    confirm: frozenset[str] = CONFIRM_WORDS,
) -> Classification:
    """``confirm``: the folded confirmation words of every list (the built-in ones and lists' own)."""
    text = normalize_body(body)
    if not text:
        return Classification(Intent.UNMATCHED)
    first = _FIRST_WORD.split(text, maxsplit=1)[0]
    if text in OPT_OUT_WORDS:
        return Classification(Intent.OPT_OUT, text, all_lists=text in OPT_OUT_ALL)
    if first in OPT_OUT_WORDS or text.startswith("OPT OUT"):
        word = "OPT OUT" if text.startswith("OPT OUT") else first
        remainder = _EDGE.sub("", text.removeprefix(word))
        scope = remainder if remainder and any(k.keyword == remainder for k in keywords) else None
        return Classification(Intent.OPT_OUT, word, all_lists=word in OPT_OUT_ALL, scope=scope)
    if text in OPT_IN_WORDS:
        return Classification(Intent.OPT_IN, text)
    if text in confirm:
        return Classification(Intent.CONFIRM, text)
    if text in HELP_WORDS:
        return Classification(Intent.HELP, text)
    for rule in keywords:
        if rule.matches(text, to):
            return Classification(Intent.KEYWORD, rule.keyword)
    return Classification(Intent.UNMATCHED)


def _digits(number: str) -> str:
    return "".join(c for c in number if c.isdigit())
