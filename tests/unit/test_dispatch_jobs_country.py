"""A dispatched page's per-country choices (services/dispatch_jobs.py): the origination map and a segment's
countries follow each recipient's number, and a campaign that names no country parses no number."""

from __future__ import annotations

from typing import Any

import pytest

from consent_platform.domain.campaigns import Segment
from consent_platform.domain.clock import utc_now
from consent_platform.domain.messages import CampaignJob, OutboundMessage
from consent_platform.services import dispatch_jobs
from consent_platform.services.dispatch_jobs import Batch, queue_page

PL, US, DE = "+48501234567", "+12025550123", "+4915112345678"


class _Consent:
    def profiles(self, phones: list[str]) -> dict[str, dict[str, Any]]:
        return {}


class _Stores:
    consent = _Consent()


class _Queue:
    def __init__(self) -> None:
        self.sent: list[OutboundMessage] = []

    def send(self, jobs: list[OutboundMessage]) -> None:
        self.sent.extend(jobs)


def _queue(origination: dict[str, str] | None, segment: Segment | None = None) -> dict[str, str | None]:
    campaign = {"campaign_id": "c1", "list_id": "demo", "text": "Hi", "origination": origination}
    batch = Batch(campaign, CampaignJob(campaign_id="c1", zones=("Europe/Warsaw",), rule="pl"), segment)
    queue = _Queue()
    queue_page(_Stores(), queue, batch, [PL, US, DE], utc_now())  # type: ignore[arg-type]
    return {message.to: message.origination for message in queue.sent}


def test_origination_map_picks_the_recipient_country() -> None:
    got = _queue({"PL": "+48500000000", "US": "12345", "default": "+48500000001"})
    assert got == {PL: "+48500000000", US: "12345", DE: "+48500000001"}


def test_segment_countries_select_by_the_number() -> None:
    assert set(_queue(None, Segment(countries=["pl", "DE"]))) == {PL, DE}


def test_a_campaign_naming_no_country_parses_no_number(monkeypatch: pytest.MonkeyPatch) -> None:
    def parse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("parsed a number the campaign does not need parsed")

    monkeypatch.setattr(dispatch_jobs, "normalize_phone", parse)
    assert _queue({"default": "+48500000001"}, Segment(tags_none=["vip"])) == dict.fromkeys(
        (PL, US, DE), "+48500000001"
    )
    assert _queue(None) == dict.fromkeys((PL, US, DE))
