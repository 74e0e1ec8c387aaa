"""The inbox (issue #20): what the platform did with a received message, what is kept of its text, and
when an operator's answer to it is refused. Pure: the worker and the admin API share these rules."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

from .errors import Conflict, RateLimited
from .inbound import Classification, Intent
from .plain_text import neutralise_controls

# A concatenated SMS carries at most ~1,600 characters (the webhook's own limit); End User Messaging hands
# over whatever its SNS message holds (up to 256 KB). What is kept is bounded like the webhook's input:
# a longer body is cut there and marked ``truncated``; control characters are written as \\uXXXX
# (``plain_text``: a stored body reaches admins' terminals through ``smsadmin inbox``).
BODY_KEPT = 1600

# handled_as for each intent (``keyword:<KW>`` for custom keywords; polls/contests come later as their
# own keyword actions). A table, so a new intent is one line.
_HANDLED: dict[Intent, Callable[[Classification], str]] = {
    Intent.OPT_OUT: lambda _c: "stop",
    Intent.OPT_IN: lambda _c: "start",
    Intent.CONFIRM: lambda _c: "confirm",
    Intent.HELP: lambda _c: "help",
    Intent.KEYWORD: lambda c: f"keyword:{c.word}",
    Intent.UNMATCHED: lambda _c: "unmatched",
    Intent.POLL: lambda c: f"poll:{c.word}",
}
UNHANDLED = "unmatched"

# Operator replies per number per UTC day. Why 10: a conversation rarely needs more in a day, and each
# reply is a paid SMS that ignores marketing consent — a script looping over the inbox, or a leaked admin
# credential, must not turn one number into a pumping target or harass a person. Separate from the
# automatic replies' REPLY_DAILY_CAP (5/24 h, invariant 8), which a person's own texts trigger.
REPLY_DAILY_CAP = 10


def handled_as(cls: Classification) -> str:
    return _HANDLED[cls.intent](cls)


def kept_body(body: str) -> tuple[str, bool]:
    """The body as stored, and whether it was cut."""
    return neutralise_controls(body[:BODY_KEPT]), len(body) > BODY_KEPT


def expires_at(received: datetime, retention: timedelta) -> int:
    """The item's ``ttl`` (epoch seconds): DynamoDB deletes it after the retention (typically within days)."""
    return int((received + retention).timestamp())


def reply_id(provider: str, message_id: str, text: str) -> str:
    """The outbound message id of an answer: one per (received message, text). A client retrying the same
    answer gets the same id, which the sender sends at most once; a different text is a new answer."""
    digest = hashlib.sha256(text.encode()).hexdigest()[:24]
    return f"inbox:{provider}:{message_id}:{digest}"


def check_not_stopped(latest_stop_or_start: str | None, revoked_on_number: bool, active_on_number: bool) -> None:
    """An answer is refused after STOP: the newest STOP/START the person sent to this number says so, or,
    when the inbox no longer holds one (retention), a list on this number revoked and none active."""
    if latest_stop_or_start == "stop" or (latest_stop_or_start is None and revoked_on_number and not active_on_number):
        raise Conflict("the sender has opted out (STOP); no reply is sent", {"message_id": "sender opted out"})


def cap_reached(now: datetime) -> RateLimited:
    """429 until the next UTC day starts."""
    tomorrow = (now.astimezone(UTC) + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return RateLimited(
        f"at most {REPLY_DAILY_CAP} replies per number per day",
        {"message_id": f"daily reply cap of {REPLY_DAILY_CAP} reached for this number"},
        retry_after=max(1, int((tomorrow - now).total_seconds())),
    )


def newest_stop_or_start(handled: Iterable[str]) -> str | None:
    """The first STOP/START in newest-first order."""
    return next((h for h in handled if h in ("stop", "start")), None)
