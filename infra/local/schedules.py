"""EventBridge Scheduler on the local stack: moto stores the schedules, this fires them on the local clock.

``POST /dev/clock`` moves the process-wide clock (``consent_platform.domain.clock``) forward, fires every
one-time ``at()`` schedule that became due — a Lambda target is invoked like Scheduler would, an SQS
target gets its input as a message — deletes it (``ActionAfterCompletion: DELETE``), and waits until the
queues have drained, so the answer reflects everything that time caused.

The template's own periodic schedules (``ScheduleV2`` events, such as the expiry sweep's
``rate(15 minutes)``) run every period of wall-clock time (sources/schedule.py), and once more at the end
of every clock move: the runs a jump skipped are coalesced into that one, which is enough for functions
that catch up on everything due (as the sweep does).
"""

from __future__ import annotations

import json
import logging
import re
import time
from datetime import UTC, datetime
from typing import Any

import boto3

from consent_platform.domain.clock import advance_to, utc_now

from .async_invoke import AsyncInvoker
from .gateway import HttpRequest, HttpResponse, error, json_object, json_response
from .invoker import Invoker
from .template import Stack

logger = logging.getLogger("infra.local")

_AT = re.compile(r"^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$")
DRAIN_TIMEOUT_S = 60.0
MAX_ROUNDS = 10


class LocalScheduler:
    def __init__(self, stack: Stack, invoker: Invoker) -> None:
        self.stack = stack
        self.invoker = invoker
        self.async_invoker = AsyncInvoker(stack, invoker)
        self.groups = [stack.attributes[k]["Ref"] for k in stack.resources("AWS::Scheduler::ScheduleGroup")]
        self.queues = {a["Arn"]: a["QueueUrl"] for a in stack.attributes.values() if "QueueUrl" in a}
        self.functions = {a["Arn"]: name for name, a in stack.attributes.items() if name in stack.functions()}

    def due(self, now: datetime) -> list[tuple[str, str, dict[str, Any]]]:
        """Schedules due at ``now``, earliest first."""
        return [(group, name, target) for _at, group, name, target in self._pending() if _at <= now]

    def _pending(self) -> list[tuple[datetime, str, str, dict[str, Any]]]:
        client = boto3.client("scheduler")
        found = []
        for group in self.groups:
            for page in client.get_paginator("list_schedules").paginate(GroupName=group):
                for summary in page.get("Schedules", []):
                    detail = client.get_schedule(Name=summary["Name"], GroupName=group)
                    match = _AT.match(detail.get("ScheduleExpression", ""))
                    if match:
                        at = datetime.fromisoformat(match.group(1)).replace(tzinfo=UTC)
                        found.append((at, group, summary["Name"], detail["Target"]))
        return sorted(found, key=lambda item: (item[0], item[2]))

    def run_until(self, target: datetime) -> list[str]:
        """Move the clock forward schedule by schedule: each fires *at its own time* (so a send is
        judged against the window at that moment), then the clock lands on ``target``."""
        fired: list[str] = []
        for _ in range(10_000):  # bounded: a schedule never re-creates itself at the same instant
            pending = [item for item in self._pending() if item[0] <= target]
            if not pending:
                break
            at = pending[0][0]
            advance_to(at)
            fired += self.fire_due(at)
        advance_to(target)
        self.wait_for_queues()
        return fired

    def run_periodic(self) -> list[str]:
        """One run of each of the template's periodic schedules."""
        return [function for function, _expression in self.stack.periodic_schedules() if self.invoke_periodic(function)]

    def invoke_periodic(self, function: str) -> bool:
        """Invoke like Scheduler does a Lambda target without input (``{}``); a failure waits for the next run."""
        try:
            self.invoker.invoke(function, {})
        except Exception as exc:
            logger.warning("periodic %s failed (%s); it runs again next period", function, type(exc).__name__)
            return False
        return True

    def fire_due(self, now: datetime | None = None, wait: bool = True) -> list[str]:
        fired: list[str] = []
        for _ in range(MAX_ROUNDS):  # firing can create schedules that are already due
            batch = self.due(now or utc_now())
            if not batch:
                break
            progressed = False
            for group, name, target in batch:
                try:
                    self._fire(target)
                except Exception as exc:
                    # Like Scheduler's retry policy: the schedule stays and is tried again next time.
                    logger.warning("schedule %s failed (%s); it will be retried", name, type(exc).__name__)
                    continue
                boto3.client("scheduler").delete_schedule(Name=name, GroupName=group)
                fired.append(name)
                progressed = True
            if not progressed:
                break
            if wait:
                self.wait_for_queues()
        return fired

    def _fire(self, target: dict[str, Any]) -> None:
        payload = target.get("Input", "{}")
        if target["Arn"] in self.functions:
            # Scheduler invokes Lambda asynchronously: once Lambda accepted the event, its retries and
            # on-failure destination apply, and the schedule is done (deleted) whatever the outcome.
            self.async_invoker.invoke(self.functions[target["Arn"]], json.loads(payload))
        elif target["Arn"] in self.queues:
            boto3.client("sqs").send_message(QueueUrl=self.queues[target["Arn"]], MessageBody=payload)
        else:
            logger.warning("schedule target %s is not part of this stack; skipped", target["Arn"])

    def wait_for_queues(self) -> None:
        """Until every queue a function consumes is empty (visible, in flight and delayed)."""
        sqs = boto3.client("sqs")
        urls = [self.stack.attributes[s.queue]["QueueUrl"] for s in self.stack.sqs_sources()]
        names: Any = [
            "ApproximateNumberOfMessages",
            "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed",
        ]
        deadline = time.monotonic() + DRAIN_TIMEOUT_S
        while time.monotonic() < deadline:
            busy = 0
            for url in urls:
                counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
                busy += sum(int(str(v)) for v in counts.values())
            if not busy:
                return
            time.sleep(0.2)
        logger.warning("queues still busy after %.0f s", DRAIN_TIMEOUT_S)

    def read_clock(self, _request: HttpRequest, _raw_query: str) -> HttpResponse:
        return json_response(200, {"now": utc_now().strftime("%Y-%m-%dT%H:%M:%SZ")})

    def handle_clock(self, request: HttpRequest, _raw_query: str) -> HttpResponse:
        data = json_object(request, b"{}")
        if not isinstance(data, dict):
            return data
        now = utc_now()
        if "now" in data:
            try:
                target = datetime.fromisoformat(str(data["now"]).replace("Z", "+00:00"))
            except ValueError:
                return error(422, "validation_error", "invalid input", {"now": "ISO 8601 with an offset or Z"})
            if target.tzinfo is None:
                return error(422, "validation_error", "invalid input", {"now": "needs an offset or Z"})
            if target < now:
                return error(422, "validation_error", "the clock only moves forward", {"now": "in the past"})
        elif "advance_seconds" in data:
            seconds = data["advance_seconds"]
            if not isinstance(seconds, int | float) or isinstance(seconds, bool) or seconds < 0:
                return error(422, "validation_error", "invalid input", {"advance_seconds": "a number ≥ 0"})
            target = now + _seconds(seconds)
        elif data:
            return error(422, "validation_error", "give now or advance_seconds", {"now": "required"})
        else:
            target = now
        self.wait_for_queues()
        fired = self.run_until(target)
        periodic = self.run_periodic() if target > now else []
        self.wait_for_queues()
        new_now = utc_now()
        return json_response(200, {"now": new_now.strftime("%Y-%m-%dT%H:%M:%SZ"), "fired": fired, "periodic": periodic})


def _seconds(value: float) -> Any:
    from datetime import timedelta

    return timedelta(seconds=value)
