"""Deploy and operations wiring of template.yaml: alarms that can notify, failures that cannot vanish,
least privilege, names that let two stacks share an account, and resources that survive a stack delete."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from infra.local.template import Stack, load_template

TEMPLATE = load_template()
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]
PARAMETERS: dict[str, Any] = TEMPLATE["Parameters"]


def of_type(type_name: str) -> dict[str, Any]:
    return {k: v for k, v in RESOURCES.items() if v["Type"] == type_name}


FUNCTIONS = of_type("AWS::Serverless::Function")
ALARMS = of_type("AWS::CloudWatch::Alarm")


def statements(fn: dict[str, Any]) -> list[dict[str, Any]]:
    """Inline policy statements of a function, both branches of a policy-level ``Fn::If`` included."""
    found: list[dict[str, Any]] = []
    for policy in fn["Properties"].get("Policies", []):
        branches = policy["Fn::If"][1:] if isinstance(policy, dict) and "Fn::If" in policy else [policy]
        for branch in branches:
            if isinstance(branch, dict) and "Statement" in branch:
                found.extend(branch["Statement"])
    return found


def actions(statement: dict[str, Any]) -> list[str]:
    return statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]


def alarms_on(namespace: str, metric: str) -> dict[str, dict[str, Any]]:
    return {
        name: a["Properties"]
        for name, a in ALARMS.items()
        if a["Properties"]["Namespace"] == namespace and a["Properties"]["MetricName"] == metric
    }


# ---- alarms can notify --------------------------------------------------------------------------


def test_alarm_topic_key_admits_cloudwatch() -> None:
    """CloudWatch cannot publish to a topic under alias/aws/sns; the topic's own key must admit it."""
    topic = RESOURCES["AlarmTopic"]["Properties"]
    assert topic["KmsMasterKeyId"] != "alias/aws/sns"
    key_id = topic["KmsMasterKeyId"]["Ref"]
    key = RESOURCES[key_id]
    assert key["Type"] == "AWS::KMS::Key"
    admits = [
        st
        for st in key["Properties"]["KeyPolicy"]["Statement"]
        if st["Effect"] == "Allow" and st.get("Principal") == {"Service": "cloudwatch.amazonaws.com"}
    ]
    assert admits and {"kms:Decrypt", "kms:GenerateDataKey*"} <= set(actions(admits[0]))


def test_every_alarm_notifies_the_alarm_topic() -> None:
    for name, alarm in ALARMS.items():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}], name


def test_every_function_has_an_errors_alarm() -> None:
    watched = {p["Dimensions"][0]["Value"]["Ref"] for p in alarms_on("AWS/Lambda", "Errors").values()}
    assert watched == set(FUNCTIONS)


def test_expiry_failed_metric_is_alarmed() -> None:
    [props] = alarms_on("SmsConsent", "ExpiryFailed").values()
    service = TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"]
    assert props["Dimensions"] == [{"Name": "service", "Value": service}]


# ---- nothing vanishes ---------------------------------------------------------------------------

ASYNC_EVENT_TYPES = {"ScheduleV2", "Schedule", "EventBridgeRule", "CloudWatchEvent", "SNS", "S3"}


