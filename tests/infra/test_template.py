"""Template assertions: cfn-lint clean, and the wiring the invariants depend on."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from infra.local.template import ROOT, TEMPLATE_PATH, Stack, load_template

TEMPLATE = load_template()
STACK = Stack(TEMPLATE)
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]


def of_type(type_name: str) -> dict[str, Any]:
    return {k: v for k, v in RESOURCES.items() if v["Type"] == type_name}


def function_timeout(fn: dict[str, Any]) -> int:
    return int(fn["Properties"].get("Timeout", TEMPLATE["Globals"]["Function"]["Timeout"]))


def test_cfn_lint_is_clean() -> None:
    result = subprocess.run(
        [str(Path(sys.executable).parent / "cfn-lint"), str(TEMPLATE_PATH)], check=False, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_sqs_event_source_reports_batch_item_failures_and_queue_outlasts_function() -> None:
    sources = 0
    for fn in of_type("AWS::Serverless::Function").values():
        for event in fn["Properties"].get("Events", {}).values():
            if event["Type"] != "SQS":
                continue
            sources += 1
            assert event["Properties"].get("FunctionResponseTypes") == ["ReportBatchItemFailures"]
            queue = RESOURCES[event["Properties"]["Queue"]["Fn::GetAtt"][0]]
            assert int(queue["Properties"]["VisibilityTimeout"]) >= 6 * function_timeout(fn)
    assert sources >= 1


def test_every_queue_has_a_dlq_and_every_dlq_an_alarm() -> None:
    queues = of_type("AWS::SQS::Queue")
    dlqs = {
        q["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
        for q in queues.values()
        if "RedrivePolicy" in q["Properties"]
    }
    # EventBridge Scheduler targets name their DLQ in the schedule (created by code, not the template).
    dlqs |= {"ScheduleDLQ"}
    # Dead-letter queues of asynchronous invocations (on-failure destinations) and of EventBridge rules.
    text = json.dumps(RESOURCES)
    dlqs |= {name for name in queues if f'"Destination": {{"Fn::GetAtt": ["{name}", "Arn"]}}' in text}
    dlqs |= {name for name in queues if f'"DeadLetterConfig": {{"Arn": {{"Fn::GetAtt": ["{name}", "Arn"]}}}}' in text}
    for name, queue in queues.items():
        assert name in dlqs or "RedrivePolicy" in queue["Properties"], f"{name} has no DLQ"
    alarmed = {
        a["Properties"]["Dimensions"][0]["Value"]["Fn::GetAtt"][0]
        for a in of_type("AWS::CloudWatch::Alarm").values()
        if a["Properties"]["Namespace"] == "AWS/SQS"
    }
    assert dlqs <= alarmed


def test_schedules_target_what_the_scheduler_role_may_invoke() -> None:
    statements = RESOURCES["SchedulerRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    assert {
        "Effect": "Allow",
        "Action": "lambda:InvokeFunction",
        "Resource": {"Fn::GetAtt": ["DispatcherFunction", "Arn"]},
    } in statements
    env = RESOURCES["CampaignFunction"]["Properties"]["Environment"]["Variables"]
    assert env["DISPATCHER_FUNCTION_ARN"] == {"Fn::GetAtt": ["DispatcherFunction", "Arn"]}
    assert env["SCHEDULER_ROLE_ARN"] == {"Fn::GetAtt": ["SchedulerRole", "Arn"]}
    index = RESOURCES["ConsentTable"]["Properties"]["GlobalSecondaryIndexes"][0]
    assert index["IndexName"] == "AudienceIndex"


def test_tables_have_point_in_time_recovery() -> None:
    for name, table in of_type("AWS::DynamoDB::Table").items():
        assert table["Properties"]["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True, name
        assert table.get("DeletionPolicy") == "Retain", name


# Erasure is the one exception to the append-only ledger: it moves entries to a pseudonym's partition
# (PutItem the copy, DeleteItem the original). No UpdateItem for anyone, DeleteItem for nobody else.
LEDGER_ACTIONS = {"dynamodb:PutItem", "dynamodb:Query"}
ERASURE_LEDGER_ACTIONS = {"dynamodb:PutItem", "dynamodb:Query", "dynamodb:DeleteItem"}


def ledger_actions(fn: dict[str, Any]) -> set[str]:
    """Every action a function's policies allow on the ledger table, however the policy names it:
    statements whose resources mention LedgerTable (or a wildcard), and SAM policy templates."""
    found: set[str] = set()
    for policy in fn["Properties"].get("Policies", []):
        if not isinstance(policy, dict):
            continue
        if "Statement" not in policy:  # a SAM policy template (DynamoDBCrudPolicy: {TableName: ...})
            if "LedgerTable" in json.dumps(policy):
                found.add(f"template:{next(iter(policy))}")
            continue
        for statement in policy["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            resources = json.dumps(statement.get("Resource"))
            wildcard = resources in ('"*"', '["*"]') or "table/*" in resources
            if "LedgerTable" in resources or (wildcard and any(a.startswith("dynamodb:") for a in actions)):
                found |= {a for a in actions if a.startswith("dynamodb:") or a == "*"}
    return found


def test_ledger_is_append_only_for_every_function_but_erasure() -> None:
    """No function may update or delete ledger entries (invariant 1) — except ErasureFunction, which may
    delete (to move entries to the pseudonym) but never update."""
    for name, fn in of_type("AWS::Serverless::Function").items():
        allowed = ERASURE_LEDGER_ACTIONS if name == "ErasureFunction" else LEDGER_ACTIONS
        assert ledger_actions(fn) <= allowed, name
    assert ledger_actions(RESOURCES["ErasureFunction"]) == ERASURE_LEDGER_ACTIONS
    assert "TimeToLiveSpecification" not in RESOURCES["LedgerTable"]["Properties"]
    assert RESOURCES["LedgerTable"]["Properties"]["DeletionProtectionEnabled"] is True


@pytest.mark.parametrize(
    "policy",
    [
        {
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": ["dynamodb:UpdateItem"],
                    "Resource": {"Fn::GetAtt": ["LedgerTable", "Arn"]},
                }
            ]
        },
        {
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "dynamodb:DeleteItem",
                    "Resource": [{"Fn::GetAtt": ["LedgerTable", "Arn"]}],
                }
            ]
        },
        {"Statement": [{"Effect": "Allow", "Action": ["dynamodb:*"], "Resource": "*"}]},
        {"DynamoDBCrudPolicy": {"TableName": {"Ref": "LedgerTable"}}},
    ],
)
def test_the_ledger_check_catches_other_ways_to_write(policy: dict[str, Any]) -> None:
    fn = {"Properties": {"Policies": [policy]}}
    assert not ledger_actions(fn) <= LEDGER_ACTIONS


def test_erasure_route_is_its_own_iam_function_with_the_key_from_ssm() -> None:
    routes = {(r.method, r.path): r for r in STACK.http_routes()}
    erase = routes[("DELETE", "/v1/admin/contacts/{phone}")]
    assert (erase.function, erase.authorizer) == ("ErasureFunction", "AWS_IAM")
    assert routes[("GET", "/v1/admin/contacts/{phone}")].function == "AdminFunction"
    param = {"Ref": "ErasureKeyParameterName"}
    for name in ("ErasureFunction", "AdminFunction"):  # the admin function's imports check suppression
        props = RESOURCES[name]["Properties"]
        assert props["Environment"]["Variables"]["ERASURE_KEY_PARAMETER"] == param
        statements = [st for p in props["Policies"] if isinstance(p, dict) for st in p.get("Statement", [])]
        ssm = [st for st in statements if st["Action"] in ("ssm:GetParameter", ["ssm:GetParameter"])]
        assert ssm and all("${ErasureKeyParameterName}" in json.dumps(st["Resource"]) for st in ssm), name
    assert TEMPLATE["Parameters"]["ErasureKeyParameterName"]["Default"] == "/sms-consent/erasure-key"


def test_admin_routes_need_iam_and_public_routes_do_not() -> None:
    routes = STACK.http_routes()
    assert {(r.method, r.path) for r in routes} >= {
        ("POST", "/v1/optin"),
        ("PUT", "/v1/admin/lists/{list_id}"),
        ("GET", "/v1/admin/contacts/{phone}"),
    }
    for route in routes:
        expected = "AWS_IAM" if route.path.startswith("/v1/admin/") else None
        assert route.authorizer == expected, route
    assert RESOURCES["HttpApi"]["Properties"]["Auth"]["EnableIamAuthorizer"] is True
    assert RESOURCES["HttpApi"]["Properties"]["CorsConfiguration"]["AllowOrigins"] == {"Ref": "CorsAllowOrigins"}


@pytest.mark.parametrize("parameter", ["Runtime", "SmsProvider", "CorsAllowOrigins"])
def test_required_parameters_have_defaults(parameter: str) -> None:
    assert "Default" in TEMPLATE["Parameters"][parameter]


def test_every_handler_imports_and_env_is_complete(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each function's handler exists, and each settings model it declares finds every variable it needs in the
    environment the template gives it (no setting only works because of a default elsewhere)."""
    from consent_platform import settings

    fake = Stack(
        TEMPLATE,
        attributes={
            name: {"Ref": name, "Arn": f"arn:{name}", "QueueUrl": f"https://q/{name}", "QueueName": name}
            for name in RESOURCES
        },
    )
    for name, fn in of_type("AWS::Serverless::Function").items():
        module_name, _, attr = fn["Properties"]["Handler"].rpartition(".")
        module = importlib.import_module(module_name)
        assert callable(getattr(module, attr))
        env = fake.function_environment(name)
        for key in list(settings.__dict__):
            monkeypatch.delenv(key.upper(), raising=False)
        with monkeypatch.context() as patch:
            for key, value in env.items():
                patch.setenv(key, value)
            for model in module.SETTINGS:  # what the handler declares it reads
                model.from_env()  # raises if a required variable is missing


