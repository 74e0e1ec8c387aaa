"""Spend (issue 17): built-in texts in GSM-7, encoding warnings, the segment limit, cost estimates, and
the figure — every corpus message costs the fewest parts its list's encoding choice allows."""

from __future__ import annotations

from typing import Any

import pytest

from bench import spend as figure
from consent_platform.domain.campaigns import OPT_OUT_FOOTER, with_opt_out
from consent_platform.domain.errors import ValidationFailed
from consent_platform.domain.language import DEFAULT_MESSAGES, EXPIRED_NOTICES, SUPPORTED_LANGUAGES, expired_notice
from consent_platform.domain.lists import ListConfig, resolve_messages
from consent_platform.domain.segments import count_segments
from consent_platform.domain.spend import (
    DEFAULT_MAX_SEGMENTS,
    check_segments,
    country_of_rule,
    estimate,
    price_per_part,
    price_table,
    warnings,
)
from consent_platform.domain.transliteration import fit_gsm7, non_gsm7

LIST: dict[str, Any] = {
    "brand": "Shop",
    "opt_in": "double",
    "default_country": "PL",
    "frequency": "up to 4 msgs/month",
    "support": "help@example.com",
    "consent_text": {"version": "1", "text": "Yes"},
}


@pytest.mark.parametrize("language", sorted(SUPPORTED_LANGUAGES))
def test_every_built_in_text_is_gsm7_unless_the_list_opts_into_diacritics(language: str) -> None:
    config = ListConfig(**LIST, language=language, allowed_countries=["PL", "US"])
    for kind, text in resolve_messages(config).items():
        assert non_gsm7(text) == [], (language, kind, text)
    assert non_gsm7(with_opt_out("Sale -20%", language)) == []
    for keyword in ("JOIN", None):
        assert non_gsm7(expired_notice(language, "Shop", keyword)) == []
    native = resolve_messages(config.model_copy(update={"diacritics": True}))
    if any(non_gsm7(text) for text in DEFAULT_MESSAGES[language].values()):  # pl, de, fr, es
        assert any(non_gsm7(text) for text in native.values()), language


def test_diacritics_keep_the_native_spelling() -> None:
    config = ListConfig(**LIST, language="pl", diacritics=True)
    assert "potwierdzić" in resolve_messages(config)["confirm_request"]
    assert with_opt_out("Promocja", "pl", diacritics=True).endswith(OPT_OUT_FOOTER["pl"])
    assert "wygasło" in expired_notice("pl", "Shop", "KWIATY", diacritics=True)
    assert any(non_gsm7(text) for pair in EXPIRED_NOTICES.values() for text in pair)  # the native texts do need it


def test_existing_list_data_without_the_options_loads_with_the_defaults() -> None:
    config = ListConfig(**LIST)
    assert (config.diacritics, config.transliterate, config.max_segments) == (False, False, DEFAULT_MAX_SEGMENTS)


def test_ucs2_warning_names_the_characters_and_the_parts_without_them() -> None:
    text = "Kwiaciarnia: wiosenne bukiety tulipanow -20% do niedzieli. Zamow: kwiaty.example/wiosna1"
    message = with_opt_out(text, "pl", diacritics=True)
    assert warnings(message, count_segments(message), []) == [
        {"code": "ucs2", "characters": ["ć"], "segments": 2, "segments_if_gsm7": 1}
    ]
    gsm7 = with_opt_out(text, "pl")
    assert warnings(gsm7, count_segments(gsm7), ["BR"]) == [{"code": "no_price", "countries": ["BR"]}]


def test_segment_limit_refuses_naming_the_field() -> None:
    check_segments(count_segments("x" * 306), 2)
    with pytest.raises(ValidationFailed) as refused:
        check_segments(count_segments("x" * 307), 2, field="text")
    assert refused.value.status == 422 and set(refused.value.fields) == {"text"}


def test_estimate_per_country_from_the_price_table() -> None:
    table = price_table()
    assert table["as_of"] and table["source"].startswith("https://aws.amazon.com/end-user-messaging/pricing/")
    pl = price_per_part("PL")
    us = table["countries"]["US"]
    assert price_per_part("US") == us["per_part"] + us["carrier_fee_per_part"]
    costs, total = estimate(2, {"PL": 10, "ZZ": 3})
    assert pl is not None and costs == {"PL": round(20 * pl, 4), "ZZ": None} and total == round(20 * pl, 4)
    assert [country_of_rule(code) for code in ("PL", "US-FL", "DEFAULT")] == ["PL", "US", "unknown"]


def test_every_price_says_whether_it_was_checked() -> None:
    for country, entry in price_table()["countries"].items():
        assert isinstance(entry["assumed"], bool) and entry["per_part"] > 0, country


def test_corpus_has_ten_real_looking_texts_per_language() -> None:
    corpus = figure.corpus()
    assert set(corpus) == set(SUPPORTED_LANGUAGES)
    texts = [text for language in corpus.values() for text in language]
    assert all(len(language) >= 10 for language in corpus.values())
    assert sum(any(ord(ch) > 0xFFFF for ch in text) for text in texts) >= 5  # emoji in a few
    assert sum("…" in text or "–" in text or "—" in text for text in texts) >= 10  # typographic punctuation
    for language in ("pl", "fr", "es"):
        assert sum(bool(non_gsm7(text)) for text in corpus[language]) >= 8  # diacritics GSM-7 lacks


@pytest.mark.parametrize("transliterate", [False, True])
@pytest.mark.parametrize("language", sorted(SUPPORTED_LANGUAGES))
def test_corpus_messages_cost_the_minimum_for_the_lists_choice(language: str, transliterate: bool) -> None:
    for text in figure.corpus()[language]:
        assert figure.actual(text, language, transliterate) == figure.minimum(text, language, transliterate), text


def test_transliteration_reaches_gsm7_wherever_the_mapping_is_faithful() -> None:
    for language, texts in figure.corpus().items():
        for text in texts:
            message = with_opt_out(text, language)
            needs_ucs2 = any(figure.fold(ch) is None for ch in text)  # emoji
            encoding = count_segments(fit_gsm7(message)).encoding
            assert encoding == ("UCS-2" if needs_ucs2 else "GSM-7"), (language, text)


def test_the_polish_example_is_one_part() -> None:
    assert len(figure.POLISH_EXAMPLE) == 88
    result = figure.figure()
    assert result["polish_example_segments"] == 1 and result["polish_example_segments_with_diacritics"] == 2
    assert result["corpus_equal_to_minimum"]
    assert result["corpus_segments"]["transliterate_on"] < result["corpus_segments"]["transliterate_off"]
