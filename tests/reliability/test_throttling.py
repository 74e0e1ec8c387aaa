"""A campaign through the real handlers on moto while the SMS provider throttles (a stub answering
``ThrottlingException`` like End User Messaging over an identity's rate: of every 5 recipients one is
refused on each attempt of as many deliveries as the queue's maxReceiveCount, one on its first attempt
only). The refused are put back on the queue as new messages, not failed back to SQS into the
dead-letter queue: nothing lost, nothing sent twice, nothing dead-lettered. ``make bench`` runs it with
2,000 recipients and one refused delivery each (bench/throughput.py)."""

from __future__ import annotations

from bench.throttling import campaign_throttled
from infra.local.template import load_template

MAX_RECEIVE_COUNT = load_template()["Resources"]["OutboundQueue"]["Properties"]["RedrivePolicy"]["maxReceiveCount"]


def test_a_campaign_against_a_throttling_provider_loses_nothing_and_dead_letters_nothing() -> None:
    figure = campaign_throttled(100, deliveries=MAX_RECEIVE_COUNT)
    assert figure["throttles"] == 20 * 3 * MAX_RECEIVE_COUNT + 20 * 1, figure  # the stub throttled as scheduled
    assert figure["requeue_requests"] == 20 * MAX_RECEIVE_COUNT, figure  # put back after each refused delivery
    assert (figure["sent"], figure["campaign_stats_sent"]) == (100, 100), figure
    assert (figure["lost"], figure["duplicates"], figure["dead_lettered"]) == (0, 0, 0), figure
