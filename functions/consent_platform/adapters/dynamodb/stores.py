"""Every store over one pair of tables: what a handler builds once and hands to its service."""

from __future__ import annotations

from .campaigns import CampaignStore
from .catalog import CatalogStore
from .consent_store import ConsentStore
from .inbound import InboundStore
from .limits import LimitsStore
from .sending import SendingStore
from .table import Table
from .triggers import TriggerStore


class Stores:
    def __init__(self, table_name: str, ledger_table_name: str) -> None:
        self.table = Table(table_name, ledger_table_name)
        self.catalog = CatalogStore(self.table)
        self.consent = ConsentStore(self.table)
        self.limits = LimitsStore(self.table)
        self.sending = SendingStore(self.table)
        self.campaigns = CampaignStore(self.table)
        self.triggers = TriggerStore(self.table)
        self.inbound = InboundStore(self.table)
