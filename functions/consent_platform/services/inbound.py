"""The inbound use case: one SMS from a person → consent changes, replies and events, exactly once.

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
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from ..adapters.events import EventPublisher
from ..adapters.queue import OutboundQueue
from ..adapters.repository import ConcurrentUpdate, ConsentRepository, PhoneState
from ..domain.clock import iso
from ..domain.consent import (
    ConfirmationExpiredWithLapse,
    Evidence,
    HeldProfile,
    Method,
    Status,
    Subscription,
    Transition,
    confirm_pending,
    grant_single_optin,
    request_double_optin,
    revoke,
)
from ..domain.contacts import Profile, apply_held, confirm_held, may_send_confirmation
from ..domain.errors import InvalidPhone
from ..domain.events import consent_events, unmatched_event
from ..domain.inbound import CONFIRM_WORDS, Classification, Intent, classify, fold
from ..domain.inbound_message import InboundMessage
from ..domain.keywords import StoredKeyword
from ..domain.language import expired_notice
from ..domain.lists import StoredList
from ..domain.messages import MessageKind, OutboundMessage, build_message
from ..domain.phone import mask_phone, normalize_phone

# SMS-pumping defence (invariant 8): HELP answers, autoresponders and "expired" notices to one number
# are capped per rolling 24 h. STOP confirmations and the welcome after a confirmation are not capped.
REPLY_DAILY_CAP = 5
MARKER_DAYS = 30
# A YES to a confirmation the expiry sweep already closed still gets the "expired — join again" notice
# (as one inside the sweep's 15-minute lag does) if the window closed within this many days.
LATE_CONFIRM_DAYS = 30


@dataclass
class Config:
    lists: dict[str, StoredList]
    keywords: dict[str, StoredKeyword]

    def lists_on_number(self, number: str) -> list[str]:
        """Lists that send from (or have a keyword on) the receiving number, in a stable order."""
        digits = _digits(number)
        found = {
            list_id
            for list_id, stored in self.lists.items()
            if any(_digits(identity) == digits for identity in (stored.origination or {}).values())
        }
        found |= {k.list_id for k in self.keywords.values() if k.list_id and k.number and _digits(k.number) == digits}
        return sorted(found)

    def confirm_words(self) -> frozenset[str]:
        """Folded words that confirm a sign-up to some list: the built-in ones and lists' own."""
        own = {fold(word) for stored in self.lists.values() for word in stored.confirm_words or ()}
        return CONFIRM_WORDS | own

    def accepts(self, list_id: str, word: str) -> bool:
        """Whether ``word`` (folded) confirms a sign-up to this list (its own words or its language's)."""
        stored = self.lists.get(list_id)
        return word in CONFIRM_WORDS if stored is None else word in {fold(w) for w in stored.confirmation_words()}

    def help_list(self, number: str, subs: dict[str, Subscription]) -> StoredList | None:
        """The list whose HELP answers a text to ``number``: of the lists on that number, the one the
        sender most recently subscribed to (or changed); else the first on the number; else the
        sender's most recent subscription anywhere."""
        linked = [lid for lid in self.lists_on_number(number) if lid in self.lists]
        own = [sub for sub in subs.values() if sub.list_id in self.lists]
        mine = [sub for sub in own if sub.list_id in linked] if linked else own
        if mine:
            return self.lists[max(mine, key=lambda sub: (sub.updated_at, sub.list_id)).list_id]
        return self.lists[linked[0]] if linked else None


@dataclass
class Plan:
    transitions: list[Transition] = field(default_factory=list)
    replies: list[OutboundMessage] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    capped_replies: int = 0  # replies that count against REPLY_DAILY_CAP
    confirmations: int = 0  # confirmation requests (counted in the profile's own cap)
    keyword: str | None = None
    outcome: str = ""
    signup_lists: list[str] = field(default_factory=list)  # sign-up SMS, counted in each list's daily cap
    held: list[HeldProfile] = field(default_factory=list)  # sign-up profile data, verified by this reply


class _SignupCapReached(Exception):
    def __init__(self, list_id: str) -> None:
        super().__init__(list_id)
        self.list_id = list_id


