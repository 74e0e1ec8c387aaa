"""What every inbound handler works with: one :class:`Context` per message, the :class:`Plan` it fills and
the :class:`Outcome` it returns (which names the worker's metric)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any

from ...adapters.dynamodb.consent_store import PhoneState
from ...domain.clock import iso
from ...domain.consent import Evidence, HeldProfile, Method, Subscription, Transition
from ...domain.inbound import Classification
from ...domain.inbound_message import InboundMessage
from ...domain.messages import MessageKind, OutboundMessage, build_message
from .config import Config

if TYPE_CHECKING:
    from ...adapters.dynamodb.stores import Stores
    from ...adapters.dynamodb.table import Op

# SMS-pumping defence (invariant 8): HELP answers, autoresponders and "expired" notices to one number
# are capped per rolling 24 h. STOP confirmations and the welcome after a confirmation are not capped.
REPLY_DAILY_CAP = 5


@dataclass
class Plan:
    """Everything one message changes, written in one transaction (see ``service``)."""

    transitions: list[Transition] = field(default_factory=list)
    replies: list[OutboundMessage] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    capped_replies: int = 0  # replies that count against REPLY_DAILY_CAP
    confirmations: int = 0  # confirmation requests (counted in the profile's own cap)
    keyword: str | None = None
    signup_lists: list[str] = field(default_factory=list)  # sign-up SMS, counted in each list's daily cap
    held: list[HeldProfile] = field(default_factory=list)  # sign-up profile data, verified by this reply
    ops: list[Any] = field(default_factory=list)  # further writes of the same transaction (polls: Op)
    # Writes of a keyword action (a contest entry), built from the stores into the same transaction;
    # an op whose condition fails raises :class:`Refused` and the message is planned again.
    writes: list[Callable[[Stores], list[Op]]] = field(default_factory=list)
    handled_as: str | None = None  # the inbox's handled_as, when the action names it (contest:<id>)


class Refused(Exception):
    """A keyword action's conditional write failed (e.g. a second contest entry): plan again with
    ``tag`` in :attr:`Context.refused`."""

    def __init__(self, tag: str) -> None:
        super().__init__(tag)
        self.tag = tag


@dataclass
class Context:
    """One inbound message with everything its handler needs; handlers add to ``plan`` and ``reply``."""

    message: InboundMessage
    sender: str
    cls: Classification
    config: Config
    state: PhoneState
    now: datetime
    method: Method  # how the consent was given: by keyword or by a reply
    pending_ttl: timedelta
    capped: frozenset[str] = frozenset()  # lists whose daily sign-up SMS cap is reached
    refused: frozenset[str] = frozenset()  # tags of keyword actions' conditional writes that failed
    polls: Any = None  # services/inbound/polls.PollFacts: the candidate polls, read before planning
    plan: Plan = field(default_factory=Plan)

    def __post_init__(self) -> None:
        self.reply = Replier(self.plan, self.message, self.sender, self.now)

    @cached_property
    def at(self) -> datetime:
        return min(self.message.at, self.now)

    @property
    def subs(self) -> dict[str, Subscription]:
        return self.state.subscriptions

    @cached_property
    def linked(self) -> list[str]:
        return self.config.lists_on_number(self.message.to)

    @cached_property
    def evidence(self) -> Evidence:
        return Evidence(method=self.method, source=f"sms:{self.message.to}", request_id=self.message.message_id)

    @cached_property
    def detail(self) -> dict[str, str]:
        message = self.message
        return {"inbound_message_id": message.message_id, "to": message.to, "body": message.body[:640]}

    def fresh(self, sub: Subscription) -> bool:
        """An older inbound message never overrides a newer one (out-of-order delivery)."""
        return sub.last_inbound_at is None or sub.last_inbound_at <= iso(self.at)


class Replier:
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

    def enforce_cap(self, rate: dict[str, Any] | None) -> bool:
        """Drops capped replies beyond the number's daily allowance; True when it dropped any."""
        allowed = max(0, REPLY_DAILY_CAP - len(recent((rate or {}).get("sent", []), self.now)))
        drop = set(self._capped[allowed:])
        if drop:
            self.plan.replies = [m for i, m in enumerate(self.plan.replies) if i not in drop]
        self.plan.capped_replies = min(len(self._capped), allowed)
        return bool(drop)


def recent(stamps: list[str], now: datetime) -> list[str]:
    horizon = iso(now - timedelta(hours=24))
    return [s for s in stamps if s > horizon]
