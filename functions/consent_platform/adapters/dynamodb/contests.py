"""Contests (issue #20): the definition with its keyword, entries written by the inbound worker, the draw.

The definition (``keys.CONTEST``, one partition: the listing is a Query) and its keyword (a ``CONFIG``
keyword with action ``contest``, so the inbound worker's one config Query sees it) are written in one
transaction; the keyword's condition refuses a key another keyword or contest already holds.

Entries are written by the inbound worker inside the transaction guarded by the inbound marker (so a
redelivery never counts twice): one Put under the entrant's number (conditional on not existing when a
number may enter once) and +1 on a sharded counter. Counted entries and winners carry ``group_pk``/
``group_sk`` and so appear in the sparse ``GroupIndex``, which the draw reads page by page.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ..aws import client
from ..dynamo import from_item, to_item
from . import keys as k
from .table import Op, Table, Transaction

if TYPE_CHECKING:
    from ...domain.contests import Entry, StoredContest
    from ...domain.keywords import StoredKeyword

ENTRY, NOTICE, WIN = "ENTRY", "NOTICE", "WIN"  # slots of keys.CONTEST_RECORD under a number


class ContestStore:
    def __init__(self, table: Table) -> None:
        self.table = table

    # ---- definition --------------------------------------------------------------------------------

    def get(self, contest_id: str) -> StoredContest | None:
        from ...domain.contests import StoredContest

        found = self.table.batch_get([k.CONTEST.key(contest_id=contest_id)])
        item = found.get(k.CONTEST.pair(contest_id=contest_id))
        return StoredContest.model_validate(item) if item else None

    def put(
        self, stored: StoredContest, previous: StoredContest | None, keyword: StoredKeyword, clash: Exception
    ) -> None:
        """The definition (versioned) and its keyword; the previous keyword goes when the keyword changed.
        ``clash``: raised when the keyword belongs to something else."""
        data = {**k.CONTEST.plain(contest_id=stored.contest_id), **stored.model_dump(mode="json")}
        tx = Transaction().add(Op("contest", self.table.versioned_put(data, previous.version if previous else None)))
        owned = "#params.#cid = :cid"
        names, values = {"#params": "params", "#cid": "contest_id"}, {":cid": {"S": stored.contest_id}}
        keyword_item = {**k.KEYWORD.plain(keyword=keyword.keyword), **keyword.model_dump(mode="json")}
        put = self.table.put(keyword_item, f"attribute_not_exists(pk) OR {owned}")
        put["Put"] |= {"ExpressionAttributeNames": names, "ExpressionAttributeValues": values}
        tx.add(Op("contest_keyword", put, clash))
        if previous is not None and previous.keyword != stored.keyword:
            delete = {
                "TableName": self.table.name,
                "Key": k.KEYWORD.key(keyword=previous.keyword),
                "ConditionExpression": f"attribute_not_exists(pk) OR {owned}",
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": values,
            }
            tx.add(Op("contest_old_keyword", {"Delete": delete}))
        tx.commit()

    def page(self, limit: int, after: str | None) -> tuple[list[StoredContest], str | None]:
        from ...domain.contests import StoredContest

        items, last = self.table.page(k.CONTEST.pk, k.CONTEST.sk_prefix, limit, after, lambda _: True)
        return [StoredContest.model_validate(item) for item in items], last

    def counts(self, contest_id: str) -> dict[str, int]:
        """Entries and duplicates, summed over the counter shards (one Query)."""
        pk, _ = k.CONTEST_STATS.pair(contest_id=contest_id, shard=0)
        totals = {"entries": 0, "duplicates": 0}
        for item in self.table.query(pk):
            for name in totals:
                totals[name] += int(item.get(name, 0))
        return totals

    # ---- written by the inbound worker (joins the message's transaction) --------------------------

    def entry_ops(self, contest_id: str, phone: str, fields: dict[str, str], once: Exception | None) -> list[Op]:
        """A counted entry. ``once``: the error a second entry of this number raises (``None``: every
        entry counts, each under its own message id). ``fields``: entered_at, entrant, message_id."""
        slot = ENTRY if once is not None else f"{ENTRY}#{fields['message_id']}"
        key = k.CONTEST_RECORD.plain(phone=phone, contest_id=contest_id, slot=slot)
        index = f"{ENTRY}#{fields['entered_at']}#{fields['entrant']}#{fields['message_id']}"
        item = {**key, "group_pk": k.contest_partition(contest_id), "group_sk": index, "phone": phone, **fields}
        condition = "attribute_not_exists(pk)" if once is not None else None
        return [Op("contest_entry", self.table.put(item, condition), once), self._count(contest_id, phone, "entries")]

    def duplicate_ops(self, contest_id: str, phone: str, fields: dict[str, str]) -> list[Op]:
        """A later entry of a number that may enter once: recorded (not in the index), counted apart."""
        slot = f"DUP#{fields['message_id']}"
        item = {**k.CONTEST_RECORD.plain(phone=phone, contest_id=contest_id, slot=slot), "phone": phone, **fields}
        return [Op("contest_duplicate", self.table.put(item)), self._count(contest_id, phone, "duplicates")]

    def notice_op(self, contest_id: str, phone: str, at: str, once: Exception) -> Op:
        """The "not open / closed" notice went to this number (at most once: ``once`` when it did)."""
        item = {**k.CONTEST_RECORD.plain(phone=phone, contest_id=contest_id, slot=NOTICE), "noticed_at": at}
        return Op("contest_notice", self.table.put(item, "attribute_not_exists(pk)"), once)

    def _count(self, contest_id: str, phone: str, name: str) -> Op:
        key = k.CONTEST_STATS.key(contest_id=contest_id, shard=k.shard(phone, k.STATS_SHARDS))
        return Op(f"contest_{name}", self.table.add_counts(key, {name: 1}))

    # ---- the draw ----------------------------------------------------------------------------------

    def entries(self, contest_id: str) -> Iterator[Entry]:
        """Every counted entry in index order: a paged Query (about 1 MB, several thousand entries a page)."""
        from ...domain.contests import Entry

        for item in self._index(contest_id, f"{ENTRY}#"):
            yield Entry(entered_at=item["entered_at"], entrant=item["entrant"], phone=item["phone"])

    def entry_lines(self, contest_id: str, limit: int, after: str | None) -> tuple[list[str], str | None]:
        """Up to ``limit`` entry lines in the proof's order, and the index sort key to continue after.

        The index key ``ENTRY#<entered_at>#<entrant>#<message_id>`` sorts like the line
        ``<entered_at>|<entrant>`` (``entered_at`` has one fixed width, ``entrant`` is 64 hex digits),
        so index order is the sorted order the proof hashes. BETWEEN includes ``after``: one more is read."""
        lower = after or f"{ENTRY}#"
        request: dict[str, Any] = {
            "TableName": self.table.name,
            "IndexName": k.CONTEST_INDEX,
            "KeyConditionExpression": "group_pk = :p AND group_sk BETWEEN :lo AND :hi",
            "ProjectionExpression": "group_sk, entered_at, entrant",  # never the phone
            "ExpressionAttributeValues": to_item(
                {":p": k.contest_partition(contest_id), ":lo": lower, ":hi": f"{ENTRY}#\uffff"}
            ),
            "Limit": limit + 1,
        }
        lines: list[str] = []
        ddb = client("dynamodb")
        while True:
            response = ddb.query(**request)
            for item in map(from_item, response.get("Items", [])):
                if item["group_sk"] == after:
                    continue
                lines.append(f"{item['entered_at']}|{item['entrant']}")
                if len(lines) == limit:
                    return lines, item["group_sk"]
            if not response.get("LastEvaluatedKey"):
                return lines, None
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def winners(self, contest_id: str) -> list[dict[str, Any]]:
        """The winners still held (erasure deletes a winner's record), in rank order."""
        return [
            {"rank": int(item["rank"]), "phone": item["phone"], "line": item["line"]}
            for item in self._index(contest_id, f"{WIN}#")
        ]

    def _index(self, contest_id: str, prefix: str) -> Iterator[dict[str, Any]]:
        paginator = client("dynamodb").get_paginator("query")
        for page in paginator.paginate(
            TableName=self.table.name,
            IndexName=k.CONTEST_INDEX,
            KeyConditionExpression="group_pk = :p AND begins_with(group_sk, :s)",
            ExpressionAttributeValues=to_item({":p": k.contest_partition(contest_id), ":s": prefix}),
        ):
            yield from map(from_item, page.get("Items", []))

    def record_draw(self, stored: StoredContest, winners: list[Entry], drawn: Exception) -> None:
        """The proof on the definition (only if not drawn yet: ``drawn`` otherwise) and one record per
        winner under their number, in one transaction (MAX_WINNERS keeps it under 100 operations)."""
        data = {**k.CONTEST.plain(contest_id=stored.contest_id), **stored.model_dump(mode="json")}
        put = self.table.put(data, "attribute_not_exists(#d) OR #d = :null")
        put["Put"] |= {
            "ExpressionAttributeNames": {"#d": "draw"},
            "ExpressionAttributeValues": {":null": {"NULL": True}},
        }
        tx = Transaction().add(Op("contest_draw", put, drawn))
        for rank, entry in enumerate(winners, start=1):
            key = k.CONTEST_RECORD.plain(phone=entry.phone, contest_id=stored.contest_id, slot=WIN)
            item: dict[str, Any] = {
                **key,
                "group_pk": k.contest_partition(stored.contest_id),
                "group_sk": f"{WIN}#{rank:03d}",
            }
            item |= {"phone": entry.phone, "rank": rank, "line": entry.line}
            tx.add(Op(f"contest_winner:{rank}", self.table.put(item)))
        tx.commit()
