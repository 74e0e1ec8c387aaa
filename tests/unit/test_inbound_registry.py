"""The inbound registries: outcomes name the worker's metrics as the old outcome strings did, and the
keyword-action registry is what ``PUT /v1/admin/keywords`` validates against."""

from __future__ import annotations

import pytest

from consent_platform.domain.errors import ValidationFailed
from consent_platform.domain.inbound import Intent
from consent_platform.domain.keywords import KeywordConfig
from consent_platform.services.inbound.intents import INTENTS
from consent_platform.services.inbound.keyword_actions import ACTIONS
from consent_platform.services.inbound.outcome import Outcome
from consent_platform.services.keywords import check_action


@pytest.mark.parametrize(
    ("outcome", "text", "metric"),
    [
        (Outcome.counted("confirmed", 1, expired=1), "confirmed:1,expired:1", "Inbound_confirmed"),
        (
            Outcome.counted("confirmed", 0, expired=1).capped(),
            "confirmed:0,expired:1,reply_capped",
            "Inbound_confirmed",
        ),
        (Outcome.counted("revoked", 2), "revoked:2", "Inbound_revoked"),
        (Outcome("help").capped(), "help,reply_capped", "Inbound_help"),
        (Outcome("signup_capped"), "signup_capped", "Inbound_signup_capped"),
    ],
)
def test_outcome_text_and_metric(outcome: Outcome, text: str, metric: str) -> None:
    # The metric is what the worker used to cut out of the text: everything before the first ':' or ','.
    assert (str(outcome), outcome.metric) == (text, metric)
    assert metric == f"Inbound_{text.split(':', maxsplit=1)[0].split(',', maxsplit=1)[0]}"


def test_every_intent_has_a_handler() -> None:
    assert set(INTENTS) == set(Intent)


def test_actions_are_registered_by_their_own_name() -> None:
    assert {"join", "reply", "stop", "help"} <= set(ACTIONS)
    assert all(name == action.name for name, action in ACTIONS.items())


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"action": "contest", "list_id": "demo"}, {"action"}),
        ({"action": "join"}, {"list_id"}),
        ({"action": "stop"}, {"list_id"}),
        ({"action": "help"}, {"list_id"}),
        ({"action": "reply"}, {"reply"}),
    ],
)
def test_incomplete_or_unknown_configs_are_refused(body: dict, fields: set[str]) -> None:
    with pytest.raises(ValidationFailed) as refused:
        check_action(KeywordConfig.model_validate(body))
    assert set(refused.value.fields) == fields


def test_complete_configs_pass() -> None:
    check_action(KeywordConfig(action="reply", reply="Open 9-17."))
    check_action(KeywordConfig(action="help", list_id="demo"))
