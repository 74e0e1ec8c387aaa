"""The delivery-receipt pipeline in template.yaml: configuration set + event destination → DeliveryTopic
(only End User Messaging of this account publishes) → raw subscription → DeliveryQueue (DLQ + alarm) →
DeliveryWorkerFunction (partial batch failures, least privilege, errors alarmed)."""

from __future__ import annotations

from typing import Any

from infra.local.template import Stack, load_template

TEMPLATE = load_template()
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]
# The End User Messaging SMS statuses (configuration-sets-event-types.html), as the domain classifies them.
from consent_platform.domain.delivery_status import STATUS_CLASS  # noqa: E402


def test_the_configuration_set_is_created_unless_the_operator_names_one() -> None:
    config_set = RESOURCES["EumConfigurationSet"]
    assert config_set["Type"] == "AWS::SMSVOICE::ConfigurationSet"
    assert config_set["Condition"] == "CreateEumConfigurationSet"
    assert TEMPLATE["Conditions"]["CreateEumConfigurationSet"] == {
        "Fn::Equals": [{"Ref": "EumConfigurationSetName"}, ""]
    }
    [destination] = config_set["Properties"]["EventDestinations"]
    assert destination["Enabled"] is True
    assert destination["SnsDestination"] == {"TopicArn": {"Ref": "DeliveryTopic"}}
    documented = {s for s in STATUS_CLASS if s != "TEXT_SENT"}  # TEXT_SENT: botocore's enum, not the guide
    assert set(destination["MatchingEventTypes"]) == documented


def test_the_sender_names_the_created_set_or_the_operators() -> None:
    env = RESOURCES["SenderFunction"]["Properties"]["Environment"]["Variables"]
    assert env["EUM_CONFIGURATION_SET"] == {
        "Fn::If": ["CreateEumConfigurationSet", {"Ref": "EumConfigurationSet"}, {"Ref": "EumConfigurationSetName"}]
    }
    created = Stack(TEMPLATE, attributes={"EumConfigurationSet": {"Ref": "generated-set"}})
    assert created.resolve(env["EUM_CONFIGURATION_SET"]) == "generated-set"
    named = Stack(TEMPLATE, parameters={"EumConfigurationSetName": "ops-set"})
    assert named.resolve(env["EUM_CONFIGURATION_SET"]) == "ops-set"


def test_only_end_user_messaging_of_this_account_publishes_receipts() -> None:
    [statement] = RESOURCES["DeliveryTopicPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "sms-voice.amazonaws.com"}
    assert statement["Action"] == "sns:Publish" and statement["Resource"] == {"Ref": "DeliveryTopic"}
    assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    source = statement["Condition"]["ArnLike"]["aws:SourceArn"]["Fn::Sub"]
    assert source.endswith(":${AWS::AccountId}:configuration-set/*") and ":sms-voice:" in source
    assert RESOURCES["EumConfigurationSet"]["DependsOn"] == "DeliveryTopicPolicy"


def test_receipts_reach_the_worker_raw_through_a_queue_with_an_alarmed_dlq() -> None:
    subscription = RESOURCES["DeliverySubscription"]["Properties"]
    assert subscription["RawMessageDelivery"] is True and subscription["Protocol"] == "sqs"
    assert subscription["Endpoint"] == {"Fn::GetAtt": ["DeliveryQueue", "Arn"]}
    [queue_statement] = RESOURCES["DeliveryQueuePolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert queue_statement["Condition"] == {"ArnEquals": {"aws:SourceArn": {"Ref": "DeliveryTopic"}}}
    redrive = RESOURCES["DeliveryQueue"]["Properties"]["RedrivePolicy"]
    assert redrive["deadLetterTargetArn"] == {"Fn::GetAtt": ["DeliveryDLQ", "Arn"]}
    alarm = RESOURCES["DeliveryDLQAlarm"]["Properties"]
    assert alarm["Dimensions"] == [{"Name": "QueueName", "Value": {"Fn::GetAtt": ["DeliveryDLQ", "QueueName"]}}]


def test_the_worker_reports_batch_failures_and_may_only_update_the_table_and_put_events() -> None:
    worker = RESOURCES["DeliveryWorkerFunction"]["Properties"]
    assert worker["Handler"] == "delivery.app.lambda_handler"
    [event] = worker["Events"].values()
    assert event["Type"] == "SQS" and event["Properties"]["Queue"] == {"Fn::GetAtt": ["DeliveryQueue", "Arn"]}
    assert event["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    statements, managed = [], []
    for policy in worker["Policies"]:
        (statements.extend(policy["Statement"]) if "Statement" in policy else managed.append(policy))
    assert managed == [{"EventBridgePutEventsPolicy": {"EventBusName": {"Ref": "EventBus"}}}]
    assert statements == [
        {
            "Effect": "Allow",
            "Action": ["dynamodb:UpdateItem", "dynamodb:Query"],
            "Resource": {"Fn::GetAtt": ["ConsentTable", "Arn"]},
        }
    ]


def test_blocked_messages_and_lost_effects_raise_alarms_on_the_metrics_the_worker_emits() -> None:
    import delivery.app as worker

    alarmed = {p["Properties"]["MetricName"] for p in RESOURCES.values() if p["Type"] == "AWS::CloudWatch::Alarm"}
    assert {"SmsBlocked", "DeliveryEffectsFailed"} <= alarmed
    assert "SmsBlocked" in worker.METRIC_FOR.values()
