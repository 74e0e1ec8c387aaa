"""``reply``: an autoresponder — answers with the keyword's own text (capped, like HELP)."""

from __future__ import annotations

from ....domain.keywords import StoredKeyword
from ..context import Context, Outcome
from .action import KeywordAction


def run(ctx: Context, keyword: StoredKeyword) -> Outcome:
    ctx.reply.send("reply", keyword.reply or "", None, capped=True)
    return Outcome("autoreply")


ACTION = KeywordAction("reply", run, needs_list=False, needs_reply=True)
