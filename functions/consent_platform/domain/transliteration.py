"""Faithful GSM-7 spelling of a text: one character outside GSM 03.38 makes a whole SMS UCS-2 (70/67
characters a part instead of 160/153), so "zrezygnować" in a footer can double a campaign's bill.

Only mappings a reader takes for the same word are made: the letter without its diacritic where GSM-7
lacks the accented letter (Polish, Czech, French, Spanish), typographic punctuation to its ASCII form
(quotes, dashes, ellipsis) and the invisible spaces to a space (or nothing). Letters GSM-7 has natively
(é è à ù ì ò ä ö ü ñ ß Å Æ Ø …) are kept: a general "to ASCII" transliterator (unidecode, anyascii)
would strip them for nothing. Emoji and other scripts have no faithful GSM-7 form: a text containing them
stays as written (see ``fit_gsm7``). No maintained library does exactly this (checked the package lists:
AnyAscii/unidecode target ASCII, the GSM codecs do not transliterate), so the table is ours, as data.

Sources: 3GPP TS 23.038 §6.2.1 (basic set and extension table, in ``segments.py``); the letters are
those of the Polish, Czech, German, French and Spanish alphabets.
"""

from __future__ import annotations

from .segments import GSM7_BASIC, GSM7_EXTENSION, count_segments

# Letter → GSM-7 spelling, per language (a letter GSM-7 has natively is not listed).
_LETTERS: dict[str, str] = {
    # Polish: ą ć ę ł ń ó ś ź ż
    "ą": "a", "ć": "c", "ę": "e", "ł": "l", "ń": "n", "ó": "o", "ś": "s", "ź": "z", "ż": "z",
    "Ą": "A", "Ć": "C", "Ę": "E", "Ł": "L", "Ń": "N", "Ó": "O", "Ś": "S", "Ź": "Z", "Ż": "Z",
    # Czech: á č ď ě í ň ř š ť ú ů ý ž (é is GSM-7)
    "á": "a", "č": "c", "ď": "d", "ě": "e", "í": "i", "ň": "n", "ř": "r", "š": "s", "ť": "t",
    "ú": "u", "ů": "u", "ý": "y", "ž": "z",
    "Á": "A", "Č": "C", "Ď": "D", "Ě": "E", "Í": "I", "Ň": "N", "Ř": "R", "Š": "S",
    "Ť": "T", "Ú": "U", "Ů": "U", "Ý": "Y", "Ž": "Z",
    # German: ä ö ü ß Ä Ö Ü are GSM-7; only the rare capital sharp s needs spelling out.
    "ẞ": "SS",
    # French: â ê ë î ï ô û ÿ œ ç (à é è ù ì ò are GSM-7). GSM-7 has only a capital Ç (0x09), shown as ç by
    # some handsets and as Ç by others: "c" reads right everywhere.
    "â": "a", "ê": "e", "ë": "e", "î": "i", "ï": "i", "ô": "o", "û": "u", "ÿ": "y", "œ": "oe", "ç": "c",
    "À": "A", "Â": "A", "È": "E", "Ê": "E", "Ë": "E", "Î": "I", "Ï": "I", "Ô": "O", "Ù": "U", "Û": "U",
    "Ÿ": "Y", "Œ": "OE",
    # Spanish: á í ó ú (é ñ ü ¿ ¡ are GSM-7); Á Í Ó Ú above.
}  # fmt: skip

# Typographic punctuation and invisible characters → what a keyboard types.
_PUNCTUATION: dict[str, str] = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u2039": "'", "\u203a": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
    "\u2026": "...",
    # no-break, figure, narrow no-break (French "prix : 10 €"), thin, en/em and other fixed-width spaces
    "\u00a0": " ", "\u2007": " ", "\u202f": " ", "\u2009": " ", "\u200a": " ", "\u2002": " ", "\u2003": " ",
    "\u2004": " ", "\u2005": " ", "\u2006": " ", "\u2008": " ",
    # soft hyphen, zero-width space / joiners, word joiner, byte-order mark: invisible, so dropped
    "\u00ad": "", "\u200b": "", "\u200c": "", "\u200d": "", "\u2060": "", "\ufeff": "",
}  # fmt: skip

GSM7_SPELLING: dict[str, str] = {**_LETTERS, **_PUNCTUATION}
_TABLE = str.maketrans(GSM7_SPELLING)
GSM7 = GSM7_BASIC | GSM7_EXTENSION


def to_gsm7(text: str) -> str:
    """``text`` with every mappable character in its GSM-7 spelling (others left as they are)."""
    return text.translate(_TABLE)


def non_gsm7(text: str) -> list[str]:
    """The characters of ``text`` outside GSM-7, each once, in order of appearance."""
    return list(dict.fromkeys(ch for ch in text if ch not in GSM7))


def fit_gsm7(text: str) -> str:
    """The GSM-7 spelling of ``text`` when it is entirely GSM-7 and costs no more parts; else ``text``.

    A text that keeps an emoji stays UCS-2 whatever we map, and there "…" → "..." would only add units:
    such a text is left exactly as written.
    """
    mapped = to_gsm7(text)
    if mapped == text or non_gsm7(mapped):
        return text
    return mapped if count_segments(mapped).segments <= count_segments(text).segments else text


def if_gsm7(text: str) -> str:
    """What ``text`` would be without the characters that force UCS-2: mapped where a faithful spelling
    exists, dropped otherwise (the figure a warning quotes as ``segments_if_gsm7``)."""
    return "".join(ch for ch in to_gsm7(text) if ch in GSM7)
