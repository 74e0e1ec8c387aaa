"""Read ``template.yaml`` and create its resources on moto (or any endpoint boto3 is pointed at).

This is the *only* description of tables and queues: the local stack and the integration tests both
provision from the template through this module, so the two can never drift apart.
"""

from __future__ import annotations

import copy
import functools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_PATH = ROOT / "template.yaml"
REGION = "us-east-1"
ACCOUNT = "123456789012"


class _CfnLoader(yaml.SafeLoader):
    """YAML loader that turns CloudFormation short-form tags (!Ref, !GetAtt, …) into long form."""


def _construct(tag: str) -> Any:
    name = "Ref" if tag == "Ref" else f"Fn::{tag}"

    def build(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
            if tag == "GetAtt":
                value = str(value).split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        return {name: value}

    return build


for _tag in (
    "Ref",
    "GetAtt",
    "Sub",
    "If",
    "Not",
    "Equals",
    "And",
    "Or",
    "Join",
    "Select",
    "Split",
    "FindInMap",
    "Base64",
    "Condition",
    "ImportValue",
    "GetAZs",
):
    _CfnLoader.add_constructor(f"!{_tag}", _construct(_tag))


def load_template(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    """The parsed template: a fresh copy each call (callers may change it), parsed once per content —
    parsing the YAML took ~0.3 s, paid by every test that provisions a stack."""
    text = path.read_text(encoding="utf-8")
    return copy.deepcopy(_parse(text))


@functools.lru_cache(maxsize=4)
def _parse(text: str) -> dict[str, Any]:
    return yaml.load(text, Loader=_CfnLoader)  # noqa: S506 - SafeLoader subclass


@dataclass
class Stack:
    """A template with its parameter values and the physical attributes of created resources."""

    template: dict[str, Any]
    parameters: dict[str, str] = field(default_factory=dict)
    attributes: dict[str, dict[str, str]] = field(default_factory=dict)

    # ---- intrinsic functions -------------------------------------------------------------------

    def parameter(self, name: str) -> str:
        if name in self.parameters:
            return self.parameters[name]
        pseudo = {
            "AWS::Region": REGION,
            "AWS::AccountId": ACCOUNT,
            "AWS::StackName": "local",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::Partition": "aws",
        }
        if name in pseudo:
            return pseudo[name]
        spec = self.template.get("Parameters", {}).get(name)
        if spec is None:
            raise KeyError(name)
        default = spec.get("Default", "")
        return ",".join(default) if isinstance(default, list) else str(default)

    def condition(self, name: str) -> bool:
        return bool(self.resolve(self.template.get("Conditions", {})[name]))

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(v) for v in value if not _is_no_value(v)]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Ref":
                if arg in self.attributes:
                    return self.attributes[arg]["Ref"]
                return self.parameter(arg)
            if key == "Fn::GetAtt":
                logical, attr = arg if isinstance(arg, list) else str(arg).split(".", 1)
                return self.attributes[logical][attr]
            if key == "Fn::Sub":
                return self._sub(arg)
            if key == "Fn::Equals":
                left, right = (self.resolve(v) for v in arg)
                return left == right
            if key == "Fn::Not":
                return not self.resolve(arg[0])
            if key == "Fn::If":
                name, yes, no = arg
                return self.resolve(yes if self.condition(name) else no)
            if key == "Fn::Join":
                sep, parts = arg
                return sep.join(str(p) for p in self.resolve(parts))
        return {k: self.resolve(v) for k, v in value.items() if not _is_no_value(v)}

    def _sub(self, arg: Any) -> str:
        text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
        out, i = [], 0
        while i < len(text):
            start = text.find("${", i)
            if start < 0:
                out.append(text[i:])
                break
            end = text.index("}", start)
            out.append(text[i:start])
            name = text[start + 2 : end]
            if name in variables:
                out.append(str(self.resolve(variables[name])))
            elif "." in name and not name.startswith("AWS::"):
                logical, attr = name.split(".", 1)
                out.append(self.attributes[logical][attr])
            elif name in self.attributes:
                out.append(self.attributes[name]["Ref"])
            else:
                out.append(self.parameter(name))
            i = end + 1
        return "".join(out)

    # ---- template views ------------------------------------------------------------------------

    def resources(self, type_name: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.template["Resources"].items() if v["Type"] == type_name}

    def functions(self) -> dict[str, dict[str, Any]]:
        return self.resources("AWS::Serverless::Function")

    def function_environment(self, logical_id: str, overrides: dict[str, str] | None = None) -> dict[str, str]:
        glob = self.template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
        own = self.functions()[logical_id]["Properties"].get("Environment", {}).get("Variables", {})
        env = {k: str(self.resolve(v)) for k, v in {**glob, **own}.items()}
        env.update(overrides or {})
        return env

    def handler(self, logical_id: str) -> str:
        props = self.functions()[logical_id]["Properties"]
        return str(props.get("Handler") or self.template["Globals"]["Function"]["Handler"])

    def function_events(self, *types: str) -> list[tuple[str, dict[str, Any]]]:
        """(function, unresolved event properties) for every event source of the given SAM types."""
        return [
            (logical_id, event.get("Properties", {}))
            for logical_id, fn in self.functions().items()
            for event in fn["Properties"].get("Events", {}).values()
            if event["Type"] in types
        ]

    def http_routes(self) -> list[HttpRoute]:
        """Every HttpApi route with the authorizer API Gateway applies: the route's own, else the API's
        DefaultAuthorizer; ``NONE`` (a public route opting out of the default) becomes ``None``."""
        routes = []
        for logical_id, props in self.function_events("HttpApi"):
            auth = (props.get("Auth") or {}).get("Authorizer") or self._default_authorizer(props)
            routes.append(
                HttpRoute(props["Method"].upper(), props["Path"], logical_id, None if auth == "NONE" else auth)
            )
        return routes

    def _default_authorizer(self, event_props: dict[str, Any]) -> str | None:
        api = event_props.get("ApiId", {}).get("Ref") if isinstance(event_props.get("ApiId"), dict) else None
        if api not in self.template["Resources"]:
            return None
        auth = self.template["Resources"][api].get("Properties", {}).get("Auth") or {}
        return auth.get("DefaultAuthorizer")

    def eventbridge_sources(self) -> list[tuple[str, dict[str, Any]]]:
        """(function, resolved rule properties) for every EventBridgeRule event source."""
        return [(logical_id, self.resolve(props)) for logical_id, props in self.function_events("EventBridgeRule")]

    def periodic_schedules(self) -> list[tuple[str, str]]:
        """(function, schedule expression) for every ``ScheduleV2`` / ``Schedule`` event source."""
        return [
            (logical_id, str(self.resolve(props["ScheduleExpression"])))
            for logical_id, props in self.function_events("ScheduleV2", "Schedule")
        ]

    def sqs_sources(self) -> list[SqsSource]:
        """Every queue a function consumes: the template's ``SQS`` events and the EventBridge rules' shim queues."""
        sources = [
            SqsSource(fn, eventbridge_shim_queue(fn), 1, False, eventbridge=True)
            for fn, _ in self.eventbridge_sources()
            if eventbridge_shim_queue(fn) in self.attributes
        ]
        for logical_id, props in self.function_events("SQS"):
            sources.append(
                SqsSource(
                    logical_id,
                    props["Queue"]["Fn::GetAtt"][0],
                    int(props.get("BatchSize", 10)),
                    "ReportBatchItemFailures" in props.get("FunctionResponseTypes", []),
                )
            )
        return sources


@dataclass(frozen=True)
class HttpRoute:
    method: str
    path: str  # API Gateway form: /v1/admin/lists/{list_id}
    function: str
    authorizer: str | None


@dataclass(frozen=True)
class SqsSource:
    function: str
    queue: str  # logical id
    batch_size: int
    report_batch_item_failures: bool
    # EventBridge rules run on moto with an SQS target the local stack creates ("<Function>Events");
    # each message body is one EventBridge event, passed to the function as is (not as an SQS batch).
    eventbridge: bool = False


def eventbridge_shim_queue(function: str) -> str:
    return f"{function}Events"


def _is_no_value(value: Any) -> bool:
    return isinstance(value, dict) and value.get("Ref") == "AWS::NoValue"


# ---- provisioning --------------------------------------------------------------------------------

_TABLE_KEYS = (
    "AttributeDefinitions",
    "KeySchema",
    "BillingMode",
    "GlobalSecondaryIndexes",
    "LocalSecondaryIndexes",
    "StreamSpecification",
    "ProvisionedThroughput",
)


def provision(parameters: dict[str, str] | None = None, template: dict[str, Any] | None = None) -> Stack:
    """Create the template's tables, queues, topics, bus, buckets and schedule groups on the endpoint
    boto3 is configured for, record every resource's attributes for ``Ref``/``GetAtt``, then what each
    event source's emulation needs (sources/, such as the EventBridge rules' shim queues)."""
    from .sources import provision_all  # the sources import this module

    stack = Stack(template or load_template(), dict(parameters or {}))
    _clients.clear()  # a fresh session per provisioning: the endpoint (moto server or mock) may have changed
    try:
        for step in (_tables, _queues, _topics, _buses, _buckets, _schedule_groups, _referenced_only, provision_all):
            step(stack)
    finally:
        _clients.clear()
    return stack


_clients: dict[str, Any] = {}


def client(service: str) -> Any:
    """One session and one client per service for a whole provisioning: a new boto3 session re-reads
    botocore's endpoint and service JSON (~0.2 s each), which made provisioning take ~2.7 s instead of ~0.5 s."""
    import boto3

    if not _clients:
        _clients[""] = boto3.session.Session()
    if service not in _clients:
        _clients[service] = _clients[""].client(service, region_name=REGION)
    return _clients[service]


def _tables(stack: Stack) -> None:
    ddb = client("dynamodb")
    for logical, res in stack.resources("AWS::DynamoDB::Table").items():
        props = stack.resolve(res["Properties"])
        name = props.get("TableName", logical)
        ddb.create_table(TableName=name, **{k: props[k] for k in _TABLE_KEYS if k in props})
        ttl = props.get("TimeToLiveSpecification")
        if ttl and ttl.get("Enabled"):
            ddb.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
        arn = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}"
        stack.attributes[logical] = {"Ref": name, "Arn": arn}


