"""Contests' pure rules: the draw re-runs from its proof, is uniform-ish, and the entry window."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from consent_platform.domain.contests import (
    DRAW_GRACE,
    NOT_CONSENT,
    Entry,
    check_window,
    draw,
    entrant,
    entries_hash,
    entry_reply,
    may_draw,
    window_state,
)
from consent_platform.domain.errors import ValidationFailed
from consent_platform.domain.segments import count_segments

T0 = datetime(2030, 5, 1, 12, 0, tzinfo=UTC)


def entries(n: int) -> list[Entry]:
    return [
        Entry(f"2030-05-01T12:{i // 60:02d}:{i % 60:02d}.000000Z", entrant("c", f"+4850000{i:04d}")) for i in range(n)
    ]


def test_the_draw_reruns_from_the_published_proof_whatever_the_input_order() -> None:
    pool = entries(50)
    digest, winners = draw(pool, "seed-123", 3)
    again_digest, again = draw(list(reversed(pool)), "seed-123", 3)
    assert (digest, winners) == (again_digest, again)
    # The hash is the documented one: SHA-256 of the sorted lines joined by "\n".
    assert digest == hashlib.sha256("\n".join(sorted(e.line for e in pool)).encode()).hexdigest()
    assert draw(pool, "seed-124", 3)[1] != winners


def test_the_first_pick_is_the_documented_formula() -> None:
    pool = sorted(entries(7), key=lambda e: e.line)
    digest, winners = draw(pool, "s", 1)
    x = int.from_bytes(hashlib.sha256(f"s:{digest}:0".encode()).digest(), "big")
    assert winners[0] == pool[x % 7]  # rejection needs x >= (2**256 // 7) * 7: never for counter 0 here


def test_winners_are_distinct_entrants_and_fewer_when_the_pool_is_small() -> None:
    one = entrant("c", "+48500000001")
    pool = [Entry(f"2030-05-01T12:00:0{i}.000000Z", one) for i in range(5)] + entries(1)
    _, winners = draw(pool, "x", 5)
    assert len(winners) == 2 and len({w.entrant for w in winners}) == 2
    assert draw([], "x", 3) == (entries_hash([]), [])


def test_the_draw_is_uniform_ish() -> None:
    pool = entries(10)
    firsts = Counter(draw(pool, f"seed-{n}", 1)[1][0].entrant for n in range(3000))
    assert len(firsts) == 10 and max(firsts.values()) < 400 and min(firsts.values()) > 200  # expected 300


def test_window_is_half_open_and_entries_stop_when_the_draw_may_start() -> None:
    opens, closes = T0, T0 + timedelta(hours=1)
    assert window_state(opens, closes, T0 - timedelta(microseconds=1), T0) == "not_open"
    assert window_state(opens, closes, T0, T0) == "open"
    assert window_state(opens, closes, closes, closes) == "closed"
    just_before = closes - timedelta(seconds=1)
    assert window_state(opens, closes, just_before, closes + timedelta(minutes=1)) == "open"  # still in flight
    assert window_state(opens, closes, just_before, closes + DRAW_GRACE) == "closed"
    assert may_draw(closes, closes) == closes + DRAW_GRACE and may_draw(closes, closes + DRAW_GRACE) is None
    with pytest.raises(ValidationFailed) as refused:
        check_window(closes, opens)
    assert refused.value.fields == {"closes_at": "must be after opens_at"}


@pytest.mark.parametrize("language", sorted(NOT_CONSENT))
def test_the_not_consent_sentence_is_appended_once_and_is_gsm7(language: str) -> None:
    sentence = NOT_CONSENT[language]
    assert count_segments(sentence).encoding == "GSM-7"
    assert entry_reply("Thanks!", language) == f"Thanks! {sentence}"
    assert entry_reply(f"Thanks! {sentence.upper()}", language) == f"Thanks! {sentence.upper()}"
