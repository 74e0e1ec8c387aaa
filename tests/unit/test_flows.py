"""Flows, pure: the definition's validation (422 naming the step), the step machine, the due-index keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from consent_platform.adapters.dynamodb import keys
from consent_platform.domain.errors import ValidationFailed
from consent_platform.domain.flows import Contact, enrollment_digest, parse_flow, step_message_id, walk
from consent_platform.services.flow_engine import render_step_text, trigger_kind

NOW = datetime(2031, 5, 12, 12, 0, tzinfo=UTC)
BASE: dict[str, Any] = {"list_id": "demo", "name": "Cart", "trigger": {"event": "Cart.Abandoned"}}


def problems(steps: list[Any], **extra: Any) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as caught:
        parse_flow({**BASE, "steps": steps, **extra})
    return caught.value.fields


def test_a_bad_text_is_named_by_its_step() -> None:
    fields = problems(
        [{"wait": {"hours": 2}}, {"send": {"text": "ok"}}, {"wait": {"days": 1}}, {"send": {"text": "{x}"}}]
    )
    assert list(fields) == ["steps[3].send.text"]
    assert fields["steps[3].send.text"].startswith("unknown placeholder {x}")


def test_event_fields_and_the_profile_name_are_placeholders() -> None:
    flow = parse_flow(
        {**BASE, "steps": [{"send": {"text": "{first_name|Hi}, {event.product_name|items}: {event.url}"}}]}
    )
    assert flow.steps[0].kind == "send"
    assert "steps[0].send.text" in problems([{"send": {"text": "{event.}"}}])
    assert "steps[0].send.text" in problems([{"send": {"text": "unbalanced {"}}])


@pytest.mark.parametrize(
    ("wait", "field"),
    [
        ({"hours": 0}, "steps[0].wait.hours"),
        ({"hours": 24 * 90 + 1}, "steps[0].wait.hours"),
        ({"days": 366}, "steps[0].wait.days"),
        ({}, "steps[0].wait"),
        ({"hours": 1, "days": 1}, "steps[0].wait"),
    ],
)
def test_wait_bounds(wait: dict[str, int], field: str) -> None:
    assert field in problems([{"wait": wait}, {"send": {"text": "x"}}])


def test_step_shapes() -> None:
    assert problems([{"wait": {"hours": 1}, "send": {"text": "x"}}]) == {"steps[0]": "exactly one of wait, send, if"}
    assert problems([{"send": {"text": "x"}, "else": "exit"}]) == {"steps[0].else": "only with if"}
    assert "steps[0].if.tags_any" in problems([{"if": {"tags_any": "vip"}}])
    assert "steps[0].else" in problems([{"if": {"tags_any": ["vip"]}, "else": "maybe"}])
    assert "steps" in problems([])
    assert problems([{"send": {"text": "x"}}, {"if": {"tags_any": ["vip"]}}]) == {
        "steps[1]": "an if guards the step after it: it cannot be last"
    }
    assert "trigger.event" in problems([{"send": {"text": "x"}}], trigger={"event": "Birthday"})


def contact(**overrides: Any) -> Contact:
    return Contact(**{"profile": {"tags": ["vip"]}, "country": "PL", "subscribed": True, **overrides})


FLOW = parse_flow(
    {
        **BASE,
        "steps": [
            {"wait": {"hours": 2}},
            {"send": {"text": "one"}},
            {"wait": {"hours": 46}},
            {"if": {"tags_any": ["vip"]}, "else": "exit"},
            {"send": {"text": "two"}},
        ],
    }
)


def test_a_walk_runs_every_step_due_and_stops_at_the_next_wait() -> None:
    first = walk(FLOW, 0, NOW, contact(), NOW)
    assert (first.step, first.due, first.sends, first.finished) == (1, NOW + timedelta(hours=2), [], None)
    second = walk(FLOW, 1, first.due, contact(), first.due + timedelta(minutes=1))
    assert (second.step, second.sends, second.due) == (3, [1], NOW + timedelta(hours=48))  # from the due time
    last = walk(FLOW, 3, second.due, contact(), second.due)
    assert (last.sends, last.finished, last.counts["s3.matched"]) == ([4], "completed", 1)


def test_a_failed_condition_exits_or_skips_the_step_it_guards() -> None:
    outsider = contact(profile={"tags": []})
    assert walk(FLOW, 3, NOW, outsider, NOW).finished == "exited:condition"
    skipping = FLOW.model_copy(deep=True)
    skipping.steps[3].else_ = "continue"
    skipped = walk(skipping, 3, NOW, outsider, NOW)
    assert (skipped.sends, skipped.finished, skipped.counts["s4.skipped.condition"]) == ([], "completed", 1)


def test_quiet_hours_defer_a_send_to_the_window_and_nothing_else_moves() -> None:
    opens = NOW + timedelta(hours=9)
    deferred = walk(FLOW, 1, NOW, contact(next_allowed=lambda at: max(at, opens)), NOW)
    assert (deferred.step, deferred.due, deferred.sends, deferred.counts) == (1, opens, [], {"s1.deferred": 1})


def test_no_step_runs_for_a_contact_that_is_no_longer_subscribed_or_is_undeliverable() -> None:
    assert walk(FLOW, 1, NOW, contact(subscribed=False), NOW).finished == "exited:unsubscribed"
    dead = walk(FLOW, 1, NOW, contact(undeliverable=True), NOW)
    assert (dead.sends, dead.counts["s1.skipped.undeliverable"], dead.step) == ([], 1, 3)


def test_due_index_keys_sort_by_time_and_hold_no_number() -> None:
    enrollment = enrollment_digest("cart", "+48501234567", "cart:c-1")
    assert enrollment == enrollment_digest("cart", "+48501234567", "cart:c-1")
    assert enrollment != enrollment_digest("cart", "+48501234567", "cart:c-2")
    early = keys.flow_due_sort_key("2031-05-12T10:00:00.000000Z", enrollment)
    late = keys.flow_due_sort_key("2031-05-12T10:00:01.000000Z", "0" * 24)
    assert early < late <= "2031-05-12T10:00:01.000000Z#~"  # what the sweep reads up to at that second
    assert "501234567" not in enrollment + step_message_id("cart", enrollment, 3)
    assert keys.flow_due_partition(3) == "FLOWDUE#3"


def test_consent_confirmed_is_every_activation() -> None:
    assert trigger_kind("Consent.Granted", {"status": "active", "channel": "sms"}) == "Consent.Confirmed"
    assert trigger_kind("Consent.Confirmed", {"status": "active"}) == "Consent.Confirmed"
    assert trigger_kind("Consent.Granted", {"status": "active", "channel": "email"}) is None
    assert trigger_kind("Consent.Revoked", {"status": "revoked"}) is None


def test_the_send_text_renders_profile_and_event_fields() -> None:
    from consent_platform.domain.lists import StoredList

    stored = StoredList.model_validate(
        {
            "list_id": "demo",
            "brand": "Shop",
            "opt_in": "single",
            "default_country": "PL",
            "frequency": "weekly",
            "support": "help@example.com",
            "consent_text": {"version": "1", "text": "Yes"},
            "language": "en",
            "created_at": "2031-01-01T00:00:00Z",
            "updated_at": "2031-01-01T00:00:00Z",
        }
    )
    text = render_step_text(
        "{first_name|Hi}, {event.url}", {"first_name": "Ala"}, {"url": "https://x.example/1"}, stored
    )
    assert text == "Ala, https://x.example/1. Reply STOP to opt out"
