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

from botocore.exceptions import ClientError

from ..domain.clock import utc_now
from ..domain.delivery_status import send_context
from ..domain.messages import OutboundMessage
from ..domain.throughput import BURST_SECONDS, default_rate
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
            "Context": send_context(message.message_id, campaign_id, message.list_id, message.variant),
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


class PartsLimiter:
    """End User Messaging's limit per origination identity, emulated for the local provider: a token
    bucket per identity holding one second's worth of parts (``BURST_SECONDS``) and refilled at the
    identity's rate, kept as its GCRA time — at most the rate over any one-second window plus that burst,
    the contract pacing keeps (``domain/throughput.py``), so paced traffic is throttled only when it
    arrives bunched up. A message of more parts than the bucket holds goes once the bucket is full (and
    leaves it in debt), as pacing reserves it; it could never go otherwise. One lock: the local stack's
    sender invocations are threads of one process."""

    def __init__(self, clock: Callable[[], float] | None = None) -> None:
        # The stack's clock (``/dev/clock`` moves it, then it runs at wall speed), as pacing's.
        self._clock = clock or (lambda: utc_now().timestamp())
        self._lock = threading.Lock()
        self._tat: dict[str, float] = {}  # identity → when its bucket is (or was) empty

    def reset(self) -> None:
        """Every bucket full again (a new stack: tests start each on a fresh one, often at the same instant)."""
        with self._lock:
            self._tat.clear()

    def admit(self, identity: str, parts: int, rate: float) -> bool:
        """Take ``parts`` from the identity's bucket now; ``False`` (nothing taken) when it lacks them."""
        with self._lock:
            now = self._clock()
            # A bucket never used is full; a full one holds one second's worth.
            start = max(self._tat.get(identity, 0.0), now - BURST_SECONDS)
            if start + min(parts / rate, BURST_SECONDS) > now + 1e-6:  # 1e-6: float sums, as pacing
                return False
            self._tat[identity] = start + parts / rate
            return True


class IdentityRates:
    """Each identity's rate for the local provider: the configured one (``configured``: one read of the
    senders store), kept for ``ttl_s`` so a send costs no request; else the default for its type and
    country (``domain/throughput.py``), as pacing reads it (``services/pacing.rate_of``)."""

    def __init__(
        self,
        configured: Callable[[str], float | None],
        ttl_s: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._configured, self._ttl_s, self._clock = configured, ttl_s, clock
        self._cache: dict[str, tuple[float | None, float]] = {}  # identity → (configured rate, read at)
        self._lock = threading.Lock()

    def __call__(self, identity: str, destination: str) -> float:
        with self._lock:
            cached = self._cache.get(identity)
            if cached is None or self._clock() - cached[1] >= self._ttl_s:
                cached = self._cache[identity] = (self._configured(identity), self._clock())
        return cached[0] or default_rate(identity, destination).parts_per_second


def throttling_error(identity: str) -> ClientError:
    """What botocore raises for End User Messaging's ``ThrottlingException`` (JSON protocol, HTTP 400)."""
    text = f"Message parts per second exceeded for origination identity {identity}"
    response: Any = {
        "Error": {"Code": "ThrottlingException", "Message": text},
        "Message": text,
        "ResponseMetadata": {"HTTPStatusCode": 400},
    }
    return ClientError(response, "SendTextMessage")


# Every local provider of the process shares one limiter: concurrent senders, one identity, one rate.
LOCAL_LIMITER = PartsLimiter()


class LocalOutboxProvider:
    """Appends each message to a JSON-lines file that ``GET /dev/outbox`` reads (local stack only).

    With ``rates``, each origination identity's rate is enforced the way End User Messaging does: a send
    beyond it raises ``ThrottlingException`` (after ``send_retrying``'s attempts, as for the real call)."""

    name = "local"
    _lock = threading.Lock()
    # Told of each message this provider accepted (message, provider id): the local stack's End User
    # Messaging emulation (infra/local/delivery.py) listens to report delivery receipts like the real
    # provider. Nothing listens in AWS, where this provider is never configured.
    listeners: ClassVar[list[Callable[[OutboundMessage, str], None]]] = []

    def __init__(self, path: str, rates: IdentityRates | None = None, limiter: PartsLimiter = LOCAL_LIMITER) -> None:
        self.path = Path(path)
        self.rates = rates
        self.limiter = limiter

    def send(self, message: OutboundMessage) -> str:
        identity = message.origination
        if self.rates is not None and identity:  # no identity: nothing to pace by (nor does pacing)
            rate = self.rates(identity, message.to)
            send_retrying(lambda: self._admit(identity, message.segments, rate))
        return self._append(message)

    def _admit(self, identity: str, parts: int, rate: float) -> None:
        if not self.limiter.admit(identity, parts, rate):
            raise throttling_error(identity)

    def _append(self, message: OutboundMessage) -> str:
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


def make_provider(
    kind: str,
    configuration_set: str = "",
    outbox_path: str = "",
    configured_rate: Callable[[str], float | None] | None = None,
) -> SmsProvider:
    """``configured_rate``: an identity's configured parts per second (the local provider enforces it)."""
    if kind == "sns":
        return SnsProvider()
    if kind == "end-user-messaging":
        return EndUserMessagingProvider(configuration_set)
    if kind == "local":
        return LocalOutboxProvider(outbox_path, IdentityRates(configured_rate) if configured_rate else None)
    raise ValueError(f"unknown SMS provider {kind!r}")
