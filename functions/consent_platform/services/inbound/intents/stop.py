"""STOP (and every opt-out word): revoke the lists the text means, confirm once, fence the rest."""

from __future__ import annotations

from ..common import fence, first_list_reply, revoke_each
from ..context import Context
from ..outcome import Outcome


def handle(ctx: Context) -> Outcome:
    chosen = [ctx.subs[lid] for lid in sorted(_targets(ctx)) if lid in ctx.subs and ctx.fresh(ctx.subs[lid])]
    revoke_each(ctx, chosen, ctx.cls.word)
    first_list_reply(ctx, "stop")
    outcome = Outcome.counted("revoked", len(ctx.plan.transitions))
    fence(ctx, chosen)
    return outcome


def _targets(ctx: Context) -> list[str]:
    """STOPALL: every list; "STOP KWIATY": the keyword's list; else the lists on the receiving number
    the sender has, or all the sender's lists when none is on that number."""
    if ctx.cls.all_lists:
        return list(ctx.subs)
    if ctx.cls.scope:
        keyword = ctx.config.keywords.get(ctx.cls.scope)
        return [keyword.list_id] if keyword and keyword.list_id else []
    return [lid for lid in ctx.linked if lid in ctx.subs] or list(ctx.subs)
