"""Publishing outbound messages to the SQS queue the sender consumes."""

from __future__ import annotations

from collections.abc import Sequence

from ..domain.messages import OutboundMessage
from .aws import client


class OutboundQueue:
    def __init__(self, queue_url: str) -> None:
        self.queue_url = queue_url

    def send(self, messages: Sequence[OutboundMessage], delay_seconds: int = 0) -> None:
        """Queue messages. A short delay gives a state write that follows the enqueue time to land
        before the sender checks the message's guard (see ``services/optin.py``)."""
        sqs = client("sqs")
        if len(messages) == 1:
            sqs.send_message(
                QueueUrl=self.queue_url, MessageBody=messages[0].model_dump_json(), DelaySeconds=delay_seconds
            )
            return
        for start in range(0, len(messages), 10):  # SendMessageBatch takes at most 10 entries
            chunk = messages[start : start + 10]
            response = sqs.send_message_batch(
                QueueUrl=self.queue_url,
                Entries=[
                    {"Id": str(i), "MessageBody": m.model_dump_json(), "DelaySeconds": delay_seconds}
                    for i, m in enumerate(chunk)
                ],
            )
            if response.get("Failed"):
                failed = ", ".join(f"{f['Id']}: {f.get('Code')}" for f in response["Failed"])
                raise RuntimeError(f"SQS refused {len(response['Failed'])} of {len(chunk)} messages ({failed})")

    def send_each_delayed(self, messages: Sequence[tuple[OutboundMessage, int]]) -> None:
        """Queue messages, each with its own ``DelaySeconds`` (the sender's pacing puts them back)."""
        sqs = client("sqs")
        for start in range(0, len(messages), 10):
            chunk = messages[start : start + 10]
            entries = [
                {"Id": str(i), "MessageBody": m.model_dump_json(), "DelaySeconds": delay}
                for i, (m, delay) in enumerate(chunk)
            ]
            response = sqs.send_message_batch(QueueUrl=self.queue_url, Entries=entries)
            if response.get("Failed"):
                raise RuntimeError(f"SQS refused {len(response['Failed'])} of {len(chunk)} messages")
