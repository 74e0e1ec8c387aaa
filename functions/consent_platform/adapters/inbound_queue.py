"""Putting an inbound SMS on the queue the inbound worker consumes (the webhooks only verify and enqueue)."""

from __future__ import annotations

from ..domain.inbound_message import InboundMessage
from .aws import client


class InboundQueue:
    def __init__(self, queue_url: str) -> None:
        self.queue_url = queue_url

    def send(self, message: InboundMessage) -> None:
        """One message, no delay: the worker keeps provider message ids, so a provider's retry of the
        same SMS is harmless (``services/inbound``)."""
        client("sqs").send_message(QueueUrl=self.queue_url, MessageBody=message.model_dump_json())
