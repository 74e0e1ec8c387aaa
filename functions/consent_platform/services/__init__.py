"""Use cases: each composes pure domain decisions with the adapters that persist and send them."""
