"""Inbound SMS: STOP / START / YES / HELP and custom keywords (see ``service`` for the guarantees).

Nothing is imported here: the admin function validates keyword actions against ``keyword_actions``
without loading the worker's service, intents and context (import ``.service`` for ``InboundService``).
"""
