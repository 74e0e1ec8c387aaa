"""``reply``: an autoresponder — answers with the keyword's own text (capped, like HELP)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ....domain.keywords import StoredKeyword
from ..outcome import Outcome
from .action import KeywordAction

if TYPE_CHECKING:
    from ..context import Context


def run(ctx: Context, keyword: StoredKeyword) -> Outcome:
    ctx.reply.send("reply", keyword.reply or "", None, capped=True)
    return Outcome("autoreply")


ACTION = KeywordAction("reply", run, needs_list=False, needs_reply=True)
