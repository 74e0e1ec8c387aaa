"""Inbound intents, each a small handler; :func:`plan` runs the one a message's classification names
and adds what every message gets (the unmatched event, the reply cap, consent events)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ....domain.clock import iso
from ....domain.consent import Method
from ....domain.events import consent_events, unmatched_event
from ....domain.inbound import Intent
from .. import polls
from ..context import Context
from ..outcome import UNMATCHED, Outcome
from . import confirm, help, keyword, start, stop


@dataclass(frozen=True, slots=True)
class IntentHandler:
    run: Callable[[Context], Outcome]
    method: Method  # how a consent change it makes was given: by keyword or by a reply


INTENTS: dict[Intent, IntentHandler] = {
    Intent.OPT_OUT: IntentHandler(stop.handle, Method.KEYWORD),
    Intent.OPT_IN: IntentHandler(start.handle, Method.KEYWORD),
    Intent.CONFIRM: IntentHandler(confirm.handle, Method.REPLY),
    Intent.HELP: IntentHandler(help.handle, Method.REPLY),
    Intent.KEYWORD: IntentHandler(keyword.handle, Method.KEYWORD),
    Intent.UNMATCHED: IntentHandler(lambda _ctx: UNMATCHED, Method.REPLY),
    # Never a classification: the poll stage below names it when a poll takes a text no intent took.
    Intent.POLL: IntentHandler(lambda _ctx: UNMATCHED, Method.REPLY),
}


def plan(ctx: Context) -> Outcome:
    outcome = INTENTS[ctx.cls.intent].run(ctx)
    if outcome == UNMATCHED:  # STOP, HELP, keywords… win; then a poll answer (issue #20)
        outcome = polls.answer(ctx) or UNMATCHED
    message = ctx.message
    if outcome == UNMATCHED:
        ctx.plan.events.append(unmatched_event(message.message_id, ctx.sender, message.to, message.body, iso(ctx.at)))
    if ctx.reply.enforce_cap(ctx.state.rate):
        outcome = outcome.capped()
    for transition in ctx.plan.transitions:
        transition.subscription.last_inbound_at = iso(ctx.at)
        ctx.plan.events.extend(consent_events(transition.entries))
    return outcome