def test_requirements_match_pyproject() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    bundled = [
        line.strip()
        for line in (Path(ROOT) / "functions" / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert sorted(bundled) == sorted(project)


def test_runtime_default_is_a_supported_python() -> None:
    runtime = TEMPLATE["Parameters"]["Runtime"]
    assert runtime["Default"] in runtime["AllowedValues"]
    assert all(v.startswith("python3.1") for v in runtime["AllowedValues"])


def test_inbound_topic_only_accepts_the_sms_service_and_delivers_raw() -> None:
    [statement] = RESOURCES["InboundTopicPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "sms-voice.amazonaws.com"}
    assert statement["Action"] == "sns:Publish"
    assert "aws:SourceAccount" in statement["Condition"]["StringEquals"]
    subscription = RESOURCES["InboundSubscription"]["Properties"]
    assert subscription["RawMessageDelivery"] is True
    assert subscription["Endpoint"] == {"Fn::GetAtt": ["InboundQueue", "Arn"]}
    assert RESOURCES["InboundQueue"]["Properties"]["RedrivePolicy"]["maxReceiveCount"] == 5


def test_webhook_secrets_come_from_ssm_parameters_named_by_the_template() -> None:
    env = RESOURCES["InboundWebhookFunction"]["Properties"]["Environment"]["Variables"]
    assert env["TWILIO_AUTH_TOKEN_PARAMETER"] == {"Ref": "TwilioAuthTokenParameterName"}
    assert env["WEBHOOK_SECRET_PARAMETER"] == {"Ref": "WebhookSecretParameterName"}
    text = TEMPLATE_PATH.read_text()
    assert "local-twilio-auth-token" not in text and "local-webhook-secret" not in text


def test_sms_pumping_limits_are_template_parameters_matching_the_code_defaults() -> None:
    from consent_platform.domain.pumping import DEFAULT_PREFIX_DIGITS, DEFAULT_RATE_LIMITS, parse_limits

    params = TEMPLATE["Parameters"]
    assert params["OptInRateLimits"]["Default"] == DEFAULT_RATE_LIMITS
    assert int(params["OptInPrefixDigits"]["Default"]) == DEFAULT_PREFIX_DIGITS
    parse_limits(params["OptInRateLimits"]["Default"])
    env = RESOURCES["OptInFunction"]["Properties"]["Environment"]["Variables"]
    assert env["OPTIN_RATE_LIMITS"] == {"Ref": "OptInRateLimits"}
    assert env["OPTIN_PREFIX_DIGITS"] == {"Ref": "OptInPrefixDigits"}


def test_optin_route_has_its_own_throttling_and_no_waf_is_attached_to_the_http_api() -> None:
    """WAF cannot be associated with an API Gateway HTTP API; the opt-in route is throttled instead."""
    api = RESOURCES["HttpApi"]["Properties"]
    route = api["RouteSettings"]["POST /v1/optin"]
    assert route == {
        "ThrottlingBurstLimit": {"Ref": "OptInRouteBurstLimit"},
        "ThrottlingRateLimit": {"Ref": "OptInRouteRateLimit"},
    }
    assert (
        int(TEMPLATE["Parameters"]["OptInRouteRateLimit"]["Default"])
        < api["DefaultRouteSettings"]["ThrottlingRateLimit"]
    )
    assert not of_type("AWS::WAFv2::WebACLAssociation")


def test_confirmation_cap_alarm_watches_the_metric_the_functions_emit() -> None:
    [alarm] = [
        a
        for a in of_type("AWS::CloudWatch::Alarm").values()
        if a["Properties"]["Namespace"] == "SmsConsent" and a["Properties"]["MetricName"] == "ConfirmationCapReached"
    ]
    props = alarm["Properties"]
    assert props["MetricName"] == "ConfirmationCapReached"
    assert props["Dimensions"] == [
        {
            "Name": "service",
            "Value": TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"],
        }
    ]
    assert props["AlarmActions"] == [{"Ref": "AlarmTopic"}]
    for module in ("functions/optin/app.py", "functions/inbound/worker.py"):
        assert 'name="ConfirmationCapReached"' in (ROOT / module).read_text()


# The consent table's indexes as last deployed from `main` (the landed template). DynamoDB creates or
# deletes at most one global secondary index per UpdateTable, so a CloudFormation update that adds two
# fails: a change may add one index to this set; once it lands, the set gains it.
DEPLOYED_CONSENT_INDEXES = {"AudienceIndex", "ExpiryIndex"}


def test_one_deploy_adds_or_removes_at_most_one_table_index() -> None:
    table = load_template()["Resources"]["ConsentTable"]["Properties"]
    indexes = {index["IndexName"] for index in table.get("GlobalSecondaryIndexes", [])}
    changed = indexes ^ DEPLOYED_CONSENT_INDEXES
    assert len(changed) <= 1, f"one update can create or delete one index, this one changes {sorted(changed)}"
    defined = [d["AttributeName"] for d in table["AttributeDefinitions"]]
    assert len(defined) == len(set(defined)), "an attribute defined twice"
