"""The ``spend`` figure (issue 17): parts paid per campaign message vs the fewest the text needs.

For every text of the corpus (``tests/data/campaign_texts.json``, five languages) and both encoding
choices of a list (``transliterate`` off / on), the message as the platform builds it (opt-out footer,
list spelling, placeholders at their fallbacks) is counted in parts and compared with the minimum:

- transliterate off: the list's text as written, plus the footer in GSM-7 spelling (a built-in text never
  forces UCS-2 by itself);
- transliterate on: the whole message in GSM-7 where every character has a faithful GSM-7 form, else as
  written — whichever needs fewer parts.

The minimum is computed here independently of the production table (``domain/transliteration.py``):
from Unicode decomposition (the letter without its combining marks) and Unicode categories, so the two
check each other. Also the issue's Polish example: an 88-character campaign whose only non-GSM-7
character came from the footer "Odpisz STOP, aby zrezygnować" (2 parts before, 1 now).
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path
from typing import Any

from consent_platform.domain.campaigns import render, with_opt_out
from consent_platform.domain.segments import GSM7_BASIC, GSM7_EXTENSION, count_segments
from consent_platform.domain.transliteration import fit_gsm7

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "data" / "campaign_texts.json"
LANGUAGES = ("en", "pl", "de", "fr", "es")
GSM7 = GSM7_BASIC | GSM7_EXTENSION
# 88 GSM-7 characters of Polish campaign copy (written without diacritics, as Polish SMS often is).
POLISH_EXAMPLE = "Kwiaciarnia: wiosenne bukiety tulipanow -20% do niedzieli. Zamow: kwiaty.example/wiosna1"
# Letters Unicode does not decompose (stroke, ligature) and the typographic marks, by category.
_UNDECOMPOSED = {"ł": "l", "Ł": "L", "œ": "oe", "Œ": "OE", "ẞ": "SS"}
_QUOTES = {"Pi": '"', "Pf": '"'}
_SINGLE = set("\u2018\u2019\u201a\u201b\u2032\u2039\u203a")


def corpus() -> dict[str, list[str]]:
    data: dict[str, list[str]] = json.loads(CORPUS.read_text(encoding="utf-8"))
    return {language: data[language] for language in LANGUAGES}


def _fold_char(ch: str) -> str | None:
    """The GSM-7 form of one character by Unicode's own data, or None where there is none (emoji)."""
    if ch in GSM7:
        return ch
    if ch in _UNDECOMPOSED:
        return _UNDECOMPOSED[ch]
    category = unicodedata.category(ch)
    if category == "Zs":
        return " "
    if category in ("Cf", "Mn") or ch == "\u00ad":
        return ""
    if category == "Pd" or ch == "\u2212":
        return "-"
    if ch in _SINGLE:
        return "'"
    if category in _QUOTES or ch in "\u201e\u2033\u00ab\u00bb":
        return '"'
    if ch == "\u2026":
        return "..."
    base = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
    return base if base and base != ch and all(c in GSM7 for c in base) else None


def fold(text: str) -> str | None:
    folded = [_fold_char(ch) for ch in text]
    return None if any(part is None for part in folded) else "".join(part or "" for part in folded)


def minimum(text: str, language: str, transliterate: bool) -> int:
    """Fewest parts the message needs under the list's encoding choice (see the module docstring)."""
    native = render(with_opt_out(text, language, diacritics=True), None)
    own = render(text, None)
    footer = native[len(own) :] if native.startswith(own) else ""
    folded_footer = fold(footer)
    assert folded_footer is not None, f"built-in footer without a GSM-7 form: {footer!r}"
    written = own + folded_footer
    best = count_segments(written).segments
    if transliterate:
        everything = fold(written)
        if everything is not None:
            best = min(best, count_segments(everything).segments)
    return best


def actual(text: str, language: str, transliterate: bool) -> int:
    """Parts of the message as the campaign service builds it for a list with default diacritics."""
    message = with_opt_out(text, language)
    message = fit_gsm7(message) if transliterate else message
    return count_segments(render(message, None)).segments


def measure() -> dict[str, Any]:
    out: dict[str, Any] = {"messages": 0, "segments": {}, "minimum": {}, "over_minimum": []}
    for transliterate, key in ((False, "transliterate_off"), (True, "transliterate_on")):
        paid = need = 0
        for language, texts in corpus().items():
            for index, text in enumerate(texts):
                got, least = actual(text, language, transliterate), minimum(text, language, transliterate)
                paid, need = paid + got, need + least
                if got != least:
                    out["over_minimum"].append({"language": language, "index": index, key: [got, least]})
        out["segments"][key], out["minimum"][key] = paid, need
    out["messages"] = sum(len(texts) for texts in corpus().values())
    out["equal"] = out["segments"] == out["minimum"]
    out["polish_example"] = {
        "characters": len(POLISH_EXAMPLE),
        "segments": count_segments(with_opt_out(POLISH_EXAMPLE, "pl")).segments,
        "segments_with_diacritics": count_segments(with_opt_out(POLISH_EXAMPLE, "pl", diacritics=True)).segments,
    }
    return out


def figure() -> dict[str, Any]:
    """The ``spend`` key of bench-results.json."""
    measured = measure()
    return {
        "corpus_messages": measured["messages"],
        "corpus_segments": measured["segments"],
        "corpus_minimum_segments": measured["minimum"],
        "corpus_equal_to_minimum": measured["equal"],
        "polish_example_segments": measured["polish_example"]["segments"],
        "polish_example_segments_with_diacritics": measured["polish_example"]["segments_with_diacritics"],
    }
