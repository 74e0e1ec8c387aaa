"""EventBridge rules (``EventBridgeRule`` events): moto matches, a shim queue carries, Lambda invokes async.

moto's EventBridge matches events against a rule's pattern but cannot invoke a function, so each rule
gets a local SQS target, ``<Function>Events`` (provisioned with the stack, so the integration tests see
it too). A poller takes each event off it and invokes the function *asynchronously*, once per event, as
EventBridge does: Lambda's retries and the on-failure destination apply from then on (async_invoke.py),
and the event leaves the rule either way.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from ..async_invoke import AsyncInvoker
from ..invoker import Invoker
from ..template import SqsSource, Stack, client, create_queue, eventbridge_shim_queue
from . import Runtime
from .sqs import SqsPoller


class EventPoller(SqsPoller):
    """A rule's shim queue: each message body is one EventBridge event, passed to the function as is."""

    def __init__(self, source: SqsSource, stack: Stack, invoker: Invoker, stop: threading.Event) -> None:
        super().__init__(source, stack, invoker, stop)
        self._async = AsyncInvoker(stack, invoker)

    def _deliver(self, messages: list[dict[str, Any]]) -> None:
        for message in messages:
            self._async.invoke(self.source.function, json.loads(message["Body"]))
            self._delete([message])


class _EventBridge:
    name = "eventbridge"
    event_types = ("EventBridgeRule",)

    def provision(self, stack: Stack) -> None:
        events = client("events")
        for function, props in stack.eventbridge_sources():
            shim = eventbridge_shim_queue(function)
            arn = create_queue(stack, shim, shim, {})
            bus = props.get("EventBusName", "default")
            events.put_rule(Name=f"{function}-rule", EventBusName=bus, EventPattern=json.dumps(props["Pattern"]))
            events.put_targets(Rule=f"{function}-rule", EventBusName=bus, Targets=[{"Id": "local", "Arn": arn}])

    def start(self, runtime: Runtime) -> list[threading.Thread]:
        sources = [s for s in runtime.stack.sqs_sources() if s.eventbridge]
        pollers = [EventPoller(source, runtime.stack, runtime.invoker, runtime.stop) for source in sources]
        for poller in pollers:
            poller.start()
        return [poller.thread for poller in pollers]


SOURCE = _EventBridge()
