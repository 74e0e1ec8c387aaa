"""Time helpers. Every domain function takes ``now`` explicitly so tests and the local stack's clock
can move time; only the edges call :func:`utc_now`."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(ts: datetime) -> str:
    """UTC ISO 8601 with microseconds and a ``Z``: sortable as a string, which DynamoDB keys rely on."""
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
