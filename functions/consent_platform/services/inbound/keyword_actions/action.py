"""The shape of a keyword action: its name (``action`` in ``PUT /v1/admin/keywords``), what its
configuration needs, and the handler that runs when a text matches a keyword with that action."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ....domain.keywords import KeywordConfig, StoredKeyword
from ..outcome import Outcome

if TYPE_CHECKING:
    from ..context import Context

Run = Callable[["Context", StoredKeyword], Outcome]  # Context only for the type checker (a light import)


@dataclass(frozen=True, slots=True)
class KeywordAction:
    name: str
    run: Run
    needs_list: bool = True  # a list_id (which must exist) — the list the action works on
    needs_reply: bool = False  # the keyword's own reply text
    managed_by: str | None = None  # its keywords are written by that resource only (e.g. contests)

    def problems(self, config: KeywordConfig) -> dict[str, str]:
        """Fields this configuration lacks for this action (empty when it is complete)."""
        if self.managed_by:
            return {"action": f"{self.name!r} keywords are set through {self.managed_by}"}
        needed = {"list_id": self.needs_list and not config.list_id, "reply": self.needs_reply and not config.reply}
        return {name: f"required for action {self.name!r}" for name, missing in needed.items() if missing}
