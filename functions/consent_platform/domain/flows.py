"""Flows (journeys): their definition, its validation, and the step machine — pure, no storage.

A flow is a list of steps an enrollment walks through: ``wait`` moves its due time forward, ``send``
hands one marketing message to the sender, ``if`` checks the contact against a segment filter at that
moment (``else: exit`` ends the enrollment, ``else: continue`` skips the step it guards). Steps vary by
kind, so each kind is a small handler in ``STEP_KINDS``; the engine (services/flow_engine.py) only asks
the machine what to do next.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from .campaigns import Segment, lint_text
from .errors import ValidationFailed

# The bus events a flow may start on. "Consent.Confirmed" means "a subscription became active", however
# it did (a confirmed double opt-in, a single opt-in, a keyword join: services/flow_engine.py maps
# Consent.Granted with status active to it).
TRIGGER_EVENTS = ("Consent.Confirmed", "Cart.Abandoned", "Customer.Purchase", "Customer.Activity")
TriggerEvent = Literal["Consent.Confirmed", "Cart.Abandoned", "Customer.Purchase", "Customer.Activity"]
EXIT_EVENTS = ("Cart.Abandoned", "Customer.Purchase", "Customer.Activity", "Consent.Revoked")
ExitEvent = Literal["Cart.Abandoned", "Customer.Purchase", "Customer.Activity", "Consent.Revoked"]

MAX_STEPS = 30
MAX_WAIT_HOURS = 24 * 90  # a wait longer than a quarter is a different flow (a date trigger)
MAX_WAIT_DAYS = 365
# Placeholders a flow text may use besides the profile's (``{event.<field>}``: the trigger event's detail).
EVENT_PREFIX = "event."
FlowId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]


class Wait(BaseModel):
    model_config = ConfigDict(extra="forbid")

    hours: int | None = Field(default=None, ge=1, le=MAX_WAIT_HOURS)
    days: int | None = Field(default=None, ge=1, le=MAX_WAIT_DAYS)

    @model_validator(mode="after")
    def _one(self) -> Wait:
        if (self.hours is None) == (self.days is None):
            raise ValueError("give hours or days (one of them)")
        return self

    def duration(self) -> timedelta:
        return timedelta(hours=self.hours or 0, days=self.days or 0)


class Send(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1600)]


class Step(BaseModel):
    """One step: exactly one of ``wait``, ``send``, ``if`` (with ``else``)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    wait: Wait | None = None
    send: Send | None = None
    if_: Segment | None = Field(default=None, alias="if")
    else_: Literal["exit", "continue"] | None = Field(default=None, alias="else")

    @property
    def kind(self) -> str:
        return "wait" if self.wait else "send" if self.send else "if"


# Profile dates a flow may trigger on: each is indexed by its day of the year when it is written
# (services/flow_dates.py), so only these: indexing every free-form attribute would cost a write each.
DATE_ATTRIBUTES = ("birthday", "first_purchase_at")
MAX_INACTIVE_DAYS = 730
LocalTime = Annotated[str, StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]


class Trigger(BaseModel):
    """Exactly one of: a bus ``event``; a profile date (``date_attribute``: yearly on its day, or once
    ``days_after`` it) at ``at_local`` in the recipient's zone; ``inactive_days`` after the last
    ``Customer.Activity``. ``include_imports``: imported subscriptions start a Consent.Confirmed flow too."""

    model_config = ConfigDict(extra="forbid")

    event: TriggerEvent | None = None
    include_imports: bool = False
    date_attribute: Literal["birthday", "first_purchase_at"] | None = None
    at_local: LocalTime | None = None
    days_after: int | None = Field(default=None, ge=0, le=MAX_WAIT_DAYS)
    inactive_days: int | None = Field(default=None, ge=1, le=MAX_INACTIVE_DAYS)

    @model_validator(mode="after")
    def _one(self) -> Trigger:
        given = [self.event is not None, self.date_attribute is not None, self.inactive_days is not None]
        if sum(given) != 1:
            raise ValueError("give one of event, date_attribute, inactive_days")
        if self.include_imports and self.event != "Consent.Confirmed":
            raise ValueError("include_imports only with event Consent.Confirmed")
        if (self.at_local is not None or self.days_after is not None) and self.date_attribute is None:
            raise ValueError("at_local and days_after only with date_attribute")
        return self

    @property
    def kind(self) -> str:
        """What the flow item stores as ``trigger_event``: a bus event's name, ``date`` or ``inactivity``."""
        return self.event or ("date" if self.date_attribute else "inactivity")

    def local_time(self) -> tuple[int, int]:
        hours, minutes = (self.at_local or "10:00").split(":")
        return int(hours), int(minutes)


