"""A custom keyword: its action (``keyword_actions``) decides; its use is counted either way."""

from __future__ import annotations

from ..context import Context
from ..keyword_actions import ACTIONS
from ..outcome import UNMATCHED, Outcome


def handle(ctx: Context) -> Outcome:
    keyword = ctx.config.keywords[ctx.cls.word]
    ctx.plan.keyword = keyword.keyword
    action = ACTIONS.get(keyword.action)
    return action.run(ctx, keyword) if action else UNMATCHED
