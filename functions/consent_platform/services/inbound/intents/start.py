"""START: re-activate the sender's revoked lists (those on the receiving number, if any are)."""

from __future__ import annotations

from ....domain.consent import Status, grant_single_optin
from ..common import first_list_reply
from ..context import Context
from ..outcome import Outcome


def handle(ctx: Context) -> Outcome:
    revoked = [s for s in ctx.subs.values() if s.status == Status.REVOKED and ctx.fresh(s)]
    revoked = [s for s in revoked if s.list_id in ctx.linked] or ([] if ctx.linked else revoked)
    for sub in sorted(revoked, key=lambda s: s.list_id):
        transition = grant_single_optin(sub, ctx.sender, sub.list_id, ctx.at, ctx.evidence)
        transition.entries[-1].detail = ctx.detail
        ctx.plan.transitions.append(transition)
    first_list_reply(ctx, "welcome")
    return Outcome.counted("reactivated", len(ctx.plan.transitions))
