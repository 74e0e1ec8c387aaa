"""Inbound SMS: STOP / START / YES / HELP and custom keywords (see ``service`` for the guarantees)."""

from __future__ import annotations

from .context import REPLY_DAILY_CAP, Outcome
from .service import MARKER_DAYS, InboundService

__all__ = ["MARKER_DAYS", "REPLY_DAILY_CAP", "InboundService", "Outcome"]
