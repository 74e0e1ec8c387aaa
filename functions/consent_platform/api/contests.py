"""Bodies of ``/v1/admin/contests`` (issue #20), built by ``services/contests.py`` and published in the
OpenAPI document from these classes."""

from __future__ import annotations

from pydantic import Field

from ..domain.contests import DrawProof, StoredContest
from ..domain.phone import mask_phone
from ._base import Open


class Winner(Open):
    rank: int
    phone: str = Field(description="In full: the brand's own data (logs only ever carry the last 4 digits)")
    line: str = Field(description="The winning entry line of the proof: <entered_at>|<entrant>")

    @property
    def masked(self) -> str:
        return mask_phone(self.phone)


class ContestView(StoredContest, Open):
    """Answer to ``GET /v1/admin/contests/{contest_id}`` (and to PUT and draw)."""

    entries: int = Field(default=0, description="Counted entries")
    duplicates: int = Field(default=0, description="Later entries of numbers that may enter once (not counted)")
    winners: list[Winner] = Field(default_factory=list, description="After the draw; an erased winner is left out")


class ContestPage(Open):
    contests: list[StoredContest]
    next: str | None = Field(default=None, description="Pass as ?next= for the following page; null on the last page")


class EntryLinesPage(Open):
    """Answer to ``GET /v1/admin/contests/{contest_id}/entries``: the lines a draw hashes, in its order."""

    contest_id: str
    lines: list[str] = Field(
        description="`<entered_at>|<entrant>`, sorted; `entrant` = hex sha256(`<contest_id>:<E.164 phone>`), no number"
    )
    next: str | None = Field(default=None, description="Pass as ?next= for the following page; null on the last page")


__all__ = ["ContestPage", "ContestView", "DrawProof", "EntryLinesPage", "Winner"]
