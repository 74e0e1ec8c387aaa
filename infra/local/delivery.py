"""End User Messaging's delivery events on the local stack: the local provider reports like the real one.

After each message the local provider accepted (``LocalOutboxProvider.listeners``), this emulation
publishes what a configuration set's event destination would publish to ``DeliveryTopic`` — the same
JSON (``domain/delivery_status.provider_event``), with the ``Context`` the End User Messaging provider
sends — so receipts take the template's path: topic → raw subscription → DeliveryQueue → worker.
Without it every claim of the local provider would look unanswered to the reconciler.

* Sequence: ``TEXT_SUCCESSFUL`` (not final), then the number's final status (default ``TEXT_DELIVERED``).
  A ``TEXT_SUCCESSFUL`` chosen as the final status is reported once, final (the last word in some
  countries); a pending status (``TEXT_QUEUED``…) once, not final; ``none``: nothing at all.
* ``POST /dev/delivery {"phone", "status"}`` chooses the final status of later messages to a number;
  ``GET /dev/delivery`` lists the choices. ``GET /dev/outbox`` shows what was reported for each message.
* Price: a fixed ``PRICE_PER_PART_USD`` per message part, on every event (as End User Messaging repeats
  ``totalMessagePrice``). It is a round number for the demo, not a tariff.

The events are published while the sender still holds its batch, so by the time the outbound queue is
empty the receipts are on the delivery queue: ``POST /dev/clock``, which waits for every queue to drain,
answers with the receipts processed.
"""

from __future__ import annotations

import json
import logging
import threading
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

import boto3

from consent_platform.domain.clock import iso, utc_now
from consent_platform.domain.delivery_status import (
    STATUS_CLASS,
    AcceptedMessage,
    StatusClass,
    provider_event,
    send_context,
)
from consent_platform.domain.errors import InvalidPhone
from consent_platform.domain.messages import OutboundMessage
from consent_platform.domain.phone import mask_phone, normalize_phone

from .gateway import HttpRequest, HttpResponse, LocalRoute, error, json_object, json_response
from .redact import redact

logger = logging.getLogger("infra.local.delivery")

DEFAULT_STATUS = "TEXT_DELIVERED"
SILENT = "none"  # report nothing for the number: its claims stay unanswered (exercises the reconciler)
PRICE_PER_PART_USD = 0.005
STATUSES = sorted(STATUS_CLASS)


@dataclass(frozen=True)
class Choice:
    status: str
    set_at: str


def parse_choice(data: Any) -> tuple[str, str] | dict[str, str]:
    """``(phone E.164, status)`` from a ``POST /dev/delivery`` body, or the fields that are wrong."""
    fields: dict[str, str] = {}
    phone = ""
    raw_phone = data.get("phone")
    country = data.get("country") if isinstance(data.get("country"), str) else None
    with suppress(InvalidPhone):
        phone = normalize_phone(raw_phone, country).e164 if isinstance(raw_phone, str) else ""
    if not phone:
        fields["phone"] = "required: a phone number in E.164 (+48…) or with country"
    raw_status = data.get("status", DEFAULT_STATUS)
    status = raw_status.strip() if isinstance(raw_status, str) else ""
    status = SILENT if status.lower() == SILENT else status.upper()
    if status != SILENT and status not in STATUS_CLASS:
        fields["status"] = f"one of {', '.join(STATUSES)}, or {SILENT} (report nothing)"
    return fields or (phone, status)


def sequence(final_status: str) -> list[tuple[str, bool]]:
    """The events (type, isFinal) reported for a message that ends in ``final_status``."""
    if final_status == SILENT:
        return []
    if final_status == "TEXT_SUCCESSFUL":
        return [("TEXT_SUCCESSFUL", True)]
    if STATUS_CLASS[final_status] is StatusClass.PENDING:
        return [(final_status, False)]
    return [("TEXT_SUCCESSFUL", False), (final_status, True)]


class DeliveryEmulator:
    def __init__(self, topic_arn: str) -> None:
        self.topic_arn = topic_arn
        self._lock = threading.Lock()
        self._choices: dict[str, Choice] = {}  # phone → the final status of its later messages
        self._reported: dict[str, tuple[str, str]] = {}  # message id → (last status reported, at)
        self._sns: Any = None

    def status_for(self, phone: str) -> str:
        with self._lock:
            choice = self._choices.get(phone)
        return choice.status if choice else DEFAULT_STATUS

    def report(self, message: OutboundMessage, provider_id: str) -> None:
        """The listener: publish this message's events. Never raises — the message *was* accepted; a
        lost report is what the reconciler exists for (it is logged)."""
        try:
            self._publish(message, provider_id, sequence(self.status_for(message.to)))
        except Exception as exc:
            logger.error("delivery report for %s not published: %s", mask_phone(message.to), redact(repr(exc)))

    def _publish(self, message: OutboundMessage, provider_id: str, steps: list[tuple[str, bool]]) -> None:
        if not steps:
            return
        now = utc_now()
        campaign_id = message.campaign.campaign_id if message.campaign else None
        accepted = AcceptedMessage(
            destination=message.to,
            # What EndUserMessagingProvider passes as Context, so receipts name the message the same way.
            context=send_context(message.message_id, campaign_id, message.list_id),
            provider_message_id=provider_id,
            origination=message.origination,
            parts=message.segments,
            price_usd=round(PRICE_PER_PART_USD * message.segments, 6),
        )
        events = [provider_event(accepted, event_type, now, final) for event_type, final in steps]
        if self._sns is None:
            self._sns = boto3.client("sns")
        entries = [{"Id": str(i), "Message": json.dumps(e)} for i, e in enumerate(events)]
        response = self._sns.publish_batch(TopicArn=self.topic_arn, PublishBatchRequestEntries=entries)
        if response.get("Failed"):
            raise RuntimeError(f"{len(response['Failed'])} event(s) refused by SNS")
        with self._lock:
            self._reported[message.message_id] = (steps[-1][0], iso(now))

    # --- the dev routes -------------------------------------------------------------------------------

    def post_delivery(self, request: HttpRequest, _raw_query: str) -> HttpResponse:
        data = json_object(request)
        if not isinstance(data, dict):
            return data
        parsed = parse_choice(data)
        if isinstance(parsed, dict):
            return error(422, "validation_error", "invalid input", parsed)
        phone, status = parsed
        with self._lock:
            if status == DEFAULT_STATUS:
                self._choices.pop(phone, None)
            else:
                self._choices[phone] = Choice(status, iso(utc_now()))
        return json_response(200, {"phone": phone, "status": status})

    def get_delivery(self, _request: HttpRequest, _raw_query: str) -> HttpResponse:
        with self._lock:
            choices = [{"phone": p, "status": c.status, "set_at": c.set_at} for p, c in sorted(self._choices.items())]
        body = {"default": DEFAULT_STATUS, "price_per_part_usd": PRICE_PER_PART_USD, "numbers": choices}
        return json_response(200, body)

    def with_statuses(self, outbox: LocalRoute) -> LocalRoute:
        """``GET /dev/outbox`` with each message's last reported status (``null`` until one is)."""

        def route(request: HttpRequest, raw_query: str) -> HttpResponse:
            response = outbox(request, raw_query)
            if response.status != 200:
                return response
            payload = response.json()
            with self._lock:
                for entry in payload.get("messages", []):
                    status, at = self._reported.get(str(entry.get("message_id")), (None, None))
                    entry["status"], entry["status_at"] = status, at
            return json_response(200, payload)

        return route
