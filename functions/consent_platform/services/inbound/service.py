"""The inbound use case: one SMS from a person → consent changes, replies and events, exactly once.

What a message does is decided by a small handler per intent (``intents/``) and, for custom keywords,
per keyword action (``keyword_actions/``); each fills the message's :class:`~.context.Plan` and returns
an :class:`~.context.Outcome` naming the worker's metric. This module loads, commits and delivers.

Exactly-once effect: the state changes, their ledger entries and an *inbound marker* keyed by the
provider's message id are written in one transaction whose first operation is "marker must not
exist". A message whose marker exists has no effect. Out-of-order delivery: a change is only applied
when the message is newer than the subscription's last change.

The marker is kept forever (no TTL) and holds nothing personal. Why forever: a Twilio request carries
no timestamp and its signature stays valid as long as the auth token does, so a captured START replayed
a year later would otherwise re-subscribe a number that has since sent STOP (the replay's only time is
when it arrived, newer than the STOP). Only remembering every id makes a replay harmless for as long as
it could do harm; the webhook validates the id's shape strictly so that a replay cannot pose as a new id.

Finishing a crashed first attempt: its replies and events wait in an *outbox* item under the number
(``~INBOUND#…``, TTL MARKER_DAYS) with the id of the queue message that carried it. Only a redelivery of
that same queue message (same SQS message id) re-queues the replies (the sender's claim drops copies:
ids derive from the inbound id) and re-publishes the events; a replay — a new queue message with the same
provider id — does nothing at all. Erasure deletes the outbox with everything else under the number, so
a redelivery after an erasure sends nothing, publishes nothing and recreates no record.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from ...adapters.dynamodb.stores import Stores
from ...adapters.dynamodb.table import Op
from ...adapters.events import EventPublisher
from ...adapters.forwarding import ForwardQueue
from ...adapters.queue import OutboundQueue
from ...domain.clock import iso
from ...domain.contacts import Profile, apply_held
from ...domain.errors import InvalidPhone
from ...domain.inbound import classify
from ...domain.inbound_message import InboundMessage
from ...domain.inbox import expires_at, handled_as, kept_body
from ...domain.messages import OutboundMessage
from ...domain.phone import mask_phone, normalize_phone
from .config import Config
from .context import Context, Refused, recent
from .forwarding import forward_job
from .intents import INTENTS, plan
from .outcome import Outcome
from .polls import prepare as prepare_polls

MARKER_DAYS = 30


class _SignupCapReached(Exception):
    def __init__(self, list_id: str) -> None:
        super().__init__(list_id)
        self.list_id = list_id


class _Duplicate(Exception):
    """The inbound marker exists: this provider message was processed already."""


class InboundService:
    def __init__(
        self,
        stores: Stores,
        queue: OutboundQueue,
        events: EventPublisher,
        pending_ttl: timedelta,
        config_cache_seconds: float = 15.0,
        inbox_retention: timedelta = timedelta(days=90),
    ) -> None:
        self.stores = stores
        self.queue = queue
        self.events = events
        self.pending_ttl = pending_ttl
        self.config_cache_seconds = config_cache_seconds
        self.inbox_retention = inbox_retention
        self.forwards: ForwardQueue | None = None  # the forwarding jobs' queue (bootstrap sets it; issue #20)
        self._config: Config | None = None
        self._config_loaded = 0.0

    def config(self) -> Config:
        # Lists and keywords change rarely: a warm function reloads them at most every few seconds,
        # which keeps an inbound message at about four AWS requests (issue #8).
        if self._config is None or time.monotonic() - self._config_loaded > self.config_cache_seconds:
            self._config = Config(*self.stores.catalog.load_config())
            self._config_loaded = time.monotonic()
        return self._config

    def handle(
        self, message: InboundMessage, now: datetime, logger: Any = None, queue_message_id: str | None = None
    ) -> Outcome:
        """``queue_message_id``: the SQS message id that carried it (tells a redelivery from a replay)."""
        try:
            sender = normalize_phone(message.sender).e164
        except InvalidPhone:
            _log(logger, "inbound from an unusable number dropped", message, "invalid_sender")
            return Outcome("invalid_sender")
        config = self.config()
        state = self.stores.consent.load_phone(sender)
        rules = [k.rule() for k in config.keywords.values()]
        cls = classify(message.body, rules, message.to, config.confirm_words())
        capped: frozenset[str] = frozenset()
        refused: frozenset[str] = frozenset()
        polls = prepare_polls(self.stores, config, message, sender, cls, now)
        while True:
            ctx = Context(
                message=message,
                sender=sender,
                cls=cls,
                config=config,
                state=state,
                now=now,
                method=INTENTS[cls.intent].method,
                pending_ttl=self.pending_ttl,
                capped=capped,
                refused=refused,
                polls=polls,
            )
            outcome = plan(ctx)
            try:
                forward = self._commit(ctx, outcome, queue_message_id)
            except _SignupCapReached as reached:
                # The list's daily cap on sign-up SMS filled up: plan again without that sign-up.
                capped |= {reached.list_id}
                _log(logger, "daily sign-up SMS cap reached", message, "signup_capped", list_id=reached.list_id)
                continue
            except Refused as failed:  # a keyword action's conditional write: plan again without it
                refused |= {failed.tag}
                continue
            except _Duplicate:
                self._finish_first_attempt(sender, message, queue_message_id)
                _log(logger, "duplicate inbound message", message, "duplicate")
                return Outcome("duplicate")
            self._deliver(ctx.plan.replies, ctx.plan.events, forward)
            _log(logger, "inbound processed", message, str(outcome), intent=cls.intent.value)
            return outcome

    # ---- writing -------------------------------------------------------------------------------

    def _commit(self, ctx: Context, outcome: Outcome, queue_message_id: str | None) -> dict[str, Any] | None:
        """State, ledger, marker, counters and outbox in one transaction. The marker and the lists'
        sign-up caps are its guards: each raises its own error when its condition fails (a duplicate,
        a full day); any other failed condition is a concurrent change to this number (SQS retries).
        Returns the forwarding job to queue, if any (kept in the outbox too)."""
        plan, now = ctx.plan, ctx.now
        inbox = self._inbox(ctx)
        # The marker locates the inbox item for an answer by message id (our number and a time: nothing personal).
        marker = {"intent": ctx.cls.intent.value, "outcome": str(outcome), "processed_at": iso(now)}
        marker |= {"to": ctx.message.to, "received_at": inbox["received_at"]}
        extra = [*self._counters(ctx), self.stores.inbox.put(ctx.message, ctx.sender, inbox), *plan.ops]
        extra += [op for write in plan.writes for op in write(self.stores)]
        forward = forward_job(ctx.config, ctx.message, ctx.sender, inbox) if self.forwards else None
        if plan.replies or plan.events or forward:
            outbox = self._outbox(ctx, queue_message_id) | ({"forward": json.dumps(forward)} if forward else {})
            extra.append(self.stores.inbound.outbox_put(ctx.sender, ctx.message, outbox))
        profile, previous_profile = self._profile(ctx)
        day = now.astimezone(UTC).strftime("%Y-%m-%d")
        ttl = int((now + timedelta(days=3)).timestamp())
        limits = self.stores.limits
        caps = [
            limits.signup_cap(list_id, day, ctx.config.lists[list_id].daily_signup_cap, ttl, _SignupCapReached(list_id))
            for list_id in plan.signup_lists
        ]
        guards = [self.stores.inbound.marker_put(ctx.message, marker, _Duplicate()), *caps]
        self.stores.consent.commit(plan.transitions, profile, previous_profile, guards=guards, extra=extra)
        return forward

    def _inbox(self, ctx: Context) -> dict[str, Any]:
        """The inbox item's fields (issue #20), in the same transaction: kept once, like the effect."""
        body, truncated = kept_body(ctx.message.body)
        return {
            "received_at": iso(ctx.at),
            "handled_as": ctx.plan.handled_as or handled_as(ctx.cls),
            "body": body,
            "truncated": truncated,
            "ttl": expires_at(ctx.at, self.inbox_retention),
        }

    @staticmethod
    def _outbox(ctx: Context, queue_message_id: str | None) -> dict[str, Any]:
        return {
            "queue_message_id": queue_message_id or "",
            "replies": [m.model_dump_json() for m in ctx.plan.replies],
            "events": json.dumps(ctx.plan.events, ensure_ascii=False),
            "ttl": int((ctx.now + timedelta(days=MARKER_DAYS)).timestamp()),
        }

    def _finish_first_attempt(self, sender: str, message: InboundMessage, queue_message_id: str | None) -> None:
        """Already processed: a redelivery of the same queue message finishes what the first attempt may
        not have (replies, events); a replay (another queue message) or an erased number gets nothing."""
        stored = self.stores.inbound.get_outbox(sender, message) if queue_message_id else None
        if not stored or stored.get("queue_message_id") != queue_message_id:
            return
        self._deliver(
            [OutboundMessage.model_validate_json(m) for m in stored.get("replies", [])],
            json.loads(stored.get("events") or "[]"),
            json.loads(stored["forward"]) if stored.get("forward") else None,
        )

    def _deliver(
        self, replies: list[OutboundMessage], events: list[dict[str, Any]], forward: dict[str, Any] | None = None
    ) -> None:
        if replies:
            self.queue.send(replies)
        if events:
            self.events.publish(events)
        if forward and self.forwards:
            self.forwards.send(forward)  # the forwarder drops a repeat (its progress per message id)

    def _counters(self, ctx: Context) -> list[Op]:
        plan, state, now = ctx.plan, ctx.state, ctx.now
        ops: list[Op] = []
        if plan.capped_replies:
            sent = recent((state.rate or {}).get("sent", []), now) + [iso(now)] * plan.capped_replies
            ttl = int((now + timedelta(days=2)).timestamp())
            ops.append(self.stores.limits.rate_put(ctx.sender, sent, ttl, state.rate))
        if plan.keyword:
            ops.extend(self.stores.catalog.keyword_usage(plan.keyword, now.strftime("%Y-%m-%d")))
        return ops

    @staticmethod
    def _profile(ctx: Context) -> tuple[Profile | None, int | None]:
        """A keyword join creates the contact's profile; a confirmation request counts in its cap; a
        confirmation applies the data its sign-up brought."""
        plan, previous, now = ctx.plan, ctx.state.profile, ctx.now
        if not plan.confirmations and not plan.held and (previous is not None or not plan.transitions):
            return None, None
        stamp = iso(now)
        profile = (
            previous.model_copy(deep=True)
            if previous
            else Profile(
                phone=ctx.sender, country=normalize_phone(ctx.sender).country, created_at=stamp, updated_at=stamp
            )
        )
        profile.updated_at = stamp
        if plan.confirmations:
            profile.confirm_sent = [*profile.recent_confirmations(now), stamp]
        for held in plan.held:
            apply_held(profile, held, now)
        return profile, previous.version if previous else None


def _log(logger: Any, text: str, message: InboundMessage, outcome: str, **extra: str) -> None:
    if logger is not None:
        logger.info(
            text,
            extra={
                "provider": message.provider,
                "inbound_message_id": message.message_id,
                "from": mask_phone(message.sender),
                "to": message.to,
                "outcome": outcome,
                **extra,
            },
        )
