from datetime import UTC, datetime, timedelta

import pytest

from consent_platform.domain.clock import iso
from consent_platform.domain.consent import (
    Action,
    ConfirmationExpiredWithLapse,
    Evidence,
    Method,
    NoPendingConfirmation,
    Status,
    confirm_pending,
    grant_single_optin,
    lapse_pending,
    request_double_optin,
    revoke,
)
from consent_platform.domain.contacts import CONFIRM_DAILY_CAP, Profile, may_send_confirmation
from consent_platform.domain.errors import Conflict

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
TTL = timedelta(hours=48)
WEB = Evidence(
    method=Method.WEB_FORM,
    consent_text="Yes please",
    consent_version="v1",
    ip="203.0.113.7",
    user_agent="UA",
    request_id="req-1",
    source="footer-form",
)
REPLY = Evidence(method=Method.REPLY, request_id="inbound-1")
PHONE = "+48501234567"


def pending(now: datetime = NOW):
    return request_double_optin(None, PHONE, "demo", now, WEB, TTL).subscription


def test_double_opt_in_creates_pending_with_requested_entry() -> None:
    t = request_double_optin(None, PHONE, "demo", NOW, WEB, TTL)
    assert t.previous_version is None
    assert t.subscription.status == Status.PENDING
    assert t.subscription.pending_expires_at == iso(NOW + TTL)
    [entry] = t.entries
    assert (entry.action, entry.status_after, entry.method) == (Action.REQUESTED, Status.PENDING, Method.WEB_FORM)
    assert (entry.consent_text, entry.consent_version, entry.ip, entry.user_agent) == (
        "Yes please",
        "v1",
        "203.0.113.7",
        "UA",
    )


def test_confirm_turns_pending_into_active() -> None:
    t = confirm_pending(pending(), NOW + timedelta(minutes=5), REPLY)
    assert t.subscription.status == Status.ACTIVE
    assert t.subscription.confirmed_at == iso(NOW + timedelta(minutes=5))
    assert [e.action for e in t.entries] == [Action.CONFIRMED]
    assert t.entries[0].method == Method.REPLY


def test_confirm_after_expiry_records_the_lapse_and_refuses() -> None:
    with pytest.raises(ConfirmationExpiredWithLapse) as err:
        confirm_pending(pending(), NOW + TTL + timedelta(seconds=1), REPLY)
    lapse = err.value.transition
    assert lapse.subscription.status == Status.EXPIRED
    assert [e.action for e in lapse.entries] == [Action.EXPIRED]
    assert err.value.status == 409


def test_the_sweep_lapses_a_closed_window_once_and_nothing_else() -> None:
    sub = pending()
    assert lapse_pending(sub, NOW + TTL - timedelta(seconds=1)) is None  # still open
    t = lapse_pending(sub, NOW + TTL, request_id="sweep-1")
    assert t is not None and t.previous_version == sub.version
    assert (t.subscription.status, t.subscription.pending_expires_at) == (Status.EXPIRED, None)
    [entry] = t.entries
    assert (entry.action, entry.method, entry.source, entry.request_id) == (
        Action.EXPIRED,
        Method.WEB_FORM,  # attributed to how the sign-up was made
        "footer-form",
        "sweep-1",
    )
    assert entry.detail == {"expired_at": iso(NOW + TTL)}
    assert sub.status == Status.PENDING  # the input is not changed
    assert lapse_pending(t.subscription, NOW + TTL * 2) is None  # already expired
    confirmed = confirm_pending(sub, NOW + timedelta(hours=1), REPLY).subscription
    assert lapse_pending(confirmed, NOW + TTL * 2) is None


@pytest.mark.parametrize("status", [None, Status.ACTIVE, Status.REVOKED, Status.EXPIRED])
def test_nothing_to_confirm(status: Status | None) -> None:
    sub = None
    if status is not None:
        sub = pending().model_copy(update={"status": status})
    with pytest.raises(NoPendingConfirmation):
        confirm_pending(sub, NOW, REPLY)


def test_resubmitting_after_expiry_logs_expired_then_requested() -> None:
    later = NOW + TTL + timedelta(hours=1)
    sub = pending().model_copy(update={"version": 3})
    t = request_double_optin(sub, PHONE, "demo", later, WEB, TTL)
    assert [e.action for e in t.entries] == [Action.EXPIRED, Action.REQUESTED]
    assert [e.seq for e in t.entries] == [0, 1]
    assert t.previous_version == 3
    assert t.subscription.status == Status.PENDING
    assert t.subscription.pending_expires_at == iso(later + TTL)


def test_single_opt_in_is_active_at_once() -> None:
    t = grant_single_optin(None, PHONE, "demo", NOW, WEB)
    assert t.subscription.status == Status.ACTIVE
    assert [e.action for e in t.entries] == [Action.GRANTED]


def test_cannot_grant_or_request_when_already_active() -> None:
    active = grant_single_optin(None, PHONE, "demo", NOW, WEB).subscription
    with pytest.raises(Conflict):
        grant_single_optin(active, PHONE, "demo", NOW, WEB)
    with pytest.raises(Conflict):
        request_double_optin(active, PHONE, "demo", NOW, WEB, TTL)


def test_revoke_and_rejoin() -> None:
    active = confirm_pending(pending(), NOW, REPLY).subscription
    stopped = revoke(active, NOW + timedelta(hours=1), REPLY, word="STOP")
    assert stopped is not None
    assert stopped.subscription.status == Status.REVOKED
    assert stopped.entries[0].detail == {"word": "STOP"}
    assert revoke(stopped.subscription, NOW, REPLY) is None  # nothing left to revoke: no ledger noise
    again = request_double_optin(stopped.subscription, PHONE, "demo", NOW + timedelta(days=1), WEB, TTL)
    assert again.subscription.status == Status.PENDING


def test_transitions_never_mutate_their_input() -> None:
    sub = pending()
    before = sub.model_dump()
    confirm_pending(sub, NOW, REPLY)
    revoke(sub, NOW, REPLY)
    assert sub.model_dump() == before


def test_confirmation_cooldown_and_daily_cap() -> None:
    sub = pending()
    assert may_send_confirmation(None, sub, NOW + timedelta(minutes=9)) == "cooldown"
    assert may_send_confirmation(None, sub, NOW + timedelta(minutes=10, seconds=1)) is None
    profile = Profile(
        phone=PHONE,
        country="PL",
        created_at=iso(NOW),
        updated_at=iso(NOW),
        confirm_sent=[iso(NOW - timedelta(hours=h)) for h in range(CONFIRM_DAILY_CAP)],
    )
    assert may_send_confirmation(profile, None, NOW) == "daily_cap"
    # The oldest falls out of the rolling 24 h window.
    assert may_send_confirmation(profile, None, NOW + timedelta(hours=22, minutes=1)) is None
