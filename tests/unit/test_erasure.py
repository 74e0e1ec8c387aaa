"""Erasure pseudonyms: keyed hashes, what a ledger entry keeps and what it loses."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consent_platform.domain.erasure import KEPT_FIELDS, hashed, parse_keys, pseudonym, pseudonymise_entry, scrub_source

KEY = b"unit-test-erasure-key-0123456789"
ENTRY = {
    "phone": "+48501234567",
    "sk": "2026-11-22T12:00:00.000000Z#00#e-1",
    "event_id": "e-1",
    "at": "2026-11-22T12:00:00.000000Z",
    "seq": 0,
    "list_id": "demo",
    "action": "requested",
    "method": "web_form",
    "channel": "sms",
    "status_after": "pending",
    "consent_text": "Tak, chcę SMS-y",
    "consent_version": "2026-11-01",
    "source": "https://shop.example/form?email=ala@example.com&utm=x#f",
    "ip": "203.0.113.7",
    "user_agent": "Mozilla/5.0 (Ala's phone)",
    "request_id": "req-1",
    "detail": {"body": "TAK, Ala here", "to": "4301", "email": "ala@example.com", "keyword": "KWIATY"},
    "future_field": "something personal",
}


def test_pseudonym_is_hmac_sha256_of_the_number() -> None:
    expected = hmac.new(KEY, b"+48501234567", hashlib.sha256).hexdigest()
    assert pseudonym(KEY, "+48501234567") == "hmac:" + expected
    assert pseudonym(b"another-key-of-enough-length", "+48501234567") != pseudonym(KEY, "+48501234567")


def test_field_hashes_are_separated_by_field_name() -> None:
    assert hashed(KEY, "ip", "x") != hashed(KEY, "user_agent", "x")
    assert hashed(KEY, "ip", "x") == hashed(KEY, "ip", "x")  # stable: same IP, same hash


def test_entry_keeps_the_proof_and_loses_the_person() -> None:
    out = pseudonymise_entry(KEY, ENTRY, "2026-12-01T00:00:00.000000Z")
    assert out["phone"] == pseudonym(KEY, "+48501234567")
    for kept in ("sk", "event_id", "at", "seq", "list_id", "action", "method", "channel", "status_after"):
        assert out[kept] == ENTRY[kept]
    assert (out["consent_text"], out["consent_version"], out["request_id"]) == (
        "Tak, chcę SMS-y",
        "2026-11-01",
        "req-1",
    )
    assert out["source"] == "https://shop.example/form"
    assert out["ip"].startswith("hmac:") and out["user_agent"].startswith("hmac:")
    assert out["future_field"].startswith("hmac:")  # unknown fields are hashed, not kept
    assert out["detail"]["to"] == "4301" and out["detail"]["keyword"] == "KWIATY"
    assert out["detail"]["body"].startswith("hmac:") and out["detail"]["email"].startswith("hmac:")
    assert out["erased_at"] == "2026-12-01T00:00:00.000000Z"
    text = json.dumps(out, ensure_ascii=False)
    for personal in ("501234567", "203.0.113.7", "Mozilla", "ala@example.com", "Ala", "personal"):
        assert personal not in text


@pytest.mark.parametrize(
    ("source", "kept"),
    [
        ("sms:4301", "sms:4301"),
        ("4301", "4301"),
        ("+48500000000", "+48500000000"),
        ("https://user:pw@shop.example:8443/a/b?x=1#y", "https://shop.example:8443/a/b"),
        ("http://shop.example", "http://shop.example"),
    ],
)
def test_sources_that_are_ours_or_a_page_are_kept(source: str, kept: str) -> None:
    assert scrub_source(KEY, source) == kept


def test_other_sources_are_hashed() -> None:
    assert scrub_source(KEY, "import:order-1001").startswith("import:hmac:")
    assert scrub_source(KEY, "Ala's Instagram story").startswith("hmac:")
    assert scrub_source(KEY, "mailto:ala@example.com").startswith("hmac:")


@given(st.dictionaries(st.text(min_size=1, max_size=10), st.text(max_size=20), max_size=5))
def test_nothing_unlisted_survives(extra: dict[str, str]) -> None:
    item = {**extra, "phone": "+48501234567", "sk": "s"}
    out = pseudonymise_entry(KEY, item, "t")
    for name, value in out.items():
        if name not in KEPT_FIELDS and name not in ("detail", "source"):
            assert str(value).startswith("hmac:"), name


def test_keys_are_comma_separated_and_long_enough() -> None:
    assert parse_keys(" first-key-0123456789 , second-key-0123456789 ") == [
        b"first-key-0123456789",
        b"second-key-0123456789",
    ]
    for bad in ("", "short", "long-enough-key-0123,short"):
        with pytest.raises(ValueError, match="at least 16"):
            parse_keys(bad)
