"""Forwarding rules' settings: the admin's forwarding routes and the forwarder (issue #20)."""

from __future__ import annotations

from typing import Literal

from ..settings import EnvSettings, TableSettings


class ForwardingSettings(EnvSettings):
    """Forwarding rules (``PUT /v1/admin/numbers/{number}/forwarding`` and the forwarder, which checks a
    URL again before it posts). ``forwarding_allow_loopback_http`` is set by the local stack only
    (infra/local/environment.py): ``http://127.0.0.1`` as a test receiver; the template never sets it."""

    forwarding_allow_loopback_http: bool = False


class ForwarderSettings(TableSettings, ForwardingSettings):
    """The forwarder (functions/inbound/forwarder.py)."""

    outbound_queue_url: str  # forwarded SMS go out as transactional messages through the sender
    forwarding_queue_url: str = ""  # its own queue: a failed job's retry is delayed by receive count
    forwarding_secret_parameter: str  # SSM SecureString: the HMAC secret(s) that sign forwarded POSTs
    secret_cache_seconds: int = 30
    mail_provider: Literal["ses", "local"] = "ses"
    forwarding_mail_from: str = ""  # a verified SES identity; e-mail targets fail (DLQ) until set
    local_mail_path: str = ".local/forwarded.jsonl"
