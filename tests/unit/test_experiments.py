"""Experiments' pure parts: deterministic assignment in the right proportions, the hold-out first, the
Newcombe interval against published values, the winner rule, and the request's validation."""

from __future__ import annotations

from collections import Counter

import pytest
from pydantic import ValidationError

from consent_platform.domain.campaigns import CampaignRequest
from consent_platform.domain.experiments import (
    BUCKETS,
    HOLDOUT,
    assign,
    bucket_of,
    experiment_stats,
    lift,
    newcombe,
    wilson,
)

KEY = b"unit-test-key"
NUMBERS = [f"+4850{n:07d}" for n in range(10_000)]


def groups(weights: list[tuple[str, int]], holdout: int, key: bytes = KEY, campaign: str = "c1") -> Counter[str]:
    return Counter(assign(bucket_of(key, campaign, phone), weights, holdout) for phone in NUMBERS)


def test_assignment_is_deterministic_and_keyed() -> None:
    first = [bucket_of(KEY, "c1", p) for p in NUMBERS[:200]]
    assert first == [bucket_of(KEY, "c1", p) for p in NUMBERS[:200]]  # a retry: the same groups
    assert first != [bucket_of(b"another key", "c1", p) for p in NUMBERS[:200]]
    assert first != [bucket_of(KEY, "c2", p) for p in NUMBERS[:200]]  # each campaign draws anew
    assert all(0 <= b < BUCKETS for b in first)


@pytest.mark.parametrize(
    ("weights", "holdout"),
    [([("A", 50), ("B", 50)], 20), ([("A", 1), ("B", 3)], 0), ([("A", 10), ("B", 20), ("C", 70)], 50)],
)
def test_groups_follow_the_weights_over_10000_numbers(weights: list[tuple[str, int]], holdout: int) -> None:
    counts = groups(weights, holdout)
    total = sum(w for _, w in weights)
    expected = {v: (1 - holdout / 100) * w / total for v, w in weights} | {HOLDOUT: holdout / 100}
    for group, share in expected.items():
        # 10,000 draws: a binomial's standard deviation is at most 50 (0.5 %); allow 4 of them.
        assert abs(counts[group] / len(NUMBERS) - share) < 0.02, (group, counts)


def test_bucket_ranges_hold_out_first_then_variants_by_weight() -> None:
    weights = [("A", 1), ("B", 1)]
    assert assign(0, weights, 20) == HOLDOUT and assign(1999, weights, 20) == HOLDOUT
    assert assign(2000, weights, 20) == "A" and assign(5999, weights, 20) == "A"
    assert assign(6000, weights, 20) == "B" and assign(9999, weights, 20) == "B"
    assert assign(0, weights, 0) == "A"


def test_newcombe_matches_the_published_examples() -> None:
    # Newcombe (1998), Statistics in Medicine 17:873-890, Table II, method 10 (hybrid score).
    for (x1, n1, x0, n0), (low, high) in {
        (56, 70, 48, 80): (0.0524, 0.3339),
        (9, 10, 3, 10): (0.1705, 0.8090),
        (5, 56, 0, 29): (-0.0381, 0.1926),
    }.items():
        interval = newcombe(x1, n1, x0, n0)
        assert (round(interval.low, 4), round(interval.high, 4)) == (low, high)


def test_wilson_by_hand() -> None:
    # 1/10: centre (0.1 + 0.19207) / 1.38415 = 0.21111; half 1.95996 * sqrt(0.009 + 0.0096037) / 1.38415 = 0.19315
    interval = wilson(1, 10)
    assert (round(interval.low, 4), round(interval.high, 4)) == (0.0179, 0.4042)


def test_lift_is_significant_only_when_the_interval_excludes_zero() -> None:
    clear = lift(56, 70, 48, 80)
    assert clear is not None and clear["significant"] and clear["difference"] == 0.2
    assert clear["relative"] == round(0.8 / 0.6 - 1, 4)
    unclear = lift(5, 56, 0, 29)
    assert unclear is not None and not unclear["significant"] and unclear["relative"] is None
    assert lift(3, 0, 1, 10) is None


def test_the_winner_is_the_best_variant_whose_interval_is_above_zero() -> None:
    counts = {
        "variant#A#sent": 70, "variant#A#conversions_click": 50, "variant#A#conversions_view": 6,
        "variant#B#sent": 56, "variant#B#conversions_view": 5,
        "held_out": 80, "variant#holdout#conversions_view": 48,
        "variant#A#revenue_micro#EUR": 12_500_000,
    }  # fmt: skip
    out = experiment_stats(["A", "B"], 20, counts)
    assert out["winner"] == "A"
    assert out["variants"]["A"]["conversions"] == 56 and out["variants"]["A"]["revenue"] == {"EUR": 12.5}
    assert out["variants"]["A"]["conversion_rate"] == 0.8 and out["holdout"]["conversion_rate"] == 0.6
    assert out["variants"]["B"]["lift"]["significant"] is True and out["variants"]["B"]["lift"]["difference"] < 0
    assert experiment_stats(["A", "B"], 20, {"held_out": 10, "variant#A#sent": 10})["winner"] is None


def variants(*texts: str) -> list[dict[str, object]]:
    return [{"id": chr(ord("A") + i), "text": t, "weight": 50} for i, t in enumerate(texts)]


def test_request_validation_names_the_field() -> None:
    base = {"list_id": "shop", "name": "x"}
    CampaignRequest.model_validate({**base, "variants": variants("Hi", "Hello"), "holdout_percent": 20})
    for bad, field in [
        ({"variants": variants("only one")}, "variants"),
        ({"variants": variants(*"abcdef")}, "variants"),
        ({"variants": [{"id": "A", "text": "x", "weight": 1}, {"id": "A", "text": "y", "weight": 1}]}, "variants"),
        ({"variants": [{"id": "a", "text": "x"}, {"id": "B", "text": "y"}]}, "variants.0.id"),
        ({"variants": [{"id": "A", "text": "x", "weight": 0}, {"id": "B", "text": "y"}]}, "variants.0.weight"),
        ({"variants": variants("x", "see javascript:alert(1)")}, "variants.1.text"),
        ({"variants": variants("x", "{nope}")}, "variants.1.text"),
        ({"variants": variants("x", "y"), "holdout_percent": 51}, "holdout_percent"),
    ]:
        with pytest.raises(ValidationError) as caught:
            CampaignRequest.model_validate({**base, **bad})
        assert field in {".".join(map(str, e["loc"])) for e in caught.value.errors()}, (bad, caught.value)


def test_the_variant_travels_in_the_providers_context_and_back() -> None:
    from consent_platform.domain.delivery_status import ReceiptContext, send_context

    context = send_context("cmp:c1:ab", "c1", "shop", "B")
    assert context["variant"] == "B" and "variant" not in send_context("m", None, None)
    assert ReceiptContext.model_validate(context).variant == "B"
    with pytest.raises(ValidationError):  # a forged context cannot name a counter of its choosing
        ReceiptContext.model_validate({**context, "variant": "x#sent"})


def test_a_list_takes_attribution_windows() -> None:
    from consent_platform.domain.lists import ListConfig

    assert ListConfig.model_fields["attribution"].default_factory is not None
    with pytest.raises(ValidationError) as caught:
        ListConfig.model_validate({"attribution": {"click_days": 31, "view_days": 8}})
    wrong = {".".join(map(str, e["loc"])) for e in caught.value.errors()}
    assert {"attribution.click_days", "attribution.view_days"} <= wrong
