"""Custom keywords (text-to-join, autoresponders, scoped stops)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from .errors import Conflict, ValidationFailed
from .inbound import BUILT_IN_WORDS, OPT_OUT_WORDS, KeywordRule, normalize_body


class KeywordConfig(BaseModel):
    """Body of ``PUT /v1/admin/keywords/{keyword}``."""

    model_config = ConfigDict(extra="forbid")

    number: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9]{3,15}$")] | None = None
    # Which keyword action runs (services/inbound/keyword_actions). The
    # registry, not this model, knows the names and what each needs: PUT checks it (unknown → 422).
    action: Annotated[
        str,
        StringConstraints(pattern=r"^[a-z][a-z_]{0,31}$"),
        Field(
            description="A registered keyword action, e.g. join, reply, stop (an unknown name is a 422 listing them)."
        ),
    ]
    list_id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)] | None = None
    match: Literal["exact", "prefix", "phrase"] = "exact"
    reply: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=640)] | None = None


class StoredKeyword(KeywordConfig):
    model_config = ConfigDict(extra="ignore")

    keyword: str  # folded form: the key
    display: str  # as the admin typed it
    created_at: str
    updated_at: str
    # Set by the resource that owns a managed keyword (a contest: its id and window), never by PUT keywords.
    params: dict[str, Any] | None = None

    def rule(self) -> KeywordRule:
        return KeywordRule(self.keyword, self.match, self.number)


def keyword_key(raw: str) -> str:
    """The folded keyword; refuses empty ones and the built-in words (409)."""
    folded = normalize_body(raw)
    if not folded or len(folded) > 40:
        raise ValidationFailed("invalid keyword", {"keyword": "1-40 letters or digits"})
    # Opt-out is decided on the first word, so a keyword may not start with one either.
    if folded in BUILT_IN_WORDS or folded.split(" ")[0] in OPT_OUT_WORDS:
        raise Conflict(f"{folded!r} is a built-in word (STOP, START, HELP, YES …)", {"keyword": "reserved word"})
    return folded
