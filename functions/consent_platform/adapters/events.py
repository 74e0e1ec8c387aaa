"""Publishing domain events to the EventBridge bus (at most 10 entries per PutEvents call)."""

from __future__ import annotations

import json
from typing import Any

from ..domain.events import SOURCE
from .aws import client


class EventPublisher:
    def __init__(self, bus_name: str) -> None:
        self.bus_name = bus_name

    def publish(self, events: list[dict[str, Any]]) -> None:
        for start in range(0, len(events), 10):
            chunk = events[start : start + 10]
            response = client("events").put_events(
                Entries=[
                    {
                        "EventBusName": self.bus_name,
                        "Source": SOURCE,
                        "DetailType": e["detail_type"],
                        "Detail": json.dumps(e["detail"], ensure_ascii=False),
                    }
                    for e in chunk
                ]
            )
            if response.get("FailedEntryCount"):
                raise RuntimeError(f"EventBridge refused {response['FailedEntryCount']} of {len(chunk)} events")
