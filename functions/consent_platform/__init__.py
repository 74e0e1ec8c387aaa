"""Shared domain logic and AWS adapters for the SMS consent platform.

Layout: ``domain`` is pure Python (no boto3); ``adapters`` talk to AWS; ``services`` orchestrate a use
case from the two; ``http`` maps domain errors to HTTP responses in one place.
"""
