"""Per-language texts: the expired-confirmation notice in every supported language."""

from __future__ import annotations

import pytest

from consent_platform.domain.language import SUPPORTED_LANGUAGES, expired_notice


@pytest.mark.parametrize("language", sorted(SUPPORTED_LANGUAGES))
def test_expired_notice_exists_in_every_language_with_and_without_a_keyword(language: str) -> None:
    with_keyword = expired_notice(language, "Demo Shop", "KWIATY")
    assert with_keyword.startswith("Demo Shop") and "KWIATY" in with_keyword
    assert "{" not in expired_notice(language, "Demo Shop", None)
    assert not expired_notice(language, "", None).startswith(":")


def test_expired_notice_falls_back_to_english() -> None:
    assert expired_notice("xx", "Shop", "JOIN") == "Shop: this confirmation has expired - text JOIN to join again."
    native = expired_notice("xx", "Shop", "JOIN", diacritics=True)
    assert native == "Shop: this confirmation has expired — text JOIN to join again."
