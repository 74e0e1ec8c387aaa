"""What one inbound message did: its own module, so the keyword-action registry (which the admin function
loads to validate keywords) does not pull in the worker's context and everything it imports."""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one inbound message did. ``name`` names the worker's metric (``Inbound_<name>``); ``counts``
    and ``reply_capped`` only add detail to the log line and the marker (``"confirmed:1,expired:1"``)."""

    name: str
    counts: tuple[tuple[str, int], ...] = ()
    reply_capped: bool = False

    @classmethod
    def counted(cls, name: str, count: int, **more: int) -> Outcome:
        return cls(name, ((name, count), *more.items()))

    @property
    def metric(self) -> str:
        return f"Inbound_{self.name}"

    def capped(self) -> Outcome:
        return replace(self, reply_capped=True)

    def __str__(self) -> str:
        parts = [f"{key}:{count}" for key, count in self.counts] or [self.name]
        return ",".join([*parts, "reply_capped"] if self.reply_capped else parts)


UNMATCHED = Outcome("unmatched")
