"""SMS providers: Amazon SNS, AWS End User Messaging SMS, and a local outbox for the dev stack.

A send call is made once by botocore (``aws.provider_client``) and retried here only when its failure
proves the provider did not accept the message (throttling, no connection: ``provider_errors``); any
other failure propagates at once, for the sender to classify (back to SQS, permanent, or unknown —
then the reconciler decides from the delivery receipt).
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar, Protocol

from ..domain.clock import utc_now
from ..domain.delivery_status import send_context
from ..domain.messages import OutboundMessage
from .aws import provider_client
from .provider_errors import Failure, classify

# Attempts of one send when the provider refuses it for now (throttling) or no connection was made;
# full-jitter exponential backoff, at most ~0.3 s in all, well inside the sender's timeout. What still
# fails goes back to SQS (services/sender.py).
SEND_ATTEMPTS = 3
_BACKOFF_BASE_S = 0.1


def send_retrying(call: Callable[[], Any]) -> Any:
    """``call()``, made again only after failures that prove the provider accepted nothing."""
    for attempt in range(SEND_ATTEMPTS):
        try:
            return call()
        except Exception as exc:
            if attempt == SEND_ATTEMPTS - 1 or classify(exc) is not Failure.RETRY:
                raise
            time.sleep(random.uniform(0, _BACKOFF_BASE_S * 2**attempt))  # noqa: S311 - jitter, not crypto
    raise AssertionError("unreachable")


# End User Messaging refuses a number on the origination identity's opt-out list with a ConflictException
# of this reason (by default a number answers STOP itself and adds the sender to that list).
OPTED_OUT_REASONS = frozenset({"DESTINATION_PHONE_NUMBER_OPTED_OUT"})


class DestinationOptedOut(Exception):
    """The provider refuses to text this number because it opted out there: no retry will change that."""


class SmsProvider(Protocol):
    name: str

    def send(self, message: OutboundMessage) -> str:
        """Send one SMS; return the provider's message id."""
        ...


class SnsProvider:
    name = "sns"

    def send(self, message: OutboundMessage) -> str:
        attributes = {
            "AWS.SNS.SMS.SMSType": {
                "DataType": "String",
                "StringValue": "Transactional" if message.message_type == "TRANSACTIONAL" else "Promotional",
            }
        }
        if message.origination:
            key = "AWS.MM.SMS.OriginationNumber" if _is_number(message.origination) else "AWS.SNS.SMS.SenderID"
            attributes[key] = {"DataType": "String", "StringValue": message.origination}
        sns = provider_client("sns")
        response = send_retrying(
            lambda: sns.publish(PhoneNumber=message.to, Message=message.body, MessageAttributes=attributes)
        )
        return str(response["MessageId"])


class EndUserMessagingProvider:
    name = "end-user-messaging"

    def __init__(self, configuration_set: str = "") -> None:
        self.configuration_set = configuration_set

    def send(self, message: OutboundMessage) -> str:
        campaign_id = message.campaign.campaign_id if message.campaign else None
        params: dict[str, Any] = {
            "DestinationPhoneNumber": message.to,
            "MessageBody": message.body,
            "MessageType": message.message_type,
            # Echoed in every delivery event of this message: our id names the message a receipt is about.
            "Context": send_context(message.message_id, campaign_id, message.list_id),
        }
        if message.origination:
            params["OriginationIdentity"] = message.origination
        if self.configuration_set:
            params["ConfigurationSetName"] = self.configuration_set
        eum = provider_client("pinpoint-sms-voice-v2")
        try:
            response = send_retrying(lambda: eum.send_text_message(**params))
        except eum.exceptions.ConflictException as exc:
            # botocore puts modelled error members (Reason) at the top of the parsed response.
            reason = exc.response.get("Reason") or exc.response.get("Error", {}).get("Reason")
            if reason in OPTED_OUT_REASONS:
                raise DestinationOptedOut(str(reason)) from exc
            raise
        return str(response["MessageId"])


class LocalOutboxProvider:
    """Appends each message to a JSON-lines file that ``GET /dev/outbox`` reads (local stack only)."""

    name = "local"
    _lock = threading.Lock()
    # Told of each message this provider accepted (message, provider id): the local stack's End User
    # Messaging emulation (infra/local/delivery.py) listens to report delivery receipts like the real
    # provider. Nothing listens in AWS, where this provider is never configured.
    listeners: ClassVar[list[Callable[[OutboundMessage, str], None]]] = []

    def __init__(self, path: str) -> None:
        self.path = Path(path)

    def send(self, message: OutboundMessage) -> str:
        record = {
            "message_id": message.message_id,
            "to": message.to,
            "from": message.origination,
            "body": message.body,
            "kind": message.kind,
            "list_id": message.list_id,
            # The injected clock, not the wall clock: after POST /dev/clock a campaign sent "at 18:00
            # local" must show that time.
            # Millisecond resolution: pacing is checked per second from these times.
            "sent_at": utc_now().isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "encoding": message.encoding,
            "segments": message.segments,
        }
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        provider_id = f"local-{message.message_id}"
        for listener in self.listeners:
            listener(message, provider_id)
        return provider_id


def read_outbox(path: str, phone: str | None = None) -> list[dict[str, object]]:
    file = Path(path)
    if not file.exists():
        return []
    with LocalOutboxProvider._lock:
        lines = file.read_text(encoding="utf-8").splitlines()
    messages = [json.loads(line) for line in lines if line.strip()]
    return [m for m in messages if phone is None or m["to"] == phone]


def _is_number(identity: str) -> bool:
    return identity.lstrip("+").isdigit()


def make_provider(kind: str, configuration_set: str = "", outbox_path: str = "") -> SmsProvider:
    if kind == "sns":
        return SnsProvider()
    if kind == "end-user-messaging":
        return EndUserMessagingProvider(configuration_set)
    if kind == "local":
        return LocalOutboxProvider(outbox_path)
    raise ValueError(f"unknown SMS provider {kind!r}")
