"""DynamoDB storage: one key registry (``keys``), table primitives and the named transaction builder
(``table``), and one store per aggregate. ``stores.Stores`` puts them together for the handlers."""