def create_queue(stack: Stack, logical: str, name: str, attrs: dict[str, str]) -> str:
    sqs = client("sqs")
    url: str = sqs.create_queue(QueueName=name, Attributes=attrs)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    stack.attributes[logical] = {"Ref": url, "Arn": arn, "QueueUrl": url, "QueueName": name}
    return str(arn)


def _queues(stack: Stack) -> None:
    # Dependency order: a DLQ must exist before the queue whose redrive policy names it.
    pending = dict(stack.resources("AWS::SQS::Queue"))
    while pending:
        for logical, res in list(pending.items()):
            target = res["Properties"].get("RedrivePolicy", {}).get("deadLetterTargetArn", {})
            needs = target.get("Fn::GetAtt", [None])[0] if isinstance(target, dict) else None
            if needs and needs not in stack.attributes:
                continue
            props = stack.resolve(res["Properties"])
            attrs = {
                k: (json.dumps(v) if isinstance(v, dict) else str(v).lower() if isinstance(v, bool) else str(v))
                for k, v in props.items()
                if k not in ("QueueName", "Tags")
            }
            create_queue(stack, logical, props.get("QueueName", logical), attrs)
            del pending[logical]


def _topics(stack: Stack) -> None:
    sns = client("sns")
    for logical, res in stack.resources("AWS::SNS::Topic").items():
        props = res.get("Properties", {})
        arn = sns.create_topic(Name=props.get("TopicName", logical))["TopicArn"]
        stack.attributes[logical] = {"Ref": arn, "TopicArn": arn, "TopicName": logical}
    for logical, res in stack.resources("AWS::SNS::Subscription").items():
        props = stack.resolve(res["Properties"])
        attributes = {"RawMessageDelivery": "true"} if props.get("RawMessageDelivery") else {}
        arn = sns.subscribe(
            TopicArn=props["TopicArn"], Protocol=props["Protocol"], Endpoint=props["Endpoint"], Attributes=attributes
        )["SubscriptionArn"]
        stack.attributes[logical] = {"Ref": arn}


