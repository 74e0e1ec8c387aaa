"""The inbound worker's part of forwarding (issue #20): whether a handled message is forwarded, and the
job it queues for the forwarder. The rule comes from the cached config (``Config.forwarding``, loaded with
lists and keywords in the same Query), so a message costs nothing extra unless it is forwarded — then
one SQS ``SendMessage``.

Once: the job goes into the message's outbox item, written in the same transaction as its effect, so a
redelivery after a crash re-queues it; the forwarder keeps each target's progress under the provider's
message id, so a job queued twice forwards once.
"""

from __future__ import annotations

from typing import Any

from ...domain.forwarding import number_key
from ...domain.inbound_message import InboundMessage
from .config import Config


def forward_job(config: Config, message: InboundMessage, sender: str, inbox: dict[str, Any]) -> dict[str, Any] | None:
    """The job for the forwarder (``inbox``: the inbox item's fields), or None when the receiving number
    forwards nothing or not this kind of message."""
    rule = config.forwarding.get(number_key(message.to))
    if rule is None or not rule.applies(str(inbox["handled_as"])):
        return None
    return {
        "provider": message.provider,
        "message_id": message.message_id,
        "from": sender,
        "to": message.to,
        "body": inbox["body"],
        "truncated": bool(inbox.get("truncated")),
        "received_at": inbox["received_at"],
        "handled_as": inbox["handled_as"],
        # The rule as it was when the message arrived: the forwarder needs no read to know the targets.
        "targets": rule.targets(),
        "mask_sender": rule.mask_sender,
    }
