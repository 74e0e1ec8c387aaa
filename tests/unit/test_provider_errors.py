"""What a failed provider call proves (adapters/provider_errors.py): only an answer that refuses the
message, or a connection never made, lets SQS retry it; anything that may have been accepted does not."""

from __future__ import annotations

import pytest
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ParamValidationError,
    ReadTimeoutError,
)

from consent_platform.adapters.provider_errors import Failure, classify

URL = "https://sms-voice.us-east-1.amazonaws.com/"


def answer(code: str, status: int | None = None) -> ClientError:
    response: dict = {"Error": {"Code": code}}
    if status is not None:
        response["ResponseMetadata"] = {"HTTPStatusCode": status}
    return ClientError(response, "SendTextMessage")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("exc", "failure"),
    [
        (answer("ThrottlingException", 400), Failure.RETRY),
        (answer("ServiceQuotaExceededException", 402), Failure.RETRY),
        (answer("Throttled", 429), Failure.RETRY),
        (answer("SomethingNew", 403), Failure.RETRY),  # any 4xx answer refused the request
        (EndpointConnectionError(endpoint_url=URL), Failure.RETRY),
        (ConnectTimeoutError(endpoint_url=URL), Failure.RETRY),
        (answer("ValidationException", 400), Failure.PERMANENT),
        (answer("ConflictException", 409), Failure.PERMANENT),
        (answer("InvalidParameter", 400), Failure.PERMANENT),
        (ParamValidationError(report="bad"), Failure.PERMANENT),
        (answer("InternalServerException", 500), Failure.UNKNOWN),
        (answer("ServiceUnavailable", 503), Failure.UNKNOWN),
        (answer("NoStatus"), Failure.UNKNOWN),
        (ReadTimeoutError(endpoint_url=URL), Failure.UNKNOWN),
        (ConnectionClosedError(endpoint_url=URL), Failure.UNKNOWN),
        (KeyError("MessageId"), Failure.UNKNOWN),  # our code failing after the call returned
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, Exception) else str(v),
)
def test_classify(exc: Exception, failure: Failure) -> None:
    assert classify(exc) is failure
