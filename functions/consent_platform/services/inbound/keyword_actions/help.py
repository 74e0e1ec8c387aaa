"""``help``: a keyword that answers with its list's HELP text (brand and support contact), for lists
that share a number: "KWIATY INFO" names the list that plain HELP would have to guess. Capped like HELP."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ....domain.keywords import StoredKeyword
from ..outcome import UNMATCHED, Outcome
from .action import KeywordAction

if TYPE_CHECKING:
    from ..context import Context


def run(ctx: Context, keyword: StoredKeyword) -> Outcome:
    stored = ctx.config.lists.get(keyword.list_id or "")
    if stored is None:
        return UNMATCHED
    ctx.reply.send("help", stored.message("help"), stored.list_id, capped=True)
    return Outcome("help")


ACTION = KeywordAction("help", run)
