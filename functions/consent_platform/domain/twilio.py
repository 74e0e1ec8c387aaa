"""What a signed Twilio incoming-message request may contain (pure; the webhook calls it after the
signature matched).

Why strict: Twilio's signature covers ``URL + name1 + value1 + name2 + value2 …`` with no separator, so
moving a boundary keeps it valid — ``MessageSid=SM…`` + ``NumMedia=0`` signs exactly like
``MessageSid=SM…NumMedia0`` alone (Twilio's own validator accepts both). A shifted ``MessageSid`` would
be a new message id and pass de-duplication; a shifted ``From``/``Body`` would change the effect. So:
every id has its exact shape and the three ids agree, the account is ours, no name is empty, unknown or
repeated (a repeated name has no single value), and the fields we act on have their own shapes.

Parameter names: twilio.com/docs/messaging/guides/webhook-request (SMS, MMS, WhatsApp, RCS). Twilio may
add names; an unknown one is refused with a 400 naming it, so it shows in Twilio's debugger and is
added here, instead of being trusted unseen.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .errors import MalformedBody

MESSAGE_SID = re.compile(r"^(SM|MM)[0-9a-f]{32}$")
ACCOUNT_SID = re.compile(r"^AC[0-9a-f]{32}$")
ID_NAMES = ("MessageSid", "SmsSid", "SmsMessageSid")
KNOWN_NAMES = frozenset(
    {
        *ID_NAMES,
        "AccountSid",
        "MessagingServiceSid",
        "From",
        "To",
        "Body",
        "NumMedia",
        "NumSegments",
        "SmsStatus",
        "ApiVersion",
        "OptOutType",
        "FromCity",
        "FromState",
        "FromZip",
        "FromCountry",
        "ToCity",
        "ToState",
        "ToZip",
        "ToCountry",
        "AddOns",
        "ChannelMetadata",
        "ProfileName",
        "WaId",
        "Forwarded",
        "FrequentlyForwarded",
        "ButtonText",
        "ButtonPayload",
        "Latitude",
        "Longitude",
        "Address",
        "Label",
        "ReferralNumMedia",
        "ReferralBody",
        "ReferralHeadline",
        "ReferralSourceId",
        "ReferralSourceType",
        "ReferralSourceUrl",
        "ReferralMediaId",
        "ReferralMediaContentType",
        "ReferralMediaUrl",
        "ReferralCtwaClid",
    }
)
_NUMBERED = re.compile(r"^(MediaUrl|MediaContentType)[0-9]{1,2}$")
_ADDRESS = re.compile(r"^\+?[0-9]{3,15}$")  # a phone number or short code: no letters to shift into


def twilio_fields(params: Sequence[tuple[str, str]], account_sid: str) -> dict[str, str]:
    """The request's parameters as a dict, or :class:`MalformedBody` naming what is wrong."""
    names = [name for name, _ in params]
    problems: dict[str, str] = {}
    for name in names:
        if not name:
            problems["(empty)"] = "a parameter has no name"
        elif name not in KNOWN_NAMES and not _NUMBERED.match(name):
            problems[name[:64]] = "not a Twilio parameter"
        elif names.count(name) > 1:
            problems[name] = "repeated"
    form = dict(params)
    ids = {form.get(name) for name in ID_NAMES if name in form}
    if not MESSAGE_SID.match(form.get("MessageSid", "")) or len(ids) != 1:
        problems["MessageSid"] = "SM/MM + 32 hex digits, equal to SmsSid and SmsMessageSid"
    if form.get("AccountSid") != account_sid:
        problems["AccountSid"] = "not this deployment's Twilio account"
    for name in ("From", "To"):
        if not _ADDRESS.match(form.get(name, "")):
            problems[name] = "required: a phone number or short code"
    if problems:
        raise MalformedBody("not a Twilio incoming-message request", problems)
    return form
