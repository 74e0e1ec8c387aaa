"""Lists and keywords as the inbound worker sees them (cached for a few seconds by the service)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ...domain.consent import Subscription
from ...domain.forwarding import ForwardingRule
from ...domain.inbound import CONFIRM_WORDS, fold
from ...domain.keywords import StoredKeyword
from ...domain.lists import StoredList
from ...domain.polls import StoredPoll


@dataclass
class Config:
    lists: dict[str, StoredList]
    keywords: dict[str, StoredKeyword]
    polls: dict[str, StoredPoll] = field(default_factory=dict)  # issue #20 (services/inbound/polls.py)
    forwarding: dict[str, ForwardingRule] = field(default_factory=dict)  # by the number's digits

    def lists_on_number(self, number: str) -> list[str]:
        """Lists that send from (or have a keyword on) the receiving number, in a stable order."""
        digits = _digits(number)
        found = {
            list_id
            for list_id, stored in self.lists.items()
            if any(_digits(identity) == digits for identity in (stored.origination or {}).values())
        }
        found |= {k.list_id for k in self.keywords.values() if k.list_id and k.number and _digits(k.number) == digits}
        return sorted(found)

    def confirm_words(self) -> frozenset[str]:
        """Folded words that confirm a sign-up to some list: the built-in ones and lists' own."""
        own = {fold(word) for stored in self.lists.values() for word in stored.confirm_words or ()}
        return CONFIRM_WORDS | own

    def accepts(self, list_id: str, word: str) -> bool:
        """Whether ``word`` (folded) confirms a sign-up to this list (its own words or its language's)."""
        stored = self.lists.get(list_id)
        return word in CONFIRM_WORDS if stored is None else word in {fold(w) for w in stored.confirmation_words()}

    def help_list(self, number: str, subs: dict[str, Subscription]) -> StoredList | None:
        """The list whose HELP answers a text to ``number``: of the lists on that number, the one the
        sender most recently subscribed to (or changed); else the first on the number; else the
        sender's most recent subscription anywhere."""
        linked = [lid for lid in self.lists_on_number(number) if lid in self.lists]
        own = [sub for sub in subs.values() if sub.list_id in self.lists]
        mine = [sub for sub in own if sub.list_id in linked] if linked else own
        if mine:
            return self.lists[max(mine, key=lambda sub: (sub.updated_at, sub.list_id)).list_id]
        return self.lists[linked[0]] if linked else None

    def join_keyword(self, list_id: str) -> str | None:
        """The keyword that joins this list, as the admin typed it (named in the "expired" notice)."""
        return next((k.display for k in self.keywords.values() if k.action == "join" and k.list_id == list_id), None)


def _digits(number: str) -> str:
    return "".join(c for c in number if c.isdigit())
