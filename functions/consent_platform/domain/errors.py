"""Domain errors. Each carries the HTTP status it maps to, so handlers translate them in one place."""

from __future__ import annotations


class DomainError(Exception):
    """Base class: ``code`` is machine-readable, ``fields`` names the offending input fields."""

    status: int = 400
    code: str = "bad_request"

    def __init__(self, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class MalformedBody(DomainError):
    status, code = 400, "malformed_body"


class NotFound(DomainError):
    status, code = 404, "not_found"


class Conflict(DomainError):
    status, code = 409, "conflict"


class PayloadTooLarge(DomainError):
    status, code = 413, "payload_too_large"


class UnsupportedMediaType(DomainError):
    status, code = 415, "unsupported_media_type"


class ValidationFailed(DomainError):
    status, code = 422, "validation_error"


class InvalidPhone(ValidationFailed):
    """A phone number that cannot receive marketing SMS (invalid, impossible or not a mobile type)."""

    def __init__(self, message: str, field: str = "phone") -> None:
        super().__init__(message, {field: message})


class RateLimited(DomainError):
    """429: the caller may try again after ``retry_after`` seconds (sent as ``Retry-After``)."""

    status, code = 429, "rate_limited"

    def __init__(self, message: str, fields: dict[str, str] | None = None, retry_after: int | None = None) -> None:
        super().__init__(message, fields)
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)} if self.retry_after else {}


class ConfirmationCapReached(RateLimited):
    """The list's daily cap on sign-up SMS is reached (an alarm watches the metric this raises)."""


class ServiceUnavailable(DomainError):
    """A dependency failed after retries; the caller may retry (nothing was half-written)."""

    status, code = 503, "service_unavailable"
