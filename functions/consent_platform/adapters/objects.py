"""Reading an uploaded file from the stack's import bucket (imports too large for a request body)."""

from __future__ import annotations

from botocore.exceptions import ClientError

from ..domain.errors import NotFound, ServiceUnavailable
from .aws import client


class ImportBucket:
    def __init__(self, bucket: str) -> None:
        self.bucket = bucket

    def read(self, key: str) -> bytes:
        """The object's bytes: 404 for a key that is not there (the caller's mistake), 503 when S3 fails."""
        try:
            obj = client("s3").get_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            # NoSuchKey, or a bare 404 for a key S3 cannot even route (control characters).
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
                raise NotFound(f"no object {key!r} in the import bucket", {"s3_key": "not found"}) from None
            raise ServiceUnavailable("the import bucket could not be read; retry") from exc
        body: bytes = obj["Body"].read()
        return body