def _buses(stack: Stack) -> None:
    events = client("events")
    for logical, res in stack.resources("AWS::Events::EventBus").items():
        name = stack.resolve(res["Properties"])["Name"]
        arn = events.create_event_bus(Name=name)["EventBusArn"]
        stack.attributes[logical] = {"Ref": name, "Arn": arn, "Name": name}


def _buckets(stack: Stack) -> None:
    s3 = client("s3")
    for logical in stack.resources("AWS::S3::Bucket"):
        name = logical.lower()
        s3.create_bucket(Bucket=name)
        stack.attributes[logical] = {"Ref": name, "Arn": f"arn:aws:s3:::{name}"}


def _schedule_groups(stack: Stack) -> None:
    scheduler = client("scheduler")
    for logical, res in stack.resources("AWS::Scheduler::ScheduleGroup").items():
        # Without a Name, CloudFormation generates one; locally the stack name and the logical id do.
        name = stack.resolve(res.get("Properties", {})).get("Name") or f"{stack.parameter('AWS::StackName')}-{logical}"
        arn = scheduler.create_schedule_group(Name=name)["ScheduleGroupArn"]
        stack.attributes[logical] = {"Ref": name, "Arn": arn}


def _referenced_only(stack: Stack) -> None:
    """Not created on moto (nothing reads them locally), but other resources reference them."""
    for logical in stack.resources("AWS::IAM::Role"):
        stack.attributes[logical] = {"Ref": logical, "Arn": f"arn:aws:iam::{ACCOUNT}:role/{logical}"}
    for logical in stack.functions():
        arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{logical}"
        stack.attributes[logical] = {"Ref": logical, "Arn": arn}
    for logical in stack.resources("AWS::Serverless::HttpApi"):
        stack.attributes[logical] = {"Ref": "local"}
    for logical in stack.resources("AWS::SMSVOICE::ConfigurationSet"):  # only the real provider reads it
        arn = f"arn:aws:sms-voice:{REGION}:{ACCOUNT}:configuration-set/{logical}"
        stack.attributes[logical] = {"Ref": logical, "Arn": arn}
