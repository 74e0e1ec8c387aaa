"""Short links, pure parts: codes, finding and rewriting URLs, opt-outs, UTM merging, preview fetchers."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest

from consent_platform.domain import links
from consent_platform.domain.campaigns import CampaignRequest, preview


def test_codes_are_ten_symbols_of_the_62_symbol_alphabet_and_differ() -> None:
    codes = {links.new_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(len(c) == links.CODE_LENGTH >= 8 and set(c) <= set(links.ALPHABET) for c in codes)
    assert len(links.ALPHABET) == 62
    assert len(set("".join(codes))) == 62  # every symbol is used


@pytest.mark.parametrize("code", ["", "abc", "a" * 11, "abcdefghi-", "abcdefgh/.", "ąbcdefghij", "abcdefghi "])
def test_malformed_codes_are_refused(code: str) -> None:
    assert not links.is_code(code)


@pytest.mark.parametrize(
    ("text", "urls"),
    [
        ("Sale: https://shop.example/sale.", ["https://shop.example/sale"]),
        ("Go (https://shop.example/a) now!", ["https://shop.example/a"]),
        ("Wiki https://en.example/Foo_(bar), ok", ["https://en.example/Foo_(bar)"]),
        ("Two: http://a.example/x?y=1&z=2; https://b.example!", ["http://a.example/x?y=1&z=2", "https://b.example"]),
        ("Keep {https://keep.example/x!} track https://t.example", ["https://t.example"]),
        ("No links here. Reply STOP", []),
    ],
)
def test_tracked_urls_end_before_sentence_punctuation(text: str, urls: list[str]) -> None:
    assert [f.url for f in links.tracked_urls(text)] == urls


def test_rewrite_replaces_each_tracked_url_and_unwraps_opt_outs() -> None:
    text = "A https://a.example/x. B {https://b.example/y!} C https://c.example"
    out = links.rewrite(text, ["https://s.example/r/1", "https://s.example/r/2"])
    assert out == "A https://s.example/r/1. B https://b.example/y C https://s.example/r/2"


def test_with_utm_keeps_existing_parameters_and_the_marketers_own_utm() -> None:
    url = links.with_utm("https://shop.example/p?id=7&q=a%20b&utm_source=newsletter#top", "Friday sale")
    parts = urlsplit(url)
    assert parts.query.startswith("id=7&q=a%20b&utm_source=newsletter&")  # untouched, in order
    query = dict(parse_qsl(parts.query))
    assert query == {
        "id": "7",
        "q": "a b",
        "utm_source": "newsletter",
        "utm_medium": "sms",
        "utm_campaign": "Friday sale",
    }
    assert parts.fragment == "top"
    assert (
        links.with_utm("https://shop.example", "x")
        == "https://shop.example?utm_source=sms&utm_medium=sms&utm_campaign=x"
    )


@pytest.mark.parametrize(
    "agent",
    [
        "facebookexternalhit/1.1 Facebot Twitterbot/1.0",  # iMessage
        "WhatsApp/2.23.20.0",
        "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
        "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
        "TelegramBot (like TwitterBot)",
        "Mozilla/5.0 (compatible; Googlebot/2.1)",
        "LinkedInBot/1.0",
        "Mozilla/5.0 AppleWebKit (Applebot/0.1)",
    ],
)
def test_preview_fetchers_are_not_people(agent: str) -> None:
    assert links.is_preview_fetch("GET", agent)


def test_a_phone_browser_is_a_person_and_head_never_is() -> None:
    phone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1"
    assert not links.is_preview_fetch("GET", phone)
    assert not links.is_preview_fetch("GET", None)
    assert links.is_preview_fetch("HEAD", phone)


@pytest.mark.parametrize("value", ["http://go.example", "https://go.example/r", "https://u:p@go.example", "go.example"])
def test_short_domain_must_be_an_https_origin(value: str) -> None:
    with pytest.raises(ValueError):
        links.short_origin(value)
    assert links.short_origin("https://go.example/") == "https://go.example"


def test_preview_counts_a_short_link_of_the_real_length() -> None:
    long_url = "https://shop.example/" + "a" * 200
    text, info = preview(f"Sale {long_url} now", "https://go.example")
    assert text == f"Sale https://go.example/r/{links.PREVIEW_CODE} now"
    assert info.segments == 1
    assert preview(f"Sale {{{long_url}!}} now")[0] == f"Sale {long_url} now"  # opted out: as written


BASE = {"list_id": "demo", "name": "x"}


@pytest.mark.parametrize("text", ["Click javascript:alert(1)", "See data:text/html,<b>x</b>", "JavaScript :x"])
def test_hostile_schemes_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not allowed"):
        CampaignRequest.model_validate({**BASE, "text": text})


def test_an_opted_out_link_is_not_a_placeholder() -> None:
    request = CampaignRequest.model_validate({**BASE, "text": "Hi {first_name|there} {https://x.example/a!}"})
    assert request.text.endswith("!}")
