"""Keyword actions, by name. Adding one: a new module here with ``ACTION = KeywordAction(...)`` and its
line below; ``PUT /v1/admin/keywords`` accepts the name from then on (unknown names are a 422)."""

from __future__ import annotations

from . import contest, help, join, reply, stop
from .action import KeywordAction

ACTIONS: dict[str, KeywordAction] = {
    action.name: action
    for action in (
        join.ACTION,
        reply.ACTION,
        stop.ACTION,
        help.ACTION,
        contest.ACTION,
    )
}

__all__ = ["ACTIONS", "KeywordAction"]
