"""Polls (issue #20): define, list, read with results, and send the question to a list as a campaign.

The question goes out through the campaign path (``services/campaigns.create_campaign``), so quiet hours,
frequency caps, consent re-checks and pacing apply as to any campaign; the campaign's id is stored on the
poll, and the inbound worker tells who got the question from the sender's record of that campaign's
message to the number (``services/inbound/polls.py``).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..adapters.dynamodb import keys as k
from ..adapters.dynamodb.stores import Stores
from ..api.polls import Poll, PollPage, PollResults, PollSend, PollSent, PollSummary
from ..domain.clock import iso
from ..domain.errors import Conflict, NotFound, ValidationFailed
from ..domain.keywords import keyword_key
from ..domain.paging import decode_cursor, encode_cursor, page_size
from ..domain.polls import POLL_ID_PATTERN, PollConfig, StoredPoll, match_answer, render_question, turnout

if TYPE_CHECKING:
    from ..adapters.scheduler import Scheduler
    from ..domain.lists import StoredList

# What may not change once the question was sent (votes refer to these).
FIXED_AFTER_SEND = ("list_id", "number", "question", "options")


def put_poll(stores: Stores, poll_id: str, config: PollConfig, now: datetime) -> tuple[Poll, bool]:
    _check_id(poll_id)
    if config.closes_at <= now:
        raise ValidationFailed("closes_at is not in the future", {"closes_at": "must be in the future"})
    stored_list, _ = stores.catalog.get_list(config.list_id)
    if stored_list is None:
        raise NotFound(f"list {config.list_id!r} does not exist", {"list_id": "unknown list"})
    _check_number(stored_list, config.number)
    folded = keyword_key(config.keyword) if config.keyword else None
    if folded and match_answer(folded, config.options) is not None:
        raise ValidationFailed(
            "the keyword is also an answer", {"keyword": "may not be an option, its key or position"}
        )
    if folded:
        _check_keyword_free(stores, poll_id, folded, config.number)
    raw = stores.polls.get(poll_id)
    existing = StoredPoll.model_validate(raw) if raw else None
    if existing and existing.campaign_id and _fixed(existing) != _fixed(config):
        problem = "the question was sent: only closes_at and keyword may change"
        raise Conflict(
            problem, {name: problem for name in FIXED_AFTER_SEND if getattr(existing, name) != getattr(config, name)}
        )
    stamp = iso(now)
    poll = StoredPoll(
        **config.model_dump(),
        poll_id=poll_id,
        keyword_folded=folded,
        language=stored_list.language,
        campaign_id=existing.campaign_id if existing else None,
        created_at=existing.created_at if existing else stamp,
        updated_at=stamp,
        version=(existing.version + 1) if existing else 1,
    )
    stores.polls.put(poll, existing.version if existing else None)
    return _with_results(stores, poll, now), existing is None


def get_poll(stores: Stores, poll_id: str, now: datetime) -> Poll:
    return _with_results(stores, _load(stores, poll_id), now)


def list_polls(stores: Stores, limit: int | None, cursor: str | None, now: datetime) -> PollPage:
    """One page of polls in poll-id order (definitions only: the results cost a read each)."""
    after = decode_cursor(cursor, k.POLL.sk_prefix)
    items, last = stores.polls.page(page_size(limit), after)
    polls = [_summary(StoredPoll.model_validate(item), now) for item in items]
    return PollPage(polls=polls, next=encode_cursor(last))


def send_poll(
    stores: Stores, scheduler: Scheduler, dispatcher_arn: str, poll_id: str, when: PollSend, now: datetime
) -> PollSent:
    """The question to the poll's list, as a campaign; 409 when it was sent already (unless that campaign
    was cancelled) or the poll is closed. Two sends at once: the second to store its campaign loses and
    cancels it before its first schedule can fire (campaigns.MIN_LEAD)."""
    from ..domain.campaigns import CampaignRequest
    from .campaigns import cancel_campaign, create_campaign

    poll = _load(stores, poll_id)
    if not poll.is_open(now):
        raise Conflict("the poll is closed", {"closes_at": "in the past"})
    if poll.campaign_id and _campaign_status(stores, poll.campaign_id) != "cancelled":
        raise Conflict(
            f"the question was sent (campaign {poll.campaign_id}); cancel that campaign to send again",
            {"poll_id": "already sent"},
        )
    request = CampaignRequest(
        list_id=poll.list_id,
        name=f"Poll {poll_id}",
        text=render_question(poll.question, poll.options),
        send_at=when.send_at,
        send_at_local=when.send_at_local,
    )
    campaign = create_campaign(stores, scheduler, dispatcher_arn, request, now)
    if not stores.polls.set_campaign(poll_id, campaign.campaign_id, poll.version):
        cancel_campaign(stores, scheduler, campaign.campaign_id)
        raise Conflict("the poll changed (or was sent) while this request was processed", {"poll_id": "retry"})
    return PollSent(poll_id=poll_id, campaign=campaign)


# ---- helpers ------------------------------------------------------------------------------------------


def _check_id(poll_id: str) -> None:
    if not re.fullmatch(POLL_ID_PATTERN, poll_id):
        raise ValidationFailed("invalid poll id", {"poll_id": "lowercase letters, digits, - and _, up to 64"})


def _load(stores: Stores, poll_id: str) -> StoredPoll:
    _check_id(poll_id)
    raw = stores.polls.get(poll_id)
    if raw is None:
        raise NotFound(f"poll {poll_id!r} does not exist", {"poll_id": "unknown poll"})
    return StoredPoll.model_validate(raw)


def _check_number(stored_list: StoredList, number: str) -> None:
    """Answers come back to the number the question came from: one of the list's origination numbers
    (any number when the list names none and the provider's default sender is used)."""
    identities = {_digits(v) for v in (stored_list.origination or {}).values()}
    if identities and _digits(number) not in identities:
        raise ValidationFailed(
            "the number is not one the list sends from", {"number": "one of the list's origination numbers"}
        )


def _check_keyword_free(stores: Stores, poll_id: str, folded: str, number: str) -> None:
    """A keyword already answering on the number (or another poll's there) would win or be ambiguous."""
    from .inbound.config import Config

    config = Config(*stores.catalog.load_config())
    taken = any(kw.rule().matches(folded, number) for kw in config.keywords.values()) or any(
        p.poll_id != poll_id and p.keyword_folded == folded and _digits(p.number) == _digits(number)
        for p in config.polls.values()
    )
    if taken:
        raise Conflict(f"{folded!r} already answers texts to {number}", {"keyword": "already in use on this number"})


def _fixed(poll: PollConfig) -> tuple[Any, ...]:
    return tuple(getattr(poll, name) for name in FIXED_AFTER_SEND)


def _campaign_status(stores: Stores, campaign_id: str) -> str | None:
    campaign, _ = stores.campaigns.get_campaign(campaign_id)
    return str(campaign["status"]) if campaign else None


def _summary(poll: StoredPoll, now: datetime) -> PollSummary:
    status = "closed" if not poll.is_open(now) else ("open" if poll.campaign_id else "draft")
    data = poll.model_dump(mode="json", exclude={"keyword_folded", "language", "version"})
    return PollSummary.model_validate({**data, "closes_at": iso(poll.closes_at), "status": status})


def _with_results(stores: Stores, poll: StoredPoll, now: datetime) -> Poll:
    counts = stores.polls.tallies(poll.poll_id)
    sent = 0
    if poll.campaign_id:
        _, stats = stores.campaigns.get_campaign(poll.campaign_id)
        sent = stats.get("sent", 0)
    votes, asked = counts.get("votes", 0), counts.get("asked", 0)
    results = PollResults(
        tallies={key: counts.get(f"opt_{key}", 0) for key in poll.options},
        votes=votes,
        later_answers=counts.get("repeats", 0),
        late_answers=counts.get("late", 0),
        asked_by_keyword=asked,
        recipients=sent + asked,
        turnout=turnout(votes, sent + asked),
        per_day={name.removeprefix("day_"): n for name, n in sorted(counts.items()) if name.startswith("day_")},
    )
    return Poll.model_validate({**_summary(poll, now).model_dump(), "results": results.model_dump()})


def _digits(number: str) -> str:
    return "".join(c for c in number if c.isdigit())
