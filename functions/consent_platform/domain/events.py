"""Domain events published on the project's EventBridge bus."""

from __future__ import annotations

from typing import Any

from .consent import Action, LedgerEntry

SOURCE = "sms-consent"

_DETAIL_TYPES = {
    Action.GRANTED: "Consent.Granted",
    Action.CONFIRMED: "Consent.Confirmed",
    Action.REVOKED: "Consent.Revoked",
}


def consent_events(entries: list[LedgerEntry]) -> list[dict[str, Any]]:
    """One event per ledger entry that grants, confirms or revokes consent."""
    events = []
    for entry in entries:
        detail_type = _DETAIL_TYPES.get(entry.action)
        if detail_type is None:
            continue
        events.append(
            {
                "detail_type": detail_type,
                "detail": {
                    "event_id": entry.event_id,
                    "at": entry.at,
                    "phone": entry.phone,
                    "list_id": entry.list_id,
                    "channel": entry.channel,
                    "method": entry.method,
                    "status": entry.status_after,
                },
            }
        )
    return events


def unmatched_event(message_id: str, sender: str, to: str, body: str, at: str) -> dict[str, Any]:
    return {
        "detail_type": "Inbound.Unmatched",
        "detail": {"message_id": message_id, "from": sender, "to": to, "body": body, "at": at},
    }
