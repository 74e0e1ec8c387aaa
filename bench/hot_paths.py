"""Hot paths, calls per second on one core (one thread, this process).

Inputs are realistic and varied: numbers in several national and international formats, inbound texts
of every intent (with accents, punctuation and emoji), a 160-character campaign text, and instants
spread over a fortnight in jurisdictions with different windows (US federal, Florida, France with its
Sundays and holidays, Poland, a multi-zone US number). Each function runs over its inputs in a loop for
about ``SECONDS``; the best of ``ROUNDS`` rounds is reported (the machine is shared; the best round is
the one least disturbed). Caches are emptied before every pass over the inputs, so a cache only gains
from the repeats the inputs themselves contain — as in production, where the worker parses a sender's
number two or three times per message and people text the same few words.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

SECONDS = 1.0
ROUNDS = 3
TARGETS = {
    "normalize_phone": 50_000,
    "classify_inbound": 100_000,
    "count_segments": 100_000,
    "next_allowed_time": 50_000,
}

# (format, default region): {n} is a 4-digit serial, so every number in the stream is distinct.
PHONE_FORMATS = (
    ("+48 501 23{n}", None),
    ("50123{n}", "PL"),
    ("(201) 555-{n}", "US"),
    ("+1 305 555 {n}", None),
    ("07400 12{n}", "GB"),
    ("+44 7400 13{n}", None),
    ("06 12 34 {n}", "FR"),
    ("+49 151 2345{n}", None),
    ("612 34{n}", "ES"),
    ("+353 85 123 {n}", None),
)
DISTINCT_PHONES = 2000
BODIES = (
    "STOP",
    "Stop.",
    "stop texting me",
    "STOPALL",
    "YES",
    "tak",
    "Tak!",
    "oui 👍",
    "HELP",
    "pomoc?",
    "START",
    "KWIATY",
    "kwiąty",
    "what time do you open tomorrow?",
    "Désabonner",
    "  unsubscribe  ",
)
CAMPAIGN_160 = (
    "Hi Ala, Black Friday at Rose Florist: -20% on all bouquets today only, free delivery over 50 PLN. "
    "Order at https://ex.am/bf Reply STOP to opt out. Reply HELP for help"
)[:160]


def _rate(fn: Callable[[Any], Any], inputs: Sequence[Any], reset: Callable[[], None] | None = None) -> float:
    """Calls per second: passes over ``inputs`` for about SECONDS, best of ROUNDS. ``reset`` empties the
    caches before every pass (and is timed with it), so a pass sees only the repeats its inputs contain."""
    best = 0.0
    for _ in range(ROUNDS):
        calls = 0
        started = time.perf_counter()
        deadline = started + SECONDS
        while time.perf_counter() < deadline:
            if reset:
                reset()
            for item in inputs:
                fn(item)
            calls += len(inputs)
        best = max(best, calls / (time.perf_counter() - started))
    return best


def measure() -> dict[str, int]:
    from consent_platform.domain import phone, quiet_hours
    from consent_platform.domain.inbound import KeywordRule, classify
    from consent_platform.domain.planner import rule_by_code
    from consent_platform.domain.segments import count_segments

    assert len(CAMPAIGN_160) == 160
    keywords = (KeywordRule("KWIATY", "exact", "4301"),)
    start = datetime(2026, 11, 20, 5, 17, tzinfo=UTC)
    instants = [start + timedelta(minutes=97 * i) for i in range(200)]  # every hour of day and weekday
    cases = [
        (["America/New_York"], rule_by_code("US")),
        (["America/New_York"], rule_by_code("US-FL")),
        (["Europe/Paris"], rule_by_code("FR")),
        (["Europe/Warsaw"], rule_by_code("PL")),
        (["America/Chicago", "America/Denver"], rule_by_code("US")),
    ]
    windows = [(at, zones, rule) for at in instants for zones, rule in cases]
    distinct = [
        (fmt.format(n=f"{i // len(PHONE_FORMATS):04d}"), region)
        for i, (fmt, region) in zip(range(DISTINCT_PHONES), itertools.cycle(PHONE_FORMATS), strict=False)
    ]
    for raw, region in distinct:  # every input is a number people can text
        phone.normalize_phone(raw, region)
    twice = [p for p in distinct for _ in range(2)]
    clear = phone._parse.cache_clear
    return {
        # Each number parsed twice in a row, as the worker (per message) and the dispatcher (per recipient
        # of a segmented campaign) do; the cache starts empty each round.
        "normalize_phone": round(_rate(lambda p: phone.normalize_phone(*p), twice, clear)),
        # Every call a different number: parsing cost alone (shown in the table, not a target).
        "normalize_phone_uncached": round(_rate(lambda p: phone.normalize_phone(*p), distinct, clear)),
        "classify_inbound": round(_rate(lambda body: classify(body, keywords, "4301"), BODIES)),
        "count_segments": round(_rate(count_segments, [CAMPAIGN_160])),
        "next_allowed_time": round(
            _rate(lambda case: quiet_hours.next_allowed_time(*case), windows, _cache_clear(quiet_hours))
        ),
    }


def _cache_clear(module: Any) -> Callable[[], None]:
    def clear() -> None:
        for name in dir(module):
            fn = getattr(module, name)
            if callable(getattr(fn, "cache_clear", None)) and getattr(fn, "__module__", "") == module.__name__:
                fn.cache_clear()

    return clear


if __name__ == "__main__":
    for name, rate in measure().items():
        print(f"{name:24s} {rate:>10,d}/s   target {TARGETS.get(name, 0):>8,d}")
