"""``stop``: a keyword that ends one list only (e.g. "KWIATYSTOP")."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ....domain.keywords import StoredKeyword
from ..common import fence, revoke_each
from ..outcome import UNMATCHED, Outcome
from .action import KeywordAction

if TYPE_CHECKING:
    from ..context import Context


def run(ctx: Context, keyword: StoredKeyword) -> Outcome:
    stored = ctx.config.lists.get(keyword.list_id or "")
    if stored is None:
        return UNMATCHED
    sub = ctx.subs.get(stored.list_id)
    chosen = [sub] if sub and ctx.fresh(sub) else []
    revoke_each(ctx, chosen, keyword.keyword)
    if ctx.plan.transitions:
        ctx.reply.send("stop", stored.message("stop"), stored.list_id, capped=False)
    outcome = Outcome.counted("revoked", len(ctx.plan.transitions))
    fence(ctx, chosen)  # like the built-in STOP: fences the list even when nothing was revoked
    return outcome


ACTION = KeywordAction("stop", run)