class InboundService:
    def __init__(
        self,
        repo: ConsentRepository,
        queue: OutboundQueue,
        events: EventPublisher,
        pending_ttl: timedelta,
        config_cache_seconds: float = 15.0,
    ) -> None:
        self.repo = repo
        self.queue = queue
        self.events = events
        self.pending_ttl = pending_ttl
        self.config_cache_seconds = config_cache_seconds
        self._config: Config | None = None
        self._config_loaded = 0.0

    def config(self) -> Config:
        # Lists and keywords change rarely: a warm function reloads them at most every few seconds,
        # which keeps an inbound message at about four AWS requests (issue #8).
        if self._config is None or time.monotonic() - self._config_loaded > self.config_cache_seconds:
            self._config = Config(*self.repo.load_config())
            self._config_loaded = time.monotonic()
        return self._config

    def handle(
        self, message: InboundMessage, now: datetime, logger: Any = None, queue_message_id: str | None = None
    ) -> str:
        """``queue_message_id``: the SQS message id that carried it (tells a redelivery from a replay)."""
        try:
            sender = normalize_phone(message.sender).e164
        except InvalidPhone:
            _log(logger, "inbound from an unusable number dropped", message, "invalid_sender")
            return "invalid_sender"
        config = self.config()
        state = self.repo.load_phone(sender)
        rules = [k.rule() for k in config.keywords.values()]
        classification = classify(message.body, rules, message.to, config.confirm_words())
        capped: frozenset[str] = frozenset()
        while True:
            plan = self._plan(message, sender, classification, config, state, now, capped)
            try:
                return self._apply(message, sender, classification, plan, config, state, now, logger, queue_message_id)
            except _SignupCapReached as reached:
                # The list's daily cap on sign-up SMS filled up: plan again without that sign-up.
                capped |= {reached.list_id}
                _log(logger, "daily sign-up SMS cap reached", message, "signup_capped", list_id=reached.list_id)

    def _apply(
        self,
        message: InboundMessage,
        sender: str,
        classification: Classification,
        plan: Plan,
        config: Config,
        state: PhoneState,
        now: datetime,
        logger: Any,
        queue_message_id: str | None = None,
    ) -> str:
        marker = {"intent": classification.intent.value, "outcome": plan.outcome, "processed_at": iso(now)}
        outbox = {
            "queue_message_id": queue_message_id or "",
            "replies": [m.model_dump_json() for m in plan.replies],
            "events": json.dumps(plan.events, ensure_ascii=False),
            "ttl": int((now + timedelta(days=MARKER_DAYS)).timestamp()),
        }
        extra = self._counters(sender, plan, state, now)
        if plan.replies or plan.events:
            extra.append(self.repo.inbound_outbox_put(sender, message.key, outbox))
        profile, previous_profile = self._profile(sender, plan, state, now)
        day = now.astimezone(UTC).strftime("%Y-%m-%d")
        ttl = int((now + timedelta(days=3)).timestamp())
        caps = [
            self.repo.signup_cap_op(list_id, day, config.lists[list_id].daily_signup_cap, ttl)
            for list_id in plan.signup_lists
        ]
        try:
            self.repo.commit(
                plan.transitions,
                profile,
                previous_profile,
                first=[self.repo.inbound_marker_put(message.key, marker), *caps],
                extra=extra,
            )
        except ConcurrentUpdate as exc:
            if 1 <= exc.failed_index <= len(caps):
                raise _SignupCapReached(plan.signup_lists[exc.failed_index - 1]) from exc
            if exc.failed_index != 0:
                raise  # a concurrent change to this number: let SQS retry from fresh state
            self._finish_first_attempt(sender, message, queue_message_id)
            _log(logger, "duplicate inbound message", message, "duplicate")
            return "duplicate"
        self._deliver(plan.replies, plan.events)
        _log(logger, "inbound processed", message, plan.outcome, intent=classification.intent.value)
        return plan.outcome

    def _finish_first_attempt(self, sender: str, message: InboundMessage, queue_message_id: str | None) -> None:
        """Already processed: a redelivery of the same queue message finishes what the first attempt may
        not have (replies, events); a replay (another queue message) or an erased number gets nothing."""
        stored = self.repo.get_inbound_outbox(sender, message.key) if queue_message_id else None
        if not stored or stored.get("queue_message_id") != queue_message_id:
            return
        self._deliver(
            [OutboundMessage.model_validate_json(m) for m in stored.get("replies", [])],
            json.loads(stored.get("events") or "[]"),
        )

    def _deliver(self, replies: list[OutboundMessage], events: list[dict[str, Any]]) -> None:
        if replies:
            self.queue.send(replies)
        if events:
            self.events.publish(events)

    # ---- deciding ------------------------------------------------------------------------------

    def _plan(
        self,
        message: InboundMessage,
        sender: str,
        cls: Classification,
        config: Config,
        state: PhoneState,
        now: datetime,
        capped: frozenset[str] = frozenset(),
    ) -> Plan:
        plan = Plan()
        at = min(message.at, now)
        evidence = Evidence(
            method=Method.KEYWORD if cls.intent in (Intent.OPT_OUT, Intent.OPT_IN, Intent.KEYWORD) else Method.REPLY,
            source=f"sms:{message.to}",
            request_id=message.message_id,
        )
        detail = {"inbound_message_id": message.message_id, "to": message.to, "body": message.body[:640]}
        reply = _Replier(plan, message, sender, now)
        linked = config.lists_on_number(message.to)
        subs = state.subscriptions

        def fresh(sub: Subscription) -> bool:
            return _fresh(sub, at)

        if cls.intent == Intent.OPT_OUT:
            if cls.all_lists:
                targets = list(subs)
            elif cls.scope:
                keyword = config.keywords.get(cls.scope)
                targets = [keyword.list_id] if keyword and keyword.list_id else []
            else:
                targets = [lid for lid in linked if lid in subs] or list(subs)
            chosen = [subs[lid] for lid in sorted(targets) if lid in subs and fresh(subs[lid])]
            self._revoke(plan, chosen, at, evidence, detail, cls.word)
            self._first_list_reply(plan, reply, config, "stop")
            plan.outcome = f"revoked:{len(plan.transitions)}"
            _fence(plan, chosen)
        elif cls.intent == Intent.OPT_IN:
            revoked = [s for s in subs.values() if s.status == Status.REVOKED and fresh(s)]
            revoked = [s for s in revoked if s.list_id in linked] or ([] if linked else revoked)
            for sub in sorted(revoked, key=lambda s: s.list_id):
                transition = grant_single_optin(sub, sender, sub.list_id, at, evidence)
                transition.entries[-1].detail = detail
                plan.transitions.append(transition)
            self._first_list_reply(plan, reply, config, "welcome")
            plan.outcome = f"reactivated:{len(plan.transitions)}"
        elif cls.intent == Intent.CONFIRM:

            def accepts(sub: Subscription) -> bool:
                return config.accepts(sub.list_id, cls.word)

            self._confirm(
                plan,
                reply,
                config,
                [s for s in subs.values() if s.status == Status.PENDING and fresh(s) and accepts(s)],
                [s for s in subs.values() if _recently_lapsed(s, at) and accepts(s)],
                at,
                evidence,
                detail,
                state,
            )
        elif cls.intent == Intent.HELP:
            stored = config.help_list(message.to, subs)
            if stored:
                reply.send("help", stored.message("help"), stored.list_id, capped=True)
                plan.outcome = "help"
            else:
                plan.outcome = "help_unknown_number"
                plan.events.append(unmatched_event(message.message_id, sender, message.to, message.body, iso(at)))
        elif cls.intent == Intent.KEYWORD:
            keyword = config.keywords[cls.word]
            self._keyword(plan, reply, keyword, config, sender, state, at, evidence, detail, capped)
        if cls.intent == Intent.UNMATCHED or plan.outcome == "unmatched":
            plan.outcome = "unmatched"
            plan.events.append(unmatched_event(message.message_id, sender, message.to, message.body, iso(at)))
        reply.enforce_cap(state.rate, now)
        for transition in plan.transitions:
            transition.subscription.last_inbound_at = iso(at)
            plan.events.extend(consent_events(transition.entries))
        return plan

    @staticmethod
    def _first_list_reply(plan: Plan, reply: _Replier, config: Config, kind: MessageKind) -> None:
        """One reply for the whole message — exactly one STOP confirmation however many lists it ended."""
        if not plan.transitions:
            return
        first = config.lists.get(plan.transitions[0].subscription.list_id)
        if first:
            reply.send(kind, first.message(kind), first.list_id, capped=False)

    def _revoke(
        self, plan: Plan, subs: list[Subscription], at: datetime, evidence: Evidence, detail: dict[str, str], word: str
    ) -> None:
        for sub in subs:
            transition = revoke(sub, at, evidence, **detail, word=word)
            if transition is not None:
                plan.transitions.append(transition)

    def _confirm(
        self,
        plan: Plan,
        reply: _Replier,
        config: Config,
        pending: list[Subscription],
        lapsed: list[Subscription],
        at: datetime,
        evidence: Evidence,
        detail: dict[str, str],
        state: PhoneState,
    ) -> None:
        if not pending:
            if not lapsed:
                plan.outcome = "unmatched"
                return
            # Closed by the sweep already: nothing to record, but the person still learns why nothing
            # happened and how to join again — the same notice as when this reply closes the window.
            latest = max(lapsed, key=lambda s: (s.updated_at, s.list_id))
            self._expired_notice(reply, config, latest.list_id)
            plan.outcome = "confirmed:0,expired:1"
            return
        expired_lists: list[str] = []
        for sub in sorted(pending, key=lambda s: s.list_id):
            try:
                transition = confirm_pending(sub, at, evidence)
            except ConfirmationExpiredWithLapse as lapse:
                plan.transitions.append(lapse.transition)
                expired_lists.append(sub.list_id)
                continue
            transition.entries[-1].detail = detail
            if confirm_held(transition, sub.held, state.profile, at) and sub.held is not None:
                plan.held.append(sub.held)
            plan.transitions.append(transition)
            stored = config.lists.get(sub.list_id)
            if stored:
                reply.send("welcome", stored.message("welcome"), stored.list_id, capped=False)
        if expired_lists:
            self._expired_notice(reply, config, expired_lists[0])
        confirmed = sum(1 for t in plan.transitions if t.subscription.status == Status.ACTIVE)
        plan.outcome = f"confirmed:{confirmed}" + (f",expired:{len(expired_lists)}" if expired_lists else "")

    @staticmethod
    def _expired_notice(reply: _Replier, config: Config, list_id: str) -> None:
        """The capped notice that the confirmation expired, naming the list's join keyword, in its language."""
        stored = config.lists.get(list_id)
        join = next((k.display for k in config.keywords.values() if k.action == "join" and k.list_id == list_id), None)
        text = expired_notice(stored.language if stored else "en", stored.brand if stored else "", join)
        reply.send("reply", text, list_id, capped=True)

    def _keyword(
        self,
        plan: Plan,
        reply: _Replier,
        keyword: StoredKeyword,
        config: Config,
        sender: str,
        state: PhoneState,
        at: datetime,
        evidence: Evidence,
        detail: dict[str, str],
        capped: frozenset[str] = frozenset(),
    ) -> None:
        plan.keyword = keyword.keyword
        if keyword.action == "reply":
            reply.send("reply", keyword.reply or "", None, capped=True)
            plan.outcome = "autoreply"
            return
        stored = config.lists.get(keyword.list_id or "")
        if stored is None:
            plan.outcome = "unmatched"
            return
        sub = state.subscriptions.get(stored.list_id)
        if keyword.action == "stop":
            chosen = [sub] if sub and _fresh(sub, at) else []
            self._revoke(plan, chosen, at, evidence, detail, keyword.keyword)
            if plan.transitions:
                reply.send("stop", stored.message("stop"), stored.list_id, capped=False)
            plan.outcome = f"revoked:{len(plan.transitions)}"
            _fence(plan, chosen)  # like the built-in STOP: fences the list even when nothing was revoked
            return
        # join: the text itself is the consent; the list's mode decides what happens next.
        country = normalize_phone(sender).country
        if not stored.may_reach(country):
            plan.outcome = "unmatched"
            return
        join_evidence = Evidence(
            method=Method.KEYWORD,
            consent_text=f"Texted {keyword.display} to {detail['to']}",
            consent_version=stored.consent_text.version,
            source=detail["to"],
            request_id=evidence.request_id,
        )
        if sub is not None and sub.status == Status.ACTIVE:
            reply.send("reply", keyword.reply or stored.message("welcome"), stored.list_id, capped=True)
            plan.outcome = "already_active"
            return
        if sub is not None and not _fresh(sub, at):
            plan.outcome = "stale"
            return
        if stored.list_id in capped:
            plan.outcome = "signup_capped"  # no sign-up SMS today: the list's daily cap is reached
            return
        if stored.opt_in == "single":
            transition = grant_single_optin(sub, sender, stored.list_id, at, join_evidence)
            transition.entries[-1].detail = {**detail, "keyword": keyword.keyword}
            plan.transitions.append(transition)
            plan.signup_lists.append(stored.list_id)
            reply.send("welcome", keyword.reply or stored.message("welcome"), stored.list_id, capped=False)
            plan.outcome = "joined"
            return
        resubmission = sub is not None and sub.status == Status.PENDING
        if may_send_confirmation(state.profile, sub if resubmission else None, at):
            plan.outcome = "confirmation_capped"
            return
        transition = request_double_optin(sub, sender, stored.list_id, at, join_evidence, self.pending_ttl)
        transition.entries[-1].detail = {**detail, "keyword": keyword.keyword}
        plan.transitions.append(transition)
        plan.confirmations += 1
        plan.signup_lists.append(stored.list_id)
        reply.send("confirm_request", stored.message("confirm_request"), stored.list_id, capped=False)
        plan.outcome = "pending_confirmation"

    # ---- counters -------------------------------------------------------------------------------

    def _counters(self, sender: str, plan: Plan, state: PhoneState, now: datetime) -> list[dict[str, Any]]:
        ops: list[dict[str, Any]] = []
        if plan.capped_replies:
            recent = _recent((state.rate or {}).get("sent", []), now)
            sent = recent + [iso(now)] * plan.capped_replies
            ttl = int((now + timedelta(days=2)).timestamp())
            ops.append(self.repo.rate_put(sender, sent, ttl, state.rate))
        if plan.keyword:
            ops.extend(self.repo.keyword_usage_updates(plan.keyword, now.strftime("%Y-%m-%d")))
        return ops

    def _profile(self, sender: str, plan: Plan, state: PhoneState, now: datetime) -> tuple[Profile | None, int | None]:
        """A keyword join creates the contact's profile; a confirmation request counts in its cap; a
        confirmation applies the data its sign-up brought."""
        if not plan.confirmations and not plan.held and (state.profile is not None or not plan.transitions):
            return None, None
        stamp = iso(now)
        previous = state.profile
        profile = (
            previous.model_copy(deep=True)
            if previous
            else Profile(phone=sender, country=normalize_phone(sender).country, created_at=stamp, updated_at=stamp)
        )
        profile.updated_at = stamp
        if plan.confirmations:
            profile.confirm_sent = [*profile.recent_confirmations(now), stamp]
        for held in plan.held:
            apply_held(profile, held, now)
        return profile, previous.version if previous else None