class FlowDefinition(BaseModel):
    """Body of ``PUT /v1/admin/flows/{flow_id}``."""

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        json_schema_extra={
            "examples": [
                {
                    "list_id": "demo",
                    "name": "Cart rescue",
                    "status": "active",
                    "trigger": {"event": "Cart.Abandoned"},
                    "exit_on": ["Customer.Purchase"],
                    "steps": [
                        {"wait": {"hours": 2}},
                        {"send": {"text": "{first_name|Hi}, your cart is waiting: {event.url}"}},
                        {"wait": {"days": 2}},
                        {"if": {"tags_any": ["vip"]}, "else": "exit"},
                        {"send": {"text": "Last call"}},
                    ],
                }
            ]
        },
    )

    list_id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    status: Literal["active", "paused"] = "active"
    trigger: Trigger
    exit_on: list[ExitEvent] = Field(default_factory=list, max_length=len(EXIT_EVENTS))
    steps: list[Step] = Field(min_length=1, max_length=MAX_STEPS)


def _step_problems(index: int, raw: Any) -> dict[str, str]:
    """What is wrong with one step, each field named ``steps[i].<kind>.<field>``."""
    where = f"steps[{index}]"
    if not isinstance(raw, dict):
        return {where: "an object with one of wait, send, if"}
    kinds = [name for name in ("wait", "send", "if") if name in raw]
    if len(kinds) != 1:
        return {where: "exactly one of wait, send, if"}
    if "else" in raw and kinds != ["if"]:
        return {f"{where}.else": "only with if"}
    try:
        step = Step.model_validate(raw)
    except ValidationError as exc:
        return {_path(where, err["loc"]): err["msg"].removeprefix("Value error, ") for err in exc.errors()}
    if step.send is not None and (problem := lint_text(step.send.text, extra=_is_event_field)):
        hint = ", event.<field> (the trigger event's)" if problem.startswith("unknown placeholder") else ""
        return {f"{where}.send.text": problem + hint}
    return {}


def _is_event_field(name: str) -> bool:
    rest = name.removeprefix(EVENT_PREFIX)
    return name.startswith(EVENT_PREFIX) and rest.replace("_", "").isalnum() and len(rest) <= 64


def _path(prefix: str, loc: tuple[Any, ...]) -> str:
    parts = [prefix]
    for part in loc:
        parts.append(f"[{part}]" if isinstance(part, int) else f".{part}")
    return "".join(parts)


def parse_flow(data: dict[str, Any]) -> FlowDefinition:
    """The definition, or 422 naming each bad field (``steps[3].send.text: unknown placeholder {x}``)."""
    problems: dict[str, str] = {}
    steps = data.get("steps")
    if isinstance(steps, list):
        for index, raw in enumerate(steps):
            problems.update(_step_problems(index, raw))
    if isinstance(steps, list) and steps and isinstance(steps[-1], dict) and "if" in steps[-1]:
        problems.setdefault(f"steps[{len(steps) - 1}]", "an if guards the step after it: it cannot be last")
    try:
        flow = FlowDefinition.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = err["loc"]
            if loc and loc[0] == "steps" and len(loc) > 1:
                continue  # named by _step_problems, with the step's kind
            problems.setdefault(_path("", loc).lstrip(".") or "body", err["msg"].removeprefix("Value error, "))
        if not problems:
            problems["steps"] = "invalid"
    else:
        if not problems:
            return flow
    raise ValidationFailed("invalid flow", problems)


