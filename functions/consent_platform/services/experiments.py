"""Experiments at creation and in the campaign's answer (issue 19; README "Experiments"): the request's
shape, every variant's outgoing text, its preview and cost for its share of the audience, and the
figures per variant and for the hold-out (``domain/experiments.py`` does the arithmetic)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..domain.campaigns import CampaignRequest, preview, with_opt_out
from ..domain.errors import ValidationFailed
from ..domain.experiments import experiment_stats
from ..domain.spend import check_segments

if TYPE_CHECKING:
    from ..domain.lists import StoredList
    from ..domain.segments import SegmentInfo


def check_shape(request: CampaignRequest) -> None:
    """``text`` or ``variants``, exactly one; a hold-out only with variants (its lift is per variant)."""
    if request.text is not None and request.variants is not None:
        raise ValidationFailed("give text or variants, not both", {"variants": "not together with text"})
    if request.text is None and request.variants is None:
        raise ValidationFailed("a campaign needs a text", {"text": "required (or variants)"})
    if request.holdout_percent and request.variants is None:
        raise ValidationFailed("a hold-out needs variants", {"holdout_percent": "only with variants"})


def outgoing_texts(stored_list: StoredList, request: CampaignRequest) -> dict[str | None, str]:
    """Variant id (``None``: no experiment) → the text as stored: opt-out footer, the list's spelling."""
    return {
        variant: stored_list.outgoing(with_opt_out(text, stored_list.language, stored_list.diacritics))
        for variant, text in request.texts().items()
    }


def rendered_previews(
    texts: dict[str | None, str], link_base: str | None, max_segments: int
) -> dict[str | None, tuple[str, SegmentInfo]]:
    """Each text as a recipient without a profile gets it, checked against the list's part limit (422
    naming the variant's text when one is empty or too long)."""
    out = {}
    for index, (variant, text) in enumerate(texts.items()):
        rendered, info = preview(text, link_base)
        field = "text" if variant is None else f"variants.{index}.text"
        if not rendered:
            raise ValidationFailed("the text is empty once rendered", {field: "empty"})
        check_segments(info, max_segments, field)
        out[variant] = (rendered, info)
    return out


def shares(request: CampaignRequest) -> dict[str | None, float]:
    """Each variant's expected share of the list's audience (the hold-out's is sent nothing)."""
    if not request.variants:
        return {None: 1.0}
    total = sum(v.weight for v in request.variants)
    sent = 1 - request.holdout_percent / 100
    return {v.id: sent * v.weight / total for v in request.variants}


def scaled(plan: list[dict[str, Any]], share: float) -> list[dict[str, Any]]:
    return [{**item, "recipients": round(int(item["recipients"]) * share)} for item in plan]


def stored_variants(request: CampaignRequest, texts: dict[str | None, str], shown: dict[str | None, Any]) -> Any:
    """What the campaign record keeps of its experiment (``None`` without one)."""
    if not request.variants:
        return None
    return [{"id": v.id, "text": texts[v.id], "weight": v.weight, "preview": shown[v.id]} for v in request.variants]


def combined(shown: dict[str | None, dict[str, Any]]) -> dict[str, Any]:
    """The campaign's own preview: the first variant's text and parts, the costs of all variants."""
    first = dict(next(iter(shown.values())))
    if len(shown) == 1:
        return first
    costs: dict[str, float | None] = {}
    for item in shown.values():
        for country, cost in (item.get("estimated_cost_usd") or {}).items():
            costs[country] = None if cost is None or costs.get(country, 0) is None else costs.get(country, 0) + cost
    first["estimated_cost_usd"] = {c: round(v, 6) if v is not None else None for c, v in costs.items()}
    first["estimated_cost_total_usd"] = round(sum(v for v in costs.values() if v is not None), 6)
    first["segments"] = max(int(item["segments"]) for item in shown.values())
    return first


def experiment_of(campaign: dict[str, Any], stats: dict[str, int]) -> dict[str, Any] | None:
    """``stats.experiment`` of the campaign's answer (``None`` without variants)."""
    variants = campaign.get("variants")
    if not variants:
        return None
    return experiment_stats([str(v["id"]) for v in variants], int(campaign.get("holdout_percent") or 0), stats)


def conversion_stats(stats: dict[str, int]) -> dict[str, Any]:
    """Conversions credited to the campaign's messages (services/conversions.py), click and view apart,
    and revenue per currency; the hold-out's baseline is not among them (``stats.experiment.holdout``)."""
    by_click, by_view = stats.get("conversions_click", 0), stats.get("conversions_view", 0)
    prefix = "revenue_micro#"
    sent = stats.get("sent", 0)
    return {
        "conversions": by_click + by_view,
        "conversions_click": by_click,
        "conversions_view": by_view,
        "revenue": {k.removeprefix(prefix): v / 1_000_000 for k, v in stats.items() if k.startswith(prefix) and v},
        "conversion_rate": round((by_click + by_view) / sent, 6) if sent else None,
    }