class _Replier:
    """Builds reply messages with ids derived from the inbound message (duplicates collapse)."""

    def __init__(self, plan: Plan, message: InboundMessage, sender: str, now: datetime) -> None:
        self.plan = plan
        self.message = message
        self.sender = sender
        self.now = now
        self._capped: list[int] = []

    def send(self, kind: MessageKind, text: str, list_id: str | None, capped: bool) -> None:
        index = len(self.plan.replies)
        self.plan.replies.append(
            build_message(
                to=self.sender,
                body=text,
                kind=kind,
                now=self.now,
                list_id=list_id,
                origination=self.message.to,
                message_id=f"reply:{self.message.provider}:{self.message.message_id}:{index}",
            )
        )
        if capped:
            self._capped.append(index)

    def enforce_cap(self, rate: dict[str, Any] | None, now: datetime) -> None:
        allowed = max(0, REPLY_DAILY_CAP - len(_recent((rate or {}).get("sent", []), now)))
        drop = set(self._capped[allowed:])
        if drop:
            self.plan.replies = [m for i, m in enumerate(self.plan.replies) if i not in drop]
            self.plan.outcome += ",reply_capped"
        self.plan.capped_replies = min(len(self._capped), allowed)


def _fence(plan: Plan, chosen: list[Subscription]) -> None:
    """A STOP that found nothing to revoke still fences its lists in time: a START sent before it but
    delivered after it must not re-activate them (found by the state-machine test). The fence is the
    subscription's ``last_inbound_at``, written without a ledger entry (no consent changed)."""
    revoked_now = {t.subscription.list_id for t in plan.transitions}
    for sub in chosen:
        if sub.list_id not in revoked_now:
            plan.transitions.append(
                Transition(sub.model_copy(deep=True), previous_version=sub.version, previous_status=sub.status)
            )


def _fresh(sub: Subscription, at: datetime) -> bool:
    """An older inbound message never overrides a newer one (out-of-order delivery)."""
    return sub.last_inbound_at is None or sub.last_inbound_at <= iso(at)


def _recently_lapsed(sub: Subscription, at: datetime) -> bool:
    """A confirmation window that closed unanswered within LATE_CONFIRM_DAYS, with no text from the
    number since (a STOP after the lapse fences the subscription — moves ``last_inbound_at`` past the
    lapse — and must not be answered with an invitation to join again, nor may a YES it overtook)."""
    return (
        sub.status == Status.EXPIRED
        and sub.updated_at >= iso(at - timedelta(days=LATE_CONFIRM_DAYS))
        and (sub.last_inbound_at is None or sub.last_inbound_at <= sub.updated_at)
    )


def _recent(stamps: list[str], now: datetime) -> list[str]:
    horizon = iso(now - timedelta(hours=24))
    return [s for s in stamps if s > horizon]


def _digits(number: str) -> str:
    return "".join(c for c in number if c.isdigit())


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
