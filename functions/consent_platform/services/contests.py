"""Contests (issue #20): define one (with its keyword), read it, list them, draw the winners.

The draw reads every counted entry with a paged Query of ``GroupIndex`` (about 1 MB — several thousand
entries — per request), computes the published proof (``domain/contests.py``) and writes it with the
winners in one transaction conditional on "not drawn yet": one draw per contest. Retrying the same draw
(same number of winners, same or no seed) answers with the stored result and queues the winners' SMS
again under the same message ids, which the sender sends at most once — so a request that failed after
the write still notifies everyone exactly once. Any other second draw is a 409.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from ..adapters.dynamodb import keys
from ..adapters.dynamodb.contests import ENTRY
from ..adapters.dynamodb.stores import Stores
from ..adapters.queue import OutboundQueue
from ..api.contests import ContestPage, ContestView, EntryLinesPage, Winner
from ..domain import contests as rules
from ..domain.clock import iso
from ..domain.contests import ContestConfig, ContestRef, DrawProof, DrawRequest, StoredContest
from ..domain.errors import Conflict, NotFound
from ..domain.keywords import StoredKeyword, keyword_key
from ..domain.messages import OutboundMessage, build_message
from ..domain.paging import decode_cursor, encode_cursor, page_size


def put_contest(stores: Stores, contest_id: str, config: ContestConfig, now: datetime) -> tuple[ContestView, bool]:
    rules.check_window(config.opens_at, config.closes_at)
    key = keyword_key(config.keyword)
    language = "en"
    if config.list_id is not None:
        stored_list, _ = stores.catalog.get_list(config.list_id)
        if stored_list is None:
            raise NotFound(f"list {config.list_id!r} does not exist", {"list_id": "unknown list"})
        language = stored_list.language
    previous = stores.contests.get(contest_id)
    if previous is not None and previous.draw is not None:
        raise Conflict("the contest has been drawn; it can no longer change", {"contest_id": "already drawn"})
    stamp = iso(now)
    data = config.model_dump() | {"keyword": key, "entry_reply": rules.entry_reply(config.entry_reply, language)}
    stored = StoredContest(
        **data,
        contest_id=contest_id,
        display=config.keyword.strip().upper(),
        language=language,
        created_at=previous.created_at if previous else stamp,
        updated_at=stamp,
        version=(previous.version if previous else 0) + 1,
    )
    clash = Conflict(f"keyword {key!r} is already in use", {"keyword": "used by another keyword or contest"})
    stores.contests.put(stored, previous, _keyword(stored, stamp), clash)
    return _view(stores, stored), previous is None


def _keyword(stored: StoredContest, stamp: str) -> StoredKeyword:
    """The contest's keyword: only texts to the contest's number, answered by the entry reply."""
    return StoredKeyword(
        action="contest",
        number=stored.number,
        list_id=stored.list_id,
        reply=stored.entry_reply,
        keyword=stored.keyword,
        display=stored.display,
        created_at=stored.created_at,
        updated_at=stamp,
        params=ContestRef.of(stored).model_dump(mode="json"),
    )


def get_contest(stores: Stores, contest_id: str) -> ContestView:
    return _view(stores, _load(stores, contest_id))


def list_contests(stores: Stores, limit: int | None, cursor: str | None) -> ContestPage:
    after = decode_cursor(cursor, keys.CONTEST.sk_prefix)
    found, last = stores.contests.page(page_size(limit), after)
    return ContestPage(contests=found, next=encode_cursor(last))


# Entry lines are ~95 bytes of JSON each: 5,000 make ~0.5 MB, far inside Lambda's 6 MB response (and a
# page is a few index Queries of ~1 MB); 100,000 entries are 20 requests of the largest page.
ENTRY_PAGE_DEFAULT, ENTRY_PAGE_MAX = 1000, 5000


def entry_lines(stores: Stores, contest_id: str, limit: int | None, cursor: str | None) -> EntryLinesPage:
    """The counted entries as the proof's lines, in its order (``GET …/entries``): with the proof, anyone
    re-runs the draw (``smsadmin contests verify``). Entries erased since the draw are gone from them."""
    size = page_size(limit, default=ENTRY_PAGE_DEFAULT, maximum=ENTRY_PAGE_MAX)
    after = decode_cursor(cursor, f"{ENTRY}#")
    _load(stores, contest_id)
    lines, last = stores.contests.entry_lines(contest_id, size, after)
    return EntryLinesPage(contest_id=contest_id, lines=lines, next=encode_cursor(last))


def draw_contest(
    stores: Stores, queue: OutboundQueue, contest_id: str, request: DrawRequest, now: datetime
) -> tuple[ContestView, bool]:
    """The result, and whether this request drew it (False: a retry answered from the stored draw)."""
    stored = _load(stores, contest_id)
    if stored.draw is not None:
        return _retried(stores, queue, stored, request), False
    if (earliest := rules.may_draw(stored.closes_at, now)) is not None:
        raise Conflict(
            f"the draw opens at {iso(earliest)} (closes_at plus {rules.DRAW_GRACE} for texts still in flight)",
            {"closes_at": "not closed yet"},
        )
    seed = request.seed or secrets.token_hex(16)
    entries = list(stores.contests.entries(contest_id))
    digest, winners = rules.draw(entries, seed, request.winners)
    message = request.message or rules.winner_text(stored.language, stored.display)
    stored.draw = DrawProof(
        seed=seed,
        entries_hash=digest,
        entries=len(entries),
        winners_requested=request.winners,
        winners=[w.line for w in winners],
        drawn_at=iso(now),
        message=message,
    )
    drawn = Conflict("the contest was drawn by a concurrent request", {"contest_id": "already drawn"})
    stores.contests.record_draw(stored, winners, drawn)
    # From memory, not the index (eventually consistent): the first notification must name every winner.
    drawn_winners = [Winner(rank=i, phone=w.phone, line=w.line) for i, w in enumerate(winners, start=1)]
    _notify(queue, stored, drawn_winners, now)
    return _view(stores, stored, drawn_winners), True


def _retried(stores: Stores, queue: OutboundQueue, stored: StoredContest, request: DrawRequest) -> ContestView:
    proof = stored.draw
    assert proof is not None
    if request.winners != proof.winners_requested or request.seed not in (None, proof.seed):
        raise Conflict("the contest has been drawn already (one draw per contest)", {"contest_id": "already drawn"})
    view = _view(stores, stored)
    _notify(queue, stored, view.winners, datetime.fromisoformat(proof.drawn_at))
    return view


def _notify(queue: OutboundQueue, stored: StoredContest, winners: list[Winner], at: datetime) -> None:
    """One transactional SMS per winner; its id derives from the contest and the rank, so a retried
    draw queues the same messages and the sender sends each at most once."""
    assert stored.draw is not None
    messages: list[OutboundMessage] = [
        build_message(
            to=winner.phone,
            body=stored.draw.message,
            kind="reply",
            now=at,
            list_id=stored.list_id,
            origination=stored.number,
            message_id=f"contest:{stored.contest_id}:winner:{winner.rank}",
        )
        for winner in winners
    ]
    if messages:
        queue.send(messages)


def _load(stores: Stores, contest_id: str) -> StoredContest:
    stored = stores.contests.get(contest_id)
    if stored is None:
        raise NotFound(f"contest {contest_id!r} does not exist", {"contest_id": "unknown contest"})
    return stored


def _view(stores: Stores, stored: StoredContest, winners: list[Winner] | None = None) -> ContestView:
    counts = stores.contests.counts(stored.contest_id)
    if winners is None:
        winners = [Winner(**w) for w in stores.contests.winners(stored.contest_id)] if stored.draw else []
    return ContestView(**stored.model_dump(), **counts, winners=winners)
