"""The admin and erasure functions' settings (and the transactional path AudienceEvents shares)."""

from __future__ import annotations

from ..settings import TableSettings


class AdminSettings(TableSettings):
    import_bucket: str = ""  # S3 bucket for large soft opt-in imports
    # SSM SecureString with the erasure HMAC key(s): imports check the erased-number suppression list.
    erasure_key_parameter: str = ""
    secret_cache_seconds: int = 300


class TransactionalSettings(TableSettings):
    """``Message.Requested`` on the bus (functions/audience/events.py): a transactional SMS, checked
    against the erased-number suppression list like ``POST /v1/admin/messages``."""

    outbound_queue_url: str
    erasure_key_parameter: str = ""
    secret_cache_seconds: int = 300


class ErasureSettings(TableSettings):
    """``DELETE /v1/admin/contacts/{phone}``: the one function that may rewrite ledger entries."""

    erasure_key_parameter: str  # SSM SecureString; comma-separated keys, the first one is current
    secret_cache_seconds: int = 300
    schedule_group: str = ""  # pending abandoned-cart schedules of the number are deleted
