"""What a failed provider call proves: nothing went out (retry it), it never will (give up), or we
cannot know (the reconciler decides later from the delivery receipt).

``SendTextMessage`` (End User Messaging) and ``Publish`` (SNS) carry no idempotency token, so a call
whose request may have reached the provider must never simply be made again: the provider may have
accepted it and only the answer got lost.
"""

from __future__ import annotations

from enum import StrEnum

from botocore.exceptions import (
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    ParamValidationError,
)


class Failure(StrEnum):
    RETRY = "retry"  # refused before acceptance, a later try may pass: back to SQS
    PERMANENT = "permanent"  # refused before acceptance, no retry will change it
    UNKNOWN = "unknown"  # the request may have been accepted: never retried blindly


# 4xx codes that refuse the message itself (pinpoint-sms-voice-v2 and SNS error shapes in botocore's
# models): validation, a blocked/opted-out number, missing permission. The service answered, so it
# did not accept the message, and the same request will be refused again.
PERMANENT_CODES = frozenset(
    {
        "ValidationException",  # EUM: bad number/body/identity (HTTP 400)
        "ConflictException",  # EUM: e.g. DESTINATION_PHONE_NUMBER_OPTED_OUT (HTTP 409)
        "AccessDeniedException",  # EUM: the account/identity may not send this (HTTP 403)
        "ResourceNotFoundException",  # EUM: origination identity or configuration set gone (HTTP 404)
        "InvalidParameter",  # SNS InvalidParameterException (HTTP 400)
        "InvalidParameterValue",  # SNS (HTTP 400)
        "OptedOut",  # SNS: the number opted out of SMS
        "AuthorizationError",  # SNS AuthorizationErrorException (HTTP 403)
    }
)
# 4xx codes that refuse the call for now: the service answered "not accepted, try later".
RETRY_CODES = frozenset(
    {
        "ThrottlingException",  # EUM: over the identity's parts-per-second (HTTP 400/429)
        "ServiceQuotaExceededException",  # EUM: a quota (e.g. monthly spend) reached (HTTP 402)
        "Throttled",  # SNS ThrottledException (HTTP 429)
        "Throttling",  # the generic AWS query-protocol throttling code
    }
)
# The RETRY codes that mean "over the identity's rate": such a message waits for the rate (put back on
# the queue with a delay, services/sender.py), never counting toward dead-lettering.
THROTTLING_CODES = frozenset({"ThrottlingException", "Throttled", "Throttling"})


def is_throttling(exc: BaseException) -> bool:
    return isinstance(exc, ClientError) and exc.response.get("Error", {}).get("Code") in THROTTLING_CODES


def classify(exc: BaseException) -> Failure:
    """Classify a provider call's exception (after botocore's own retries)."""
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        if code in PERMANENT_CODES:
            return Failure.PERMANENT
        if code in RETRY_CODES:
            return Failure.RETRY
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        # Any other 4xx is still an answer refusing the request (nothing accepted); a 5xx
        # (InternalServerException, InternalError, ServiceUnavailable) may come after the provider
        # accepted the message, and a response without a status proves nothing.
        return Failure.RETRY if 400 <= status < 500 else Failure.UNKNOWN
    if isinstance(exc, EndpointConnectionError | ConnectTimeoutError | NoCredentialsError):
        # No connection was established (DNS, refused, connect timeout) or the request was never
        # signed: it cannot have left this process. (ConnectTimeoutError is a ConnectionError, not
        # a ReadTimeoutError: the TCP handshake never completed.)
        return Failure.RETRY
    if isinstance(exc, ParamValidationError):
        return Failure.PERMANENT  # botocore refused the parameters client-side: never sent
    # ReadTimeoutError, ConnectionClosedError (the request was written, no answer came), any other
    # HTTP error, or our own code failing after the call returned: the message may be out.
    return Failure.UNKNOWN
