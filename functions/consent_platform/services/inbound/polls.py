"""Poll answers in the inbound worker (issue #20): a stage after the intents. A text that no intent took
(STOP, START, HELP, a confirmation, a keyword all win) may answer a poll on the number it was sent to.

Reads: :func:`prepare` looks at the polls in the cached config (no request) and only when the text is an
answer to, or the keyword of, a poll on the receiving number reads — in one BatchGetItem — whether the
poll's campaign sent the question to the sender (the sender's own sent-message record, keyed by the
campaign's message id for that number: no scan) and the number's record for the poll. Writes: the
number's record and the sharded tally join the inbound transaction (marker first): a redelivery counts
nothing twice, and a concurrent second answer fails its condition and is retried by SQS as a repeat.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from ...domain.clock import iso
from ...domain.inbound import Classification, Intent, normalize_body
from ...domain.inbound_message import InboundMessage
from ...domain.polls import LATE_DAYS, Step, StoredPoll, Voter, closed_reply, match_answer, render_question, step_for
from .config import Config
from .outcome import Outcome

if TYPE_CHECKING:
    from ...adapters.dynamodb.polls import PollStore
    from ...adapters.dynamodb.stores import Stores
    from .context import Context

# Polls one text is checked against (newest first): the read stays one small BatchGetItem.
MAX_CANDIDATES = 5
# Intents that always win: their texts are never looked at as answers (no read).
_DECIDED = frozenset({Intent.OPT_OUT, Intent.OPT_IN, Intent.HELP})


@dataclass(frozen=True, slots=True)
class PollFacts:
    """What the stage needs beyond the message: the candidate polls and, for each, the sender's part."""

    store: PollStore
    text: str  # folded
    candidates: list[StoredPoll]
    voters: dict[str, Voter]


def prepare(
    stores: Stores, config: Config, message: InboundMessage, sender: str, cls: Classification, now: datetime
) -> PollFacts | None:
    if cls.intent in _DECIDED or not config.polls:
        return None
    at, text = min(message.at, now), normalize_body(message.body)
    candidates = sorted(
        (p for p in config.polls.values() if _on(p, message.to) and p.recognised(at) and _speaks_to(p, text)),
        key=lambda p: (p.created_at, p.poll_id),
        reverse=True,
    )[:MAX_CANDIDATES]
    if not candidates:
        return None
    return PollFacts(stores.polls, text, candidates, stores.polls.voters(candidates, sender))


def answer(ctx: Context) -> Outcome | None:
    """The first candidate poll the text is an answer to (from a number that may answer it), else None."""
    facts: PollFacts | None = ctx.polls
    if facts is None:
        return None
    for poll in facts.candidates:
        voter = facts.voters[poll.poll_id]
        step = step_for(poll, voter, ctx.at, facts.text == poll.keyword_folded)
        if step is None:
            continue
        _STEPS[step](ctx, facts, poll, voter)
        ctx.cls = Classification(Intent.POLL, poll.poll_id)  # handled_as poll:<id>
        return Outcome(f"poll_{step.value}")
    return None


def _on(poll: StoredPoll, to: str) -> bool:
    return _digits(poll.number) == _digits(to)


def _speaks_to(poll: StoredPoll, text: str) -> bool:
    return bool(text) and (text == poll.keyword_folded or match_answer(text, poll.options) is not None)


def _digits(number: str) -> str:
    return "".join(c for c in number if c.isdigit())


# ---- what each step plans (writes join the inbound transaction; replies go through the capped path) ----


def _vote(ctx: Context, facts: PollFacts, poll: StoredPoll, _voter: Voter) -> None:
    choice = match_answer(facts.text, poll.options) or ""
    sets = {"poll_id": poll.poll_id, "choice": choice, "voted_at": iso(ctx.at), "ttl": _ttl(poll)}
    ctx.plan.ops.append(facts.store.record_op(ctx.sender, poll.poll_id, sets, "attribute_not_exists(choice)"))
    counts = {"votes": 1, f"opt_{choice}": 1, f"day_{_day(ctx.at)}": 1}
    ctx.plan.ops.append(facts.store.tally_op(poll.poll_id, ctx.sender, counts))


def _repeat(ctx: Context, facts: PollFacts, poll: StoredPoll, _voter: Voter) -> None:
    sets = {"last_answer": match_answer(facts.text, poll.options) or "", "last_answer_at": iso(ctx.at)}
    ctx.plan.ops.append(facts.store.record_op(ctx.sender, poll.poll_id, sets, "attribute_exists(choice)", adds=1))
    ctx.plan.ops.append(facts.store.tally_op(poll.poll_id, ctx.sender, {"repeats": 1}))


def _late(ctx: Context, facts: PollFacts, poll: StoredPoll, voter: Voter) -> None:
    ctx.plan.ops.append(facts.store.tally_op(poll.poll_id, ctx.sender, {"late": 1}))
    if voter.told_closed:
        return
    stored = ctx.config.lists.get(poll.list_id)
    text = stored.outgoing(closed_reply(stored.language)) if stored else closed_reply(poll.language)
    ctx.reply.send("reply", text, poll.list_id, capped=True)
    sets = {"poll_id": poll.poll_id, "closed_reply_at": iso(ctx.at), "ttl": _ttl(poll)}
    ctx.plan.ops.append(facts.store.record_op(ctx.sender, poll.poll_id, sets, "attribute_not_exists(closed_reply_at)"))


def _asked(ctx: Context, facts: PollFacts, poll: StoredPoll, voter: Voter) -> None:
    """The keyword: the question as a (capped) reply; a number the campaign did not reach may now vote."""
    ctx.reply.send("reply", render_question(poll.question, poll.options), poll.list_id, capped=True)
    if voter.record is None and not voter.got_question:
        sets = {"poll_id": poll.poll_id, "asked_at": iso(ctx.at), "ttl": _ttl(poll)}
        ctx.plan.ops.append(facts.store.record_op(ctx.sender, poll.poll_id, sets, "attribute_not_exists(pk)"))
        ctx.plan.ops.append(facts.store.tally_op(poll.poll_id, ctx.sender, {"asked": 1}))


_STEPS: dict[Step, Callable[[Context, PollFacts, StoredPoll, Voter], None]] = {
    Step.VOTE: _vote,
    Step.REPEAT: _repeat,
    Step.LATE: _late,
    Step.ASKED: _asked,
}


def _ttl(poll: StoredPoll) -> int:
    return int((poll.closes_at + timedelta(days=LATE_DAYS)).timestamp())


def _day(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d")
