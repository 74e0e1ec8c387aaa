"""Steps more than one inbound handler takes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...domain.consent import Subscription, Transition, revoke
from ...domain.messages import MessageKind

if TYPE_CHECKING:
    from .context import Context


def revoke_each(ctx: Context, subs: list[Subscription], word: str) -> None:
    for sub in subs:
        transition = revoke(sub, ctx.at, ctx.evidence, **ctx.detail, word=word)
        if transition is not None:
            ctx.plan.transitions.append(transition)


def fence(ctx: Context, chosen: list[Subscription]) -> None:
    """A STOP that found nothing to revoke still fences its lists in time: a START sent before it but
    delivered after it must not re-activate them (found by the state-machine test). The fence is the
    subscription's ``last_inbound_at``, written without a ledger entry (no consent changed)."""
    revoked_now = {t.subscription.list_id for t in ctx.plan.transitions}
    for sub in chosen:
        if sub.list_id not in revoked_now:
            ctx.plan.transitions.append(
                Transition(sub.model_copy(deep=True), previous_version=sub.version, previous_status=sub.status)
            )


def first_list_reply(ctx: Context, kind: MessageKind) -> None:
    """One reply for the whole message — exactly one STOP confirmation however many lists it ended."""
    if not ctx.plan.transitions:
        return
    first = ctx.config.lists.get(ctx.plan.transitions[0].subscription.list_id)
    if first:
        ctx.reply.send(kind, first.message(kind), first.list_id, capped=False)
