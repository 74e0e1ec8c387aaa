"""HELP: the brand and support contact of the list the sender most likely means."""

from __future__ import annotations

from ....domain.clock import iso
from ....domain.events import unmatched_event
from ..context import Context
from ..outcome import Outcome


def handle(ctx: Context) -> Outcome:
    stored = ctx.config.help_list(ctx.message.to, ctx.subs)
    if stored:
        ctx.reply.send("help", stored.message("help"), stored.list_id, capped=True)
        return Outcome("help")
    message = ctx.message
    ctx.plan.events.append(unmatched_event(message.message_id, ctx.sender, message.to, message.body, iso(ctx.at)))
    return Outcome("help_unknown_number")
