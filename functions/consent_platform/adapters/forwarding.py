"""Forwarding's ways out: the job queue (worker → forwarder), the signed HTTPS POST, and e-mail (Amazon
SES, or a local file on the local stack). Each is a small class so the forwarder's service can be given
another one in tests."""

from __future__ import annotations

import http.client
import json
import threading
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from .aws import client

HTTP_TIMEOUT_S = 5.0  # connect and read, each; well inside the forwarder's Lambda timeout
RESPONSE_READ_MAX = 1024  # we only need the status; a hostile receiver cannot make us read megabytes


class ForwardQueue:
    """One SQS message per forwarded inbound message (``job``: see ``services/inbound/forwarding.py``)."""

    def __init__(self, queue_url: str) -> None:
        self.queue_url = queue_url

    def send(self, job: dict[str, Any]) -> None:
        client("sqs").send_message(QueueUrl=self.queue_url, MessageBody=json.dumps(job, ensure_ascii=False))

    def retry_later(self, receipt_handle: str, delay_seconds: int) -> None:
        """A failed job comes back after ``delay_seconds`` instead of the queue's visibility timeout."""
        client("sqs").change_message_visibility(
            QueueUrl=self.queue_url, ReceiptHandle=receipt_handle, VisibilityTimeout=delay_seconds
        )


class DeliveryFailed(Exception):
    """The target did not take the message (5xx, 429, timeout, refused): SQS retries the job."""


class Poster(Protocol):
    def post(self, url: str, body: bytes, headers: dict[str, str]) -> int: ...


class HttpPoster:
    """A POST with ``http.client``: no redirects followed (a 30x to an internal address would defeat
    the URL checks), a timeout, and at most ``RESPONSE_READ_MAX`` bytes of the answer read."""

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        parts = urlsplit(url)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        connection = connection_class(parts.hostname or "", parts.port, timeout=HTTP_TIMEOUT_S)
        try:
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            response.read(RESPONSE_READ_MAX)
            return response.status
        except (OSError, http.client.HTTPException) as exc:
            raise DeliveryFailed(f"POST failed: {type(exc).__name__}") from None
        finally:
            connection.close()


class Mailer(Protocol):
    def send(self, to: str, subject: str, text: str) -> str: ...


class SesMailer:
    """Amazon SES (v2 ``SendEmail``) from a verified identity (``sender``)."""

    def __init__(self, sender: str) -> None:
        self.sender = sender

    def send(self, to: str, subject: str, text: str) -> str:
        response = client("sesv2").send_email(
            FromEmailAddress=self.sender,
            Destination={"ToAddresses": [to]},
            Content={
                "Simple": {
                    "Subject": {"Data": subject, "Charset": "UTF-8"},
                    "Body": {"Text": {"Data": text, "Charset": "UTF-8"}},
                }
            },
        )
        return str(response.get("MessageId", ""))


class LocalMailer:
    """The local stack's e-mail: one JSON line per message in a file (``GET /dev/forwarded`` shows it)."""

    _lock = threading.Lock()

    def __init__(self, path: str) -> None:
        self.path = Path(path)

    def send(self, to: str, subject: str, text: str) -> str:
        line = json.dumps({"channel": "email", "to": to, "subject": subject, "text": text}, ensure_ascii=False)
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as out:
                out.write(line + "\n")
        return "local"


def make_mailer(provider: str, sender: str, local_path: str) -> Mailer:
    return LocalMailer(local_path) if provider == "local" else SesMailer(sender)
