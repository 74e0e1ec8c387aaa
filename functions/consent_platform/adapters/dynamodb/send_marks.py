"""Campaign send marks on the subscription item: ``sent_w<week>`` is a string set of 12-hex-digit
digests of the message ids claimed, by the week (days since the epoch // 7) the message was *created*
in, so that every delivery of one message looks in the same place. A claim looks in its week and both
neighbours (a re-run dispatcher builds the same message id with a later ``created_at``, within hours)
and drops marks of weeks at least SEND_MARK_WEEKS_KEPT older: a duplicate can only arrive while the
message can still be delivered — outbound queue 4 days, its DLQ 14 days, a deferral a few days."""

from __future__ import annotations

import hashlib
from typing import Any

from ...domain.clock import parse_iso

SEND_MARK_WEEKS_KEPT = 5
SEND_MARK_WEEKS_DROPPED = 8  # how many weeks beyond that each claim removes (missing ones cost nothing)


def send_mark(message_id: str, created_at: str) -> tuple[str, str]:
    """(attribute, digest) of one campaign message's send mark."""
    week = int(parse_iso(created_at).timestamp()) // 86400 // 7
    return f"sent_w{week}", hashlib.sha256(message_id.encode()).hexdigest()[:12]


def send_mark_update(message_id: str, created_at: str) -> dict[str, Any]:
    """Condition and update of a campaign claim on the subscription item (see ``send_mark``)."""
    name, digest = send_mark(message_id, created_at)
    week = int(name.removeprefix("sent_w"))
    checked = {f"#c{i}": f"sent_w{week + d}" for i, d in enumerate((-1, 0, 1))}
    dropped = {f"#x{i}": f"sent_w{week - SEND_MARK_WEEKS_KEPT - i}" for i in range(SEND_MARK_WEEKS_DROPPED)}
    return {
        "ConditionExpression": "#s = :active AND " + " AND ".join(f"NOT contains({n}, :d)" for n in checked),
        "UpdateExpression": "ADD #c1 :dset REMOVE " + ", ".join(dropped),
        "ExpressionAttributeNames": {"#s": "status", **checked, **dropped},
        "ExpressionAttributeValues": {
            ":active": {"S": "active"},
            ":d": {"S": digest},
            ":dset": {"SS": [digest]},
        },
    }