def async_invoked() -> set[str]:
    """Functions an AWS service invokes asynchronously: event sources of those types, and the target of
    the campaign schedules the code creates (the role EventBridge Scheduler assumes may invoke it)."""
    names = {
        name
        for name, fn in FUNCTIONS.items()
        if any(e["Type"] in ASYNC_EVENT_TYPES for e in fn["Properties"].get("Events", {}).values())
    }
    role = RESOURCES["SchedulerRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    names |= {st["Resource"]["Fn::GetAtt"][0] for st in role if st["Action"] == "lambda:InvokeFunction"}
    return names


def test_every_async_invoked_function_has_an_alarmed_on_failure_queue() -> None:
    invoked = async_invoked()
    assert {"DispatcherFunction", "AudienceEventsFunction", "ExpiryFunction"} <= invoked
    alarmed_queues = {
        p["Dimensions"][0]["Value"]["Fn::GetAtt"][0]
        for p in alarms_on("AWS/SQS", "ApproximateNumberOfMessagesVisible").values()
    }
    for name in invoked:
        config = FUNCTIONS[name]["Properties"].get("EventInvokeConfig")
        assert config, f"{name} is invoked asynchronously and has no EventInvokeConfig"
        on_failure = config["DestinationConfig"]["OnFailure"]
        assert on_failure["Type"] == "SQS", name
        queue = on_failure["Destination"]["Fn::GetAtt"][0]
        assert RESOURCES[queue]["Type"] == "AWS::SQS::Queue"
        assert queue in alarmed_queues, f"{name}'s on-failure queue {queue} has no alarm"


def test_eventbridge_rule_dead_letter_queue_is_ours_and_alarmed() -> None:
    alarmed = {
        p["Dimensions"][0]["Value"]["Fn::GetAtt"][0]
        for p in alarms_on("AWS/SQS", "ApproximateNumberOfMessagesVisible").values()
    }
    rules = 0
    for fn in FUNCTIONS.values():
        for event in fn["Properties"].get("Events", {}).values():
            if event["Type"] != "EventBridgeRule":
                continue
            rules += 1
            queue = event["Properties"]["DeadLetterConfig"]["Arn"]["Fn::GetAtt"][0]
            assert queue in alarmed
            [policy] = [
                p for p in of_type("AWS::SQS::QueuePolicy").values() if p["Properties"]["Queues"] == [{"Ref": queue}]
            ]
            [st] = policy["Properties"]["PolicyDocument"]["Statement"]
            assert (
                st["Principal"] == {"Service": "events.amazonaws.com"}
                and "aws:SourceArn" in st["Condition"]["ArnEquals"]
            )
    assert rules >= 1


def test_queues_and_bucket_outlive_a_stack_delete() -> None:
    for name, res in {**of_type("AWS::SQS::Queue"), **of_type("AWS::S3::Bucket")}.items():
        assert res.get("DeletionPolicy") == "Retain", name
        assert res.get("UpdateReplacePolicy") == "Retain", name


# ---- two stacks in one account -------------------------------------------------------------------


def test_schedule_names_are_per_stack_and_fit_for_the_longest_stack_name() -> None:
    longest = Stack(TEMPLATE, parameters={"AWS::StackName": "s" * 128})
    for name, group in of_type("AWS::Scheduler::ScheduleGroup").items():
        resolved = longest.resolve(group.get("Properties", {})).get("Name")
        # No Name: CloudFormation generates a unique one within the 64-character limit.
        assert resolved is None or len(resolved) <= 64, name
    periodic = 0
    for fn in FUNCTIONS.values():
        for event in fn["Properties"].get("Events", {}).values():
            if event["Type"] != "ScheduleV2":
                continue
            periodic += 1
            props = event["Properties"]
            # A fixed Name in the default group collides with the same schedule of a second stack.
            assert props.get("OmitName") is True or "GroupName" in props, props
    assert periodic >= 1


# ---- least privilege ------------------------------------------------------------------------------


def test_sender_can_text_numbers_but_publish_to_no_topic() -> None:
    sender = statements(FUNCTIONS["SenderFunction"])
    publish = [st for st in sender if "sns:Publish" in actions(st)]
    allows = [st for st in publish if st["Effect"] == "Allow"]
    denies = [st for st in publish if st["Effect"] == "Deny"]
    assert all(actions(st) == ["sns:Publish"] for st in publish)  # not bundled with other actions
    # Publishing to a phone number has no ARN (so the Allow is on "*"); every topic ARN is denied.
    assert allows and denies
    topic_arns = [Stack(TEMPLATE).resolve(st["Resource"]) for st in denies]
    assert "arn:aws:sns:*:*:*" in topic_arns


def test_sender_end_user_messaging_grant_is_scoped_to_configured_identities() -> None:
    [identities] = [
        st
        for st in statements(FUNCTIONS["SenderFunction"])
        if "sms-voice:SendTextMessage" in actions(st) and "Fn::If" in json.dumps(st["Resource"])
    ]
    condition, configured, fallback = identities["Resource"]["Fn::If"]
    assert configured == {"Ref": "EumOriginationIdentityArns"}
    assert fallback != "*"
    assert condition == "HasEumOriginationIdentities"


def test_no_function_writes_through_an_index_arn() -> None:
    for name, fn in FUNCTIONS.items():
        for st in statements(fn):
            if "/index/" in json.dumps(st["Resource"]):
                assert actions(st) == ["dynamodb:Query"], name


@pytest.mark.parametrize(
    ("action", "allowed"),
    [
        # erasures_recorded(); the dispatchers' campaign status before each page (DispatchStore)
        # … and the short-link redirect's read for a preview fetch or HEAD (services/links.py); Message.Requested
        # (AudienceEvents) checks the suppression list as the admin API does (services/transactional.py); coupons:
        # a purchase's code (AudienceEvents), an earlier assignment of an empty pool (FlowSweep; services/coupons.py)
        (
            "dynamodb:GetItem",
            {
                "AdminFunction",
                "DispatcherFunction",
                "DispatchShardFunction",
                "RedirectFunction",
                "FlowSweepFunction",
                "AudienceEventsFunction",
            },
        ),
        ("dynamodb:ConditionCheckItem", {"AdminFunction", "SenderFunction", "AudienceEventsFunction"}),
    ],
)
def test_rarely_used_dynamodb_actions_only_where_the_code_calls_them(action: str, allowed: set[str]) -> None:
    granted = {name for name, fn in FUNCTIONS.items() if any(action in actions(st) for st in statements(fn))}
    assert granted == allowed


SSM_NAMES = (
    "TwilioAuthTokenParameterName",
    "WebhookSecretParameterName",
    "ErasureKeyParameterName",
    "LinkKeyParameterName",
)


@pytest.mark.parametrize("parameter", SSM_NAMES)
def test_ssm_parameter_names_must_start_with_a_slash(parameter: str) -> None:
    pattern = re.compile(PARAMETERS[parameter]["AllowedPattern"])
    assert pattern.fullmatch(PARAMETERS[parameter]["Default"])
    assert pattern.fullmatch("/team/prod/secret")
    for bad in ("sms-consent/erasure-key", "", "/", "/a b", "/a//b"):
        assert not pattern.fullmatch(bad), bad


def test_functions_reading_ssm_may_decrypt_with_the_customer_key_through_ssm_only() -> None:
    param = PARAMETERS["SsmKmsKeyArn"]
    assert param["Default"] == ""
    assert re.fullmatch(
        param["AllowedPattern"], "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    )
    readers = [
        name for name, fn in FUNCTIONS.items() if any("ssm:GetParameter" in actions(st) for st in statements(fn))
    ]
    assert readers
    for name in readers:
        conditional = [
            p["Fn::If"] for p in FUNCTIONS[name]["Properties"]["Policies"] if isinstance(p, dict) and "Fn::If" in p
        ]
        kms = [branch for cond, branch, _ in conditional if cond == "HasSsmKmsKey"]
        assert kms, f"{name} reads SSM but gets no kms:Decrypt for SsmKmsKeyArn"
        [st] = kms[0]["Statement"]
        assert actions(st) == ["kms:Decrypt"] and st["Resource"] == {"Ref": "SsmKmsKeyArn"}
        assert "kms:ViaService" in st["Condition"]["StringEquals"]


# ---- HTTP API ---------------------------------------------------------------------------------------


def test_routes_are_private_by_default_and_public_ones_opt_out_explicitly() -> None:
    auth = RESOURCES["HttpApi"]["Properties"]["Auth"]
    assert auth["DefaultAuthorizer"] == "AWS_IAM"
    public = {("POST", "/v1/optin"), ("GET", "/v1/lists/{list_id}/public"), ("GET", "/v1/qr")}
    public |= {("POST", "/v1/inbound/twilio"), ("POST", "/v1/inbound/webhook")}
    public |= {("GET", "/r/{code}"), ("HEAD", "/r/{code}")}  # short links
    for fn in FUNCTIONS.values():
        for event in fn["Properties"].get("Events", {}).values():
            if event["Type"] != "HttpApi":
                continue
            props = event["Properties"]
            route = (props["Method"].upper(), props["Path"])
            declared = (props.get("Auth") or {}).get("Authorizer")
            assert declared is not None, f"{route} leaves its authorisation to the default: say AWS_IAM or NONE"
            assert (declared == "NONE") == (route in public), route
    # The local stack reads the same rules: a route without Auth gets the default.
    stack = Stack(TEMPLATE)
    assert stack._default_authorizer({"ApiId": {"Ref": "HttpApi"}}) == "AWS_IAM"
    routes = {(r.method, r.path): r.authorizer for r in stack.http_routes()}
    assert all((auth is None) == (route in public) for route, auth in routes.items())


def test_access_log_format_has_no_raw_path_so_no_phone_number() -> None:
    """``GET /v1/admin/contacts/{phone}``: the raw path holds the number; the route key holds a placeholder."""
    settings = RESOURCES["HttpApi"]["Properties"]["AccessLogSettings"]
    assert settings["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogs", "Arn"]}
    fmt = settings["Format"]
    json.loads(re.sub(r"\$context\.[A-Za-z.]+", "x", fmt))  # one JSON object a line
    variables = set(re.findall(r"\$context\.[A-Za-z.]+", fmt))
    assert "$context.routeKey" in variables
    leaks = {"$context.path", "$context.resourcePath", "$context.requestOverride", "$context.domainPrefix"}
    assert not variables & leaks
    assert not re.search(r"\$(request|input|stageVariables)\.", fmt)
    assert "RetentionInDays" in RESOURCES["ApiAccessLogs"]["Properties"]


# ---- one copy of Powertools -------------------------------------------------------------------------


def test_powertools_comes_from_the_bundle_only() -> None:
    """A layer would be shadowed by the bundled copy (function code precedes /opt on sys.path)."""
    assert "Layers" not in TEMPLATE["Globals"]["Function"]
    assert all("Layers" not in fn["Properties"] for fn in FUNCTIONS.values())
    assert "PowertoolsLayerArn" not in PARAMETERS
