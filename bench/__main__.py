"""``python -m bench`` (``make bench``): every benchmark, a table, and ``bench-results.json``.

``python -m bench --quick`` runs smaller sizes (for trying a change; its figures are not the targets').
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from bench import aws_requests, cold_start, cost, dispatch, flow_steps, hot_paths, latency, spend, throughput
from infra.local.template import ROOT

RESULTS = ROOT / "bench-results.json"
TARGETS = {
    "cold_start_floor_plus": cold_start.TARGET_FLOOR_PLUS,
    "aws_requests_per_sent_message": 2.3,
    "aws_requests_per_inbound_message": 4.0,
    "local_optin_p50_ms": 50.0,
    "cost_usd_per_million_sent": 2.75,  # delivery receipts included (issue 16)
    "aws_requests_per_receipt": 1.2,
    "flow_sweep_requests_per_step": 3.0,  # issue 18
}


def _progress(started: float) -> Any:
    def say(text: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f} s] {text}", file=sys.stderr, flush=True)

    return say


def run(quick: bool = False) -> tuple[dict[str, Any], dict[str, Any]]:
    """(bench-results.json, details for the table)."""
    say = _progress(time.perf_counter())
    say("hot paths")
    hot = hot_paths.measure()
    say("cold start")
    cold, floors = cold_start.measure(5 if quick else cold_start.RUNS, progress=say)
    say("campaign")
    campaign = aws_requests.campaign(200 if quick else aws_requests.CAMPAIGN_RECIPIENTS, progress=say)
    say("dispatch")
    dispatched = dispatch.measure(500 if quick else 2_000)
    say("inbound")
    inbound = aws_requests.inbound(100 if quick else aws_requests.INBOUND_MESSAGES, progress=say)
    say("planning")
    planning = aws_requests.planning((10, 500) if quick else aws_requests.PLANNING_SIZES, progress=say)
    say("local stack latency")
    local = latency.measure(100 if quick else latency.REQUESTS, progress=say)
    money = cost.per_million_sent(campaign, campaign["batch_sizes"])
    small, large = (planning[k] for k in planning)
    results = {
        "cold_start": cold,
        "aws_requests_per_sent_message": round(campaign["per_message"], 3),
        "aws_requests_per_inbound_message": round(inbound["per_message"], 3),
        "dispatch": dispatched,  # requests per recipient (measured), invocations per 1M (bench/dispatch.py)
        "planning_requests": {
            "subscribers_100": small["requests"],
            "subscribers_20000": large["requests"],
        },
        "hot_paths_per_s": {k: hot[k] for k in hot_paths.TARGETS},
        "local_optin_latency_ms": {"p50": local["p50"], "p99": local["p99"]},
        "cost_usd_per_million_sent": money["total"],
        "aws_requests_per_receipt": round(campaign["requests_per_receipt"], 3),
    }
    results["spend"] = spend.figure()  # issue 17: parts paid vs the fewest the texts need
    results["throughput"] = throughput.figure()  # issue 17: 300 recipients at 10 parts/s, paced
    say("throttling provider")  # issue 17: a campaign against a provider stub that throttles
    results["throughput"].update(throughput.throttled(200 if quick else throughput.THROTTLED_RECIPIENTS))
    say("flow steps")  # issue 18: requests per executed flow step (the sweep), per entered event
    steps = flow_steps.flow_steps(100 if quick else flow_steps.STEPS)
    results["flow_steps"] = {k: v for k, v in steps.items() if k != "sweep_by_operation"}
    details = {
        "campaign": campaign,
        "inbound": inbound,
        "planning": planning,
        "hot": hot,
        "local": local,
        "cost": money,
        "floors": floors,
        "quick": quick,
    }
    say("done")
    return results, details


def table(results: dict[str, Any], details: dict[str, Any]) -> str:
    ok = lambda good: "ok" if good else "MISSED"  # noqa: E731
    rows: list[tuple[str, str, str, str]] = []
    cold = results["cold_start"]
    rows.append(("cold start: import boto3 (baseline, CPU time)", f"{cold['boto3_import_s'] * 1000:.0f} ms", "", ""))
    floors = details["floors"]
    target = TARGETS["cold_start_floor_plus"]
    for function, figures in cold["handlers"].items():
        rows.append(  # the target: what our code adds to the floor its trigger sets, in imports of boto3
            (
                f"cold start: {function}",
                f"{figures['import_s'] * 1000:.0f} ms  ×{figures['ratio']:.2f}  {figures['peak_rss_mb']} MB"
                f"  floor{figures['floor_plus']:+.2f}",
                f"≤ +{target}",
                ok(figures["floor_plus"] <= target),
            )
        )
    rows.append(
        (
            "    floor: boto3 + Powertools + pydantic + resolver / batch / —",
            " / ".join(f"×{floors[k]:.2f}" for k in ("floor_api", "floor_sqs", "floor_plain")),
            "",
            "",
        )
    )
    campaign, inbound = details["campaign"], details["inbound"]
    mix = ", ".join(f"{n} {word}" for word, n in inbound["mix"].items())
    for label, key, shares in (
        (f"AWS requests per sent message ({campaign['sent']:,} recipients)", "aws_requests_per_sent_message",
         campaign["by_operation"]),
        (f"AWS requests per inbound message ({mix})", "aws_requests_per_inbound_message", inbound["by_operation"]),
        (f"AWS requests per delivery receipt ({campaign['receipts']:,}, one final each)", "aws_requests_per_receipt",
         campaign["receipt_by_operation"]),
    ):  # fmt: skip
        value = results[key]
        rows.append((label, f"{value:.3f}", f"≤ {TARGETS[key]:g}", ok(value <= TARGETS[key])))
        rows.extend((f"    {operation}", f"{share:.4f}", "", "") for operation, share in shares.items())
    plan = results["planning_requests"]
    sizes = list(details["planning"])
    rows.append(
        (
            f"planning requests, {sizes[0].split('_')[1]} vs {sizes[1].split('_')[1]} subscribers",
            f"{plan['subscribers_100']} vs {plan['subscribers_20000']}",
            "equal",
            ok(plan["subscribers_100"] == plan["subscribers_20000"]),
        )
    )
    for name, target in hot_paths.TARGETS.items():
        rate = results["hot_paths_per_s"][name]
        rows.append((f"hot path: {name}", f"{rate:,}/s", f"≥ {target:,}/s", ok(rate >= target)))
    uncached = details["hot"]["normalize_phone_uncached"]
    rows.append(("    normalize_phone, every call a new number", f"{uncached:,}/s", "", ""))
    local = results["local_optin_latency_ms"]
    rows.append(
        (
            f"local POST /v1/optin, {details['local']['requests']:,} sequential",
            f"p50 {local['p50']} ms, p99 {local['p99']} ms",
            f"p50 ≤ {TARGETS['local_optin_p50_ms']:.0f} ms",
            ok(local["p50"] <= TARGETS["local_optin_p50_ms"]),
        )
    )
    money = details["cost"]
    rows.append(
        (
            "infrastructure $ per million sent",
            f"${money['total']:.2f}",
            f"≤ ${TARGETS['cost_usd_per_million_sent']:.2f}",
            ok(money["total"] <= TARGETS["cost_usd_per_million_sent"]),
        )
    )
    for line, dollars in money["lines"].items():
        rows.append((f"    {line}", f"${dollars:.4f}", "", ""))
    sms = money["sms_us_per_million"]
    low, high = sms["with_carrier_fees"]
    rows.append(
        (
            "    for comparison: US SMS fees per million (1 part)",
            f"${sms['aws_fee']:,} + carrier fees = ${low:,}–${high:,}",
            "",
            "",
        )
    )
    paid = results["spend"]
    rows.append(
        (
            f"spend: corpus parts ({paid['corpus_messages']} texts, transliterate off/on) vs minimum",
            f"{'/'.join(map(str, paid['corpus_segments'].values()))} vs "
            f"{'/'.join(map(str, paid['corpus_minimum_segments'].values()))}; Polish example "
            f"{paid['polish_example_segments']} part",
            "equal; 1 part",
            ok(paid["corpus_equal_to_minimum"] and paid["polish_example_segments"] == 1),
        )
    )
    paced = results["throughput"]
    rows.append(
        (
            f"throughput: {paced['recipients']} recipients at {paced['parts_per_second_limit']} parts/s",
            f"max {paced['max_parts_in_any_1s']} parts in 1 s, {paced['achieved_parts_per_second']}/s, "
            f"{paced['dead_lettered']} dead-lettered, {paced['duplicates']} duplicates",
            f"≤ {paced['max_allowed_in_any_1s']}, ≥ {0.8 * paced['parts_per_second_limit']:g}/s, 0, 0",
            ok(
                paced["max_parts_in_any_1s"] <= paced["max_allowed_in_any_1s"]
                and paced["achieved_parts_per_second"] >= 0.8 * paced["parts_per_second_limit"]
                and paced["dead_lettered"] == 0
                and paced["duplicates"] == 0
                and paced["sent"] == paced["recipients"]
            ),
        )
    )
    stub = paced["throttling_stub"]
    rows.append(
        (
            f"throttling provider: {stub['recipients']:,} recipients, {stub['throttles']} throttled calls",
            f"{paced['requests_per_sent_message_throttled']} requests/sent, {stub['lost']} lost, "
            f"{stub['duplicates']} duplicates, {stub['dead_lettered']} dead-lettered",
            "(reported), 0, 0, 0",
            ok(stub["lost"] == 0 and stub["duplicates"] == 0 and stub["dead_lettered"] == 0),
        )
    )
    flows = results["flow_steps"]
    rows.append(
        (
            f"flow steps: {flows['steps']} due send steps, one sweep",
            f"{flows['sweep_requests_per_step']} requests/step (sender {flows['sender_requests_per_message']}/msg)",
            f"≤ {TARGETS['flow_sweep_requests_per_step']:g}",
            ok(flows["sweep_requests_per_step"] <= TARGETS["flow_sweep_requests_per_step"]),
        )
    )
    width = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = [f"{'benchmark':<{width[0]}}  {'result':<{width[1]}}  {'target':<{width[2]}}  "]
    lines.append("-" * (sum(width) + 8))
    lines += [f"{a:<{width[0]}}  {b:<{width[1]}}  {c:<{width[2]}}  {d}".rstrip() for a, b, c, d in rows]
    if details["quick"]:
        lines.append("(--quick: smaller sizes; these are not the target figures)")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    results, details = run(quick)
    print(table(results, details))
    if not quick:
        RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
        print(f"\nwrote {RESULTS.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
