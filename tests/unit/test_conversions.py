"""Which message a purchase is credited to (domain/conversions.py): click within the click window, else
the last received within the view window, the hold-out as a receipt, nothing after the purchase."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from consent_platform.domain.conversions import Attribution, Touch, counters, credit, micro_units

T0 = datetime(2031, 5, 1, 12, tzinfo=UTC)
SENT_A = Touch("c1", "shop", "A", T0)
SENT_OTHER = Touch("c2", "shop", None, T0 + timedelta(hours=2))
HELD = Touch("c3", "shop", "holdout", T0 + timedelta(hours=3))
CLICK_A = Touch("c1", "shop", "A", T0 + timedelta(hours=1))


def test_a_click_in_its_window_wins_over_a_later_message() -> None:
    got = credit(T0 + timedelta(days=4), CLICK_A, [SENT_A, SENT_OTHER], {})
    assert got is not None and (got.touch, got.kind) == (CLICK_A, "click")


def test_after_the_click_window_the_last_received_in_the_view_window() -> None:
    windows = {"shop": Attribution(click_days=1, view_days=2)}
    got = credit(T0 + timedelta(days=1, hours=5), CLICK_A, [SENT_A, SENT_OTHER], windows)
    assert got is not None and (got.touch, got.kind) == (SENT_OTHER, "view")
    assert credit(T0 + timedelta(days=3), CLICK_A, [SENT_A, SENT_OTHER], windows) is None


def test_a_click_without_the_numbers_own_sent_record_is_not_credited() -> None:
    # e.g. the number was erased: its sent-message records are gone, the pseudonymous click item is not
    assert credit(T0 + timedelta(hours=2), CLICK_A, [], {}) is None


def test_the_hold_out_counts_as_received_and_nothing_after_the_purchase() -> None:
    got = credit(T0 + timedelta(hours=4), None, [SENT_A, HELD], {})
    assert got is not None and got.touch == HELD and got.kind == "view"
    assert credit(T0 - timedelta(minutes=1), None, [SENT_A], {}) is None


def test_counters_keep_the_hold_out_out_of_the_campaign_totals() -> None:
    assert counters(SENT_A, "click", "EUR", micro_units("19.99")) == {
        "conversions_click": 1,
        "revenue_micro#EUR": 19_990_000,
        "variant#A#conversions_click": 1,
        "variant#A#revenue_micro#EUR": 19_990_000,
    }
    assert counters(HELD, "view", "EUR", 0) == {"variant#holdout#conversions_view": 1}
    assert counters(SENT_OTHER, "view", "PLN", 5) == {"conversions_view": 1, "revenue_micro#PLN": 5}
