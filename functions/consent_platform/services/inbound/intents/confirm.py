"""YES / TAK / a list's own word: confirm pending sign-ups; apply the data they held; tell a late
reply that its window closed (and how to join again)."""

from __future__ import annotations

from datetime import datetime, timedelta

from ....domain.clock import iso
from ....domain.consent import ConfirmationExpiredWithLapse, Status, Subscription, confirm_pending
from ....domain.contacts import confirm_held
from ....domain.language import expired_notice
from ..context import Context
from ..outcome import UNMATCHED, Outcome

# A YES to a confirmation the expiry sweep already closed still gets the "expired — join again" notice
# (as one inside the sweep's 15-minute lag does) if the window closed within this many days.
LATE_CONFIRM_DAYS = 30


def handle(ctx: Context) -> Outcome:
    accepted = [s for s in ctx.subs.values() if ctx.config.accepts(s.list_id, ctx.cls.word)]
    pending = [s for s in accepted if s.status == Status.PENDING and ctx.fresh(s)]
    if pending:
        return _confirm(ctx, pending)
    lapsed = [s for s in accepted if _recently_lapsed(s, ctx.at)]
    if not lapsed:
        return UNMATCHED
    # Closed by the sweep already: nothing to record, but the person still learns why nothing
    # happened and how to join again — the same notice as when this reply closes the window.
    latest = max(lapsed, key=lambda s: (s.updated_at, s.list_id))
    _expired_notice(ctx, latest.list_id)
    return Outcome.counted("confirmed", 0, expired=1)


def _confirm(ctx: Context, pending: list[Subscription]) -> Outcome:
    plan = ctx.plan
    expired_lists: list[str] = []
    for sub in sorted(pending, key=lambda s: s.list_id):
        try:
            transition = confirm_pending(sub, ctx.at, ctx.evidence)
        except ConfirmationExpiredWithLapse as lapse:
            plan.transitions.append(lapse.transition)
            expired_lists.append(sub.list_id)
            continue
        transition.entries[-1].detail = ctx.detail
        if confirm_held(transition, sub.held, ctx.state.profile, ctx.at) and sub.held is not None:
            plan.held.append(sub.held)
        plan.transitions.append(transition)
        stored = ctx.config.lists.get(sub.list_id)
        if stored:
            ctx.reply.send("welcome", stored.message("welcome"), stored.list_id, capped=False)
    if expired_lists:
        _expired_notice(ctx, expired_lists[0])
    confirmed = sum(1 for t in plan.transitions if t.subscription.status == Status.ACTIVE)
    return Outcome.counted("confirmed", confirmed, **({"expired": len(expired_lists)} if expired_lists else {}))


def _expired_notice(ctx: Context, list_id: str) -> None:
    """The capped notice that the confirmation expired, naming the list's join keyword, in its language."""
    stored = ctx.config.lists.get(list_id)
    join = ctx.config.join_keyword(list_id)
    if stored is None:
        text = expired_notice("en", "", join)
    else:
        text = stored.outgoing(expired_notice(stored.language, stored.brand, join, stored.diacritics))
    ctx.reply.send("reply", text, list_id, capped=True)


def _recently_lapsed(sub: Subscription, at: datetime) -> bool:
    """A confirmation window that closed unanswered within LATE_CONFIRM_DAYS, with no text from the
    number since (a STOP after the lapse fences the subscription — moves ``last_inbound_at`` past the
    lapse — and must not be answered with an invitation to join again, nor may a YES it overtook)."""
    return (
        sub.status == Status.EXPIRED
        and sub.updated_at >= iso(at - timedelta(days=LATE_CONFIRM_DAYS))
        and (sub.last_inbound_at is None or sub.last_inbound_at <= sub.updated_at)
    )
