"""``/dev/forwarded``: the local stack's test receiver for forwarding (issue #20).

``POST /dev/forwarded`` takes what the forwarder posts (a number's rule with
``"url": "http://127.0.0.1:3000/dev/forwarded"`` — plain http to loopback is allowed on the local stack
only) and checks its ``X-Signature`` with the local forwarding secret, exactly as a brand's receiver
would with ``verify_webhook``. ``GET /dev/forwarded`` shows what arrived (newest last) and the e-mails the
local mailer wrote instead of sending them through SES.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

from consent_platform.domain.clock import utc_now
from consent_platform.domain.signatures import SignatureError, verify_webhook

from .gateway import HttpRequest, HttpResponse, LocalRoute, json_response
from .seed import LOCAL_FORWARDING_SECRET

KEPT = 200  # the newest posts kept in memory


def forwarded_routes() -> dict[tuple[str, str], LocalRoute]:
    mail = os.environ.get("LOCAL_MAIL_PATH")
    if mail:  # each run starts empty, like the outbox
        Path(mail).parent.mkdir(parents=True, exist_ok=True)
        Path(mail).write_text("", encoding="utf-8")
    received: list[dict[str, Any]] = []
    lock = threading.Lock()

    def post(request: HttpRequest, _raw_query: str) -> HttpResponse:
        body = request.body or b""
        try:
            # The stack's clock, not the wall clock: the forwarder signs with utc_now(), which /dev/clock and
            # LOCAL_CLOCK_START move ahead (the wall clock would call every later signature stale).
            now = utc_now().timestamp()
            verify_webhook([LOCAL_FORWARDING_SECRET], request.header("x-signature"), body, now)
            signature = "valid"
        except SignatureError as exc:
            signature = f"invalid: {exc.reason}"
        try:
            payload: Any = json.loads(body)
        except ValueError:
            payload = body.decode("utf-8", "replace")
        entry = {"signature": signature, "message_id": request.header("x-message-id"), "payload": payload}
        with lock:
            received.append(entry)
            del received[:-KEPT]
        return json_response(200, {"received": True})

    def get(_request: HttpRequest, _raw_query: str) -> HttpResponse:
        with lock:
            posts = list(received)
        return json_response(200, {"posts": posts, "emails": _emails()})

    return {("POST", "/dev/forwarded"): post, ("GET", "/dev/forwarded"): get}


def _emails() -> list[dict[str, Any]]:
    path = Path(os.environ.get("LOCAL_MAIL_PATH", ""))
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
