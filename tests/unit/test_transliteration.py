"""GSM-7 spelling (domain/transliteration.py): faithful mappings only, native GSM-7 letters kept, and a
text that cannot become GSM-7 left exactly as written."""

from __future__ import annotations

import pytest

from consent_platform.domain.segments import GSM7_BASIC, GSM7_EXTENSION, count_segments
from consent_platform.domain.transliteration import GSM7_SPELLING, fit_gsm7, if_gsm7, non_gsm7, to_gsm7


@pytest.mark.parametrize(
    ("native", "gsm7"),
    [
        ("Zażółć gęślą jaźń", "Zazolc gesla jazn"),  # Polish: every letter with a diacritic
        ("ZAŻÓŁĆ GĘŚLĄ JAŹŃ", "ZAZOLC GESLA JAZN"),
        ("Příliš žluťoučký kůň úpěl ďábelské ódy", "Prilis zlutoucky kun upel dabelské ody"),  # Czech (é kept)
        ("Größe Übermäßig Äpfel Öl", "Größe Übermäßig Äpfel Öl"),  # German: all GSM-7 already
        ("Noël à l'hôtel, façon crème brûlée, cœur", "Noel à l'hotel, facon crème brulée, coeur"),  # French
        ("¿Qué tal? ¡Año nuevo, canción, pingüino, Ávila!", "¿Qué tal? ¡Año nuevo, cancion, pingüino, Avila!"),
        ("\u201cquoted\u201d \u2018single\u2019 \u201eDE\u201c \u00abFR\u00bb", '"quoted" \'single\' "DE" "FR"'),
        ("a \u2013 b \u2014 c\u2026", "a - b - c..."),
        ("prix\u202f: 10\u00a0\u20ac", "prix : 10 \u20ac"),  # narrow / no-break spaces; € is GSM-7 (extension)
        ("zero\u200bwidth\u00adsoft", "zerowidthsoft"),
    ],
)
def test_faithful_mappings(native: str, gsm7: str) -> None:
    assert to_gsm7(native) == gsm7
    assert not non_gsm7(gsm7)


def test_the_table_never_maps_a_gsm7_character_and_always_maps_to_gsm7() -> None:
    gsm7 = GSM7_BASIC | GSM7_EXTENSION
    assert not set(GSM7_SPELLING) & gsm7  # é ü ö ñ à ä ß … are kept, never stripped
    assert all(ch in gsm7 for spelling in GSM7_SPELLING.values() for ch in spelling)


def test_native_gsm7_letters_are_kept() -> None:
    text = "é è ù ì ò à Ç É ä ö ü ñ Ä Ö Ñ Ü ß Å å Æ æ Ø ø ¿ ¡ £ ¥ §"
    assert to_gsm7(text) == text and fit_gsm7(text) == text


def test_emoji_keeps_the_text_as_written() -> None:
    text = "Wiosna 🌷 – róże…"
    assert fit_gsm7(text) == text  # stays UCS-2 anyway: "…" → "..." would only add units
    assert non_gsm7(text) == ["🌷", "–", "ó", "ż", "…"]


def test_fit_gsm7_saves_parts() -> None:
    text = "Cześć! Zamów do niedzieli – bukiety róż -20%…"
    fitted = fit_gsm7(text)
    assert fitted == "Czesc! Zamow do niedzieli - bukiety roz -20%..."
    assert count_segments(text).encoding == "UCS-2" and count_segments(fitted).encoding == "GSM-7"


def test_fit_gsm7_never_costs_more_parts() -> None:
    ellipses = "…" * 70  # 1 UCS-2 part; 210 GSM-7 characters would be 2
    assert fit_gsm7(ellipses) == ellipses


def test_if_gsm7_drops_what_has_no_spelling() -> None:
    assert if_gsm7("Promocja 🌷 róże") == "Promocja  roze"
