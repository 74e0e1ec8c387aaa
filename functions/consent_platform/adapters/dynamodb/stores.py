"""Every store over one pair of tables: what a handler builds once and hands to its service.

Each store is built (and its module imported) on first use, so a function loads only the stores it
touches — the admin function never imports the sending or campaign stores, for instance.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from .table import Table

if TYPE_CHECKING:
    from .campaigns import CampaignStore
    from .catalog import CatalogStore
    from .consent_store import ConsentStore
    from .contests import ContestStore
    from .conversions import ConversionStore
    from .deliveries import DeliveryStore
    from .dispatch import DispatchStore
    from .inbound import InboundStore
    from .inbox import InboxStore
    from .limits import LimitsStore
    from .links import LinkStore
    from .pacing import PacingStore
    from .polls import PollStore
    from .sending import SendingStore
    from .triggers import TriggerStore
    from .undeliverable import UndeliverableStore


class Stores:
    def __init__(self, table_name: str, ledger_table_name: str) -> None:
        self.table = Table(table_name, ledger_table_name)

    @cached_property
    def catalog(self) -> CatalogStore:
        from .catalog import CatalogStore

        return CatalogStore(self.table)

    @cached_property
    def consent(self) -> ConsentStore:
        from .consent_store import ConsentStore

        return ConsentStore(self.table)

    @cached_property
    def limits(self) -> LimitsStore:
        from .limits import LimitsStore

        return LimitsStore(self.table)

    @cached_property
    def sending(self) -> SendingStore:
        from .sending import SendingStore

        return SendingStore(self.table)

    @cached_property
    def pacing(self) -> PacingStore:
        from .pacing import PacingStore

        return PacingStore(self.table)

    @cached_property
    def campaigns(self) -> CampaignStore:
        from .campaigns import CampaignStore

        return CampaignStore(self.table)

    @cached_property
    def conversions(self) -> ConversionStore:
        from .conversions import ConversionStore

        return ConversionStore(self.table)

    @cached_property
    def triggers(self) -> TriggerStore:
        from .triggers import TriggerStore

        return TriggerStore(self.table)

    @cached_property
    def inbound(self) -> InboundStore:
        from .inbound import InboundStore

        return InboundStore(self.table)

    @cached_property
    def inbox(self) -> InboxStore:
        from .inbox import InboxStore

        return InboxStore(self.table)

    @cached_property
    def undeliverable(self) -> UndeliverableStore:
        from .undeliverable import UndeliverableStore

        return UndeliverableStore(self.table)

    @cached_property
    def dispatch(self) -> DispatchStore:
        from .dispatch import DispatchStore

        return DispatchStore(self.table)

    @cached_property
    def contests(self) -> ContestStore:
        from .contests import ContestStore

        return ContestStore(self.table)

    @cached_property
    def deliveries(self) -> DeliveryStore:
        from .deliveries import DeliveryStore

        return DeliveryStore(self.table)

    @cached_property
    def polls(self) -> PollStore:
        from .polls import PollStore

        return PollStore(self.table)

    @cached_property
    def links(self) -> LinkStore:
        from .links import LinkStore

        return LinkStore(self.table)
