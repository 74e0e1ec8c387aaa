"""Lists, consent text versions and keywords: the catalogue every other part reads."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..aws import client
from ..dynamo import to_item
from . import keys as k
from .table import Op, Table, Transaction

if TYPE_CHECKING:  # the models are imported by the methods that build them (cold start)
    from ...domain.forwarding import ForwardingRule
    from ...domain.keywords import StoredKeyword
    from ...domain.lists import StoredList
    from ...domain.polls import StoredPoll


class CatalogStore:
    def __init__(self, table: Table) -> None:
        self.table = table

    def get_list(self, list_id: str, consent_version: str | None = None) -> tuple[StoredList | None, str | None]:
        stored, text, _ = self._load(list_id, consent_version, None)
        return stored, text

    def load_signup(
        self, list_id: str, consent_version: str | None, day: str
    ) -> tuple[StoredList | None, str | None, int]:
        """The list, the consent text version asked for, and the list's sign-up SMS so far that day —
        one ``BatchGetItem``, as before the daily cap existed."""
        return self._load(list_id, consent_version, day)

    def _load(
        self, list_id: str, consent_version: str | None, day: str | None
    ) -> tuple[StoredList | None, str | None, int]:
        from ...domain.lists import StoredList

        wanted = [k.LIST.key(list_id=list_id)]
        if day is not None:
            wanted.append(k.SIGNUP_CAP.key(list_id=list_id, day=day))
        if consent_version is not None:
            wanted.append(k.CONSENT_TEXT.key(list_id=list_id, version=consent_version))
        items = self.table.batch_get(wanted)
        meta = items.get(k.LIST.pair(list_id=list_id))
        text = items.get(k.CONSENT_TEXT.pair(list_id=list_id, version=consent_version)) if consent_version else None
        cap = items.get(k.SIGNUP_CAP.pair(list_id=list_id, day=day)) if day is not None else None
        return (
            StoredList.model_validate(meta) if meta else None,
            text["text"] if text else None,
            int(cap.get("count", 0)) if cap else 0,
        )

    def put_list(self, stored: StoredList, previous_version: int | None, new_consent: tuple[str, str] | None) -> None:
        """Write the list; a consent text version, once published, is never changed or removed."""
        data = stored.model_dump(mode="json")
        meta = self.table.versioned_put({**k.LIST.plain(list_id=stored.list_id), **data}, previous_version)
        # A snapshot under the CONFIG partition lets the inbound worker load every list and keyword
        # with one Query; it is written in the same transaction, guarded by the META version check.
        snapshot = self.table.put({**k.CONFIG_LIST.plain(list_id=stored.list_id), **data})
        tx = Transaction().add(Op("list", meta), Op("list_snapshot", snapshot))
        if new_consent is not None:
            version, text = new_consent
            item = {
                **k.CONSENT_TEXT.plain(list_id=stored.list_id, version=version),
                "version": version,
                "text": text,
                "created_at": stored.updated_at,
            }
            tx.add(Op("consent_text", self.table.put(item, "attribute_not_exists(pk)")))
        tx.commit()

    def load_config(
        self,
    ) -> tuple[dict[str, StoredList], dict[str, StoredKeyword], dict[str, StoredPoll], dict[str, ForwardingRule]]:
        """Every list snapshot, keyword, poll and forwarding rule: one Query on the CONFIG partition."""
        from ...domain.keywords import StoredKeyword
        from ...domain.lists import StoredList
        from ...domain.polls import StoredPoll
        from .forwarding import rule_of

        lists: dict[str, StoredList] = {}
        keywords: dict[str, StoredKeyword] = {}
        polls: dict[str, StoredPoll] = {}
        forwarding: dict[str, ForwardingRule] = {}
        for item in self.table.query(k.CONFIG_LIST.pk):
            if k.CONFIG_LIST.matches(item["pk"], item["sk"]):
                stored = StoredList.model_validate(item)
                lists[stored.list_id] = stored
            elif k.KEYWORD.matches(item["pk"], item["sk"]):
                keyword = StoredKeyword.model_validate(item)
                keywords[keyword.keyword] = keyword
            elif k.POLL.matches(item["pk"], item["sk"]):
                poll = StoredPoll.model_validate(item)
                polls[poll.poll_id] = poll
            elif k.FORWARDING.matches(item["pk"], item["sk"]):
                forwarding[k.FORWARDING.field(item["sk"], "number")] = rule_of(item)
        return lists, keywords, polls, forwarding

    def page_lists(self, limit: int, after: str | None) -> tuple[list[StoredList], str | None]:
        """A page of lists (their CONFIG snapshots, in list-id order) and the sort key to continue after."""
        from ...domain.lists import StoredList

        items, last = self.table.page(k.CONFIG_LIST.pk, k.CONFIG_LIST.sk_prefix, limit, after, lambda _: True)
        return [StoredList.model_validate(item) for item in items], last

    def page_keywords(
        self, limit: int, after: str | None, number: str | None
    ) -> tuple[list[StoredKeyword], str | None]:
        """A page of keywords in keyword order; with ``number``, those answering on that number (and the
        ones answering on every number, as the inbound worker matches them)."""
        from ...domain.inbound import KeywordRule
        from ...domain.keywords import StoredKeyword

        def keep(item: dict[str, Any]) -> bool:
            return number is None or KeywordRule(item["keyword"], "exact", item.get("number")).answers_on(number)

        items, last = self.table.page(k.KEYWORD.pk, k.KEYWORD.sk_prefix, limit, after, keep)
        return [StoredKeyword.model_validate(item) for item in items], last

    def get_keyword(self, keyword: str) -> tuple[StoredKeyword | None, dict[str, int]]:
        from ...domain.keywords import StoredKeyword

        item = self.table.batch_get([k.KEYWORD.key(keyword=keyword)]).get(k.KEYWORD.pair(keyword=keyword))
        stats_pk, _ = k.KEYWORD_STATS.pair(keyword=keyword, period="")
        usage = {row["sk"]: int(row.get("count", 0)) for row in self.table.query(stats_pk)}
        return (StoredKeyword.model_validate(item) if item else None), usage

    def put_keyword(self, stored: StoredKeyword) -> None:
        client("dynamodb").put_item(
            TableName=self.table.name,
            Item=to_item({**k.KEYWORD.plain(keyword=stored.keyword), **stored.model_dump(mode="json")}),
        )

    def keyword_usage(self, keyword: str, day: str) -> list[Op]:
        """+1 on the keyword's total and on its day (joins the transaction of the message's effect)."""
        return [
            Op(
                f"keyword_usage:{period}",
                self.table.add_counts(k.KEYWORD_STATS.key(keyword=keyword, period=period), {"count": 1}),
            )
            for period in ("TOTAL", f"DAY#{day}")
        ]