def enrollment_digest(flow_id: str, phone: str, instance: str) -> str:
    """The enrollment's id: deterministic per (flow, number, trigger instance), without the number in it
    (it appears in message ids and logs)."""
    return hashlib.sha256(f"{flow_id}\n{phone}\n{instance}".encode()).hexdigest()[:24]


def step_message_id(flow_id: str, enrollment: str, step: int) -> str:
    """One message per (enrollment, step): the sender claims this id once, however often it is queued."""
    return f"flw:{flow_id}:{enrollment}:{step}"


def step_campaign_id(flow_id: str, step: int) -> str:
    """What the sender counts a flow step's outcomes under (its sharded campaign counters)."""
    return f"flow.{flow_id}.{step}"


@dataclass
class Contact:
    """What a step may look at: the profile as it is now, the number's country, the subscription's status."""

    profile: dict[str, Any] | None
    country: str
    subscribed: bool
    undeliverable: bool = False
    # The first moment at or after a time when a marketing text may reach the contact (quiet hours in
    # its zone, services/flow_engine.py builds it); by default, any time.
    next_allowed: Callable[[datetime], datetime] = lambda at: at


@dataclass
class Walk:
    """The outcome of walking an enrollment through every step due at ``now``."""

    step: int
    due: datetime  # when the next step is due (meaningless once finished)
    sends: list[int] = field(default_factory=list)  # indexes of the send steps to queue now
    counts: dict[str, int] = field(default_factory=dict)  # flow statistics to add
    finished: str | None = None  # "completed" or "exited:<reason>"

    def count(self, name: str) -> None:
        self.counts[name] = self.counts.get(name, 0) + 1


StepHandler = Callable[[Step, int, Walk, Contact, datetime], None]


def _wait(step: Step, index: int, walk: Walk, _contact: Contact, _now: datetime) -> None:
    assert step.wait is not None
    walk.due = walk.due + step.wait.duration()
    walk.step = index + 1


def _send(_step: Step, index: int, walk: Walk, contact: Contact, now: datetime) -> None:
    opens = contact.next_allowed(now)
    if opens > now:
        # Quiet hours: the same step, due when the window opens — deferred, never dropped, never late.
        walk.due = opens
        walk.count(f"s{index}.deferred")
        return
    if contact.undeliverable:
        walk.count(f"s{index}.skipped.undeliverable")
    else:
        walk.sends.append(index)
        walk.count(f"s{index}.queued")
    walk.step = index + 1


def _if(step: Step, index: int, walk: Walk, contact: Contact, now: datetime) -> None:
    assert step.if_ is not None
    if step.if_.matches(contact.profile, contact.country, now):
        walk.count(f"s{index}.matched")
        walk.step = index + 1
    elif (step.else_ or "exit") == "exit":
        walk.count(f"s{index}.not_matched")
        walk.finished = "exited:condition"
    else:
        walk.count(f"s{index}.not_matched")
        walk.count(f"s{index + 1}.skipped.condition")
        walk.step = index + 2  # "continue": past the step this one guards


STEP_KINDS: dict[str, StepHandler] = {"wait": _wait, "send": _send, "if": _if}


def walk(flow: FlowDefinition, step: int, due: datetime, contact: Contact, now: datetime) -> Walk:
    """Run every step due at ``now``, from ``step`` (due at ``due``): sends are collected, waits move
    the due time (from the previous due time, so a late sweep does not stretch the schedule), and the
    walk stops at the first step due later, or at the end."""
    state = Walk(step=step, due=due)
    if not contact.subscribed:
        state.finished = "exited:unsubscribed"
        return state
    while state.finished is None and state.step < len(flow.steps) and state.due <= now:
        current = flow.steps[state.step]
        STEP_KINDS[current.kind](current, state.step, state, contact, now)
    if state.finished is None and state.step >= len(flow.steps):
        state.finished = "completed"
    return state
